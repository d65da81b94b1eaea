//! `sensitive_column_plaintext`: columns whose names say they hold card numbers, CVV,
//! passwords, secrets, national ids, bank accounts, health data, device identifiers or
//! personal data, stored as plain text.
//!
//! Names are split into lower-case tokens (`customerEmail` -> `customer_email`,
//! `card_no` -> `card_no`), and patterns match whole tokens: `emailed_at` is not an email.
//! A token such as `hash`, `encrypted` or `last4` marks the value as already protected.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::rls::exposed_to;
use crate::rules::Rule;
use crate::snapshot::fast_hash::Map as HashMap;
use crate::snapshot::{Attribute, Oid, Parts, RelKind, Relation, Snapshot};
use regex::Regex;
use serde_json::json;
use std::sync::OnceLock;

/// Columns, and who can read them (the RLS rules' exposure).
pub const PARTS: Parts = crate::rules::rls::PARTS;

pub const SENSITIVE_PLAINTEXT: Rule = Rule {
    id: "sensitive_column_plaintext",
    category: Category::Compliance,
    default_level: Level::Error,
    description: "Column named like a card number, CVV, password, secret, national id, bank \
                  account, health record, device identifier or personal data, stored as plain \
                  text (card data and secrets: error; health data: warning, error when exposed)",
    check,
    parts: PARTS,
};

/// What a column holds, by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    CardNumber,
    Cvv,
    Password,
    Secret,
    NationalId,
    BankAccount,
    /// Medical records and patient or health-insurance identifiers (GDPR art. 9, HIPAA).
    HealthData,
    /// IMEI, MAC address: identify a person's device (personal data under GDPR).
    DeviceId,
    PersonalData,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::CardNumber => "a payment card number",
            Kind::Cvv => "a card verification code (CVV/CVC)",
            Kind::Password => "a password",
            Kind::Secret => "a secret, token or key",
            Kind::NationalId => "a national or government-issued identifier",
            Kind::BankAccount => "a bank account",
            Kind::HealthData => "health data",
            Kind::DeviceId => "a device identifier",
            Kind::PersonalData => "personal data",
        }
    }
}

struct Patterns {
    token: Regex,
    protected: Regex,
    kinds: Vec<(Kind, Regex)>,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let k = |re: &str| Regex::new(&format!("(^|_)({re})(_|$)")).expect("valid pattern");
        // a pattern that must end the name: `user_jwt`, not `jwt_issuer`
        let last = |re: &str| Regex::new(&format!("(^|_)({re})$")).expect("valid pattern");
        Patterns {
            token: Regex::new("[A-Z]+[a-z]*|[a-z]+|[0-9]+").expect("valid pattern"),
            protected: k("hash|hashed|digest|bcrypt|scrypt|argon2|encrypted|enc|cipher|ciphertext|masked|last_?4|last_four|fingerprint|salt|tokenized|expires|expiry|exp|at|on|verified|count|type|id_type"),
            kinds: vec![
                (Kind::Cvv, k("cvv_?2?|cvc_?2?|cvn_?2?|csc|cid|card_(verification|security)_(code|value)|security_code")),
                (Kind::CardNumber, k("(card|cc|credit_card|creditcard)_(number|num|no|nr)|cardnumber|ccnumber|pan|primary_account_number")),
                // the bare name (`credit_card`, `customer_credit_card`), not `credit_card_id`
                (Kind::CardNumber, last("credit_?card")),
                (Kind::Password, k("password|passwd|pwd|pass_?phrase|passcode")),
                (Kind::Secret, k("secret|secret_key|token|api_?key|apikey|private_?key|access_?key|auth_token|refresh_token|session_token|client_secret|(auth|session|ssh|pgp|gpg|licen[cs]e|activation)_key|(recovery|backup|verification)_codes?|(2_fa|two_?fa|mfa|otp|totp)_codes?")),
                (Kind::Secret, last("jwt|otp")),
                (Kind::NationalId, k("ssn|social_security(_number)?|national_(id|number)|national_insurance(_(number|no))?|passport(_(number|no))?|tax_(id|number)|driver_?s?_licen[cs]e|licen[cs]e_(number|no)")),
                (Kind::BankAccount, k("iban|bank_account(_(number|no))?|account_(number|no)|routing_number|sort_code|swift_(code|bic)|bic")),
                (Kind::HealthData, k("(health|medical)_records?(_(number|no))?|patient_id|insurance_(number|no)")),
                // before personal data: `mac_address` is not a postal address
                (Kind::DeviceId, k("imei|mac_?address|mac_addr")),
                (Kind::PersonalData, k("email|e_mail|email_address|phone|phone_number|mobile|telephone|birth_?date|date_of_birth|dob|birthday|address|street|zip|zip_code|postal_code|postcode")),
            ],
        }
    })
}

