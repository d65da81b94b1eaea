//! `pg_class` of user schemas: tables, partitioned tables, indexes, views, materialized
//! views, foreign tables and sequences, with their size (`relpages`: no lock is taken, so
//! 20,000 tables never exhaust the lock table), cumulative statistics (what
//! `pg_stat_all_tables` shows, from one statistics lookup per table; `idx_scan` and
//! `idx_tup_fetch` are summed from the indexes: [`refresh`]), owner and Row Level Security
//! state; with `maintenance`, also how vacuum, analyze and freezing keep up with each table
//! (its TOAST table's ages and options folded in).

use super::Catalog;
use database_advisor_core::snapshot::fast_hash::{Map as HashMap, Set as HashSet};
use database_advisor_core::snapshot::{
    Grant, Maintenance, RelKind, Relation, Snapshot, PRIVILEGES,
};
use pgrx::array::RawArray;
use pgrx::pg_sys;

/// An index's `pg_class` row as its definition needs it: its access method, and whether
/// it is a plain index (not partitioned) without storage parameters.
#[derive(Clone, Copy)]
pub(in crate::loader) struct IndexRelation {
    pub am: u32,
    pub plain: bool,
}

/// What a table's freezing is measured from (`relfrozenxid`, `relminmxid`, and its TOAST
/// table's), kept to compute its ages as of each run (see [`refresh`]).
#[derive(Clone, Copy, Default)]
pub(in crate::loader) struct Frozen {
    xid: u32,
    mxid: u32,
    toast: Option<(u32, u32)>,
}

/// What [`relations`] read besides the relations.
pub(in crate::loader) struct Read {
    /// What the definition of each index depends on of its `pg_class` row.
    pub indexes: HashMap<u32, IndexRelation>,
    /// What the ages of each table count from.
    pub frozen: HashMap<u32, Frozen>,
    /// How many columns the relations read have (`relnatts`, dropped ones included).
    pub columns: usize,
}

/// The relations `wanted` says into `snap.relations` (with `grants`, the privileges on
/// tables, views and the like too; with `maintenance`, `snap.maintenance` of tables and
/// materialized views, with what their ages count from), the names of the others (see
/// `Snapshot::add_relation_name`). `expected`: how many relations `wanted` may say at most
/// (`None`: any number), to reserve room for them and the names of the others.
/// Nothing here changes without the catalog changing: the statistics and ages are
/// [`refresh`]'s.
pub(in crate::loader) fn relations(
    snap: &mut Snapshot,
    extension_members: &HashSet<u32>,
    grants: bool,
    maintenance: bool,
    wanted: impl Fn(u32) -> bool,
    expected: Option<usize>,
) -> Read {
    let pg_class = Catalog::open(pg_sys::RelationRelationId);
    if let Some(expected) = expected {
        // (not for any number: a map reserved larger than it gets is larger in memory)
        let rows = pg_class.rows();
        snap.relations.reserve(expected.min(rows));
        snap.reserve_relation_names(rows.saturating_sub(expected));
    }
    let mut columns = 0;
    let options = pg_class.column("reloptions");
    let acl = pg_class.column("relacl");
    let mut access_methods = HashMap::default();
    let mut frozen: HashMap<u32, Frozen> = HashMap::default();
    // TOAST table -> its IDs and options; table -> its TOAST table
    let mut toast: HashMap<u32, ((u32, u32), Vec<String>)> = HashMap::default();
    let mut toast_of: Vec<(u32, u32)> = Vec::new();
    pg_class.scan(|t| {
        let c: &pg_sys::FormData_pg_class = t.form();
        let relkind = c.relkind as u8 as char;
        let namespace = u32::from(c.relnamespace);
        let ids = (u32::from(c.relfrozenxid), u32::from(c.relminmxid));
        if maintenance && relkind == 't' {
            toast.insert(u32::from(c.oid), (ids, text_array(t.datum(options))));
            return;
        }
        if !"rpiIvmfS".contains(relkind) || !snap.namespaces.contains_key(&namespace) {
            return;
        }
        let oid = u32::from(c.oid);
        if matches!(relkind, 'i' | 'I') {
            let index = IndexRelation {
                am: u32::from(c.relam),
                plain: relkind == 'i' && t.is_null(options),
            };
            access_methods.insert(oid, index);
        }
        if !wanted(oid) {
            snap.add_relation_name(
                namespace,
                &String::from_utf8_lossy(super::name_bytes(&c.relname)),
            );
            return;
        }
        if maintenance && matches!(relkind, 'r' | 'm') {
            let m = Maintenance {
                options: text_array(t.datum(options)),
                ..Maintenance::default()
            };
            snap.maintenance.insert(oid, m);
            frozen.insert(
                oid,
                Frozen {
                    xid: ids.0,
                    mxid: ids.1,
                    toast: None,
                },
            );
            if c.reltoastrelid != pg_sys::InvalidOid {
                toast_of.push((oid, u32::from(c.reltoastrelid)));
            }
        }
        if "rpvmf".contains(relkind) {
            columns += c.relnatts.max(0) as usize;
        }
        let rel = Relation {
            oid,
            namespace,
            name: super::name(&c.relname),
            kind: RelKind::from_relkind(relkind),
            is_partition: c.relispartition,
            reltuples: f64::from(c.reltuples),
            size_bytes: i64::from(c.relpages) * i64::from(pg_sys::BLCKSZ),
            extension_member: extension_members.contains(&oid),
            stats: None,
            owner: u32::from(c.relowner),
            rls_enabled: c.relrowsecurity,
            rls_forced: c.relforcerowsecurity,
            security_invoker: relkind == 'v' && security_invoker(t.datum(options)),
            grants: if grants && "rpvmf".contains(relkind) {
                privileges(t.datum(acl), u32::from(c.relowner))
            } else {
                Vec::new()
            },
            identity: Default::default(),
        };
        snap.relations.insert(rel.oid, rel);
    });
    pg_class.close();
    for (table, toast_table) in toast_of {
        if let (Some(m), Some((ids, options))) =
            (snap.maintenance.get_mut(&table), toast.get(&toast_table))
        {
            m.options
                .extend(options.iter().map(|o| format!("toast.{o}")));
            if let Some(f) = frozen.get_mut(&table) {
                f.toast = Some(*ids);
            }
        }
    }
    Read {
        indexes: access_methods,
        frozen,
        columns,
    }
}

