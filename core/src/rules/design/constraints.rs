//! `constraint_not_validated`: a constraint added `NOT VALID` and never validated. New rows
//! are checked, the rows that were there are not: some may violate it, and the planner
//! cannot rely on it. `VALIDATE CONSTRAINT` checks them without blocking reads or writes.

use super::own_constraints;
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, ConstraintKind, Snapshot};
use serde_json::json;

pub const NOT_VALIDATED: Rule = Rule {
    id: "constraint_not_validated",
    category: Category::Integrity,
    default_level: Level::Warning,
    description: "Constraint added NOT VALID and never validated: the rows that were there \
                  are unchecked; VALIDATE CONSTRAINT checks them without blocking writes",
    check: not_validated,
    parts: super::PARTS,
};

fn not_validated(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    own_constraints(snap, config)
        .filter(|c| !c.validated)
        .filter_map(|c| {
            let table = snap.relation(c.table)?;
            let t = snap.rel_identity(c.table);
            let what = match c.kind {
                ConstraintKind::ForeignKey => "foreign key",
                ConstraintKind::Check => "check constraint",
                _ => "constraint",
            };
            let rows = table.reltuples.max(0.0).round() as i64;
            let lock = if c.kind == ConstraintKind::ForeignKey {
                " (and ROW SHARE on the referenced table)"
            } else {
                ""
            };
            Some(NOT_VALIDATED.finding(
                Level::Warning,
                "table constraint",
                snap.constraint_identity(c),
                None,
                format!(
                    "The {what} {} on {t} was added NOT VALID and never validated: rows \
                     written since are checked, but the ~{} rows that were there ({}) are \
                     not, so some may violate it, and the planner cannot use it to prove \
                     anything. VALIDATE CONSTRAINT scans the table under SHARE UPDATE \
                     EXCLUSIVE{lock}: reads and writes go on.",
                    crate::quote::ident(&c.name),
                    human_count(rows),
                    human_bytes(table.size_bytes),
                ),
                Some(format!(
                    "ALTER TABLE {t} VALIDATE CONSTRAINT {};",
                    crate::quote::ident(&c.name)
                )),
                json!({
                    "table": t,
                    "constraint": c.name,
                    "kind": what,
                    "rows": rows,
                    "bytes": table.size_bytes,
                }),
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn not_valid_constraints_until_validated() {
        let mut b = SnapshotBuilder::new();
        let parent = b.table("app", "customers", &["id"]);
        let child = b.table("app", "Order Lines", &["id", "customer_id"]);
        b.foreign_key(
            "orders_customer_fk",
            child,
            &["customer_id"],
            parent,
            &["id"],
        )
        .validated = false;
        b.foreign_key("checked_fk", child, &["id"], parent, &["id"]);
        let snap = b.build();
        let found = not_validated(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].object_identity,
            "orders_customer_fk on app.\"Order Lines\""
        );
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("ALTER TABLE app.\"Order Lines\" VALIDATE CONSTRAINT orders_customer_fk;")
        );
        // a clone on a partition is reported at its parent only
        let mut b = SnapshotBuilder::new();
        let parent = b.table("app", "customers", &["id"]);
        let child = b.table("app", "orders_2026", &["customer_id"]);
        let fk = b.foreign_key("fk", child, &["customer_id"], parent, &["id"]);
        fk.validated = false;
        fk.parent = 99;
        assert!(not_validated(&b.build(), &Config::default()).is_empty());
    }
}
