//! `advisor_missing_fk_indexes`: foreign keys no index serves, with sizes, traffic and fix.

use super::prepare;
use database_advisor_core::rules::indexes::missing_fk;
use pgrx::prelude::*;

#[pg_extern(stable)]
fn _advisor_missing_fk_indexes() -> TableIterator<
    'static,
    (
        name!(schema_name, String),
        name!(table_name, String),
        name!(constraint_name, String),
        name!(columns, Vec<String>),
        name!(referenced_table, String),
        name!(referenced_columns, Vec<String>),
        name!(table_rows, i64),
        name!(table_bytes, i64),
        name!(referenced_deletes, Option<i64>),
        name!(referenced_updates, Option<i64>),
        name!(stats_since, String),
        name!(level, &'static str),
        name!(object_identity, String),
        name!(detail, String),
        name!(remediation, Option<String>),
        name!(fingerprint, String),
    ),
> {
    let (snap, config) = prepare(missing_fk::RULE.parts, false);
    let since = snap.stats_window.since.clone();
    let started = std::time::Instant::now();
    let mut rows = missing_fk::analyze(&snap, &config);
    super::trace_rules(started, rows.len());
    rows.sort_by(|a, b| {
        b.finding
            .level
            .cmp(&a.finding.level)
            .then_with(|| b.table_bytes.cmp(&a.table_bytes))
            .then_with(|| a.finding.object_identity.cmp(&b.finding.object_identity))
    });
    TableIterator::new(rows.into_iter().map(move |m| {
        (
            m.schema,
            m.table,
            m.constraint,
            m.columns,
            m.referenced_table,
            m.referenced_columns,
            m.table_rows,
            m.table_bytes,
            m.referenced_deletes,
            m.referenced_updates,
            since.clone(),
            m.finding.level.as_str(),
            m.finding.object_identity,
            m.finding.detail,
            m.finding.remediation,
            m.finding.fingerprint,
        )
    }))
}

extension_sql!(
    r#"
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
    requires = ["advisor_level", _advisor_missing_fk_indexes],
);
