//! `pg_index` of user schemas: key and INCLUDE columns (0 = expression), operator classes
//! and families, collations and sort options per key column, state flags (their scans are
//! `relations::refresh`'s). Expressions and predicates are deparsed by PostgreSQL itself
//! (`pg_get_indexdef`, `pg_get_expr`), and only for the indexes that have them.

use super::Catalog;
use crate::builtin::Builtin;
use database_advisor_core::snapshot::fast_hash::Map as HashMap;
use database_advisor_core::snapshot::{Index, Oid, Snapshot};
use pgrx::pg_sys;
use std::ffi::CStr;

/// The indexes of the index relations `access_methods` lists (index OID → `relam`, from
/// `relations`) for which `wanted(table, leading key column)` holds.
pub(in crate::loader) fn indexes(
    snap: &mut Snapshot,
    access_methods: &HashMap<Oid, Oid>,
    opclass_family: &HashMap<Oid, Oid>,
    wanted: impl Fn(Oid, i16) -> bool,
) {
    let pg_index = Catalog::open(pg_sys::IndexRelationId);
    let col = |name| pg_index.column(name);
    let (class, collation, option) = (col("indclass"), col("indcollation"), col("indoption"));
    let (exprs, pred) = (col("indexprs"), col("indpred"));
    let mut am_names: HashMap<Oid, String> = HashMap::default();
    let (mut column_def, mut expr_def) = (
        Builtin::new(Builtin::INDEXDEF_COLUMN),
        Builtin::new(Builtin::EXPR),
    );
    pg_index.scan(|t| {
        let i: &pg_sys::FormData_pg_index = t.form();
        let index = u32::from(i.indexrelid);
        let Some(&am) = access_methods.get(&index) else {
            return;
        };
        let table = u32::from(i.indrelid);
        // SAFETY: indkey is an int2vector of dim1 elements in the tuple
        let columns = unsafe { i.indkey.values.as_slice(i.indkey.dim1.max(0) as usize) }.to_vec();
        if !wanted(table, columns.first().copied().unwrap_or(0)) {
            return;
        }
        let n_key = (i.indnkeyatts.max(0) as usize).min(columns.len());
        let opclasses: Vec<Oid> = t.oids(class).into_iter().take(n_key).collect();
        let opfamilies = opclasses
            .iter()
            .map(|opc| opclass_family.get(opc).copied().unwrap_or(0))
            .collect();
        let expressions = if t.is_null(exprs) {
            vec![None; columns.len()]
        } else {
            (1..=i32::from(i.indnatts.max(0)))
                .map(|k| {
                    // SAFETY: pg_get_indexdef(oid, int4, bool)
                    (columns.get(k as usize - 1) == Some(&0)).then(|| unsafe {
                        column_def.text_of([index.into(), k.into(), true.into()])
                    })
                })
                .collect()
        };
        // SAFETY: pg_get_expr(pg_node_tree, oid, bool) of the index's own predicate
        let predicate = t
            .datum(pred)
            .map(|p| unsafe { expr_def.text_of([p, table.into(), true.into()]) });
        snap.indexes.push(Index {
            oid: index,
            table,
            am: am_names.entry(am).or_insert_with(|| am_name(am)).clone(),
            n_key,
            opclasses,
            opfamilies,
            collations: t.oids(collation).into_iter().take(n_key).collect(),
            options: t.i16s(option).into_iter().take(n_key).collect(),
            valid: i.indisvalid,
            ready: i.indisready,
            live: i.indislive,
            partial: predicate.is_some(),
            unique: i.indisunique,
            primary: i.indisprimary,
            exclusion: i.indisexclusion,
            replica_identity: i.indisreplident,
            // (refresh's)
            scans: None,
            columns,
            expressions,
            predicate,
        });
    });
    pg_index.close();
}

fn am_name(am: Oid) -> String {
    // SAFETY: get_am_name returns a palloc'd copy, or NULL for an unknown OID
    unsafe {
        let name = pg_sys::get_am_name(pg_sys::Oid::from_u32(am));
        if name.is_null() {
            "?".into()
        } else {
            CStr::from_ptr(name).to_string_lossy().into_owned()
        }
    }
}
