//! Plans of one statement, the way PostgreSQL 16's `EXPLAIN (GENERIC_PLAN)` makes them:
//! `raw_parser` → parse analysis with parameter types inferred from the text (`$1`, as
//! pg_stat_statements writes statements) → rewrite → `standard_planner` with no values
//! bound. Inside a subtransaction that is always rolled back, so the locks parse analysis
//! takes end with it and an ERROR leaves the caller's transaction usable. Never executed;
//! `standard_planner` directly, so no planner hook (pg_stat_statements' included) sees it,
//! and no post-parse-analysis hook either (it would record a pg_stat_statements entry).

use super::explain;
use super::hook;
use super::Scenario;
use crate::error::AdvisorError;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::PgList;
use std::ffi::CString;
use std::panic::AssertUnwindSafe;

unsafe extern "C-unwind" {
    // parser/parse_param.h (not in pgrx's bindings); called through pg_guard_ffi_boundary
    #[cfg(not(any(feature = "pg13", feature = "pg14")))]
    fn setup_parse_variable_parameters(
        pstate: *mut pg_sys::ParseState,
        param_types: *mut *mut pg_sys::Oid,
        num_params: *mut std::ffi::c_int,
    );
    #[cfg(any(feature = "pg13", feature = "pg14"))]
    fn parse_variable_parameters(
        pstate: *mut pg_sys::ParseState,
        param_types: *mut *mut pg_sys::Oid,
        num_params: *mut std::ffi::c_int,
    );
    fn check_variable_parameters(pstate: *mut pg_sys::ParseState, query: *mut pg_sys::Query);
}

/// One planned statement: its cost, its plan as JSON, the indexes the plan uses.
pub struct Planned {
    pub cost: f64,
    pub rows: f64,
    pub plan: serde_json::Value,
    pub indexes: Vec<String>,
}

fn user_error(message: String, hint: &str) -> ! {
    AdvisorError::User {
        code: PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        message,
        hint: hint.into(),
    }
    .raise()
}

/// Run `f` in a subtransaction that is rolled back whatever happens; an ERROR inside comes
/// back as `Err` (the caller rethrows it or reports it).
pub fn in_subtransaction<T>(f: impl FnOnce() -> T) -> Result<T, Box<CaughtError>> {
    // SAFETY: the PL/Python pattern: remember the memory context and resource owner, begin,
    // run, roll back, restore both.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let f = AssertUnwindSafe(f);
        let result = PgTryBuilder::new(move || Ok(f()))
            .catch_others(|e| Err(Box::new(e)))
            .catch_rust_panic(|e| Err(Box::new(e)))
            .execute();
        pg_sys::RollbackAndReleaseCurrentSubTransaction();
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}

/// The statements `sql` rewrites to, analysed with inferred parameter types; `label` names
/// the argument in errors.
unsafe fn analyze(sql: &CString, label: &str) -> Vec<*mut pg_sys::Query> {
    // SAFETY: parse nodes in the current memory context; every ERROR (syntax 42601,
    // unknown table 42P01, parameter type 42P18, ...) is PostgreSQL's own
    unsafe {
        let statements = crate::parse::raw_statements(sql);
        let raw = match statements.len() {
            1 => statements.get_ptr(0).expect("one statement"),
            0 => user_error(
                format!("{label} holds no statement"),
                "Pass one SQL statement.",
            ),
            n => user_error(
                format!("{label} holds {n} statements; one is planned at a time"),
                "Pass one statement (a trailing semicolon is fine).",
            ),
        };
        let tag = (*(*raw).stmt).type_;
        let plannable = matches!(
            tag,
            pg_sys::NodeTag::T_SelectStmt
                | pg_sys::NodeTag::T_InsertStmt
                | pg_sys::NodeTag::T_UpdateStmt
                | pg_sys::NodeTag::T_DeleteStmt
        ) || is_merge(tag);
        if !plannable {
            user_error(
                format!(
                    "{label} is a utility statement ({}); only SELECT, INSERT, UPDATE, DELETE \
                     and MERGE have plans",
                    format!("{tag:?}").trim_start_matches("T_")
                ),
                "Pass the query whose plan you want.",
            );
        }
        let pstate = pg_sys::make_parsestate(std::ptr::null_mut());
        (*pstate).p_sourcetext = sql.as_ptr();
        let mut types: *mut pg_sys::Oid = std::ptr::null_mut();
        let mut count: std::ffi::c_int = 0;
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            setup_parse_variable_parameters(pstate, &mut types, &mut count)
        });
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        pg_sys::ffi::pg_guard_ffi_boundary(|| {
            parse_variable_parameters(pstate, &mut types, &mut count)
        });
        let query = pg_sys::transformTopLevelStmt(pstate, raw);
        pg_sys::ffi::pg_guard_ffi_boundary(|| check_variable_parameters(pstate, query));
        pg_sys::free_parsestate(pstate);
        // as pg_analyze_and_rewrite_varparams: every parameter needs a type
        for i in 0..count.max(0) as usize {
            let typ = *types.add(i);
            if typ == pg_sys::InvalidOid || typ == pg_sys::UNKNOWNOID {
                AdvisorError::User {
                    code: PgSqlErrorCode::ERRCODE_INDETERMINATE_DATATYPE,
                    message: format!(
                        "{label}: could not determine the data type of parameter ${}",
                        i + 1
                    ),
                    hint: format!(
                        "Cast it where the statement uses it, e.g. ${}::integer.",
                        i + 1
                    ),
                }
                .raise()
            }
        }
        if (*query).commandType == pg_sys::CmdType::CMD_UTILITY {
            user_error(
                format!("{label} is a utility statement (SELECT INTO creates a table)"),
                "Pass the query whose plan you want.",
            );
        }
        PgList::<pg_sys::Query>::from_pg(pg_sys::QueryRewrite(query))
            .iter_ptr()
            .filter(|q| (**q).commandType != pg_sys::CmdType::CMD_UTILITY)
            .collect()
    }
}

