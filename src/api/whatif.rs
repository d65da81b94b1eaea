//! `advisor_whatif(query, indexes, hide_indexes)`: the planner's cost and plan of a
//! statement as if some `CREATE INDEX` statements had run (and some indexes were gone).

use crate::error::{no_null_elements, required};
use crate::whatif::{self, advise, hypo, planner, Scenario};
use database_advisor_core::rules::indexes::missing_index;
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;
use std::collections::HashMap;

#[pg_extern(
    volatile,
    sql = r#"
CREATE FUNCTION advisor_whatif(query text, indexes text[] DEFAULT '{}',
                               hide_indexes regclass[] DEFAULT '{}')
RETURNS TABLE (cost_before float8, cost_after float8, indexes_used text[],
               hypothetical_indexes jsonb, plan jsonb, plan_before jsonb)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
-- Deliberately not pinned to search_path = pg_catalog, pg_temp (see the DO block at the
-- end): the statement and the index definitions name the caller's tables, through the
-- caller's search_path, exactly as EXPLAIN would. The function runs no SQL of its own and
-- as the caller, so whatever a name resolves to, the caller could have run it anyway.
COMMENT ON FUNCTION advisor_whatif(text, text[], regclass[]) IS
'What-if planning: the planner''s cost and plan of one statement (SELECT, INSERT, UPDATE, DELETE, MERGE; $1-style parameters allowed, as pg_stat_statements writes them) as it is, and as if the CREATE INDEX statements in indexes had run and the indexes in hide_indexes were dropped. Nothing is built, executed or visible to anyone else; no HypoPG needed. hypothetical_indexes gives each index''s estimated size and whether the plan uses it.';
"#
)]
fn advisor_whatif(
    query: Option<String>,
    indexes: Option<Vec<Option<String>>>,
    hide_indexes: Option<Vec<Option<pg_sys::Oid>>>,
) -> TableIterator<
    'static,
    (
        name!(cost_before, f64),
        name!(cost_after, f64),
        name!(indexes_used, Vec<String>),
        name!(hypothetical_indexes, JsonB),
        name!(plan, JsonB),
        name!(plan_before, JsonB),
    ),
> {
    let query = required(query, "query");
    let definitions = no_null_elements(required(indexes, "indexes"), "indexes");
    let hidden = no_null_elements(required(hide_indexes, "hide_indexes"), "hide_indexes");
    let mut scenario = scenario_of(&definitions);
    scenario.hidden = hidden;
    let mut planned = planner::plan(&query, "query", &[&Scenario::default(), &scenario]);
    let after = planned.pop().expect("two plans");
    let before = planned.pop().expect("two plans");
    let hypotheticals: Vec<_> = scenario
        .hypos
        .iter()
        .map(|h| {
            json!({
                "name": h.name,
                "definition": h.definition,
                "table": h.table_identity,
                "estimated_rows": h.tuples.round(),
                "estimated_pages": h.size.pages,
                "estimated_bytes": h.size.bytes(pg_sys::BLCKSZ),
                "tree_height": h.size.height,
                "used": after.indexes.contains(&h.name),
            })
        })
        .collect();
    TableIterator::once((
        before.cost,
        after.cost,
        after.indexes,
        JsonB(json!(hypotheticals)),
        JsonB(after.plan),
        JsonB(before.plan),
    ))
}

#[pg_extern(
    volatile,
    sql = r#"
CREATE FUNCTION advisor_suggest_indexes(query text)
RETURNS TABLE (index_definition text, table_identity text, estimated_bytes bigint,
               cost_before float8, cost_after float8)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
-- Not pinned either, for the same reason as advisor_whatif.
COMMENT ON FUNCTION advisor_suggest_indexes(text) IS
'The indexes the planner says one statement needs ($1-style parameters allowed): found by the Extend search over what-if plans (composite, expression, partial and covering indexes), each a runnable CREATE INDEX CONCURRENTLY; cost_after is the statement''s cost with this and the rows before it built. Settings: database_advisor.index_max_columns, index_min_gain, index_budget.';
"#
)]
fn advisor_suggest_indexes(
    query: Option<String>,
) -> TableIterator<
    'static,
    (
        name!(index_definition, String),
        name!(table_identity, String),
        name!(estimated_bytes, i64),
        name!(cost_before, f64),
        name!(cost_after, f64),
    ),
> {
    let query = required(query, "query");
    let (advice, afters) = suggest(&[query], "query");
    let before = advice.cost_before;
    TableIterator::new(
        advice
            .chosen
            .into_iter()
            .zip(afters)
            .map(move |(c, after)| {
                (
                    c.def.named_sql(&c.name),
                    c.def.table,
                    c.bytes as i64,
                    before,
                    after,
                )
            }),
    )
}

/// The suggestions for `queries`, each weighing its planner cost, and for each the summed
/// cost of the statements with it and the suggestions before it built.
fn suggest(queries: &[String], label: &str) -> (advise::Advice, Vec<f64>) {
    let statements: Vec<advise::Statement> = queries
        .iter()
        .map(|q| advise::Statement {
            sql: q.clone(),
            time_ms: None,
            author: None,
        })
        .collect();
    let advice = advise::advise(&statements, &HashMap::new(), &crate::gucs::index_settings());
    let afters = (1..=advice.chosen.len())
        .map(|n| {
            let built: Vec<String> = advice.chosen[..n]
                .iter()
                .map(|c| c.def.create_sql())
                .collect();
            let scenario = scenario_of(&built);
            queries
                .iter()
                .flat_map(|q| planner::plan(q, label, &[&scenario]))
                .map(|p| p.cost)
                .sum()
        })
        .collect();
    (advice, afters)
}

