//! Audit trail: `audit_trigger_disabled` (an audit trigger that no longer records changes)
//! and `audit_missing_sensitive_table` (a table with sensitive columns nobody audits).

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::security::sensitive::{sensitive_columns, Kind};
use crate::rules::Rule;
use crate::snapshot::{AuditTrigger, ConstraintKind, Oid, Parts, RelKind, Snapshot};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// The audit triggers, and the sensitive-column classification of `audit_missing_sensitive_table`.
const PARTS: Parts = crate::rules::security::sensitive::PARTS
    .union(Parts::AUDIT_TRIGGERS)
    .union(Parts::EXTENSIONS);

pub const TRIGGER_DISABLED: Rule = Rule {
    id: "audit_trigger_disabled",
    category: Category::Compliance,
    default_level: Level::Error,
    description: "An audit trigger of advisor_audit_enable is disabled (or fires only in replica \
                  sessions): changes to the table go unrecorded",
    check: check_disabled,
    parts: PARTS,
};

pub const MISSING_SENSITIVE: Rule = Rule {
    id: "audit_missing_sensitive_table",
    category: Category::Compliance,
    default_level: Level::Info,
    description: "Table with sensitive columns (card data, secrets, national ids, personal data) \
                  whose changes are not audited",
    check: check_missing,
    parts: PARTS,
};

fn check_disabled(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    // A partitioned table's disabled row trigger is reported once, at the table: PostgreSQL
    // disables (and enables) the partitions' clones with it.
    let disabled_roots: HashSet<Oid> = snap
        .audit_triggers
        .iter()
        .filter(|t| t.row_level && !t.cloned && !t.fires())
        .map(|t| t.table)
        .collect();
    let covered = |t: &AuditTrigger| {
        t.cloned && ancestors(snap, t.table).any(|a| disabled_roots.contains(&a))
    };
    let mut out = Vec::new();
    for t in &snap.audit_triggers {
        let Some(rel) = snap.relation(t.table) else {
            continue;
        };
        if t.fires() || covered(t) || !snap.in_scope(rel, config) {
            continue;
        }
        let table = snap.rel_identity(t.table);
        let trigger = quote::ident(&t.name);
        let what = if t.row_level {
            "INSERT, UPDATE and DELETE changes"
        } else {
            "TRUNCATE statements"
        };
        let state = if t.enabled == 'R' {
            "fires only in replica sessions (ENABLE REPLICA TRIGGER)"
        } else {
            "is disabled"
        };
        let partitions = if t.row_level && !t.cloned && rel.kind == RelKind::PartitionedTable {
            " on it and its partitions"
        } else {
            ""
        };
        out.push(TRIGGER_DISABLED.finding(
            TRIGGER_DISABLED.default_level,
            "trigger",
            format!("{trigger} on {table}"),
            None,
            format!(
                "Audit trigger {trigger} on {table} {state}: {what}{partitions} go unrecorded in \
                 advisor_audit_log."
            ),
            Some(format!("ALTER TABLE {table} ENABLE TRIGGER {trigger};")),
            json!({
                "schema": snap.schema_name(rel),
                "table": rel.name,
                "trigger": t.name,
                "tgenabled": t.enabled.to_string(),
                "operations": what,
            }),
        ));
    }
    out
}

fn ancestors(snap: &Snapshot, rel: Oid) -> impl Iterator<Item = Oid> + '_ {
    std::iter::successors(snap.partition_parent.get(&rel).copied(), |p| {
        snap.partition_parent.get(p).copied()
    })
}

/// Column kinds whose values must not be copied into the log: the suggested audit
/// excludes them (their changes are then not recorded either; see docs/rules/audit.md).
fn secret(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::CardNumber | Kind::Cvv | Kind::Password | Kind::Secret
    )
}

