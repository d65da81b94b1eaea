//! The audit-trail generator: from one table's description and the user's options to the
//! DDL that audits it (a trigger function generated for that table, its triggers, and its
//! entry in the registry), and the DDL that stops auditing it.
//!
//! The generated function is written so that no DDL on the table can break a write: it
//! reads the row through `to_jsonb(OLD/NEW)` and names columns only as jsonb keys (a
//! missing key is NULL, never an error). The extension's event trigger regenerates it
//! after DDL so key and excluded columns follow renames.

mod generate;
mod options;

pub use generate::{disable_statements, enable_statements, refresh_statements};
pub use options::{follow_renames, resolve_requested, Column};

use serde::{Deserialize, Serialize};

/// Name of the row-level trigger (on the audited table; PostgreSQL clones it to partitions).
pub const ROW_TRIGGER: &str = "advisor_audit";
/// Name of the statement-level TRUNCATE trigger (on the table, or on each leaf partition).
pub const TRUNCATE_TRIGGER: &str = "advisor_audit_truncate";
/// Generated trigger functions are named `advisor_audit:<audited table>` in the extension's
/// schema; the prefix is how the extension recognises its own functions.
pub const FUNCTION_PREFIX: &str = "advisor_audit:";
/// Longest identifier PostgreSQL keeps (NAMEDATALEN - 1), in bytes.
const MAX_IDENT_BYTES: usize = 63;

/// What the user chose for one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditOptions {
    /// Columns whose values are never logged, and whose changes do not count as changes.
    pub exclude_columns: Vec<String>,
    /// UPDATEs log only the changed columns in old/new values (else the full rows).
    pub changed_only: bool,
    /// UPDATEs that change no (non-excluded) column leave no log row.
    pub skip_unchanged: bool,
    /// Column numbers of `exclude_columns`, so an exclusion follows a column rename.
    #[serde(default)]
    pub exclude_attnums: Vec<i16>,
    /// The custom setting the trigger reads the application user from, fixed when the
    /// audit is enabled (`database_advisor.audit_actor_setting` then): a writer cannot
    /// point the SECURITY DEFINER trigger at a setting only its owner may read.
    #[serde(default = "default_actor_setting")]
    pub actor_setting: String,
}

fn default_actor_setting() -> String {
    "app.user_id".into()
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            exclude_columns: Vec::new(),
            changed_only: false,
            skip_unchanged: false,
            exclude_attnums: Vec::new(),
            actor_setting: default_actor_setting(),
        }
    }
}

/// Whether `name` is a custom setting (`prefix.name`, each part an identifier), the only
/// kind an audit may read the application user from: PostgreSQL's own settings include
/// ones only a superuser may read (`data_directory`).
pub fn is_custom_setting(name: &str) -> bool {
    let part = |p: &str| {
        let mut chars = p.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 2 && parts.iter().all(|p| part(p))
}

/// Where the row identity (`row_key`) comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    PrimaryKey,
    /// The index named as REPLICA IDENTITY, or else a unique index on NOT NULL columns.
    UniqueIndex(String),
    /// No way to identify a row: `row_key` is NULL and old/new values are full rows.
    None,
}

/// A table to audit, as the server describes it.
#[derive(Clone, Debug)]
pub struct AuditTarget {
    /// Schema of the extension (holds the log, the registry and the generated functions).
    pub ext_schema: String,
    /// Stable name of this audit in the log and registry: the table's identity when it was
    /// first audited; it does not change when the table is renamed.
    pub audited_table: String,
    /// Name of the generated trigger function (see [`function_name`]).
    pub function_name: String,
    pub schema: String,
    pub table: String,
    /// The table's columns, without the excluded ones.
    pub columns: Vec<String>,
    /// The key columns (empty when `key_source` is `None`).
    pub key_columns: Vec<String>,
    pub key_source: KeySource,
    /// Relations that carry the TRUNCATE trigger: the table itself, or its leaf partitions.
    pub truncate_targets: Vec<(String, String)>,
    /// Relations carrying our TRUNCATE trigger that should not (detached partitions).
    pub stale_truncate: Vec<(String, String)>,
    pub options: AuditOptions,
    /// Whether the trigger function exists already (then it is replaced, else created, so
    /// a function someone else creates meanwhile makes the creation fail).
    pub function_exists: bool,
    /// The existing function's name when it differs from `function_name` (named the way
    /// 0.1.0 did, `advisor_audit:"Shop Ünï"."Order Lines"`): it is renamed first.
    pub rename_from: Option<String>,
    /// Whether the server has `CREATE OR REPLACE TRIGGER` (PostgreSQL 14 and later). Before,
    /// a trigger of ours that exists already is dropped and created again.
    pub replace_triggers: bool,
    /// Whether the table carries our row trigger already.
    pub has_row_trigger: bool,
    /// Relations that carry our TRUNCATE trigger already.
    pub has_truncate: Vec<(String, String)>,
}

