//! `pg_index` of user schemas: key and INCLUDE columns (0 = expression), operator classes
//! and families, collations and sort options per key column, state flags and, when a rule
//! reads them, scans. Expressions and predicates are deparsed by PostgreSQL itself
//! (`pg_get_indexdef`, `pg_get_expr`), and only for the indexes that have them.

use super::{Builtin, Catalog};
use database_advisor_core::snapshot::{Index, Oid, RelKind, Snapshot};
use pgrx::pg_sys;
use std::collections::HashMap;
use std::ffi::CStr;

/// The indexes of the index relations `access_methods` lists (index OID → `relam`, from
/// `relations`) for which `wanted(table, leading key column)` holds.
pub(in crate::loader) fn indexes(
    snap: &mut Snapshot,
    access_methods: &HashMap<Oid, Oid>,
    opclass_family: &HashMap<Oid, Oid>,
    with_stats: bool,
    wanted: impl Fn(Oid, i16) -> bool,
) {
    let pg_index = Catalog::open(pg_sys::IndexRelationId);
    let col = |name| pg_index.column(name);
    let (oid, table, natts, nkey) = (
        col("indexrelid"),
        col("indrelid"),
        col("indnatts"),
        col("indnkeyatts"),
    );
    let (key, class, collation, option) = (
        col("indkey"),
        col("indclass"),
        col("indcollation"),
        col("indoption"),
    );
    let (exprs, pred) = (col("indexprs"), col("indpred"));
    let (valid, ready, live) = (col("indisvalid"), col("indisready"), col("indislive"));
    let (unique, primary, exclusion, replident) = (
        col("indisunique"),
        col("indisprimary"),
        col("indisexclusion"),
        col("indisreplident"),
    );
    let mut am_names: HashMap<Oid, String> = HashMap::new();
    let (mut scans_of, mut fetched_of) = (
        Builtin::new(Builtin::NUMSCANS),
        Builtin::new(Builtin::TUPLES_FETCHED),
    );
    let (mut column_def, mut expr_def) = (
        Builtin::new(Builtin::INDEXDEF_COLUMN),
        Builtin::new(Builtin::EXPR),
    );
    pg_index.scan(|t| {
        let index = t.oid(oid);
        let Some(&am) = access_methods.get(&index) else {
            return;
        };
        let table = t.oid(table);
        let columns = t.i16s(key);
        if !wanted(table, columns.first().copied().unwrap_or(0)) {
            return;
        }
        let n_key = (t.i16(nkey).max(0) as usize).min(columns.len());
        let opclasses: Vec<Oid> = t.oids(class).into_iter().take(n_key).collect();
        let opfamilies = opclasses
            .iter()
            .map(|opc| opclass_family.get(opc).copied().unwrap_or(0))
            .collect();
        let expressions = if t.is_null(exprs) {
            vec![None; columns.len()]
        } else {
            (1..=t.i16(natts).max(0) as i32)
                .map(|k| {
                    (columns.get(k as usize - 1) == Some(&0))
                        .then(|| column_def.text_of([index.into(), k.into(), true.into()]))
                })
                .collect()
        };
        let predicate = t
            .raw(pred)
            .map(|p| expr_def.text_of([p, table.into(), true.into()]));
        // a partitioned index has no statistics of its own
        let stats = with_stats
            && snap
                .relations
                .get(&index)
                .is_some_and(|r| r.kind == RelKind::Index);
        let scans = stats.then(|| scans_of.int8_of(index));
        if stats {
            let fetched = fetched_of.int8_of(index);
            if let Some(s) = snap
                .relations
                .get_mut(&table)
                .and_then(|r| r.stats.as_mut())
            {
                // what pg_stat_all_tables sums from the indexes
                s.idx_scan += scans.unwrap_or(0);
                s.idx_tup_fetch += fetched;
            }
        }
        snap.indexes.push(Index {
            oid: index,
            table,
            am: am_names.entry(am).or_insert_with(|| am_name(am)).clone(),
            n_key,
            opclasses,
            opfamilies,
            collations: t.oids(collation).into_iter().take(n_key).collect(),
            options: t.i16s(option).into_iter().take(n_key).collect(),
            valid: t.bool(valid),
            ready: t.bool(ready),
            live: t.bool(live),
            partial: predicate.is_some(),
            unique: t.bool(unique),
            primary: t.bool(primary),
            exclusion: t.bool(exclusion),
            replica_identity: t.bool(replident),
            scans,
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