/// `cardNumber` -> `card_number`, `PWD_Hash` -> `pwd_hash`, `CVV2` -> `cvv_2`.
pub fn tokens(name: &str) -> String {
    patterns()
        .token
        .find_iter(name)
        .map(|m| m.as_str().to_lowercase())
        .collect::<Vec<_>>()
        .join("_")
}

/// What a column name says it holds, unless it says the value is protected.
pub fn classify(name: &str) -> Option<Kind> {
    let t = tokens(name);
    let p = patterns();
    let kind = p
        .kinds
        .iter()
        .find(|(_, re)| re.is_match(&t))
        .map(|(k, _)| *k)?;
    // a CVV is never acceptable; anything else hashed/encrypted/masked is fine
    if kind != Kind::Cvv && p.protected.is_match(&t) {
        return None;
    }
    Some(kind)
}

/// A column of an in-scope table (not a partition) whose name says it holds sensitive data.
pub struct SensitiveColumn<'a> {
    pub table: &'a Relation,
    pub attnum: i16,
    pub attr: &'a Attribute,
    pub kind: Kind,
}

/// Every sensitive column, in table and column order: one pass over the attributes per
/// run, shared by this rule and `audit_missing_sensitive_table`.
pub fn sensitive_columns<'a>(snap: &'a Snapshot, config: &Config) -> Vec<SensitiveColumn<'a>> {
    let found = snap.shared_in_scope(config, || SensitiveKeys::find(snap, config));
    found
        .0
        .iter()
        .filter_map(|&(rel, attnum, kind)| {
            Some(SensitiveColumn {
                table: snap.relation(rel)?,
                attnum,
                attr: snap.attributes.get(&(rel, attnum))?,
                kind,
            })
        })
        .collect()
}

/// (table, column, kind) of every sensitive column, sorted.
struct SensitiveKeys(Vec<(Oid, i16, Kind)>);

