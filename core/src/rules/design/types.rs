//! Column types: a foreign key whose columns differ in type from the key they reference
//! (`fk_type_mismatch`), and columns of the `reg*` types `pg_upgrade` refuses
//! (`upgrade_blocking_type`).

use super::own_constraints;
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Attribute, ConstraintKind, RelKind, Snapshot};
use serde_json::json;

pub const FK_TYPE_MISMATCH: Rule = Rule {
    id: "fk_type_mismatch",
    category: Category::Integrity,
    default_level: Level::Warning,
    description: "Foreign key column of another type than the key it references (integer \
                  referencing bigint fails once ids pass 2^31; joins compare across types)",
    check: fk_type_mismatch,
    parts: super::PARTS,
};

pub const UPGRADE_BLOCKING_TYPE: Rule = Rule {
    id: "upgrade_blocking_type",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Column of a reg* type that stores an OID pg_upgrade cannot carry over \
                  (regproc, regprocedure, regoper, regoperator, regconfig, regdictionary, \
                  regcollation, regnamespace): pg_upgrade refuses the cluster",
    check: upgrade_blocking,
    parts: super::PARTS,
};

fn same_type(a: &Attribute, b: &Attribute) -> bool {
    a.type_name == b.type_name && a.type_schema == b.type_schema
}

fn fk_type_mismatch(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for fk in own_constraints(snap, config).filter(|c| c.kind == ConstraintKind::ForeignKey) {
        let Some(foreign) = &fk.foreign else { continue };
        let pairs: Vec<(&Attribute, &Attribute)> = fk
            .columns
            .iter()
            .zip(&foreign.ref_columns)
            .filter_map(|(&c, &r)| {
                let col = snap.attributes.get(&(fk.table, c))?;
                let referenced = snap.attributes.get(&(foreign.ref_table, r))?;
                (!same_type(col, referenced)).then_some((col, referenced))
            })
            .collect();
        if pairs.is_empty() {
            continue;
        }
        let t = snap.rel_identity(fk.table);
        let r = snap.rel_identity(foreign.ref_table);
        let narrower_int = pairs.iter().any(|(c, r)| {
            matches!(
                (&*c.type_name, &*r.type_name),
                ("int4" | "int2", "int8") | ("int2", "int4")
            )
        });
        let list: Vec<String> = pairs
            .iter()
            .map(|(c, rc)| {
                format!(
                    "{} is {} but {r}.{} is {}",
                    quote::ident(&c.name),
                    c.type_display(),
                    quote::ident(&rc.name),
                    rc.type_display()
                )
            })
            .collect();
        let why = if narrower_int {
            "once the referenced ids pass the narrower type's maximum, rows pointing at them \
             cannot be written; and every join and referential check compares across types"
        } else {
            "every join and referential check compares across types (a cast, and often no \
             index use on one side)"
        };
        let fix: Vec<String> = pairs
            .iter()
            .map(|(c, rc)| {
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {} TYPE {};",
                    quote::ident(&c.name),
                    rc.type_sql()
                )
            })
            .collect();
        out.push(FK_TYPE_MISMATCH.finding(
            Level::Warning,
            "table constraint",
            snap.constraint_identity(fk),
            None,
            format!(
                "Foreign key {} on {t}: {}: {why}. Changing the column's type rewrites {t} \
                 under an ACCESS EXCLUSIVE lock (lint the change with \
                 advisor_lint_migration first; a view that reads the column must be \
                 dropped and recreated around it).",
                quote::ident(&fk.name),
                list.join("; "),
            ),
            Some(fix.join("\n")),
            json!({
                "table": t,
                "constraint": fk.name,
                "referenced_table": r,
                "columns": pairs.iter().map(|(c, rc)| json!({
                    "column": c.name, "type": c.type_display(),
                    "referenced_column": rc.name, "referenced_type": rc.type_display(),
                })).collect::<Vec<_>>(),
            }),
        ));
    }
    out
}

