//! The SQL surface: thin `#[pg_extern]` functions and the views over them. Each one loads
//! a snapshot, runs pure rules from `database_advisor_core`, and turns findings into rows.

// TableIterator rows are tuples of name!() columns: long by nature.
#![allow(clippy::type_complexity)]

mod findings;
mod fk_indexes;
mod history;
mod indexes;
mod report;
mod rls;

use crate::error::AdvisorError;
use database_advisor_core::config::Config;
use database_advisor_core::rules;
use database_advisor_core::snapshot::Snapshot;
use database_advisor_core::suppress::{self, Outcome};
use pgrx::prelude::*;

// `advisor_level` is created in SQL, not with pgrx's PostgresEnum: pgrx converts enums by
// looking the type up by name at run time, which fails when the extension's schema is not
// on search_path. The Rust functions return the label as text; the SQL surface casts it
// with a schema-qualified type bound at CREATE time.
extension_sql!(
    r#"
CREATE TYPE advisor_level AS ENUM ('info', 'warning', 'error');
COMMENT ON TYPE advisor_level IS
'Severity of a database_advisor finding, ordered info < warning < error.';
"#,
    name = "advisor_level",
    bootstrap,
);

/// The snapshot and configuration of one run, or the error that stops it.
fn prepare() -> (Snapshot, Config) {
    let config = crate::gucs::config();
    match crate::loader::load(&config) {
        Ok(snap) => (snap, config),
        Err(e) => e.raise(),
    }
}

/// Run the named rules (all enabled ones when `None`) over one fresh snapshot, then apply
/// rule settings and suppressions.
fn run_rules(rule_ids: Option<Vec<String>>) -> Outcome {
    let settings = or_raise(crate::loader::settings::load());
    let selected = or_raise(
        rules::select(rule_ids.as_deref(), &settings.rules).map_err(AdvisorError::UnknownRule),
    );
    let (snap, config) = prepare();
    let findings = rules::run(&selected, &snap, &config);
    suppress::apply(findings, &settings.rules, &settings.suppressions)
}

/// Unwrap or raise the error as a PostgreSQL ERROR.
fn or_raise<T>(result: Result<T, AdvisorError>) -> T {
    result.unwrap_or_else(|e| e.raise())
}