impl SensitiveKeys {
    fn find(snap: &Snapshot, config: &Config) -> SensitiveKeys {
        // names repeat across tables (id, tenant_id, created_at): classify each once
        let mut by_name: HashMap<&str, Option<Kind>> = HashMap::default();
        let mut found: Vec<(Oid, i16, Kind)> = snap
            .attributes
            .iter()
            .filter_map(|(&(rel, attnum), attr)| {
                let table = snap.relation(rel)?;
                let user_table = matches!(table.kind, RelKind::Table | RelKind::PartitionedTable)
                    && !table.is_partition
                    && snap.in_scope(table, config);
                if !user_table {
                    return None;
                }
                let kind = *by_name
                    .entry(attr.name.as_str())
                    .or_insert_with(|| classify(&attr.name));
                Some((rel, attnum, kind?))
            })
            .collect();
        found.sort_unstable_by_key(|&(rel, attnum, _)| (rel, attnum));
        SensitiveKeys(found)
    }
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for SensitiveColumn {
        table: rel,
        attr,
        kind,
        ..
    } in sensitive_columns(snap, config)
    {
        let stored_as_text = attr.type_category == 'S';
        let applies = match kind {
            Kind::Cvv => true,                                               // stored at all
            Kind::CardNumber => stored_as_text || attr.type_category == 'N', // not bytea
            _ => stored_as_text,
        };
        if !applies {
            continue;
        }
        let exposed = !rel.rls_enabled && !exposed_to(snap, rel, config).is_empty();
        let level = match kind {
            Kind::CardNumber | Kind::Cvv | Kind::Password | Kind::Secret => Level::Error,
            Kind::HealthData if exposed => Level::Error,
            Kind::HealthData => Level::Warning,
            _ if exposed => Level::Warning,
            _ => Level::Info,
        };
        let table = snap.rel_identity(rel.oid);
        let column = quote::ident(&attr.name);
        let id = format!("{table}.{column}");
        let advice = match kind {
            Kind::Cvv => "PCI DSS forbids storing it after authorization: drop the column",
            Kind::CardNumber => {
                "keep only your payment provider's token (or encrypt it and restrict access): \
                 PCI DSS applies to every system that stores it"
            }
            Kind::Password => {
                "store a salted hash (e.g. pgcrypto's crypt(..., gen_salt('bf'))) instead"
            }
            Kind::Secret => {
                "store a hash of tokens you compare, or encrypt secrets you must read back"
            }
            Kind::HealthData => {
                "health data is a special category (GDPR art. 9, HIPAA): restrict who can read \
                 it (Row Level Security, column privileges) and encrypt it"
            }
            _ => {
                "restrict who can read it (Row Level Security, column privileges) and consider \
                 encrypting or masking it"
            }
        };
        let detail = format!(
            "Column {column} of {table} looks like {} (from its name) and is stored as {}{}: {advice}.",
            kind.label(),
            attr.type_name,
            if exposed { ", in a table other roles can read without Row Level Security" } else { "" }
        );
        let remediation = match kind {
            Kind::Cvv => format!("Needs a decision (the data is lost):\nALTER TABLE {table} DROP COLUMN {column};"),
            Kind::CardNumber | Kind::Password | Kind::Secret => format!(
                "Needs a migration: add a protected column, fill it, then\nALTER TABLE {table} DROP COLUMN {column};"
            ),
            _ => format!(
                "Needs a decision: who may read it? For example:\nREVOKE SELECT ({column}) ON {table} FROM <role>;"
            ),
        };
        let remediation = quote::comment(&remediation);
        out.push(SENSITIVE_PLAINTEXT.finding(
            level,
            "table column",
            id,
            None,
            detail,
            Some(remediation),
            json!({
                "schema": snap.schema_name(rel),
                "table": rel.name,
                "column": attr.name,
                "kind": format!("{kind:?}"),
                "type": &*attr.type_name,
                "exposed_without_rls": exposed,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn tokenizing() {
        assert_eq!(tokens("cardNumber"), "card_number");
        assert_eq!(tokens("customer_email"), "customer_email");
        assert_eq!(tokens("PWD_Hash"), "pwd_hash");
        assert_eq!(tokens("CVV2"), "cvv_2");
        assert_eq!(tokens("Kunden Nr."), "kunden_nr");
    }

    #[test]
    fn classifying_names() {
        let cases = [
            ("card_number", Some(Kind::CardNumber)),
            ("cardNumber", Some(Kind::CardNumber)),
            ("card_no", Some(Kind::CardNumber)),
            ("cc_num", Some(Kind::CardNumber)),
            ("cvv", Some(Kind::Cvv)),
            ("card_cvc2", Some(Kind::Cvv)),
            ("password", Some(Kind::Password)),
            ("user_pwd", Some(Kind::Password)),
            ("pwd_hash", None),
            ("password_hash", None),
            ("api_key", Some(Kind::Secret)),
            ("apiKey", Some(Kind::Secret)),
            ("key_hash", None),
            ("webhook_secret", Some(Kind::Secret)),
            ("ssn", Some(Kind::NationalId)),
            ("iban", Some(Kind::BankAccount)),
            ("customer_email", Some(Kind::PersonalData)),
            ("emailed_at", None),
            ("email_verified_at", None),
            ("phone", Some(Kind::PersonalData)),
            ("dateOfBirth", Some(Kind::PersonalData)),
            ("card_last4", None),
            ("title", None),
            ("passenger", None),
            ("tokenizer_name", None),
        ];
        for (name, want) in cases {
            assert_eq!(classify(name), want, "{name}");
        }
    }

    #[test]
    fn levels_and_types() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = b.table(
            "app",
            "payment_methods",
            &["card_number", "cvv", "email", "phone", "card_blob"],
        );
        b.attribute_mut(t, "cvv").type_category = 'N';
        b.attribute_mut(t, "card_blob").type_category = 'U';
        b.attribute_mut(t, "phone").type_category = 'N';
        let snap = b.build();
        let found = (SENSITIVE_PLAINTEXT.check)(&snap, &Config::default());
        let summary: Vec<(String, Level)> = found
            .iter()
            .map(|f| (f.object_identity.clone(), f.level))
            .collect();
        assert_eq!(
            summary,
            [
                ("app.payment_methods.card_number".to_string(), Level::Error),
                ("app.payment_methods.cvv".to_string(), Level::Error),
                ("app.payment_methods.email".to_string(), Level::Info),
            ]
        );
        // personal data in a table exposed without RLS is a warning
        let mut b = SnapshotBuilder::new();
        let app2 = b.role("app_user", true, false, false);
        let t = b.table("app", "users", &["email"]);
        b.grant(t, app2, &["SELECT"]);
        let _ = app;
        assert_eq!(
            (SENSITIVE_PLAINTEXT.check)(&b.build(), &Config::default())[0].level,
            Level::Warning
        );
    }

    #[test]
    fn names_splinter_catches() {
        let positives = [
            ("credit_card", Kind::CardNumber),
            ("creditCard", Kind::CardNumber),
            ("customer_credit_card", Kind::CardNumber),
            ("auth_key", Kind::Secret),
            ("session_key", Kind::Secret),
            ("ssh_key", Kind::Secret),
            ("pgp_key", Kind::Secret),
            ("gpg_key", Kind::Secret),
            ("license_key", Kind::Secret),
            ("licence_key", Kind::Secret),
            ("activation_key", Kind::Secret),
            ("jwt", Kind::Secret),
            ("user_jwt", Kind::Secret),
            ("otp", Kind::Secret),
            ("otp_code", Kind::Secret),
            ("recovery_code", Kind::Secret),
            ("recovery_codes", Kind::Secret),
            ("backup_code", Kind::Secret),
            ("verification_code", Kind::Secret),
            ("2fa_code", Kind::Secret),
            ("mfa_code", Kind::Secret),
            ("cvn", Kind::Cvv),
            ("license_number", Kind::NationalId),
            ("national_insurance_number", Kind::NationalId),
            ("swift_code", Kind::BankAccount),
            ("bic", Kind::BankAccount),
            ("bank_bic", Kind::BankAccount),
            ("health_record", Kind::HealthData),
            ("medical_record", Kind::HealthData),
            ("medical_record_number", Kind::HealthData),
            ("patient_id", Kind::HealthData),
            ("patientId", Kind::HealthData),
            ("insurance_number", Kind::HealthData),
            ("imei", Kind::DeviceId),
            ("device_imei", Kind::DeviceId),
            ("mac_address", Kind::DeviceId),
            ("macaddress", Kind::DeviceId),
            ("macAddress", Kind::DeviceId),
        ];
        for (name, kind) in positives {
            assert_eq!(classify(name), Some(kind), "{name}");
        }
        let near_misses = [
            "jwt_expires_at",
            "jwt_issuer",
            "otp_verified",
            "otp_enabled",
            "topic",
            "mac_address_hash",
            "mac",
            "macro",
            "bicycle",
            "cubicle",
            "basic",
            "license",
            "license_type",
            "licensee",
            "key",
            "keyboard",
            "public_key",
            "ssh_public_key",
            "session_id",
            "session_key_expires_at",
            "credit_card_id",
            "credit_card_type",
            "credit_card_expiry",
            "backup_at",
            "verification_status",
            "activation_date",
            "patient",
            "health_score",
            "record_id",
            "insurance_type",
            "swift",
            "imei_verified",
            "2fa_enabled",
        ];
        for name in near_misses {
            assert_eq!(classify(name), None, "{name}");
        }
        assert_eq!(
            tokens("2fa_code"),
            "2_fa_code",
            "digits are a token of their own"
        );
    }

    #[test]
    fn health_data_and_device_identifiers() {
        let mut b = SnapshotBuilder::new();
        let t = b.table(
            "clinic",
            "visits",
            &[
                "patient_id",
                "medical_record",
                "imei",
                "mac_address",
                "visit_id",
            ],
        );
        // an integer patient id is a key, not plain text
        b.attribute_mut(t, "patient_id").type_category = 'N';
        // the macaddr type is not plain text either
        b.attribute_mut(t, "mac_address").type_category = 'U';
        let found = (SENSITIVE_PLAINTEXT.check)(&b.build(), &Config::default());
        let summary: Vec<(&str, Level)> = found
            .iter()
            .map(|f| (f.object_identity.as_str(), f.level))
            .collect();
        assert_eq!(
            summary,
            [
                ("clinic.visits.medical_record", Level::Warning),
                ("clinic.visits.imei", Level::Info),
            ]
        );
        assert!(found[0].detail.contains("looks like health data"));
        assert!(found[0].detail.contains("GDPR art. 9, HIPAA"));
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("-- Needs a decision: who may read it? For example:\n-- REVOKE SELECT (medical_record) ON clinic.visits FROM <role>;")
        );
        // exposed without RLS: health data is an error, a device id a warning
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = b.table("clinic", "visits", &["health_record", "imei"]);
        b.grant(t, app, &["SELECT"]);
        let levels: Vec<Level> = (SENSITIVE_PLAINTEXT.check)(&b.build(), &Config::default())
            .iter()
            .map(|f| f.level)
            .collect();
        assert_eq!(levels, [Level::Error, Level::Warning]);
    }
}
