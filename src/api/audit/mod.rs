//! The audit-trail generator's SQL surface: `advisor_audit_sql`, `advisor_audit_enable`,
//! `advisor_audit_disable` (SQL wrappers in `audit.sql` over `_advisor_audit`), and the
//! refresh the event trigger runs after DDL. The SQL text comes from
//! `database_advisor_core::audit`; `catalog.rs` describes the table and checks the request.

mod catalog;

use super::or_raise;
use crate::error::AdvisorError;
use database_advisor_core::audit::{
    disable_statements, enable_statements, refresh_statements, AuditOptions,
};
use database_advisor_core::quote;
use pgrx::prelude::*;
use pgrx::PgSqlErrorCode as Code;

extension_sql_file!(
    "audit.sql",
    name = "advisor_audit",
    requires = [_advisor_audit],
);

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Sql,
    Enable,
    Disable,
    Refresh,
}

/// One entry point for the four actions: they share every check and the catalog reads.
#[pg_extern(volatile)]
fn _advisor_audit(
    rel: pg_sys::Oid,
    action: &str,
    exclude_columns: Option<Vec<Option<String>>>,
    changed_only: Option<bool>,
    skip_unchanged: Option<bool>,
) -> String {
    let action = match action {
        "sql" => Action::Sql,
        "enable" => Action::Enable,
        "disable" => Action::Disable,
        "refresh" => Action::Refresh,
        other => user_error(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("unknown audit action \"{other}\""),
            "Call advisor_audit_sql, advisor_audit_enable or advisor_audit_disable.",
        ),
    };
    let request = match action {
        Action::Sql | Action::Enable => Some(requested_options(
            exclude_columns,
            changed_only,
            skip_unchanged,
        )),
        _ => None,
    };
    let (target, warnings) = or_raise(Spi::connect(|c| catalog::describe(c, rel, action, request)));
    let statements = match action {
        Action::Sql | Action::Enable => enable_statements(&target),
        Action::Disable => disable_statements(&target),
        Action::Refresh => refresh_statements(&target),
    };
    if matches!(action, Action::Sql | Action::Enable) {
        for w in &warnings {
            pgrx::warning!("{w}");
        }
    }
    if action != Action::Sql {
        for statement in &statements {
            or_raise(Spi::run(statement).map_err(AdvisorError::from));
        }
    }
    let header = match action {
        Action::Disable => format!(
            "Stop auditing {}; the log keeps its rows.",
            target.audited_table
        ),
        _ => format!(
            "Audit trail for {} (database_advisor {}).{}",
            quote::qualified(&target.schema, &target.table),
            env!("CARGO_PKG_VERSION"),
            warnings
                .iter()
                .map(|w| format!("\nWARNING: {w}"))
                .collect::<String>()
        ),
    };
    let header = quote::comment(&header);
    format!("{header}\n\n{};\n", statements.join(";\n\n"))
}

/// Raise an ERROR the caller can act on; never returns.
pub(super) fn user_error(code: Code, message: String, hint: &str) -> ! {
    AdvisorError::User {
        code,
        message,
        hint: hint.to_string(),
    }
    .raise()
}

fn requested_options(
    exclude_columns: Option<Vec<Option<String>>>,
    changed_only: Option<bool>,
    skip_unchanged: Option<bool>,
) -> AuditOptions {
    let null = |what: &str| -> ! {
        user_error(
            Code::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{what} must not be NULL"),
            "Leave the argument out to get its default.",
        )
    };
    let mut exclude = Vec::new();
    for c in exclude_columns.unwrap_or_else(|| null("exclude_columns")) {
        let c = c.unwrap_or_else(|| null("an element of exclude_columns"));
        if !exclude.contains(&c) {
            exclude.push(c);
        }
    }
    AuditOptions {
        exclude_columns: exclude,
        changed_only: changed_only.unwrap_or_else(|| null("changed_only")),
        skip_unchanged: skip_unchanged.unwrap_or_else(|| null("skip_unchanged")),
        exclude_attnums: Vec::new(),
    }
}
