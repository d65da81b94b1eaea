//! The table parts of a snapshot (relations, columns, indexes, constraints: most of a
//! run's reading on a large catalog) kept in the backend for the next run, while the
//! catalogs they come from do not change (`database_advisor.catalog_cache_size`). A
//! dashboard or a pooled connection asking again then reads only what changes without
//! the catalogs changing: statistics, ages, partitions, extension membership, and every
//! other part.
//!
//! "Do not change" is PostgreSQL's own cache invalidation: every change to a row of
//! `pg_class`, `pg_attribute`, `pg_index`, `pg_constraint`, `pg_namespace`, `pg_type`,
//! `pg_proc`, `pg_operator`, `pg_collation` or `pg_opclass` (committed by any session, made
//! or rolled back by this one, or a lost track of them) calls [`invalidated`], which
//! drops everything kept. A run takes what is kept only after reading the invalidations
//! sent so far, and keeps what it read only if none arrived while it read.

use super::tables::Kept;
use database_advisor_core::snapshot::fast_hash::Map as HashMap;
use database_advisor_core::snapshot::{Parts, Snapshot};
use pgrx::pg_sys;
use std::cell::{Cell, RefCell};

/// What one run read, kept.
struct Entry {
    parts: Parts,
    snap: Snapshot,
    kept: Kept,
    /// Estimated bytes.
    size: usize,
}

#[derive(Default)]
struct Cache {
    /// Most recently used last, all kept at generation `kept_at`.
    entries: Vec<Entry>,
    kept_at: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
    /// Bumped by every invalidation of the catalogs above (apart from `CACHE`: the
    /// callback may run while it is borrowed).
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// Runs that found their table parts kept (for the tests).
    static REUSED: Cell<u64> = const { Cell::new(0) };
    /// Policy conditions deparsed, by table, node tree and `quote_all_identifiers`, at
    /// the generation they were deparsed at.
    static DEPARSED: RefCell<(u64, Deparsed)> = RefCell::new((0, HashMap::default()));
}

type Deparsed = HashMap<(u32, String, bool), String>;

/// `deparse()` of a policy's condition (`pg_get_expr(tree, table)`), or what it gave
/// before while nothing the text names changed: the table's columns, the functions,
/// operators, types, collations, relations and schemas it names are all in the catalogs
/// whose invalidations [`invalidated`] counts, and the loader's search_path is pinned.
/// (A run has read the invalidations sent so far: [`take`].)
pub(super) fn deparsed(table: u32, tree: &str, deparse: impl FnOnce() -> String) -> String {
    let generation = GENERATION.with(Cell::get);
    // SAFETY: a GUC variable of this backend
    let quote_all = unsafe { pg_sys::quote_all_identifiers };
    let key = (table, tree.to_string(), quote_all);
    let known = DEPARSED.with(|d| {
        let mut d = d.borrow_mut();
        if d.0 != generation || d.1.len() > 100_000 {
            *d = (generation, HashMap::default());
        }
        d.1.get(&key).cloned()
    });
    known.unwrap_or_else(|| {
        let text = deparse();
        DEPARSED.with(|d| d.borrow_mut().1.insert(key, text.clone()));
        text
    })
}

/// How many runs of this backend found their table parts kept.
#[cfg(any(test, feature = "pg_test"))]
pub fn reused() -> u64 {
    REUSED.with(Cell::get)
}

/// Register the invalidation callbacks (once per process, from `_PG_init`).
pub fn register() {
    use pg_sys::SysCacheIdentifier as Id;
    let caches = [
        Id::RELOID,
        Id::ATTNUM,
        Id::INDEXRELID,
        Id::CONSTROID,
        Id::NAMESPACEOID,
        Id::TYPEOID,
        Id::PROCOID,
        Id::OPEROID,
        Id::COLLOID,
        Id::CLAOID,
    ];
    for id in caches {
        // SAFETY: a callback that only counts, registered in process-local memory
        unsafe {
            pg_sys::CacheRegisterSyscacheCallback(
                id as _,
                Some(invalidated),
                pg_sys::Datum::from(0),
            )
        };
    }
}

/// A syscache invalidation. It runs while PostgreSQL processes invalidations, where it
/// may neither allocate nor raise: it only counts (what is kept is dropped by the next run).
unsafe extern "C-unwind" fn invalidated(_: pg_sys::Datum, _: std::ffi::c_int, _: u32) {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
}

/// The invalidations sent so far, read; the generation after them.
fn current() -> u64 {
    // SAFETY: what every lock acquisition does
    unsafe { pg_sys::AcceptInvalidationMessages() };
    GENERATION.with(Cell::get)
}

/// A run starts reading `parts`: the generation it reads at, and the table parts of
/// `parts` an earlier run kept, if still valid (taken out: [`Loaded`] puts them back).
pub(super) fn take(parts: Parts) -> (u64, Option<(Snapshot, Kept)>) {
    let generation = current();
    let found = CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.kept_at != generation {
            cache.entries.clear();
        }
        let i = cache.entries.iter().position(|e| e.parts == parts)?;
        let e = cache.entries.remove(i);
        REUSED.with(|r| r.set(r.get() + 1));
        Some((e.snap, e.kept))
    });
    (generation, found)
}

/// A loaded snapshot: read through it as a [`Snapshot`]. Dropped, it keeps its table
/// parts for the next run if no invalidation arrived since it started reading and they
/// fit in `database_advisor.catalog_cache_size` (the least recently used entries leave
/// first); not when dropped by an error.
pub struct Loaded {
    snap: Option<Snapshot>,
    /// The parts read, the generation read at, and what the table parts keep besides.
    read: Option<(Parts, u64, Kept)>,
}

impl Loaded {
    pub(super) fn new(snap: Snapshot, parts: Parts, generation: u64, kept: Kept) -> Loaded {
        Loaded {
            snap: Some(snap),
            read: Some((parts, generation, kept)),
        }
    }
}

impl std::ops::Deref for Loaded {
    type Target = Snapshot;
    fn deref(&self) -> &Snapshot {
        self.snap.as_ref().expect("a snapshot until dropped")
    }
}

impl std::ops::DerefMut for Loaded {
    fn deref_mut(&mut self) -> &mut Snapshot {
        self.snap.as_mut().expect("a snapshot until dropped")
    }
}

impl Drop for Loaded {
    fn drop(&mut self) {
        // an ERROR unwinding: keep nothing, call nothing
        if std::thread::panicking() {
            return;
        }
        if let (Some(snap), Some((parts, started, kept))) = (self.snap.take(), self.read.take()) {
            keep(parts, started, snap, kept);
        }
    }
}

fn keep(parts: Parts, started: u64, snap: Snapshot, kept: Kept) {
    let limit = crate::gucs::catalog_cache_size();
    if !kept.reusable || limit == 0 || current() != started {
        return;
    }
    let snap = snap.catalog_only();
    let size = estimate(&snap);
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.kept_at != started {
            cache.entries.clear();
            cache.kept_at = started;
        }
        cache.entries.retain(|e| e.parts != parts);
        while !cache.entries.is_empty()
            && cache.entries.iter().map(|e| e.size).sum::<usize>() + size > limit
        {
            cache.entries.remove(0);
        }
        if size <= limit {
            cache.entries.push(Entry {
                parts,
                snap,
                kept,
                size,
            });
        }
    });
}

/// Roughly what the table parts take in memory (their strings and maps included).
fn estimate(snap: &Snapshot) -> usize {
    snap.relations.len() * 400
        + snap.attributes.len() * 160
        + snap.indexes.len() * 320
        + snap.constraints.len() * 240
        + snap.maintenance.len() * 120
}