/// Hypothetical indexes for these definitions.
fn scenario_of(definitions: &[String]) -> Scenario {
    let oids = whatif::fake_oids(definitions.len());
    Scenario {
        hypos: definitions
            .iter()
            .zip(oids)
            .enumerate()
            .map(|(i, (d, oid))| hypo::parse(d, &format!("indexes[{}]", i + 1), oid))
            .collect(),
        hidden: Vec::new(),
    }
}

#[pg_extern(stable)]
fn _advisor_index_suggestions() -> TableIterator<
    'static,
    (
        name!(table_identity, String),
        name!(index_definition, String),
        name!(columns, Vec<String>),
        name!(include, Vec<String>),
        name!(predicate, Option<String>),
        name!(estimated_bytes, i64),
        name!(statements, Vec<i64>),
        name!(cost_before, f64),
        name!(cost_after, f64),
        name!(benefit, f64),
        name!(stats_since, Option<String>),
        name!(metadata, JsonB),
    ),
> {
    let (mut snap, config) = super::prepare(missing_index::RULE.parts, false);
    let findings = (missing_index::RULE.check)(&snap, &config);
    let since = snap.workload.since.clone();
    let advice = std::mem::take(&mut snap.index_advice);
    let rows: Vec<_> = advice
        .suggestions
        .into_iter()
        .zip(findings)
        .map(|(s, f)| {
            let benefit = s.benefit_ms();
            (
                s.table,
                s.definition,
                s.columns,
                s.include,
                s.predicate,
                s.estimated_bytes,
                s.queryids,
                s.cost_without_ms,
                s.cost_with_ms,
                benefit,
                since.clone(),
                JsonB(json!({
                    "statements_planned": advice.statements,
                    "workload_cost_before_ms": advice.cost_before_ms,
                    "workload_cost_after_ms": advice.cost_after_ms,
                    "skipped": advice.skipped.iter().map(|(q, why)| json!({"queryid": q, "reason": why})).collect::<Vec<_>>(),
                    "detail": f.detail,
                })),
            )
        })
        .collect();
    TableIterator::new(rows)
}

extension_sql!(
    r#"
COMMENT ON FUNCTION _advisor_index_suggestions() IS
'Internal: rows of the advisor_index_suggestions view (rule missing_index).';

CREATE VIEW advisor_index_suggestions AS
SELECT table_identity, index_definition, columns, include, predicate, estimated_bytes,
       pg_catalog.pg_size_pretty(estimated_bytes) AS estimated_size,
       statements, cost_before, cost_after, benefit,
       stats_since::timestamptz AS stats_since, metadata
FROM @extschema@._advisor_index_suggestions();
COMMENT ON VIEW advisor_index_suggestions IS
'Indexes to build for the workload: the heaviest statements of pg_stat_statements planned with hypothetical indexes (nothing built, no HypoPG), chosen by benefit per byte. index_definition is the CREATE INDEX CONCURRENTLY to run; statements the queryids it serves; cost_before and cost_after the workload''s execution time (ms over the statistics window, as the planner''s costs scale it) without this index and with every suggestion; benefit the difference. Settings: database_advisor.index_max_columns, index_min_gain, index_budget.';
"#,
    name = "advisor_index_suggestions_view",
    requires = [_advisor_index_suggestions],
);

#[pg_extern(
    volatile,
    name = "advisor_suggest_indexes",
    sql = r#"
CREATE FUNCTION advisor_suggest_indexes(queries text[])
RETURNS TABLE (index_definition text, table_identity text, estimated_bytes bigint,
               statements int[], cost_before float8, cost_after float8)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
-- Not pinned either, for the same reason as advisor_whatif.
COMMENT ON FUNCTION advisor_suggest_indexes(text[]) IS
'The indexes the planner says a set of statements needs, each statement weighing its planner cost (as index selection studies measure a workload: TPC-H, a test suite, the queries of a release): the Extend search over what-if plans. statements are the positions (1-based) of the statements whose plans use the index; cost_before and cost_after the summed cost without new indexes and with this and the rows before it built. An ERROR in any statement stops it.';
"#
)]
fn advisor_suggest_indexes_for_statements(
    queries: Option<Vec<Option<String>>>,
) -> TableIterator<
    'static,
    (
        name!(index_definition, String),
        name!(table_identity, String),
        name!(estimated_bytes, i64),
        name!(statements, Vec<i32>),
        name!(cost_before, f64),
        name!(cost_after, f64),
    ),
> {
    let queries = no_null_elements(required(queries, "queries"), "queries");
    let (advice, afters) = suggest(&queries, "queries");
    let before = advice.cost_before;
    TableIterator::new(
        advice
            .chosen
            .into_iter()
            .zip(afters)
            .map(move |(c, after)| {
                (
                    c.def.named_sql(&c.name),
                    c.def.table,
                    c.bytes as i64,
                    c.statements.iter().map(|i| *i as i32 + 1).collect(),
                    before,
                    after,
                )
            }),
    )
}
