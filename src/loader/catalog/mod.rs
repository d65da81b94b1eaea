//! The big catalogs (`pg_class`, `pg_attribute`, `pg_index`, `pg_constraint`) read
//! directly, as PostgreSQL's own code reads them: one heap scan each under the catalog
//! snapshot, columns taken from the tuple in place. Through SPI the same rows cost a
//! query plan with joins to filter them, a copy of the whole result and a decode per
//! value (on 20,000 tables: 0.6 s of a run; this way 0.25 s, the snapshot's structs built).
//!
//! Columns are found by name in the catalog's tuple descriptor, never by a number or a
//! struct layout that changes between major versions. Nothing here runs SQL or resolves
//! a name: a hostile name is only ever read as bytes.

mod columns;
mod constraints;
mod indexes;
mod relations;

pub(super) use columns::attributes;
pub(super) use constraints::constraints;
pub(super) use indexes::{indexes, OpClass};
pub(super) use relations::{refresh, relations, Frozen};

use database_advisor_core::snapshot::TableStats;
use pgrx::array::RawArray;
use pgrx::pg_sys;
use std::ptr::NonNull;

/// A system catalog opened for reading (AccessShareLock, as a query would take).
pub(super) struct Catalog {
    rel: pg_sys::Relation,
}

impl Catalog {
    pub fn open(relid: pg_sys::Oid) -> Catalog {
        // SAFETY: a catalog OID; the lock and the reference are released by close() or,
        // on ERROR, by the transaction's resource owner.
        Catalog {
            rel: unsafe { pg_sys::table_open(relid, pg_sys::AccessShareLock as _) },
        }
    }

    /// The attribute number of column `name` (a name every supported version has).
    pub fn column(&self, name: &str) -> i32 {
        // SAFETY: rd_att is the open relation's descriptor, borrowed (the layout of its
        // attributes changed in PostgreSQL 18: PgTupleDesc reads either)
        let desc = unsafe { pgrx::PgTupleDesc::from_pg_unchecked((*self.rel).rd_att) };
        desc.iter()
            .position(|att| name_bytes(&att.attname) == name.as_bytes())
            .map(|i| i as i32 + 1)
            .unwrap_or_else(|| panic!("catalog column {name} not found"))
    }

    /// The catalog's rows as of its last VACUUM or ANALYZE (0 when never counted): what a
    /// collection filled from a scan reserves, instead of growing by copying (in a fresh
    /// backend every page of a copy is zeroed by the kernel first).
    pub fn rows(&self) -> usize {
        // SAFETY: rd_rel is the open relation's pg_class row
        unsafe { (*(*self.rel).rd_rel).reltuples.max(0.0) as usize }
    }

    /// Every tuple of the catalog, in physical order, checking for cancel as it goes.
    pub fn scan(&self, mut each: impl FnMut(&Tuple)) {
        // SAFETY: a heap scan of an open catalog under a catalog snapshot (catalogs are
        // heap tables); each tuple stays valid, its buffer pinned, until the next
        // heap_getnext, and `each` only borrows it until then.
        unsafe {
            let scan = pg_sys::table_beginscan_catalog(self.rel, 0, std::ptr::null_mut());
            let desc = (*self.rel).rd_att;
            let mut n: u32 = 0;
            loop {
                let tuple = pg_sys::heap_getnext(scan, pg_sys::ScanDirection::ForwardScanDirection);
                if tuple.is_null() {
                    break;
                }
                n = n.wrapping_add(1);
                if n.is_multiple_of(1024) {
                    pgrx::check_for_interrupts!();
                }
                each(&Tuple { tuple, desc });
            }
            pg_sys::heap_endscan(scan);
        }
    }

    pub fn close(self) {
        // SAFETY: opened by open() with this lock mode
        unsafe { pg_sys::table_close(self.rel, pg_sys::AccessShareLock as _) }
    }
}

/// A `name` (invalid UTF-8 shown with replacement characters).
pub(super) fn name(name: &pg_sys::NameData) -> String {
    String::from_utf8_lossy(name_bytes(name)).into_owned()
}

/// The bytes of a `name`, up to its NUL.
pub(super) fn name_bytes(name: &pg_sys::NameData) -> &[u8] {
    // SAFETY: NameData is a fixed array of c_char
    let bytes: &[u8] =
        unsafe { std::slice::from_raw_parts(name.data.as_ptr().cast(), name.data.len()) };
    let len = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    &bytes[..len]
}

/// One catalog tuple, read by attribute number ([`Catalog::column`]).
pub(super) struct Tuple {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
}

impl Tuple {
    /// The fixed-size leading columns as the catalog's C struct (`FormData_pg_class`...,
    /// from this build's bindings of this major version's headers).
    pub fn form<T>(&self) -> &T {
        // SAFETY: (caller) T is the FormData struct of the scanned catalog
        unsafe { &*pg_sys::GETSTRUCT(self.tuple).cast::<T>() }
    }

    /// The column's datum, `None` when NULL.
    pub fn datum(&self, att: i32) -> Option<pg_sys::Datum> {
        let mut null = false;
        // SAFETY: tuple and descriptor belong to the same open catalog; att comes from
        // Catalog::column
        let d = unsafe { pg_sys::heap_getattr(self.tuple, att, self.desc, &mut null) };
        (!null).then_some(d)
    }

    pub fn is_null(&self, att: i32) -> bool {
        self.datum(att).is_none()
    }

    pub fn oid(&self, att: i32) -> u32 {
        self.datum(att).map_or(0, |d| d.value() as u32)
    }

