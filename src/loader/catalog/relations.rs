//! `pg_class` of user schemas: tables, partitioned tables, indexes, views, materialized
//! views, foreign tables and sequences, with their size (`relpages`: no lock is taken, so
//! 20,000 tables never exhaust the lock table), cumulative statistics (the
//! `pg_stat_get_*` functions `pg_stat_all_tables` is made of, only those the rules read;
//! `idx_scan` and `idx_tup_fetch` are summed from the indexes), owner and Row Level
//! Security state.

use super::{Builtin, Catalog};
use database_advisor_core::snapshot::{RelKind, Relation, Snapshot, TableStats};
use pgrx::pg_sys;
use std::collections::{HashMap, HashSet};

/// Into `snap.relations`; returns the access method (`relam`) of each index.
pub(in crate::loader) fn relations(
    snap: &mut Snapshot,
    extension_members: &HashSet<u32>,
) -> HashMap<u32, u32> {
    let pg_class = Catalog::open(pg_sys::RelationRelationId);
    let oid = pg_class.column("oid");
    let name = pg_class.column("relname");
    let namespace = pg_class.column("relnamespace");
    let kind = pg_class.column("relkind");
    let is_partition = pg_class.column("relispartition");
    let tuples = pg_class.column("reltuples");
    let pages = pg_class.column("relpages");
    let owner = pg_class.column("relowner");
    let rls = pg_class.column("relrowsecurity");
    let forced = pg_class.column("relforcerowsecurity");
    let options = pg_class.column("reloptions");
    let am = pg_class.column("relam");
    let mut access_methods = HashMap::new();
    let mut stats_reader = StatsReader::new();
    pg_class.scan(|t| {
        let relkind = t.char(kind);
        if !"rpiIvmfS".contains(relkind) || !snap.namespaces.contains_key(&t.oid(namespace)) {
            return;
        }
        let rel_oid = t.oid(oid);
        if matches!(relkind, 'i' | 'I') {
            access_methods.insert(rel_oid, t.oid(am));
        }
        let stats = matches!(relkind, 'r' | 'm' | 'p').then(|| stats_reader.of(rel_oid));
        let rel = Relation {
            oid: rel_oid,
            namespace: t.oid(namespace),
            name: t.name(name),
            kind: RelKind::from_relkind(relkind),
            is_partition: t.bool(is_partition),
            reltuples: f64::from(t.f32(tuples)),
            size_bytes: i64::from(t.i32(pages)) * i64::from(pg_sys::BLCKSZ),
            extension_member: extension_members.contains(&rel_oid),
            stats,
            owner: t.oid(owner),
            rls_enabled: t.bool(rls),
            rls_forced: t.bool(forced),
            security_invoker: relkind == 'v'
                && !t.is_null(options)
                && security_invoker(t.raw(options)),
            grants: Vec::new(),
        };
        snap.relations.insert(rel.oid, rel);
    });
    pg_class.close();
    access_methods
}

/// What `pg_stat_all_tables` shows of a table, but its index sums.
struct StatsReader([Builtin; 7]);

impl StatsReader {
    fn new() -> StatsReader {
        StatsReader(
            [
                Builtin::NUMSCANS,
                Builtin::TUPLES_RETURNED,
                Builtin::TUPLES_FETCHED,
                Builtin::TUPLES_INSERTED,
                Builtin::TUPLES_UPDATED,
                Builtin::TUPLES_DELETED,
                Builtin::LIVE_TUPLES,
            ]
            .map(Builtin::new),
        )
    }

    fn of(&mut self, rel: u32) -> TableStats {
        let [scans, returned, fetched, inserted, updated, deleted, live] = &mut self.0;
        TableStats {
            seq_scan: scans.int8_of(rel),
            seq_tup_read: returned.int8_of(rel),
            idx_scan: 0,
            idx_tup_fetch: fetched.int8_of(rel),
            n_tup_ins: inserted.int8_of(rel),
            n_tup_upd: updated.int8_of(rel),
            n_tup_del: deleted.int8_of(rel),
            n_live_tup: live.int8_of(rel),
        }
    }
}

/// `security_invoker` set to a true value in a view's `reloptions` (PostgreSQL stores
/// the value as written: `true`, `on`, `yes`, `1`, any case).
fn security_invoker(options: Option<pg_sys::Datum>) -> bool {
    use pgrx::datum::FromDatum;
    let Some(d) = options else { return false };
    // SAFETY: reloptions is a text[] without NULL elements
    let options = unsafe { Vec::<String>::from_datum(d, false) }.unwrap_or_default();
    options.iter().any(|o| {
        o.split_once('=').is_some_and(|(k, v)| {
            k == "security_invoker"
                && matches!(v.to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1")
        })
    })
}
