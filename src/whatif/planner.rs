//! Plans of one statement, the way PostgreSQL 16's `EXPLAIN (GENERIC_PLAN)` makes them:
//! `raw_parser` → parse analysis with parameter types inferred from the text (`$1`, as
//! pg_stat_statements writes statements) → rewrite → `standard_planner` with no values
//! bound. Inside a subtransaction that is always rolled back, so the locks parse analysis
//! takes end with it and an ERROR leaves the caller's transaction usable. Never executed;
//! `standard_planner` directly, so no planner hook (pg_stat_statements' included) sees it,
//! and no post-parse-analysis hook either (it would record a pg_stat_statements entry).

use super::explain;
use super::hook;
use super::usage;
use super::Scenario;
use crate::error::AdvisorError;
use database_advisor_core::whatif::candidates::TableUse;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use pgrx::PgLogLevel;
use pgrx::{PgList, PgMemoryContexts};
use std::ffi::CString;

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

/// How a statement uses each table it reads, by table OID.
pub type TableUses = Vec<(pg_sys::Oid, TableUse)>;

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
    plan_as(sql, label, scenarios, None).unwrap_or_else(|e| e.rethrow())
}

/// Whom a workload statement is planned as: the role that ran it, with the search_path it
/// would have (its own setting, else the server's default).
#[derive(Clone, Debug, PartialEq)]
pub struct Author {
    pub role: pg_sys::Oid,
    pub search_path: String,
}

/// [`plan`] as `author` (see [`plan_each`]), the ERROR returned.
pub fn plan_as(
    sql: &str,
    label: &str,
    scenarios: &[&Scenario],
    role: Option<&Author>,
) -> Result<Vec<Planned>, Box<CaughtError>> {
    let wrapped: Vec<Option<&Scenario>> = scenarios.iter().map(|s| Some(*s)).collect();
    plan_each(sql, label, &wrapped, role).map(|(plans, _)| plans)
}

/// Plan `sql` as it is (as `role`), and read how it uses each table (see `usage`).
pub fn plan_collecting(
    sql: &str,
    label: &str,
    role: Option<&Author>,
) -> Result<(f64, TableUses), Box<CaughtError>> {
    let (mut planned, uses) = plan_each(sql, label, &[None], role)?;
    Ok((planned.pop().map_or(0.0, |p| p.cost), uses))
}

/// The message of a caught ERROR; a cancel or a shutdown goes on unwinding.
pub fn reason(error: Box<CaughtError>) -> String {
    let report = match &*error {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r,
        CaughtError::RustPanic { ereport, .. } => ereport,
    };
    if matches!(
        report.sql_error_code(),
        PgSqlErrorCode::ERRCODE_QUERY_CANCELED
            | PgSqlErrorCode::ERRCODE_ADMIN_SHUTDOWN
            | PgSqlErrorCode::ERRCODE_OUT_OF_MEMORY
    ) {
        error.rethrow()
    }
    report.message().to_string()
}

/// Each scenario's plan (`None`: as it is, collecting table uses). With an author, parse
/// analysis and planning run as that role, in a security-restricted operation (as
/// autovacuum runs an index expression), with its search_path: a statement from
/// pg_stat_statements was written by its role, and planning may run its functions
/// (constant folding), which must not run with the caller's rights.
fn plan_each(
    sql: &str,
    label: &str,
    scenarios: &[Option<&Scenario>],
    role: Option<&Author>,
) -> Result<(Vec<Planned>, TableUses), Box<CaughtError>> {
    // `interval $1` (a typed literal pg_stat_statements normalised) as `$1::interval`
    let sql = super::typed_params::cast_typed_params(sql).unwrap_or_else(|| sql.to_string());
    let text = CString::new(sql).unwrap_or_else(|_| {
        user_error(
            format!("{label} contains a NUL character"),
            "Pass plain SQL text.",
        )
    });
    let none = Scenario::default();
    // plans and parse trees in a context of their own, freed when the Rust values are out
    let mut memory = PgMemoryContexts::new("database_advisor what-if planning");
    // SAFETY: nothing allocated in `memory` outlives it: results are Rust values
    let outcome = unsafe {
        memory.switch_to(|_| {
            crate::subtransaction::in_subtransaction(|| {
                // the queries are planned from copies (the planner scribbles on its input)
                {
                    // (the subtransaction's rollback restores the user, on ERROR too)
                    let (mut user, mut context) = (pg_sys::InvalidOid, 0);
                    pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
                    if let Some(author) = role {
                        pg_sys::SetUserIdAndSecContext(
                            author.role,
                            context | pg_sys::SECURITY_RESTRICTED_OPERATION as i32,
                        );
                        // local to the subtransaction, which is rolled back
                        let path = CString::new(author.search_path.as_str()).unwrap_or_default();
                        pg_sys::set_config_option(
                            c"search_path".as_ptr(),
                            path.as_ptr(),
                            pg_sys::GucContext::PGC_USERSET,
                            pg_sys::GucSource::PGC_S_SESSION,
                            pg_sys::GucAction::GUC_ACTION_LOCAL,
                            true,
                            PgLogLevel::ERROR as i32,
                            false,
                        );
                    }
                    let queries = analyze(&text, label);
                    let mut uses = Vec::new();
                    let plans = scenarios
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
                                let copy =
                                    pg_sys::copyObjectImpl(query.cast()).cast::<pg_sys::Query>();
                                let run = || {
                                    pg_sys::standard_planner(
                                        copy,
                                        text.as_ptr(),
                                        pg_sys::CURSOR_OPT_PARALLEL_OK as i32,
                                        std::ptr::null_mut(),
                                    )
                                };
                                let stmt = match scenario {
                                    Some(s) => hook::with_scenario(copy, s, run),
                                    None => {
                                        let (stmt, found) = usage::collect(copy, run);
                                        uses.extend(found);
                                        stmt
                                    }
                                };
                                check_permissions(stmt);
                                let top = (*stmt).planTree;
                                planned.cost += (*top).total_cost;
                                planned.rows += (*top).plan_rows;
                                let shown = scenario.unwrap_or(&none);
                                plans.push(explain::plan_json(stmt, shown, &mut planned.indexes));
                            }
                            planned.plan = if plans.len() == 1 {
                                plans.pop().expect("one plan")
                            } else {
                                serde_json::Value::Array(plans)
                            };
                            planned
                        })
                        .collect();
                    pg_sys::SetUserIdAndSecContext(user, context);
                    (plans, uses)
                }
            })
        })
    };
    outcome
}

/// The planner's row estimate for a statement of ours (a table, or its rows matching an
/// index predicate).
pub fn estimated_rows(sql: &str) -> f64 {
    // (the caller's own rights: a definition the caller wrote or built-in expressions)
    plan(sql, "the row estimate", &[&Scenario::default()])
        .pop()
        .map_or(0.0, |p| p.rows)
}
