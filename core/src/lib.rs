//! Pure logic of database_advisor, usable and testable without PostgreSQL:
//! snapshot model → rules → findings → reports.

pub mod audit;
pub mod config;
pub mod finding;
pub mod generate;
pub mod lint;
pub mod output;
pub mod quote;
pub mod rules;
pub mod snapshot;
pub mod suppress;
pub mod whatif;
