//! The dry run: the script's statements run one by one, each in its own subtransaction
//! inside one that is always rolled back, with a `lock_timeout`. What each did (the table
//! locks it took, the files it replaced, the rows it wrote, its time, or its ERROR) is
//! recorded; nothing it did remains. Statements that cannot run inside a transaction
//! (`CONCURRENTLY`, `VACUUM`, transaction control) are not run: the static rules judge them.
//!
//! The statements run as the caller, with the script's `search_path`: a dry run executes
//! the migration, so only dry-run a migration you would run.

use crate::subtransaction::{in_subtransaction, in_subtransaction_kept};
use database_advisor_core::lint::dry_run::{LockTaken, Observation, Outcome};
use database_advisor_core::lint::ir::{Kind, QualName, Statement};
use database_advisor_core::quote;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use std::collections::HashMap;
use std::time::Instant;

/// How long a statement of the dry run waits for a lock before it gives up (and the
/// observation says so): the dry run must not queue behind the application.
const LOCK_TIMEOUT: &str = "2s";

const LOCKS: &str = "
SELECT n.nspname::text, c.relname::text, l.mode::text
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE l.locktype OPERATOR(pg_catalog.=) 'relation' AND l.granted
  AND l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()
  AND n.nspname OPERATOR(pg_catalog.<>) ALL (ARRAY['pg_catalog', 'information_schema']::name[])
  AND n.nspname::text NOT LIKE 'pg\\_toast%'";

const FILES: &str = "
SELECT n.nspname::text, c.relname::text, c.relfilenode::int8
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
WHERE c.oid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.to_regclass(x) FROM pg_catalog.unnest($1::text[]) x))";

pub fn dry_run(statements: &[Statement], search_path: &str) -> Vec<Observation> {
    // SAFETY: reading a backend global
    if unsafe { pg_sys::XactReadOnly } {
        crate::error::AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_READ_ONLY_SQL_TRANSACTION,
            message: "a dry run executes the migration, which a read-only transaction cannot".into(),
            hint: "Run it in a read-write transaction (on the primary), or leave dry_run out for the static lint.".into(),
        }
        .raise()
    }
    let outcome = in_subtransaction(|| {
        set(&[("search_path", search_path), ("lock_timeout", LOCK_TIMEOUT)]);
        statements.iter().map(observe).collect::<Vec<_>>()
    });
    // an ERROR outside the statements (ours): raised as it is
    outcome.unwrap_or_else(|e| e.rethrow())
}

fn set(settings: &[(&str, &str)]) {
    for (name, value) in settings {
        Spi::run_with_args(
            "SELECT pg_catalog.set_config($1, $2, true)",
            &[(*name).into(), (*value).into()],
        )
        .unwrap_or_else(|e| crate::error::AdvisorError::from(e).raise());
    }
}

/// Why a statement is not run, if it is not.
fn not_run(stmt: &Statement) -> Option<&'static str> {
    Some(match &stmt.kind {
        Kind::Transaction(_) => "transaction control: the dry run is one transaction",
        Kind::Vacuum { .. } => "VACUUM cannot run inside a transaction block",
        Kind::CreateIndex(ix) if ix.concurrent => {
            "CONCURRENTLY cannot run inside a transaction block"
        }
        Kind::Drop(d) if d.concurrent => "CONCURRENTLY cannot run inside a transaction block",
        Kind::Reindex(r) if r.concurrent => "CONCURRENTLY cannot run inside a transaction block",
        Kind::Set(s)
            if s.name == "lock_timeout" || s.name == "statement_timeout" || s.name.is_empty() =>
        {
            "the dry run keeps its own timeouts"
        }
        _ => return None,
    })
}

