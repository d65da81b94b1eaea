//! The migration linter's server side: PostgreSQL's own parser reads the script
//! (`tree`), the live catalog answers the rules' questions (`catalog`), and the pure rules
//! of `database_advisor_core::lint` judge it. The script never runs.

mod catalog;
mod dry_run;
mod nodes;
mod tree;

use crate::subtransaction::in_subtransaction;
use database_advisor_core::finding::{Finding, Level};
use database_advisor_core::lint::{self, LintFinding, Settings};
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use std::ffi::CString;

/// The findings of `script`; a script that does not parse gives one `syntax_error`.
/// With `dry_run`, the statements also run in a subtransaction that is rolled back, and
/// what they did goes into the findings (`dry_run.rs`).
pub fn lint_script(script: &str, settings: &Settings, dry_run: bool) -> Vec<LintFinding> {
    let text = CString::new(script).unwrap_or_else(|_| {
        // text values cannot hold NUL bytes: unreachable from SQL
        crate::error::AdvisorError::User {
            code: pgrx::PgSqlErrorCode::ERRCODE_UNTRANSLATABLE_CHARACTER,
            message: "the migration holds a NUL byte".into(),
            hint: "Pass the script as text.".into(),
        }
        .raise()
    });
    let mut position: i32 = 0;
    // SAFETY: an error context callback that only records the error's cursor position,
    // popped again below whatever happens (the parser allocates in the current context,
    // which the subtransaction does not own)
    let parsed = unsafe {
        let mut callback = pg_sys::ErrorContextCallback {
            previous: pg_sys::error_context_stack,
            callback: Some(record_position),
            arg: (&raw mut position).cast(),
        };
        pg_sys::error_context_stack = &raw mut callback;
        let raw = in_subtransaction(|| {
            crate::parse::raw_statements(&text)
                .iter_ptr()
                .collect::<Vec<_>>()
        });
        pg_sys::error_context_stack = callback.previous;
        raw.map(|raw| tree::statements(script, &raw))
    };
    match parsed {
        Ok(parsed) => {
            let catalog = catalog::LiveCatalog {
                types: &parsed.types,
            };
            let mut findings = lint::lint(&parsed.statements, &catalog, settings);
            if dry_run {
                let seen = dry_run::dry_run(&parsed.statements, &settings.search_path);
                lint::dry_run::attach(&mut findings, &parsed.statements, &seen);
            }
            findings
        }
        Err(e) => vec![syntax_error(script, &e, position)],
    }
}

unsafe extern "C-unwind" fn record_position(arg: *mut std::ffi::c_void) {
    // SAFETY: `arg` is the i32 lint_script passed; geterrposition reads the error being
    // reported
    unsafe { *(arg as *mut i32) = pg_sys::geterrposition() }
}

fn syntax_error(script: &str, e: &CaughtError, position: i32) -> LintFinding {
    let message = match e {
        CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => r.message().to_string(),
        CaughtError::RustPanic { ereport, .. } => ereport.message().to_string(),
    };
    // the position counts characters from 1
    let at = script
        .char_indices()
        .nth((position.max(1) - 1) as usize)
        .map_or(script.len(), |(i, _)| i);
    let line = script[..at].matches('\n').count() + 1;
    let line_text = script
        .lines()
        .nth(line - 1)
        .unwrap_or("")
        .trim_end()
        .to_string();
    let detail = if position > 0 {
        format!("The script does not parse: {message}, on line {line}. Nothing was linted.")
    } else {
        format!("The script does not parse: {message}. Nothing was linted.")
    };
    LintFinding {
        finding: Finding {
            rule: "syntax_error",
            level: Level::Error,
            category: database_advisor_core::finding::Category::Integrity,
            object_type: "statement",
            object_identity: format!("line {line}"),
            detail,
            remediation: None,
            metadata: serde_json::json!({ "message": message, "line": line, "position": position }),
            metadata_encoded: None,
            fingerprint: Finding::fingerprint_for("syntax_error", &format!("line {line}"), None),
        },
        statement: 0,
        line,
        text: line_text,
    }
}
