//! The SQL surface: thin `#[pg_extern]` functions and the views over them. Each one loads
//! a snapshot, runs pure rules from `database_advisor_core`, and turns findings into rows.

mod findings;
mod fk_indexes;
mod report;

use crate::error::AdvisorError;
use database_advisor_core::config::Config;
use database_advisor_core::finding::Level;
use database_advisor_core::snapshot::Snapshot;
use pgrx::prelude::*;

/// `advisor_level`: `info < warning < error`, so `WHERE level >= 'warning'` works.
#[allow(non_camel_case_types)]
#[derive(PostgresEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum advisor_level {
    info,
    warning,
    error,
}

impl From<Level> for advisor_level {
    fn from(level: Level) -> Self {
        match level {
            Level::Info => advisor_level::info,
            Level::Warning => advisor_level::warning,
            Level::Error => advisor_level::error,
        }
    }
}

extension_sql!(
    "COMMENT ON TYPE advisor_level IS \
     'Severity of a database_advisor finding, ordered info < warning < error.';",
    name = "comment_advisor_level",
    requires = [advisor_level],
);

/// The snapshot and configuration of one run, or the error that stops it.
fn prepare() -> (Snapshot, Config) {
    match crate::loader::load() {
        Ok(snap) => (snap, crate::gucs::config()),
        Err(e) => e.raise(),
    }
}

/// Unwrap or raise the error as a PostgreSQL ERROR.
fn or_raise<T>(result: Result<T, AdvisorError>) -> T {
    result.unwrap_or_else(|e| e.raise())
}
