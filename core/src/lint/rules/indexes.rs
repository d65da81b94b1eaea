//! Index builds and drops: `CREATE INDEX`, `DROP INDEX`, `REINDEX` without `CONCURRENTLY`,
//! `CONCURRENTLY` where it cannot run, and foreign keys the script leaves unindexed.

use super::super::catalog::{IndexFact, RelKind};
use super::super::ir::{CreateIndex, ObjectKind, QualName, Reindex, Statement};
use super::super::locks::Lock;
use super::super::state::{State, Table};
use super::super::{spliced, Ctx, Held, LockOn, Report};
use crate::finding::Level;
use crate::quote;
use crate::rules::indexes::choose_index_name;
use crate::rules::indexes::coverage::leading_keys_match;
use serde_json::json;

/// The finding for `CONCURRENTLY` (or `VACUUM`) inside a transaction block.
pub fn in_transaction(
    ctx: &mut Ctx,
    state: &State,
    stmt: &Statement,
    what: &str,
    identity: String,
) {
    if !state.in_transaction {
        return;
    }
    let wrapped = if ctx.wrapped {
        " (the tool that runs this script wraps it in one transaction)"
    } else {
        ""
    };
    ctx.add(
        stmt,
        Report {
            rule: "cannot_run_in_transaction",
            level: Level::Error,
            object_type: "statement",
            identity,
            discriminator: Some(format!("statement {}", stmt.number)),
            detail: format!(
                "{what} cannot run inside a transaction block{wrapped}: the statement fails \
                 with \"cannot run inside a transaction block\" and the whole transaction \
                 rolls back. Run it on its own, outside BEGIN ... COMMIT."
            ),
            remediation: None,
            metadata: json!({ "statement": what }),
        },
    );
}

pub fn create_index(ctx: &mut Ctx, state: &mut State, stmt: &Statement, ix: &CreateIndex) -> Held {
    let key = state.resolve(&ix.table)?;
    let table = state.table(&key).clone();
    if let (true, Some(name)) = (ix.if_not_exists, &ix.name) {
        if state
            .resolve_index(&QualName::qualified(&key.0, name))
            .is_some()
        {
            return None; // nothing to build
        }
    }
    let name = ix
        .name
        .clone()
        .unwrap_or_else(|| default_index_name(&table, &ix.keys));
    let identity = quote::qualified(&table.schema, &name);
    // ON ONLY a partitioned table builds nothing: an invalid index that the partitions'
    // indexes are ATTACHed to (the safe way to index a partitioned table)
    let builds = !(ix.only && table.kind == RelKind::PartitionedTable);
    if ix.concurrent {
        in_transaction(
            ctx,
            state,
            stmt,
            "CREATE INDEX CONCURRENTLY",
            identity.clone(),
        );
    } else if table.populated() && builds {
        let partitioned = table.kind == RelKind::PartitionedTable;
        let (remediation, how) = if partitioned {
            (
                None,
                format!(
                    " A partitioned table cannot build an index CONCURRENTLY: create the \
                     index ON ONLY {t}, then on each partition CONCURRENTLY, and ALTER INDEX \
                     ... ATTACH PARTITION each one.",
                    t = table.identity()
                ),
            )
        } else {
            (
                ix.concurrently_at
                    .and_then(|at| spliced(&stmt.text, at, " CONCURRENTLY")),
                " CREATE INDEX CONCURRENTLY builds it while writes go on (two scans, and it \
                 runs outside a transaction block; if it fails it leaves an INVALID index to \
                 drop and build again)."
                    .to_string(),
            )
        };
        ctx.add(
            stmt,
            Report {
                rule: "index_without_concurrently",
                level: Level::Error,
                object_type: "index",
                identity,
                discriminator: None,
                detail: format!(
                    "CREATE {}INDEX takes a {} lock on {} ({}) for the whole build: {} until \
                     the index is built from all {}.{how}",
                    if ix.unique { "UNIQUE " } else { "" },
                    Lock::Share.name(),
                    table.identity(),
                    table.size(),
                    Lock::Share.blocks(),
                    crate::snapshot::human_bytes(table.bytes),
                ),
                remediation,
                metadata: with_lock(table.metadata(), Lock::Share),
            },
        );
    }
    state.add_index(
        &key,
        IndexFact {
            name,
            keys: ix.keys.clone(),
            method: ix.method.clone(),
            usable: true,
            partial: ix.partial,
        },
    );
    held(
        &table,
        if ix.concurrent {
            Lock::ShareUpdateExclusive
        } else {
            Lock::Share
        },
    )
}

