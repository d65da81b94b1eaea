//! `advisor_unused_indexes` and `advisor_index_findings`: the index family's own views.

use super::prepare;
use super::srf::materialized;
use database_advisor_core::rules::indexes::{undo_of, unused};
use pgrx::prelude::*;

materialized!(
    _advisor_unused_indexes_wrapper,
    pg_finfo__advisor_unused_indexes_wrapper,
    |_, out| {
        let (snap, mut config) = prepare(unused::RULE.parts, false);
        let window = &snap.stats_window;
        let started = std::time::Instant::now();
        // the undo statements of plain indexes written by the rule, on its threads
        config.index_undo = true;
        let mut found = crate::threads::split(crate::gucs::rule_threads(), |k, n| {
            unused::analyze_tables(&snap, &config, |table| table as usize % n == k)
        });
        super::trace_rules(started, found.len());
        // the others deparsed by the server, for the indexes listed, after the rule ran
        let wanted: Vec<_> = found
            .iter()
            .filter(|u| u.undo.is_none())
            .map(|u| u.index)
            .collect();
        let defs = super::or_raise(crate::loader::index_defs(&snap, &wanted));
        for u in found.iter_mut().filter(|u| u.undo.is_none()) {
            u.undo = snap
                .index(u.index)
                .zip(defs.get(&u.index))
                .map(|(ix, def)| undo_of(&snap, ix, def));
        }
        // largest first (sorting references: the rows are large)
        let mut rows: Vec<&unused::UnusedIndex> = found.iter().collect();
        rows.sort_unstable_by(|a, b| {
            (b.finding.level, b.index_bytes, &a.finding.object_identity).cmp(&(
                a.finding.level,
                a.index_bytes,
                &b.finding.object_identity,
            ))
        });
        for u in rows {
            out.push(|row| {
                row.text(u.schema);
                row.text(u.table);
                row.text(u.index_name);
                row.int8(u.index_bytes);
                row.int8(u.scans);
                row.int8(u.table_writes.n_tup_ins);
                row.int8(u.table_writes.n_tup_upd);
                row.int8(u.table_writes.n_tup_del);
                row.text(&window.since);
                row.float8(window.seconds);
                row.text(u.finding.level.as_str());
                row.text(&u.finding.object_identity);
                row.text(&u.finding.detail);
                row.text_opt(u.finding.remediation.as_deref());
                row.text_opt(u.undo.as_deref());
                row.text(&u.finding.fingerprint);
            });
        }
    }
);

extension_sql!(
    r#"
CREATE FUNCTION "_advisor_unused_indexes"() RETURNS TABLE (
	"schema_name" TEXT,
	"table_name" TEXT,
	"index_name" TEXT,
	"index_bytes" bigint,
	"scans" bigint,
	"table_inserts" bigint,
	"table_updates" bigint,
	"table_deletes" bigint,
	"stats_since" TEXT,
	"stats_window_seconds" double precision,
	"level" TEXT,
	"object_identity" TEXT,
	"detail" TEXT,
	"remediation" TEXT,
	"undo" TEXT,
	"fingerprint" TEXT
)
STRICT STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', '_advisor_unused_indexes_wrapper';
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
    requires = ["advisor_level", "advisor_findings_views"],
);
