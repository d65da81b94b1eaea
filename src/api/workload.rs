//! `advisor_slow_queries`: every statement of pg_stat_statements for this database, worst
//! first by total time, with the rules it triggers.

use super::prepare;
use database_advisor_core::rules::workload::{display_query, statements};
use pgrx::prelude::*;

#[pg_extern(stable)]
fn _advisor_slow_queries() -> TableIterator<
    'static,
    (
        name!(queryid, Option<i64>),
        name!(query, String),
        name!(role, String),
        name!(calls, i64),
        name!(total_exec_ms, f64),
        name!(mean_exec_ms, f64),
        name!(share_percent, f64),
        name!(rows_per_call, f64),
        name!(total_plan_ms, f64),
        name!(hit_ratio, Option<f64>),
        name!(temp_blks_written, i64),
        name!(rules, Vec<String>),
        name!(stats_since, Option<String>),
    ),
> {
    let (snap, config) = prepare(database_advisor_core::snapshot::Parts::WORKLOAD, false);
    let rules = statements::rules_by_query(&snap, &config);
    let total = snap.workload.total_exec_ms();
    let since = snap.workload.since.clone();
    let mut rows = snap.workload.statements.clone();
    rows.sort_by(|a, b| b.total_exec_ms.total_cmp(&a.total_exec_ms));
    TableIterator::new(rows.into_iter().map(move |s| {
        let hidden = s.query.is_none();
        (
            (!hidden).then_some(s.queryid),
            display_query(&s, 300),
            s.role.clone(),
            s.calls,
            s.total_exec_ms,
            s.mean_exec_ms,
            if total > 0.0 {
                100.0 * s.total_exec_ms / total
            } else {
                0.0
            },
            s.rows_per_call(),
            s.total_plan_ms,
            s.hit_ratio(),
            s.temp_blks_written,
            if hidden {
                Vec::new()
            } else {
                rules
                    .get(&s.queryid)
                    .map(|r| r.iter().map(|x| x.to_string()).collect())
                    .unwrap_or_default()
            },
            since.clone(),
        )
    }))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION _advisor_slow_queries() IS
'Internal: rows of the advisor_slow_queries view.';

CREATE VIEW advisor_slow_queries AS
SELECT queryid, query, role, calls,
       round(total_exec_ms::numeric, 3) AS total_exec_ms,
       round(mean_exec_ms::numeric, 3) AS mean_exec_ms,
       round(share_percent::numeric, 1) AS share_percent,
       round(rows_per_call::numeric, 2) AS rows_per_call,
       round(total_plan_ms::numeric, 3) AS total_plan_ms,
       round(hit_ratio::numeric, 3) AS hit_ratio,
       temp_blks_written, rules,
       stats_since::timestamptz AS stats_since
FROM @extschema@._advisor_slow_queries();
COMMENT ON VIEW advisor_slow_queries IS
'Every statement pg_stat_statements holds for this database, worst first by total execution time: calls, total and mean time, share of all execution time, rows per call, planning time, shared-buffer hit ratio, temporary blocks written, and the workload rules it triggers. Another user''s statement shows as hidden (queryid NULL) unless you have pg_read_all_stats. Empty when pg_stat_statements is missing (see the pg_stat_statements_missing finding).';
"#,
    name = "advisor_slow_queries_view",
    requires = [_advisor_slow_queries],
);
