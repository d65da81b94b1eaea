//! `constraint_not_validated`: a constraint added `NOT VALID` and never validated. New rows
//! are checked, the rows that were there are not: some may violate it, and the planner
//! cannot rely on it. `VALIDATE CONSTRAINT` checks them without blocking reads or writes.

use super::own_constraints;
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Constraint, ConstraintKind, Snapshot};
use serde_json::json;
use std::collections::BTreeMap;

pub const NOT_VALIDATED: Rule = Rule {
    id: "constraint_not_validated",
    category: Category::Integrity,
    default_level: Level::Warning,
    description: "Constraint added NOT VALID and never validated: the rows that were there \
                  are unchecked; VALIDATE CONSTRAINT checks them without blocking writes",
    check: not_validated,
    parts: super::PARTS,
};

pub const DUPLICATE: Rule = Rule {
    id: "duplicate_constraint",
    category: Category::Design,
    default_level: Level::Warning,
    description: "Two foreign keys (same columns, same referenced table and columns) or two \
                  CHECK constraints (same expression) that enforce the same thing: every \
                  write checks it twice",
    check: duplicates,
    parts: super::PARTS,
};

/// (table, referenced table, column pairs sorted)
type FkShape = (u32, u32, Vec<(i16, i16)>);

/// Foreign keys of the same columns to the same referenced columns (pairs compared as a
/// set: `(a, b) -> (x, y)` is `(b, a) -> (y, x)`): all but the first by name are reported.
fn duplicates(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut groups: BTreeMap<FkShape, Vec<&Constraint>> = BTreeMap::new();
    for c in own_constraints(snap, config).filter(|c| c.kind == ConstraintKind::ForeignKey) {
        let Some(f) = &c.foreign else { continue };
        let mut pairs: Vec<(i16, i16)> = c
            .columns
            .iter()
            .copied()
            .zip(f.ref_columns.iter().copied())
            .collect();
        pairs.sort_unstable();
        groups
            .entry((c.table, f.ref_table, pairs))
            .or_default()
            .push(c);
    }
    let mut out = Vec::new();
    let mut checks: BTreeMap<(u32, &str), Vec<&Constraint>> = BTreeMap::new();
    for c in own_constraints(snap, config).filter(|c| !c.inherited) {
        if let Some(tree) = c.check.as_deref() {
            checks.entry((c.table, tree)).or_default().push(c);
        }
    }
    let check_groups = checks.into_values();
    report(&mut out, snap, check_groups, Level::Info, |dup, kept, t| {
        format!(
            "The check constraint {} on {t} has the same expression as {}: every insert and \
             update evaluates it twice. Drop one.",
            crate::quote::ident(&dup.name),
            crate::quote::ident(&kept.name),
        )
    });
    report(
        &mut out,
        snap,
        groups.into_values(),
        Level::Warning,
        |dup, kept, t| {
            format!(
                "The foreign key {} on {t} enforces the same as {} (same columns, same referenced \
             key): every insert and update checks it twice, and every delete on the \
             referenced table too. Drop one.",
                crate::quote::ident(&dup.name),
                crate::quote::ident(&kept.name),
            )
        },
    );
    out
}

/// One finding for each constraint of a group but the first by name, which it duplicates:
/// `detail(duplicate, kept, table identity)`.
fn report<'s>(
    out: &mut Vec<Finding>,
    snap: &Snapshot,
    groups: impl Iterator<Item = Vec<&'s Constraint>>,
    level: Level,
    detail: impl Fn(&Constraint, &Constraint, &str) -> String,
) {
    for mut group in groups.filter(|g| g.len() > 1) {
        group.sort_by(|a, b| a.name.cmp(&b.name));
        let kept = group[0];
        for dup in &group[1..] {
            let t = snap.rel_identity(dup.table);
            out.push(DUPLICATE.finding(
                level,
                "table constraint",
                snap.constraint_identity(dup),
                None,
                detail(dup, kept, &t),
                Some(format!(
                    "ALTER TABLE {t} DROP CONSTRAINT {};",
                    crate::quote::ident(&dup.name)
                )),
                json!({ "table": t, "constraint": dup.name, "duplicate_of": kept.name }),
            ));
        }
    }
}

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
    fn the_same_foreign_key_twice() {
        let mut b = SnapshotBuilder::new();
        let parent = b.table("app", "pairs", &["a", "b"]);
        let child = b.table("app", "uses", &["x", "y"]);
        b.foreign_key("uses_xy_fkey", child, &["x", "y"], parent, &["a", "b"]);
        b.foreign_key("uses_yx_fkey", child, &["y", "x"], parent, &["b", "a"]);
        b.foreign_key("crossed_fkey", child, &["x", "y"], parent, &["b", "a"]);
        let found = duplicates(&b.build(), &Config::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].object_identity, "uses_yx_fkey on app.uses");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("ALTER TABLE app.uses DROP CONSTRAINT uses_yx_fkey;")
        );
    }

    #[test]
    fn the_same_check_twice() {
        let positive = |at: u32| {
            format!(
                "{{OPEXPR :opno 521 :opfuncid 147 :opresulttype 16 :opretset false \
                 :opcollid 0 :inputcollid 0 :args ({{VAR :varno 1 :varattno 2 :vartype 23 \
                 :location {at}}} {{CONST :consttype 23 :constvalue 4 [ 0 0 0 0 0 0 0 0 ] \
                 :location {}}}) :location {}}}",
                at + 9,
                at + 7
            )
        };
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Prices", &["id", "amount"]);
        b.check(t, "amount positive", &positive(30));
        b.check(t, "amount_check", &positive(112));
        b.check(t, "other", "{VAR :varno 1 :varattno 1 :location 5}");
        // a parent's check on its child comes from the parent: dropped there
        let child = b.table("app", "prices_2026", &["id", "amount"]);
        b.check(child, "amount positive", &positive(30)).inherited = true;
        b.check(child, "amount_check", &positive(112)).inherited = true;
        let found = duplicates(&b.build(), &Config::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].object_identity, "amount_check on app.\"Prices\"");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("ALTER TABLE app.\"Prices\" DROP CONSTRAINT amount_check;")
        );
        assert_eq!(
            crate::snapshot::node_tree_key("{A :location -1} {B :location 17}"),
            "{A} {B}"
        );
    }

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
