//! `advisor_unused_indexes` and `advisor_index_findings`: the index family's own views.

use super::prepare;
use database_advisor_core::rules::indexes::{undo_statement, unused};
use pgrx::prelude::*;

#[pg_extern(stable)]
fn _advisor_unused_indexes() -> TableIterator<
    'static,
    (
        name!(schema_name, String),
        name!(table_name, String),
        name!(index_name, String),
        name!(index_bytes, i64),
        name!(scans, i64),
        name!(table_inserts, i64),
        name!(table_updates, i64),
        name!(table_deletes, i64),
        name!(stats_since, String),
        name!(stats_window_seconds, f64),
        name!(level, &'static str),
        name!(object_identity, String),
        name!(detail, String),
        name!(remediation, Option<String>),
        name!(undo, Option<String>),
        name!(fingerprint, String),
    ),
> {
    let (mut snap, config) = prepare(unused::RULE.parts, false);
    let window = snap.stats_window.clone();
    let started = std::time::Instant::now();
    let mut rows = unused::analyze(&snap, &config);
    super::trace_rules(started, rows.len());
    // the undo statements: deparsed for the indexes listed, after the rule ran
    let wanted: Vec<_> = rows.iter().map(|u| u.index).collect();
    super::or_raise(crate::loader::load_index_defs(&mut snap, &wanted));
    for u in &mut rows {
        u.undo = snap.index(u.index).and_then(|ix| undo_statement(&snap, ix));
        u.finding.metadata["undo"] = u.undo.clone().into();
    }
    rows.sort_by(|a, b| {
        (b.finding.level, b.index_bytes, &a.finding.object_identity).cmp(&(
            a.finding.level,
            a.index_bytes,
            &b.finding.object_identity,
        ))
    });
    TableIterator::new(rows.into_iter().map(move |u| {
        (
            u.schema,
            u.table,
            u.index_name,
            u.index_bytes,
            u.scans,
            u.table_writes.n_tup_ins,
            u.table_writes.n_tup_upd,
            u.table_writes.n_tup_del,
            window.since.clone(),
            window.seconds,
            u.finding.level.as_str(),
            u.finding.object_identity,
            u.finding.detail,
            u.finding.remediation,
            u.undo,
            u.finding.fingerprint,
        )
    }))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION _advisor_unused_indexes() IS
'Internal: rows of the advisor_unused_indexes view (rule unused_index).';

CREATE VIEW advisor_unused_indexes AS
SELECT schema_name, table_name, index_name,
       index_bytes, pg_catalog.pg_size_pretty(index_bytes) AS index_size, scans,
       table_inserts, table_updates, table_deletes,
       stats_since::timestamptz AS stats_since,
       pg_catalog.make_interval(secs => stats_window_seconds) AS stats_window,
       level::@extschema@.advisor_level AS level, object_identity, detail, remediation, undo, fingerprint
FROM @extschema@._advisor_unused_indexes();
COMMENT ON VIEW advisor_unused_indexes IS
'Indexes not scanned (idx_scan <= database_advisor.unused_index_max_scans) in the statistics window, largest first, with the writes they cost, the DROP INDEX CONCURRENTLY to run and the undo that recreates them. Never lists indexes that back constraints, enforce uniqueness, are the replica identity or are the only index serving a foreign key. Scans on standbys are not counted.';

CREATE VIEW advisor_index_findings AS
SELECT rule, level::@extschema@.advisor_level AS level, object_type, object_identity, detail, remediation,
       metadata->>'undo' AS undo, metadata, fingerprint
FROM @extschema@._advisor_run(ARRAY['missing_fk_index', 'unused_index', 'duplicate_index',
                        'redundant_index', 'invalid_index'], false, true);
COMMENT ON VIEW advisor_index_findings IS
'Every finding of the index rules (missing_fk_index, unused_index, duplicate_index, redundant_index, invalid_index) with the fix and, for indexes to drop, the undo statement that recreates them.';
"#,
    name = "advisor_index_views",
    requires = [
        "advisor_level",
        "advisor_findings_views",
        _advisor_unused_indexes
    ],
);