impl AuditTarget {
    /// `changed_only` needs a row key to make sense of a partial row: without one, UPDATEs
    /// keep full rows (the documented fallback).
    pub fn effective_changed_only(&self) -> bool {
        self.options.changed_only && self.key_source != KeySource::None
    }
}

/// The generated function's name for an audited table: `advisor_audit:<schema>.<table>`
/// as people read them (`advisor_audit:Shop Ünï.Order Lines`, not the identity's nested
/// quotes), with a hash of the identity when that reading is ambiguous (a dot inside a
/// name) or longer than 63 bytes, so different tables never share a function.
pub fn function_name(audited_table: &str) -> String {
    let (readable, ambiguous) = readable_identity(audited_table);
    let full = format!("{FUNCTION_PREFIX}{readable}");
    if full.len() <= MAX_IDENT_BYTES && !ambiguous {
        return full;
    }
    let suffix = format!("~{:08x}", fnv1a(audited_table.as_bytes()) as u32);
    if full.len() + suffix.len() <= MAX_IDENT_BYTES {
        return format!("{full}{suffix}");
    }
    let mut cut = MAX_IDENT_BYTES - suffix.len();
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &full[..cut])
}

/// An identity with its double-quoted parts unquoted (`"a ""b"""` -> `a "b"`), and
/// whether an unquoted part holds a dot (then `schema.table` could be read two ways). The
/// `U&"..."` form of names with control characters is kept as it is.
fn readable_identity(identity: &str) -> (String, bool) {
    let mut out = String::with_capacity(identity.len());
    let mut ambiguous = false;
    let mut chars = identity.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' || out.ends_with("U&") {
            out.push(c);
            if c == '"' {
                // a U&"..." part: copy it to its closing quote
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == '"' && chars.peek() != Some(&'"') {
                        break;
                    }
                    if d == '"' {
                        out.push(chars.next().unwrap_or('"'));
                    }
                }
            }
            continue;
        }
        let mut part = String::new();
        while let Some(d) = chars.next() {
            if d == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    part.push('"');
                    continue;
                }
                break;
            }
            part.push(d);
        }
        ambiguous |= part.contains('.');
        out.push_str(&part);
    }
    (out, ambiguous)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_fit_and_stay_distinct() {
        assert_eq!(
            function_name("public.invoices"),
            "advisor_audit:public.invoices"
        );
        // readable: no nested quoting
        assert_eq!(
            function_name("\"Shop Ünï\".\"Order Lines\""),
            "advisor_audit:Shop Ünï.Order Lines"
        );
        assert_eq!(
            function_name("aud.\"Acct \"\"x\"\"\""),
            "advisor_audit:aud.Acct \"x\""
        );
        assert_eq!(function_name("public.t #2"), "advisor_audit:public.t #2");
        // a dot inside a name could be read two ways: a hash tells them apart
        let (a, b) = (function_name("\"a.b\".c"), function_name("a.\"b.c\""));
        assert!(a.starts_with("advisor_audit:a.b.c~") && b.starts_with("advisor_audit:a.b.c~"));
        assert_ne!(a, b);
        // names with control characters keep their U& form
        assert_eq!(
            function_name("m.U&\"x\\000Ay\""),
            "advisor_audit:m.U&\"x\\000Ay\""
        );
        let a = format!("public.{}", "é".repeat(40));
        let b = format!("public.{}x", "é".repeat(40));
        let (fa, fb) = (function_name(&a), function_name(&b));
        assert!(fa.len() <= 63 && fb.len() <= 63, "{fa} {fb}");
        assert_ne!(fa, fb);
        assert!(fa.starts_with(FUNCTION_PREFIX));
        assert_eq!(fa, function_name(&a), "deterministic");
    }

    #[test]
    fn actor_settings_are_custom_settings() {
        for ok in ["app.user_id", "my_app.actor", "a.b.c", "_x.y$"] {
            assert!(is_custom_setting(ok), "{ok}");
        }
        for bad in [
            "data_directory",
            "",
            ".x",
            "x.",
            "app..x",
            "app.user id",
            "1a.b",
            "a.b;",
        ] {
            assert!(!is_custom_setting(bad), "{bad}");
        }
        // stored options from before the setting was recorded read as the old default
        let old: AuditOptions = serde_json::from_str(
            r#"{"exclude_columns":[],"changed_only":false,"skip_unchanged":true}"#,
        )
        .unwrap();
        assert_eq!(old.actor_setting, "app.user_id");
    }

    #[test]
    fn changed_only_needs_a_key() {
        let mut t = generate::tests::target();
        t.options.changed_only = true;
        assert!(t.effective_changed_only());
        t.key_source = KeySource::None;
        assert!(!t.effective_changed_only());
    }
}