pub fn drop_index(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    drop: &super::super::ir::Drop,
) -> Held {
    let mut strongest = None;
    for name in &drop.objects {
        let Some((index, key)) = state.resolve_index(name) else {
            continue;
        };
        let table = state.table(&key).clone();
        let identity = quote::qualified(&index.0, &index.1);
        if drop.concurrent {
            in_transaction(ctx, state, stmt, "DROP INDEX CONCURRENTLY", identity);
        } else if table.populated() {
            let remediation = (drop.objects.len() == 1 && !drop.cascade)
                .then_some(drop.concurrently_at)
                .flatten()
                .and_then(|at| spliced(&stmt.text, at, " CONCURRENTLY"));
            ctx.add(
                stmt,
                Report {
                    rule: "drop_index_without_concurrently",
                    level: Level::Warning,
                    object_type: "index",
                    identity,
                    discriminator: None,
                    detail: format!(
                        "DROP INDEX takes an {} lock on {} ({}): it waits for every running \
                         query on the table, and {} meanwhile. DROP INDEX CONCURRENTLY waits \
                         without blocking anyone (one index per statement, outside a \
                         transaction block).",
                        Lock::AccessExclusive.name(),
                        table.identity(),
                        table.size(),
                        Lock::AccessExclusive.blocks(),
                    ),
                    remediation,
                    metadata: with_lock(table.metadata(), Lock::AccessExclusive),
                },
            );
        }
        state.drop_index(&index, &key);
        let lock = if drop.concurrent {
            Lock::ShareUpdateExclusive
        } else {
            Lock::AccessExclusive
        };
        strongest = super::stronger(strongest, held(&table, lock));
    }
    strongest
}

pub fn reindex(ctx: &mut Ctx, state: &mut State, stmt: &Statement, r: &Reindex) -> Held {
    let target = r.target.as_ref()?;
    let (key, what) = match r.kind {
        ObjectKind::Index => {
            let (index, table) = state.resolve_index(target)?;
            (
                table,
                format!("index {}", quote::qualified(&index.0, &index.1)),
            )
        }
        ObjectKind::Table => (
            state.resolve(target)?,
            "every index of the table".to_string(),
        ),
        _ => return None,
    };
    let table = state.table(&key).clone();
    if r.concurrent {
        in_transaction(ctx, state, stmt, "REINDEX CONCURRENTLY", table.identity());
        return held(&table, Lock::ShareUpdateExclusive);
    }
    if table.populated() {
        ctx.add(
            stmt,
            Report {
                rule: "reindex_without_concurrently",
                level: Level::Error,
                object_type: "table",
                identity: table.identity(),
                discriminator: Some(what.clone()),
                detail: format!(
                    "REINDEX of {what} takes a {} lock on {} ({}) and an {} lock on each index \
                     it rebuilds, for the whole rebuild: writes wait, and so do reads whose \
                     plans would use the index. REINDEX ... CONCURRENTLY rebuilds while both \
                     go on.",
                    Lock::Share.name(),
                    table.identity(),
                    table.size(),
                    Lock::AccessExclusive.name(),
                ),
                remediation: r
                    .concurrently_at
                    .and_then(|at| spliced(&stmt.text, at, " CONCURRENTLY")),
                metadata: with_lock(table.metadata(), Lock::Share),
            },
        );
    }
    held(&table, Lock::AccessExclusive)
}

/// After the whole script: foreign keys it added whose columns no index serves.
pub fn unindexed_foreign_keys(ctx: &mut Ctx, state: &mut State) {
    for fk in std::mem::take(&mut ctx.foreign_keys) {
        let Some(table) = state.resolve(&QualName::qualified(&fk.table.0, &fk.table.1)) else {
            continue; // dropped later in the script
        };
        let table = state.table(&table).clone();
        let served = table.indexes.iter().any(|ix| {
            let columns: Vec<Option<String>> = fk.columns.iter().cloned().map(Some).collect();
            ix.usable && !ix.partial && leading_keys_match(&ix.method, &ix.keys, &columns).is_some()
        });
        if served {
            continue;
        }
        let concurrently = if table.new { "" } else { " CONCURRENTLY" };
        ctx.add(
            &fk.statement,
            Report {
                rule: "fk_without_index",
                level: Level::Warning,
                object_type: "table constraint",
                identity: format!("{} on {}", quote::ident(&fk.name), table.identity()),
                discriminator: None,
                detail: format!(
                    "No index on {} ({}) serves the foreign key {} once the script has run: \
                     every DELETE of a referenced row, and every update of its key, scans {} \
                     to check for references{}.",
                    table.identity(),
                    quote::ident_list(&fk.columns),
                    quote::ident(&fk.name),
                    table.identity(),
                    if table.new { " as the table grows" } else { "" },
                ),
                remediation: Some(format!(
                    "CREATE INDEX{concurrently} ON {} ({});",
                    table.identity(),
                    quote::ident_list(&fk.columns)
                )),
                metadata: json!({
                    "schema": table.schema,
                    "table": table.name,
                    "constraint": fk.name,
                    "columns": fk.columns,
                }),
            },
        );
    }
}

/// The name PostgreSQL gives an unnamed index: `<table>_<columns>_idx`.
fn default_index_name(table: &Table, keys: &[Option<String>]) -> String {
    let cols: Vec<String> = keys
        .iter()
        .map(|k| k.clone().unwrap_or_else(|| "expr".into()))
        .collect();
    choose_index_name(0, &table.name, &cols, |_, _| false)
}

pub fn with_lock(mut metadata: serde_json::Value, lock: Lock) -> serde_json::Value {
    if let serde_json::Value::Object(m) = &mut metadata {
        m.insert("lock".into(), lock.name().into());
    }
    metadata
}

/// The lock a statement takes on `table`, when that table is existing and populated.
pub fn held(table: &Table, lock: Lock) -> Held {
    table.populated().then(|| LockOn {
        lock,
        identity: table.identity(),
        size: table.size(),
        metadata: with_lock(table.metadata(), lock),
    })
}
