//! `pg_index` of user schemas: key and INCLUDE columns (0 = expression), operator classes
//! and families, collations and sort options per key column, state flags (their scans are
//! `relations::refresh`'s). Expressions and predicates are deparsed by PostgreSQL itself
//! (`pg_get_indexdef`, `pg_get_expr`), and only for the indexes that have them.

use super::relations::IndexRelation;
use super::Catalog;
use crate::builtin::Builtin;
use database_advisor_core::snapshot::fast_hash::{Map as HashMap, Set as HashSet};
use database_advisor_core::snapshot::{Index, Oid, Snapshot};
use pgrx::pg_sys;
use std::ffi::CStr;
use std::sync::Arc;

/// An operator class as index definitions need it.
pub(in crate::loader) struct OpClass {
    pub family: Oid,
    /// `opcintype`, and whether it is that type's default class for its method.
    pub input_type: Oid,
    pub default: bool,
}

/// The indexes of the index relations `relations` lists (from `relations`) for which
/// `wanted(table, leading key column)` holds; `with_options`: those with operator class
/// parameters (from `attributes`).
pub(in crate::loader) fn indexes(
    snap: &mut Snapshot,
    relations: &HashMap<Oid, IndexRelation>,
    opclasses: &HashMap<Oid, OpClass>,
    with_options: &HashSet<Oid>,
    wanted: impl Fn(Oid, i16) -> bool,
) {
    let pg_index = Catalog::open(pg_sys::IndexRelationId);
    // (room untouched costs no memory)
    snap.indexes.reserve(pg_index.rows());
    let col = |name| pg_index.column(name);
    let (class, collation, option) = (col("indclass"), col("indcollation"), col("indoption"));
    let (exprs, pred) = (col("indexprs"), col("indpred"));
    let mut am_names: HashMap<Oid, Arc<str>> = HashMap::default();
    let (mut column_def, mut expr_def) = (
        Builtin::new(Builtin::INDEXDEF_COLUMN),
        Builtin::new(Builtin::EXPR),
    );
    pg_index.scan(|t| {
        let i: &pg_sys::FormData_pg_index = t.form();
        let index = u32::from(i.indexrelid);
        let Some(&IndexRelation { am, plain }) = relations.get(&index) else {
            return;
        };
        let table = u32::from(i.indrelid);
        // SAFETY: indkey is an int2vector of dim1 elements in the tuple
        let columns = unsafe { i.indkey.values.as_slice(i.indkey.dim1.max(0) as usize) }.to_vec();
        if !wanted(table, columns.first().copied().unwrap_or(0)) {
            return;
        }
        let n_key = (i.indnkeyatts.max(0) as usize).min(columns.len());
        let classes: Vec<Oid> = t.oids(class).into_iter().take(n_key).collect();
        let opfamilies = classes
            .iter()
            .map(|opc| opclasses.get(opc).map_or(0, |c| c.family))
            .collect();
        let collations: Vec<Oid> = t.oids(collation).into_iter().take(n_key).collect();
        let options: Vec<i16> = t.i16s(option).into_iter().take(n_key).collect();
        let expressions = if t.is_null(exprs) {
            Vec::new()
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
        // what pg_get_indexdef would print beyond names: nothing (see Index::plain)
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        let nulls_not_distinct = false;
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        let nulls_not_distinct = i.indnullsnotdistinct;
        let plain = plain
            && predicate.is_none()
            && !i.indisexclusion
            && !nulls_not_distinct
            && !with_options.contains(&index)
            && columns.iter().all(|&c| c > 0)
            && options.iter().all(|&o| o == 0)
            && classes.len() == n_key
            && collations.len() == n_key
            && (0..n_key).all(|k| {
                let column = snap.attributes.get(&(table, columns[k]));
                let class = opclasses.get(&classes[k]);
                column.zip(class).is_some_and(|(a, c)| {
                    c.default
                        && c.input_type == a.type_oid
                        && (collations[k] == 0 || collations[k] == a.collation)
                })
            });
        snap.indexes.push(Index {
            oid: index,
            table,
            am: am_names.entry(am).or_insert_with(|| am_name(am)).clone(),
            n_key,
            opclasses: classes,
            opfamilies,
            collations,
            options,
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
            plain,
            columns,
            expressions,
            predicate,
        });
    });
    pg_index.close();
}

fn am_name(am: Oid) -> Arc<str> {
    // SAFETY: get_am_name returns a palloc'd copy, or NULL for an unknown OID
    unsafe {
        let name = pg_sys::get_am_name(pg_sys::Oid::from_u32(am));
        if name.is_null() {
            "?".into()
        } else {
            CStr::from_ptr(name).to_string_lossy().into()
        }
    }
}
