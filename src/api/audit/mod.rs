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
    rel: Option<pg_sys::Oid>,
    action: Option<&str>,
    exclude_columns: Option<Vec<Option<String>>>,
    changed_only: Option<bool>,
    skip_unchanged: Option<bool>,
) -> String {
    let rel = crate::error::required(rel, "rel");
    let action = match crate::error::required(action, "action") {
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
    let (target, warnings) = or_raise(Spi::connect(|c| {
        crate::loader::use_server_keywords(c)?;
        catalog::describe(c, rel, action, request)
    }));
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
        // SAFETY: reads a backend-local flag (true on a standby and in READ ONLY transactions)
        if unsafe { pg_sys::XactReadOnly } {
            user_error(
                Code::ERRCODE_READ_ONLY_SQL_TRANSACTION,
                "cannot change an audit in a read-only transaction".into(),
                "Run it on the primary, outside a READ ONLY transaction; advisor_audit_sql() \
                 shows the DDL without running it.",
            )
        }
        run_outside_extension_script(&statements);
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

/// Run the generated DDL. Called from an extension script (the 0.1.0 -> 0.2.0 upgrade
/// regenerates the audits), PostgreSQL would make what it creates members of the extension
/// and refuse to replace the generated functions, which are not members (they only depend
/// on it). They are ours: `catalog::describe` checked their owner. So the statements run
/// as outside a script; an ERROR aborts the script, which then resets the flag itself.
fn run_outside_extension_script(statements: &[String]) {
    // SAFETY: a backend-local flag, read and restored on this single thread
    let in_script = unsafe { pg_sys::creating_extension };
    unsafe { pg_sys::creating_extension = false };
    for statement in statements {
        or_raise(Spi::run(statement).map_err(AdvisorError::from));
    }
    unsafe { pg_sys::creating_extension = in_script };
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
    use crate::error::{no_null_elements, required};
    let mut exclude = Vec::new();
    for c in no_null_elements(
        required(exclude_columns, "exclude_columns"),
        "exclude_columns",
    ) {
        if !exclude.contains(&c) {
            exclude.push(c);
        }
    }
    AuditOptions {
        exclude_columns: exclude,
        changed_only: required(changed_only, "changed_only"),
        skip_unchanged: required(skip_unchanged, "skip_unchanged"),
        exclude_attnums: Vec::new(),
        actor_setting: actor_setting(),
    }
}

/// `database_advisor.audit_actor_setting`, checked: a custom setting only.
fn actor_setting() -> String {
    let name = crate::gucs::audit_actor_setting();
    if !database_advisor_core::audit::is_custom_setting(&name) {
        user_error(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            format!(
                "database_advisor.audit_actor_setting must name a custom setting such as \
                 app.user_id, not \"{name}\""
            ),
            "The audit trigger reads the application user from it with its owner's rights: \
             only custom settings (prefix.name) are allowed. SET it, then enable again.",
        )
    }
    name
}