fn is_merge(tag: pg_sys::NodeTag) -> bool {
    #[cfg(feature = "pg13")]
    let merge = {
        let _ = tag;
        false
    };
    #[cfg(not(feature = "pg13"))]
    let merge = tag == pg_sys::NodeTag::T_MergeStmt;
    merge
}

/// The planner's output for the caller to see, only if the caller may read every table.
unsafe fn check_permissions(stmt: *mut pg_sys::PlannedStmt) {
    // SAFETY: a PlannedStmt fresh from the planner; raises 42501 like EXPLAIN would
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14", feature = "pg15"))]
        pg_sys::ExecCheckRTPerms((*stmt).rtable, true);
        #[cfg(not(any(feature = "pg13", feature = "pg14", feature = "pg15")))]
        pg_sys::ExecCheckPermissions((*stmt).rtable, (*stmt).permInfos, true);
    }
}

/// Plan `sql` under each scenario (in one subtransaction); an ERROR is raised as is, with
/// its SQLSTATE, after the subtransaction is rolled back.
pub fn plan(sql: &str, label: &str, scenarios: &[&Scenario]) -> Vec<Planned> {
    let text = CString::new(sql).unwrap_or_else(|_| {
        user_error(
            format!("{label} contains a NUL character"),
            "Pass plain SQL text.",
        )
    });
    let outcome = in_subtransaction(|| {
        // SAFETY: the queries are planned from copies (the planner scribbles on its input)
        unsafe {
            let queries = analyze(&text, label);
            scenarios
                .iter()
                .map(|scenario| {
                    let mut planned = Planned {
                        cost: 0.0,
                        rows: 0.0,
                        plan: serde_json::Value::Null,
                        indexes: Vec::new(),
                    };
                    let mut plans = Vec::new();
                    for &query in &queries {
                        let copy = pg_sys::copyObjectImpl(query.cast()).cast::<pg_sys::Query>();
                        let stmt = hook::with_scenario(copy, scenario, || {
                            pg_sys::standard_planner(
                                copy,
                                text.as_ptr(),
                                pg_sys::CURSOR_OPT_PARALLEL_OK as i32,
                                std::ptr::null_mut(),
                            )
                        });
                        check_permissions(stmt);
                        let top = (*stmt).planTree;
                        planned.cost += (*top).total_cost;
                        planned.rows += (*top).plan_rows;
                        plans.push(explain::plan_json(stmt, scenario, &mut planned.indexes));
                    }
                    planned.plan = if plans.len() == 1 {
                        plans.pop().expect("one plan")
                    } else {
                        serde_json::Value::Array(plans)
                    };
                    planned
                })
                .collect()
        }
    });
    outcome.unwrap_or_else(|e| e.rethrow())
}

/// The planner's row estimate for a statement of ours (a table, or its rows matching an
/// index predicate).
pub fn estimated_rows(sql: &str) -> f64 {
    plan(sql, "the row estimate", &[&Scenario::default()])
        .pop()
        .map_or(0.0, |p| p.rows)
}
