//! `pg_constraint` of user tables: keys, foreign keys (with the referenced side and the
//! equality operators the referential check uses, `conpfeqop`), checks, exclusions.
//! `conindid` is the index a constraint uses (for a foreign key: the referenced side's
//! unique index).

use super::Catalog;
use database_advisor_core::snapshot::{node_tree_key, Constraint, ConstraintKind, ForeignKey, Oid};
use pgrx::pg_sys;

/// The table constraints for which `wanted(contype, table, namespace)` holds.
pub(in crate::loader) fn constraints(wanted: impl Fn(char, Oid, Oid) -> bool) -> Vec<Constraint> {
    // ConstraintRelationId (pgrx has no binding of pg_constraint.h)
    let pg_constraint = Catalog::open(pg_sys::Oid::from_u32(2606));
    // (room untouched costs no memory)
    let mut out = Vec::with_capacity(pg_constraint.rows());
    let col = |name| pg_constraint.column(name);
    let (oid, name, table, kind) = (col("oid"), col("conname"), col("conrelid"), col("contype"));
    let (key, parent, index) = (col("conkey"), col("conparentid"), col("conindid"));
    let (ref_table, ref_key, eq_ops) = (col("confrelid"), col("confkey"), col("conpfeqop"));
    let (namespace, validated) = (col("connamespace"), col("convalidated"));
    let (bin, local) = (col("conbin"), col("conislocal"));
    pg_constraint.scan(|t| {
        let table: Oid = t.oid(table);
        let contype = t.char(kind);
        if table == 0 || !wanted(contype, table, t.oid(namespace)) {
            return;
        }
        let kind = ConstraintKind::from_contype(contype);
        out.push(Constraint {
            oid: t.oid(oid),
            name: t.name(name),
            table,
            kind,
            columns: t.i16s(key),
            parent: t.oid(parent),
            index: t.oid(index),
            foreign: (kind == ConstraintKind::ForeignKey).then(|| ForeignKey {
                ref_table: t.oid(ref_table),
                ref_columns: t.i16s(ref_key),
                eq_ops: t.oids(eq_ops),
            }),
            validated: t.bool(validated),
            check: (kind == ConstraintKind::Check)
                .then(|| t.text(bin).map(|tree| node_tree_key(&tree)))
                .flatten(),
            inherited: !t.bool(local),
        });
    });
    pg_constraint.close();
    out
}