fn observe(stmt: &Statement) -> Observation {
    let started = Instant::now();
    if let Some(why) = not_run(stmt) {
        return Observation {
            statement: stmt.number,
            milliseconds: 0.0,
            locks: Vec::new(),
            outcome: Outcome::NotRun { why: why.into() },
        };
    }
    let names: Vec<String> = relations(stmt)
        .into_iter()
        .map(|q| quote::regclass_text(q.schema.as_deref(), &q.name))
        .collect();
    let before_files = files(&names);
    let before_locks = locks();
    let ran = in_subtransaction_kept(|| {
        let rows = Spi::connect_mut(|c| c.update(stmt.text.as_str(), None, &[]).map(|t| t.len()))
            .unwrap_or_else(|e| crate::error::AdvisorError::from(e).raise());
        let taken: Vec<LockTaken> = locks()
            .into_iter()
            .filter(|l| !before_locks.contains(l))
            .collect();
        let after = files(&names);
        let rewritten = after
            .iter()
            .filter(|(name, node)| before_files.get(*name).is_some_and(|b| b != *node))
            .map(|(name, _)| name.clone())
            .collect::<Vec<_>>();
        (rows as u64, taken, rewritten)
    });
    let milliseconds = started.elapsed().as_secs_f64() * 1000.0;
    set(&[("lock_timeout", LOCK_TIMEOUT)]);
    let (locks, outcome) = match ran {
        Ok((rows, mut taken, mut rewritten)) => {
            taken.sort();
            rewritten.sort();
            (taken, Outcome::Ran { rows, rewritten })
        }
        Err(e) => {
            let (code, message) = match &*e {
                CaughtError::PostgresError(r) | CaughtError::ErrorReport(r) => {
                    (r.sql_error_code(), r.message().to_string())
                }
                CaughtError::RustPanic { ereport, .. } => {
                    (ereport.sql_error_code(), ereport.message().to_string())
                }
            };
            let sqlstate = sqlstate(code);
            let outcome = if sqlstate == "25001" {
                Outcome::NotRun { why: message }
            } else {
                Outcome::Failed { sqlstate, message }
            };
            (Vec::new(), outcome)
        }
    };
    Observation {
        statement: stmt.number,
        milliseconds,
        locks,
        outcome,
    }
}

fn sqlstate(code: PgSqlErrorCode) -> String {
    // SAFETY: unpack_sql_state writes the five characters into a static buffer
    unsafe {
        let s = pg_sys::unpack_sql_state(code as i32);
        std::ffi::CStr::from_ptr(s).to_string_lossy().into_owned()
    }
}

/// The tables a statement names (where a rewrite would show).
fn relations(stmt: &Statement) -> Vec<&QualName> {
    match &stmt.kind {
        Kind::CreateIndex(ix) => vec![&ix.table],
        Kind::AlterTable(a) => vec![&a.table],
        Kind::Cluster { table } => table.iter().collect(),
        Kind::Write { table, .. } => vec![table],
        Kind::Truncate { tables } | Kind::Vacuum { tables, .. } => tables.iter().collect(),
        Kind::Reindex(r) => r.target.iter().collect(),
        _ => Vec::new(),
    }
}

fn locks() -> Vec<LockTaken> {
    Spi::connect(|c| {
        let mut out = Vec::new();
        for row in c.select(LOCKS, None, &[])? {
            let (schema, name, mode) = (
                row.get::<String>(1)?.unwrap_or_default(),
                row.get::<String>(2)?.unwrap_or_default(),
                row.get::<String>(3)?.unwrap_or_default(),
            );
            out.push(LockTaken {
                relation: quote::qualified(&schema, &name),
                mode,
            });
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| crate::error::AdvisorError::from(e).raise())
}

fn files(names: &[String]) -> HashMap<String, i64> {
    if names.is_empty() {
        return HashMap::new();
    }
    Spi::connect(|c| {
        let mut out = HashMap::new();
        for row in c.select(FILES, None, &[names.to_vec().into()])? {
            let schema = row.get::<String>(1)?.unwrap_or_default();
            let name = row.get::<String>(2)?.unwrap_or_default();
            out.insert(
                quote::qualified(&schema, &name),
                row.get::<i64>(3)?.unwrap_or(0),
            );
        }
        Ok::<_, pgrx::spi::SpiError>(out)
    })
    .unwrap_or_else(|e| crate::error::AdvisorError::from(e).raise())
}