    /// A `boolean` column (false when NULL).
    pub fn bool(&self, att: i32) -> bool {
        self.datum(att).is_some_and(|d| d.value() != 0)
    }

    /// A `"char"` column.
    pub fn char(&self, att: i32) -> char {
        self.datum(att).map_or('?', |d| (d.value() as u8) as char)
    }

    /// A `name` column.
    pub fn name(&self, att: i32) -> String {
        match self.datum(att) {
            // SAFETY: a name datum points at a NameData in the tuple
            Some(d) => name(unsafe { &*d.cast_mut_ptr::<pg_sys::NameData>() }),
            None => String::new(),
        }
    }

    /// A `text`-like column (`text`, `pg_node_tree`), `None` when NULL.
    pub fn text(&self, att: i32) -> Option<String> {
        let d = self.datum(att)?;
        // SAFETY: the column is a varlena of text's representation; text_to_cstring
        // detoasts it and returns a palloc'd copy, freed here
        unsafe {
            let c = pg_sys::text_to_cstring(d.cast_mut_ptr());
            let s = std::ffi::CStr::from_ptr(c).to_string_lossy().into_owned();
            pg_sys::pfree(c.cast());
            Some(s)
        }
    }

    /// An `int2[]` or `int2vector` column (empty when NULL).
    pub fn i16s(&self, att: i32) -> Vec<i16> {
        self.array(att, pg_sys::INT2OID)
    }

    /// An `oid[]` or `oidvector` column (empty when NULL).
    pub fn oids(&self, att: i32) -> Vec<u32> {
        self.array(att, pg_sys::OIDOID)
    }

    /// A one-dimensional array without NULL elements of a fixed-size type.
    fn array<T: Copy>(&self, att: i32, element: pg_sys::Oid) -> Vec<T> {
        let Some(d) = self.datum(att) else {
            return Vec::new();
        };
        // SAFETY: the column's type is an array (or vector) of `element`, checked below;
        // pg_detoast_datum gives a plain 4-byte-header copy when the value is short or
        // toasted, else the value in place.
        unsafe {
            let ptr = pg_sys::pg_detoast_datum(d.cast_mut_ptr());
            let Some(ptr) = NonNull::new(ptr.cast::<pg_sys::ArrayType>()) else {
                return Vec::new();
            };
            let mut arr = RawArray::from_ptr(ptr);
            if arr.oid() != element || arr.nulls().is_some() || arr.len() == 0 {
                return Vec::new();
            }
            arr.data::<T>().as_ref().to_vec()
        }
    }
}

/// The cumulative statistics of a table or an index, as the `pg_stat_get_*` functions
/// read them (0 when there are none), in one lookup instead of one per function.
#[derive(Default)]
pub(super) struct Counters {
    pub numscans: i64,
    pub tuples_returned: i64,
    pub tuples_fetched: i64,
    pub tuples_inserted: i64,
    pub tuples_updated: i64,
    pub tuples_deleted: i64,
    pub live_tuples: i64,
    pub dead_tuples: i64,
    pub mod_since_analyze: i64,
    /// `TimestampTz` of the last vacuum, autovacuum, analyze, autoanalyze (0: never).
    pub vacuumed: [i64; 4],
    pub vacuum_count: i64,
}

impl Counters {
    pub fn of(relation: u32) -> Counters {
        // SAFETY: the entry (NULL when there is none) stays valid until the next
        // pgstat call of this backend; it is read at once
        unsafe {
            let e = pg_sys::pgstat_fetch_stat_tabentry(pg_sys::Oid::from_u32(relation));
            if e.is_null() {
                return Counters::default();
            }
            #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
            let (live, dead, modified, vacuumed) = (
                (*e).n_live_tuples,
                (*e).n_dead_tuples,
                (*e).changes_since_analyze,
                [
                    (*e).vacuum_timestamp,
                    (*e).autovac_vacuum_timestamp,
                    (*e).analyze_timestamp,
                    (*e).autovac_analyze_timestamp,
                ],
            );
            #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
            let (live, dead, modified, vacuumed) = (
                (*e).live_tuples,
                (*e).dead_tuples,
                (*e).mod_since_analyze,
                [
                    (*e).last_vacuum_time,
                    (*e).last_autovacuum_time,
                    (*e).last_analyze_time,
                    (*e).last_autoanalyze_time,
                ],
            );
            #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
            let vacuum_count = (*e).vacuum_count + (*e).autovac_vacuum_count;
            #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
            let vacuum_count = (*e).vacuum_count + (*e).autovacuum_count;
            Counters {
                numscans: (*e).numscans,
                tuples_returned: (*e).tuples_returned,
                tuples_fetched: (*e).tuples_fetched,
                tuples_inserted: (*e).tuples_inserted,
                tuples_updated: (*e).tuples_updated,
                tuples_deleted: (*e).tuples_deleted,
                live_tuples: live,
                dead_tuples: dead,
                mod_since_analyze: modified,
                vacuumed,
                vacuum_count,
            }
        }
    }

    /// What `pg_stat_all_tables` shows of a table, but the sums over its indexes.
    pub fn table_stats(&self) -> TableStats {
        TableStats {
            seq_scan: self.numscans,
            seq_tup_read: self.tuples_returned,
            idx_scan: 0,
            idx_tup_fetch: self.tuples_fetched,
            n_tup_ins: self.tuples_inserted,
            n_tup_upd: self.tuples_updated,
            n_tup_del: self.tuples_deleted,
            n_live_tup: self.live_tuples,
        }
    }
}
