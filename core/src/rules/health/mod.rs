//! Health and maintenance: whether vacuum, analyze and freezing keep up with the tables
//! (`vacuum`, `wraparound`), sequences that are running out (`sequences`), extensions
//! left at an old version (`extensions`), sessions that hold locks and snapshots or wait
//! on them, the server's connections (`sessions`), replication slots nobody reads
//! (`replication`).

pub mod bloat;
pub mod extensions;
pub mod replication;
pub mod sequences;
pub mod sessions;
pub mod settings;
pub mod vacuum;
pub mod wraparound;

use crate::config::Config;
use crate::snapshot::{Maintenance, Parts, Relation, Snapshot};

/// What the per-table rules of this family read.
pub const PARTS: Parts = Parts::RELATIONS.union(Parts::MAINTENANCE);

/// Work autovacuum should have done more than this long ago (seconds) is late: `info`.
pub const LATE_AFTER: f64 = 3600.0;
/// ... more than this long ago: `warning`.
pub const VERY_LATE_AFTER: f64 = 86400.0;

/// The tables and materialized views of the family: in scope, not an extension's, with
/// their maintenance state; by OID (a run sorts all findings at the end: this only keeps
/// a rule's own output stable).
pub(crate) fn tables<'s>(
    snap: &'s Snapshot,
    config: &'s Config,
) -> Vec<(&'s Relation, &'s Maintenance)> {
    let mut out: Vec<_> = snap
        .maintenance
        .iter()
        .filter_map(|(oid, m)| {
            let rel = snap.relation(*oid)?;
            (!rel.extension_member && snap.in_scope(rel, config)).then_some((rel, m))
        })
        .collect();
    out.sort_unstable_by_key(|(rel, _)| rel.oid);
    out
}

/// Whether autovacuum looks after this table: on for the server (with `track_counts`,
/// which it needs) and not disabled for the table.
pub(crate) fn autovacuum_on(snap: &Snapshot, m: &Maintenance) -> bool {
    let server = &snap.server_maintenance;
    server.autovacuum && server.track_counts && m.option_bool("autovacuum_enabled") != Some(false)
}

/// "3 hours ago" / "never (in the statistics, which start 2026-11-01 ...)"
pub(crate) fn when(snap: &Snapshot, ago: Option<f64>, auto: bool) -> String {
    match ago {
        Some(s) => format!(
            "{} ago{}",
            crate::snapshot::human_duration(s),
            if auto { " (autovacuum)" } else { "" }
        ),
        None => format!(
            "never, as far as the statistics go back ({})",
            snap.stats_window.describe()
        ),
    }
}