/// What changes without the catalog changing, as of now: each table's cumulative
/// statistics (what `pg_stat_all_tables` shows; `idx_scan` and `idx_tup_fetch` summed from
/// its indexes, whose scans are set with `index_stats`), how vacuum and analyze keep up,
/// and the ages of `frozen`'s tables (the larger of the table's and its TOAST table's).
pub(in crate::loader) fn refresh(
    snap: &mut Snapshot,
    frozen: &HashMap<u32, Frozen>,
    index_stats: bool,
) {
    let ages = Ages::now();
    for rel in snap.relations.values_mut() {
        if !matches!(
            rel.kind,
            RelKind::Table | RelKind::MaterializedView | RelKind::PartitionedTable
        ) {
            rel.stats = None;
            continue;
        }
        let counters = super::Counters::of(rel.oid);
        rel.stats = Some(Box::new(counters.table_stats()));
        if let Some(m) = snap.maintenance.get_mut(&rel.oid) {
            ages.vacuum_and_analyze(&counters, m);
        }
    }
    for (oid, f) in frozen {
        if let Some(m) = snap.maintenance.get_mut(oid) {
            m.xid_age = ages.xid_age(f.xid);
            m.mxid_age = ages.mxid_age(f.mxid);
            if let Some((xid, mxid)) = f.toast {
                m.xid_age = m.xid_age.max(ages.xid_age(xid));
                m.mxid_age = m.mxid_age.max(ages.mxid_age(mxid));
            }
        }
    }
    for ix in &mut snap.indexes {
        // a partitioned index has no statistics of its own
        let has_stats = index_stats
            && snap
                .relations
                .get(&ix.oid)
                .is_some_and(|r| r.kind == RelKind::Index);
        if !has_stats {
            ix.scans = None;
            continue;
        }
        let counters = super::Counters::of(ix.oid);
        ix.scans = Some(counters.numscans);
        if let Some(s) = snap
            .relations
            .get_mut(&ix.table)
            .and_then(|r| r.stats.as_mut())
        {
            // what pg_stat_all_tables sums from the indexes
            s.idx_scan += counters.numscans;
            s.idx_tup_fetch += counters.tuples_fetched;
        }
    }
}

/// Ages and times as of the scan: `age()` and `mxid_age()` count back from the next
/// transaction and multixact IDs to be assigned, times from now.
struct Ages {
    next_xid: u32,
    next_mxid: u32,
    now: i64,
}

