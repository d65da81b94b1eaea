//! `advisor_whatif(query, indexes, hide_indexes)`: the planner's cost and plan of a
//! statement as if some `CREATE INDEX` statements had run (and some indexes were gone).

use crate::error::{no_null_elements, required};
use crate::whatif::{self, hypo, planner, Scenario};
use pgrx::prelude::*;
use pgrx::JsonB;
use serde_json::json;

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
    let oids = whatif::fake_oids(definitions.len());
    let scenario = Scenario {
        hypos: definitions
            .iter()
            .zip(oids)
            .enumerate()
            .map(|(i, (d, oid))| hypo::parse(d, &format!("indexes[{}]", i + 1), oid))
            .collect(),
        hidden,
    };
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
