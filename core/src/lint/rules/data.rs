//! Statements that read or write every row: whole-table `UPDATE`/`DELETE`, `TRUNCATE`,
//! `VACUUM FULL`, `CLUSTER`.

use super::super::ir::{QualName, Statement, Verb};
use super::super::locks::Lock;
use super::super::state::State;
use super::super::{Ctx, Held, Report};
use super::indexes::{held, in_transaction, with_lock};
use super::stronger;
use crate::finding::Level;

pub fn write(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    verb: Verb,
    name: &QualName,
    filtered: bool,
) -> Held {
    let key = state.resolve(name)?;
    let table = state.table(&key).clone();
    if filtered || !table.populated() {
        return None;
    }
    let t = table.identity();
    let remediation = (verb == Verb::Delete).then(|| {
        format!(
            "-- in batches, each its own transaction, until it deletes 0 rows:\n\
             DELETE FROM {t} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} LIMIT 10000));"
        )
    });
    let how = match verb {
        Verb::Update => "Backfill in batches of a few thousand rows (by primary key ranges, or WHERE the new value is not yet set), each its own transaction.",
        Verb::Delete => "Delete in batches, each its own transaction (or TRUNCATE, if no one else uses the table).",
    };
    ctx.add(
        stmt,
        Report {
            rule: "whole_table_write",
            level: Level::Error,
            object_type: "table",
            identity: t.clone(),
            discriminator: Some(verb.as_str().to_lowercase()),
            detail: format!(
                "{} without WHERE writes every row of {t} ({}) in one transaction: each row \
                 stays locked until it commits (other writers of those rows wait), every row \
                 leaves a dead version behind (the table and its indexes bloat), and the WAL \
                 of it all is written at once. {how}",
                verb.as_str(),
                table.size(),
            ),
            remediation,
            metadata: with_lock(table.metadata(), Lock::RowExclusive),
        },
    );
    None
}

pub fn truncate(ctx: &mut Ctx, state: &mut State, stmt: &Statement, tables: &[QualName]) -> Held {
    let mut strongest = None;
    for name in tables {
        let Some(key) = state.resolve(name) else {
            continue;
        };
        let table = state.table(&key).clone();
        if table.populated() {
            ctx.add(
                stmt,
                Report {
                    rule: "truncate_table",
                    level: Level::Warning,
                    object_type: "table",
                    identity: table.identity(),
                    discriminator: None,
                    detail: format!(
                        "TRUNCATE destroys every row of {} ({}) under an {} lock: {} until the \
                         transaction commits.",
                        table.identity(),
                        table.size(),
                        Lock::AccessExclusive.name(),
                        Lock::AccessExclusive.blocks(),
                    ),
                    remediation: None,
                    metadata: with_lock(table.metadata(), Lock::AccessExclusive),
                },
            );
        }
        strongest = stronger(strongest, held(&table, Lock::AccessExclusive));
    }
    strongest
}

pub fn vacuum(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    full: bool,
    tables: &[QualName],
) -> Held {
    in_transaction(
        ctx,
        state,
        stmt,
        "VACUUM",
        format!("statement {}", stmt.number),
    );
    if !full {
        return None;
    }
    if tables.is_empty() {
        ctx.add(
            stmt,
            Report {
                rule: "vacuum_full",
                level: Level::Error,
                object_type: "database",
                identity: "every table".into(),
                discriminator: None,
                detail: format!(
                    "VACUUM FULL without a table rewrites every table of the database, each \
                     under an {} lock. Plain VACUUM frees space for reuse without blocking; \
                     pg_repack or pg_squeeze shrink tables online.",
                    Lock::AccessExclusive.name()
                ),
                remediation: None,
                metadata: serde_json::json!({ "lock": Lock::AccessExclusive.name() }),
            },
        );
        return None;
    }
    let mut strongest = None;
    for name in tables {
        let Some(key) = state.resolve(name) else {
            continue;
        };
        let table = state.table(&key).clone();
        if table.populated() {
            rewrite_all(ctx, stmt, &table, "vacuum_full", "VACUUM FULL");
        }
        strongest = stronger(strongest, held(&table, Lock::AccessExclusive));
    }
    strongest
}

pub fn cluster(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    name: Option<&QualName>,
) -> Held {
    let key = state.resolve(name?)?;
    let table = state.table(&key).clone();
    if table.populated() {
        rewrite_all(ctx, stmt, &table, "cluster_table", "CLUSTER");
    }
    held(&table, Lock::AccessExclusive)
}

fn rewrite_all(
    ctx: &mut Ctx,
    stmt: &Statement,
    table: &super::super::state::Table,
    rule: &'static str,
    what: &str,
) {
    ctx.add(
        stmt,
        Report {
            rule,
            level: Level::Error,
            object_type: "table",
            identity: table.identity(),
            discriminator: None,
            detail: format!(
                "{what} rewrites all of {} ({}) and its indexes under an {} lock: {} until it \
                 is done, and it needs room for a second copy. Plain VACUUM frees space for \
                 reuse without blocking; pg_repack or pg_squeeze rewrite a table online.",
                table.identity(),
                table.size(),
                Lock::AccessExclusive.name(),
                Lock::AccessExclusive.blocks(),
            ),
            remediation: None,
            metadata: with_lock(table.metadata(), Lock::AccessExclusive),
        },
    );
}