impl Ages {
    fn now() -> Ages {
        // SAFETY: reads of shared counters under their locks, and the clock
        unsafe {
            Ages {
                next_xid: pg_sys::ReadNextFullTransactionId().value as u32,
                next_mxid: u32::from(pg_sys::ReadNextMultiXactId()),
                now: pg_sys::GetCurrentTimestamp(),
            }
        }
    }

    /// `age(xid)`: transactions since it, modulo 2^32 as PostgreSQL counts them;
    /// `i32::MAX` for a special ID (as `age` of the frozen ID gives).
    fn age(next: u32, id: u32, first_normal: u32) -> i64 {
        if id < first_normal {
            return i64::from(i32::MAX);
        }
        i64::from(next.wrapping_sub(id) as i32)
    }

    // FirstNormalTransactionId is 3, FirstMultiXactId 1
    fn xid_age(&self, xid: u32) -> i64 {
        Ages::age(self.next_xid, xid, 3)
    }

    fn mxid_age(&self, mxid: u32) -> i64 {
        Ages::age(self.next_mxid, mxid, 1)
    }

    fn vacuum_and_analyze(&self, c: &super::Counters, m: &mut Maintenance) {
        let ago = |ts: i64| (ts != 0).then(|| (self.now - ts) as f64 / 1e6);
        let [vacuum, autovacuum, analyze, autoanalyze] = c.vacuumed;
        m.dead_tuples = c.dead_tuples;
        m.mod_since_analyze = c.mod_since_analyze;
        m.vacuum_count = c.vacuum_count;
        m.autovacuumed = autovacuum > vacuum;
        m.vacuumed_ago = ago(vacuum.max(autovacuum));
        m.autoanalyzed = autoanalyze > analyze;
        m.analyzed_ago = ago(analyze.max(autoanalyze));
    }
}

/// A `text[]` column (`reloptions`): its elements, none for NULL.
fn text_array(d: Option<pg_sys::Datum>) -> Vec<String> {
    use pgrx::datum::FromDatum;
    // SAFETY: a text[] without NULL elements
    d.and_then(|d| unsafe { Vec::<String>::from_datum(d, false) })
        .unwrap_or_default()
}

/// What `aclexplode(coalesce(relacl, acldefault('r', relowner)))` lists, in its order:
/// each ACL item's grantee with each privilege it holds (0 is PUBLIC).
fn privileges(acl: Option<pg_sys::Datum>, owner: u32) -> Vec<Grant> {
    let rights = (pg_sys::N_ACL_RIGHTS as usize).min(PRIVILEGES.len());
    let grants_of = |grantee: u32, privs: u64| {
        (0..rights)
            .filter(move |&bit| privs & (1 << bit) != 0)
            .map(move |bit| Grant::new(grantee, PRIVILEGES[bit]))
    };
    let Some(d) = acl else {
        // the default: the owner holds every privilege on a relation, nobody else any
        return grants_of(owner, u64::from(pg_sys::ACL_ALL_RIGHTS_RELATION)).collect();
    };
    // SAFETY: relacl is an aclitem[] without NULL elements (checked); detoasted first
    unsafe {
        let ptr = pg_sys::pg_detoast_datum(d.cast_mut_ptr());
        let Some(ptr) = std::ptr::NonNull::new(ptr.cast::<pg_sys::ArrayType>()) else {
            return Vec::new();
        };
        let mut arr = RawArray::from_ptr(ptr);
        if arr.oid() != pg_sys::ACLITEMOID || arr.nulls().is_some() || arr.len() == 0 {
            return Vec::new();
        }
        let items: &[pg_sys::AclItem] = arr.data::<pg_sys::AclItem>().as_ref();
        items
            .iter()
            .flat_map(|item| grants_of(u32::from(item.ai_grantee), u64::from(item.ai_privs)))
            .collect()
    }
}

/// `security_invoker` set to a true value in a view's `reloptions` (PostgreSQL stores
/// the value as written: `true`, `on`, `yes`, `1`, any case).
fn security_invoker(options: Option<pg_sys::Datum>) -> bool {
    text_array(options).iter().any(|o| {
        o.split_once('=').is_some_and(|(k, v)| {
            k == "security_invoker"
                && matches!(v.to_ascii_lowercase().as_str(), "true" | "on" | "yes" | "1")
        })
    })
}
