//! The index advice of a snapshot (part INDEX_ADVICE): the workload's heaviest statements
//! from pg_stat_statements, each planned as the role that ran it, weighted by its
//! execution time, with what the tables' writes would pay for new indexes.

use super::advise::{self, Statement};
use super::planner::Author;
use database_advisor_core::rules::workload::statements::reads_the_advisor;
use database_advisor_core::snapshot::{IndexAdvice, IndexSuggestion, Snapshot};
use pgrx::pg_sys;
use std::collections::HashMap;
use std::ffi::CString;

/// Statements planned at most (the heaviest by execution time).
const TOP: usize = 100;

/// Whether the text is a statement with a plan (the rest is skipped without a word).
fn plannable(query: &str) -> bool {
    let first = query
        .trim_start_matches(|c: char| c.is_whitespace() || c == '(')
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select" | "insert" | "update" | "delete" | "merge" | "with" | "values" | "table"
    )
}

pub fn load(snap: &Snapshot) -> IndexAdvice {
    let started = std::time::Instant::now();
    let advice = advise_workload(snap);
    if crate::gucs::trace() {
        pgrx::notice!(
            "database_advisor: index advice in {} ms: {} statements planned, {} suggestions; skipped: {:?}",
            started.elapsed().as_millis(),
            advice.statements,
            advice.suggestions.len(),
            advice.skipped
        );
    }
    advice
}

fn advise_workload(snap: &Snapshot) -> IndexAdvice {
    let mut picked: Vec<_> = snap
        .workload
        .statements
        .iter()
        .filter(|s| s.calls > 0 && s.total_exec_ms > 0.0)
        .filter(|s| {
            s.query
                .as_deref()
                .is_some_and(|q| plannable(q) && !reads_the_advisor(q))
        })
        .collect();
    picked.sort_by(|a, b| b.total_exec_ms.total_cmp(&a.total_exec_ms));
    picked.truncate(TOP);
    let paths = crate::loader::role_search_paths();
    // SAFETY: the session's default search_path (postgresql.conf, database, session role)
    let default_path = unsafe {
        std::ffi::CStr::from_ptr(pg_sys::GetConfigOptionResetString(c"search_path".as_ptr()))
            .to_string_lossy()
            .into_owned()
    };
    let mut skipped = Vec::new();
    let mut statements = Vec::new();
    let mut queryids = Vec::new();
    for s in &picked {
        let name = CString::new(s.role.as_str()).unwrap_or_default();
        // SAFETY: a syscache lookup by name; InvalidOid when the role is gone
        let role = unsafe { pg_sys::get_role_oid(name.as_ptr(), true) };
        if role == pg_sys::InvalidOid {
            skipped.push((s.queryid, format!("role {} no longer exists", s.role)));
            continue;
        }
        let search_path = paths
            .get(&s.role)
            .cloned()
            .unwrap_or_else(|| default_path.clone());
        statements.push(Statement {
            sql: s.query.clone().unwrap_or_default(),
            time_ms: Some(s.total_exec_ms),
            author: Some(Author { role, search_path }),
        });
        queryids.push(s.queryid);
    }
    // rows written per table in the window: every new index pays for them
    let writes: HashMap<String, f64> = snap
        .relations
        .values()
        .filter_map(|r| {
            let stats = r.stats.as_ref()?;
            let rows = (stats.n_tup_ins + stats.n_tup_upd) as f64;
            (rows > 0.0).then(|| (snap.rel_identity(r.oid).into_owned(), rows))
        })
        .collect();
    let advice = advise::advise(&statements, &writes, &crate::gucs::index_settings());
    skipped.extend(
        advice
            .skipped
            .iter()
            .map(|(i, why)| (queryids[*i], why.clone())),
    );
    IndexAdvice {
        suggestions: advice
            .chosen
            .iter()
            .map(|c| IndexSuggestion {
                table: c.def.table.clone(),
                name: c.name.clone(),
                definition: c.def.named_sql(&c.name),
                columns: c.def.key_sql(),
                include: c.def.include.clone(),
                predicate: c.def.predicate.clone(),
                estimated_bytes: c.bytes as i64,
                queryids: c.statements.iter().map(|i| queryids[*i]).collect(),
                cost_without_ms: c.cost_without,
                cost_with_ms: advice.cost_after,
            })
            .collect(),
        statements: statements.len() - advice.skipped.len(),
        cost_before_ms: advice.cost_before,
        cost_after_ms: advice.cost_after,
        skipped,
    }
}
