//! The what-if engine: plans of a statement as if some indexes existed (hypothetical
//! B-tree indexes, never built) or did not (hidden ones), costed by PostgreSQL's own
//! planner in this backend. No HypoPG: a planner hook of our own (`hook`), active only
//! while we plan.
//!
//! `hypo` turns `CREATE INDEX` text into what the planner needs, with a size estimate;
//! `planner` makes generic plans of `$n` statements inside a subtransaction; `explain`
//! reads a plan tree into JSON; `usage` reads how a statement uses its tables while it is
//! planned; `advise` searches for the indexes that serve a set of statements best.

pub mod advise;
mod explain;
pub mod hook;
pub mod hypo;
pub mod planner;
pub(crate) mod typed_params;
mod usage;
pub mod workload;

use hypo::Hypo;
use pgrx::pg_sys;

/// What the planner should see: indexes added, existing indexes taken away.
#[derive(Default)]
pub struct Scenario {
    pub hypos: Vec<Hypo>,
    pub hidden: Vec<pg_sys::Oid>,
}

/// OIDs for hypothetical indexes: below `FirstNormalObjectId`, above every relation initdb
/// made, so never the OID of a relation (the server never assigns such OIDs after
/// initdb); each is checked to be free.
pub fn fake_oids(n: usize) -> Vec<pg_sys::Oid> {
    let mut out = Vec::with_capacity(n);
    let mut candidate = pg_sys::FirstNormalObjectId - 1;
    while out.len() < n && candidate > pg_sys::FirstGenbkiObjectId {
        let oid = pg_sys::Oid::from(candidate);
        // SAFETY: a syscache lookup of a relation OID; NULL when there is none
        if unsafe { pg_sys::get_rel_name(oid) }.is_null() {
            out.push(oid);
        }
        candidate -= 1;
    }
    out
}
