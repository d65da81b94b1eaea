//! `advisor_missing_fk_indexes`: foreign keys no index serves, with sizes, traffic and fix.

use super::prepare;
use super::srf::materialized;
use database_advisor_core::rules::indexes::missing_fk;
use pgrx::prelude::*;

materialized!(
    _advisor_missing_fk_indexes_wrapper,
    pg_finfo__advisor_missing_fk_indexes_wrapper,
    |_, out| {
        let (snap, config) = prepare(missing_fk::RULE.parts, false);
        let started = std::time::Instant::now();
        let found = crate::threads::split(crate::gucs::rule_threads(), |k, n| {
            missing_fk::analyze_tables(&snap, &config, |table| table as usize % n == k)
        });
        super::trace_rules(started, found.len());
        // (the rows borrow their names from the snapshot)
        let since = &snap.stats_window.since;
        // worst first (sorting references: the rows are large)
        let mut rows: Vec<&missing_fk::MissingFkIndex> = found.iter().collect();
        rows.sort_unstable_by(|a, b| {
            b.finding
                .level
                .cmp(&a.finding.level)
                .then_with(|| b.table_bytes.cmp(&a.table_bytes))
                .then_with(|| a.finding.object_identity.cmp(&b.finding.object_identity))
        });
        for m in rows {
            out.push(|row| {
                row.text(m.schema);
                row.text(m.table);
                row.text(m.constraint);
                row.texts(&m.columns);
                row.text(&m.referenced_table);
                row.texts(&m.referenced_columns);
                row.int8(m.table_rows);
                row.int8(m.table_bytes);
                row.int8_opt(m.referenced_deletes);
                row.int8_opt(m.referenced_updates);
                row.text(since);
                row.text(m.finding.level.as_str());
                row.text(&m.finding.object_identity);
                row.text(&m.finding.detail);
                row.text_opt(m.finding.remediation.as_deref());
                row.text(&m.finding.fingerprint);
            });
        }
    }
);

extension_sql!(
    r#"
CREATE FUNCTION "_advisor_missing_fk_indexes"() RETURNS TABLE (
	"schema_name" TEXT,
	"table_name" TEXT,
	"constraint_name" TEXT,
	"columns" TEXT[],
	"referenced_table" TEXT,
	"referenced_columns" TEXT[],
	"table_rows" bigint,
	"table_bytes" bigint,
	"referenced_deletes" bigint,
	"referenced_updates" bigint,
	"stats_since" TEXT,
	"level" TEXT,
	"object_identity" TEXT,
	"detail" TEXT,
	"remediation" TEXT,
	"fingerprint" TEXT
)
STRICT STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', '_advisor_missing_fk_indexes_wrapper';
COMMENT ON FUNCTION _advisor_missing_fk_indexes() IS
'Internal: rows of the advisor_missing_fk_indexes view (rule missing_fk_index).';

CREATE VIEW advisor_missing_fk_indexes AS
SELECT schema_name, table_name, constraint_name, columns,
       referenced_table, referenced_columns,
       table_rows, table_bytes, pg_catalog.pg_size_pretty(table_bytes) AS table_size,
       referenced_deletes, referenced_updates,
       stats_since::timestamptz AS stats_since,
       level::@extschema@.advisor_level AS level, object_identity, detail, remediation, fingerprint
FROM @extschema@._advisor_missing_fk_indexes();
COMMENT ON VIEW advisor_missing_fk_indexes IS
'Foreign keys whose referencing columns no valid, non-partial index serves: every DELETE or key UPDATE on the referenced table then scans the referencing table. Worst first; remediation is the CREATE INDEX to run.';
"#,
    name = "advisor_missing_fk_indexes_view",
    requires = ["advisor_level"],
);