/// The `reg*` types whose values name objects by OID that `pg_upgrade` cannot preserve
/// (it keeps the OIDs of relations, types and roles: `regclass`, `regtype`, `regrole`
/// are fine), and their array types.
const BLOCKING: &[&str] = &[
    "regproc",
    "regprocedure",
    "regoper",
    "regoperator",
    "regconfig",
    "regdictionary",
    "regcollation",
    "regnamespace",
];

fn upgrade_blocking(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for (&(table, _), a) in &snap.attributes {
        if &*a.type_schema != "pg_catalog" {
            continue;
        }
        let base = a.type_name.strip_prefix('_').unwrap_or(&a.type_name);
        if !BLOCKING.contains(&base) {
            continue;
        }
        let Some(rel) = snap.relation(table) else {
            continue;
        };
        // views store nothing; a partition's column is its parent's
        let stores = matches!(
            rel.kind,
            RelKind::Table | RelKind::PartitionedTable | RelKind::MaterializedView
        ) && !rel.is_partition;
        if !stores || rel.extension_member || !snap.in_scope(rel, config) {
            continue;
        }
        let t = snap.rel_identity(table);
        let c = quote::ident(&a.name);
        let to = if a.type_name.starts_with('_') {
            "text[]"
        } else {
            "text"
        };
        out.push(UPGRADE_BLOCKING_TYPE.finding(
            Level::Warning,
            "table column",
            format!("{t}.{c}"),
            None,
            format!(
                "Column {c} of {t} is of type {}: its values are OIDs of functions, \
                 operators, configurations or schemas, which pg_upgrade does not preserve, so \
                 pg_upgrade refuses to upgrade this cluster while the column exists. Store the \
                 name as text instead (a cast back to {base} gives the OID when needed; a \
                 view that reads the column must be dropped and recreated around the \
                 change).",
                a.type_name,
            ),
            Some(format!(
                "ALTER TABLE {t} ALTER COLUMN {c} TYPE {to} USING {c}::{to};"
            )),
            json!({ "table": t, "column": a.name, "type": &*a.type_name }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn typed(b: &mut SnapshotBuilder, rel: u32, column: &str, ty: &str) {
        b.attribute_mut(rel, column).type_name = ty.into();
    }

    #[test]
    fn integer_referencing_bigint() {
        let mut b = SnapshotBuilder::new();
        let parent = b.table("app", "customers", &["id"]);
        let child = b.table("app", "orders", &["customer_id", "other_id"]);
        typed(&mut b, parent, "id", "int8");
        typed(&mut b, child, "customer_id", "int4");
        typed(&mut b, child, "other_id", "int8");
        b.foreign_key(
            "orders_customer_fk",
            child,
            &["customer_id"],
            parent,
            &["id"],
        );
        b.foreign_key("same_fk", child, &["other_id"], parent, &["id"]);
        let snap = b.build();
        let found = fk_type_mismatch(&snap, &Config::default());
        assert_eq!(found.len(), 1, "{found:?}");
        let f = &found[0];
        assert_eq!(f.object_identity, "orders_customer_fk on app.orders");
        assert!(f
            .detail
            .contains("customer_id is integer but app.customers.id is bigint"));
        assert!(f.detail.contains("pass the narrower type's maximum"));
        assert_eq!(
            f.remediation.as_deref(),
            Some("ALTER TABLE app.orders ALTER COLUMN customer_id TYPE bigint;")
        );
    }

    #[test]
    fn reg_types_that_block_pg_upgrade() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Jobs", &["handler", "rel", "handlers", "owner"]);
        typed(&mut b, t, "handler", "regproc");
        typed(&mut b, t, "rel", "regclass");
        typed(&mut b, t, "handlers", "_regprocedure");
        typed(&mut b, t, "owner", "regrole");
        let snap = b.build();
        let found = upgrade_blocking(&snap, &Config::default());
        let ids: Vec<&str> = found.iter().map(|f| f.object_identity.as_str()).collect();
        assert_eq!(ids, ["app.\"Jobs\".handler", "app.\"Jobs\".handlers"]);
        assert_eq!(
            found[1].remediation.as_deref(),
            Some("ALTER TABLE app.\"Jobs\" ALTER COLUMN handlers TYPE text[] USING handlers::text[];")
        );
    }
}