fn check_missing(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let audited: HashSet<Oid> = snap
        .audit_triggers
        .iter()
        .filter(|t| t.row_level)
        .map(|t| t.table)
        .collect();
    let own_schema = snap
        .extensions
        .iter()
        .find(|e| e.name == "database_advisor")
        .and_then(|e| snap.namespaces.get(&e.namespace))
        .map(|n| format!("{}.", quote::ident(&n.name)))
        .unwrap_or_default();
    let primary_keys: HashMap<Oid, &[i16]> = snap
        .constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| (c.table, c.columns.as_slice()))
        .collect();
    let columns = sensitive_columns(snap, config);
    let mut out = Vec::new();
    for group in columns.chunk_by(|a, b| a.table.oid == b.table.oid) {
        let rel = group[0].table;
        if audited.contains(&rel.oid) {
            continue;
        }
        let key = primary_keys.get(&rel.oid).copied().unwrap_or_default();
        let exclude: Vec<&str> = group
            .iter()
            .filter(|c| secret(c.kind) && !key.contains(&c.attnum))
            .map(|c| c.attr.name.as_str())
            .collect();
        let table = snap.rel_identity(rel.oid);
        let names: Vec<String> = group.iter().map(|c| quote::ident(&c.attr.name)).collect();
        let mut call = format!(
            "SELECT {own_schema}advisor_audit_enable({}",
            quote::regclass_literal(snap.schema_name(rel), &rel.name)
        );
        if !exclude.is_empty() {
            let list: Vec<String> = exclude.iter().map(|n| quote::literal(n)).collect();
            call.push_str(&format!(", exclude_columns => ARRAY[{}]", list.join(", ")));
        }
        call.push_str(");");
        let excluded = if exclude.is_empty() {
            String::new()
        } else {
            format!(
                " The suggested audit leaves out {} so the log holds no secrets.",
                exclude
                    .iter()
                    .map(|n| quote::ident(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(MISSING_SENSITIVE.finding(
            MISSING_SENSITIVE.default_level,
            "table",
            table.to_string(),
            None,
            format!(
                "{table} holds sensitive data ({}) but its changes are not audited: nobody can \
                 tell who changed or deleted a row, and when.{excluded}",
                names.join(", ")
            ),
            Some(call),
            json!({
                "schema": snap.schema_name(rel),
                "table": rel.name,
                "sensitive_columns": group.iter().map(|c| &c.attr.name).collect::<Vec<_>>(),
                "kinds": group.iter().map(|c| format!("{:?}", c.kind)).collect::<Vec<_>>(),
                "excluded_from_log": exclude,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{ROW_TRIGGER, TRUNCATE_TRIGGER};
    use crate::snapshot::SnapshotBuilder;

    fn ids(findings: &[Finding]) -> Vec<&str> {
        findings
            .iter()
            .map(|f| f.object_identity.as_str())
            .collect()
    }

    #[test]
    fn disabled_row_and_truncate_triggers_are_reported() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "invoices", &["id", "amount"]);
        b.audit_trigger(t, ROW_TRIGGER, 'D', false);
        b.audit_trigger(t, TRUNCATE_TRIGGER, 'R', false);
        let ok = b.table("public", "ok", &["id"]);
        b.audit_trigger(ok, ROW_TRIGGER, 'O', false);
        b.audit_trigger(ok, TRUNCATE_TRIGGER, 'A', false);
        let f = check_disabled(&b.build(), &Config::default());
        assert_eq!(
            ids(&f),
            [
                "advisor_audit on public.invoices",
                "advisor_audit_truncate on public.invoices"
            ]
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ALTER TABLE public.invoices ENABLE TRIGGER advisor_audit;")
        );
        assert!(f[1].detail.contains("replica sessions"));
        assert!(f[1].detail.contains("TRUNCATE statements go unrecorded"));
    }

    #[test]
    fn partitions_disabled_with_their_parent_are_reported_once() {
        let mut b = SnapshotBuilder::new();
        let p = b.partitioned_table("public", "Events 2026", &["id"]);
        let p1 = b.partition(p, "events_1", &["id"], true);
        let p2 = b.partition(p, "events_2", &["id"], true);
        b.audit_trigger(p, ROW_TRIGGER, 'D', false);
        b.audit_trigger(p1, ROW_TRIGGER, 'D', true);
        b.audit_trigger(p2, ROW_TRIGGER, 'D', true);
        let f = check_disabled(&b.build(), &Config::default());
        assert_eq!(ids(&f), ["advisor_audit on public.\"Events 2026\""]);
        assert!(f[0].detail.contains("on it and its partitions"));

        // one partition disabled on its own is reported at the partition
        let mut b = SnapshotBuilder::new();
        let p = b.partitioned_table("public", "events", &["id"]);
        let p1 = b.partition(p, "events_1", &["id"], true);
        b.audit_trigger(p, ROW_TRIGGER, 'O', false);
        b.audit_trigger(p1, ROW_TRIGGER, 'D', true);
        let f = check_disabled(&b.build(), &Config::default());
        assert_eq!(ids(&f), ["advisor_audit on public.events_1"]);
    }

    #[test]
    fn excluded_schemas_are_not_reported() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("legacy", "t", &["id"]);
        b.audit_trigger(t, ROW_TRIGGER, 'D', false);
        let config = Config {
            exclude_schemas: vec!["legacy".into()],
            ..Config::default()
        };
        assert!(check_disabled(&b.build(), &config).is_empty());
    }

    #[test]
    fn unaudited_sensitive_tables_get_an_enable_call_that_leaves_secrets_out() {
        let mut b = SnapshotBuilder::new();
        b.extension("database_advisor", "Advisor Schema", false);
        let c = b.table(
            "public",
            "Customers",
            &["id", "email", "card_number", "password_hash", "name"],
        );
        b.primary_key(c, &["id"]);
        b.table("public", "plain", &["id", "title"]);
        let audited = b.table("public", "payments", &["id", "iban"]);
        b.audit_trigger(audited, ROW_TRIGGER, 'D', false);
        let f = check_missing(&b.build(), &Config::default());
        assert_eq!(ids(&f), ["public.\"Customers\""]);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some(
                "SELECT \"Advisor Schema\".advisor_audit_enable('public.\"Customers\"', \
                 exclude_columns => ARRAY['card_number']);"
            )
        );
        assert!(
            f[0].detail.contains("(email, card_number)"),
            "{}",
            f[0].detail
        );
        assert_eq!(f[0].level, Level::Info);
    }

    #[test]
    fn key_columns_are_never_excluded_and_partitions_follow_their_parent() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "api_tokens", &["token", "owner_email"]);
        b.primary_key(t, &["token"]);
        let p = b.partitioned_table("public", "people", &["id", "phone"]);
        b.partition(p, "people_1", &["id", "phone"], true);
        let f = check_missing(&b.build(), &Config::default());
        assert_eq!(ids(&f), ["public.api_tokens", "public.people"]);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("SELECT advisor_audit_enable('public.api_tokens');")
        );
    }
}
