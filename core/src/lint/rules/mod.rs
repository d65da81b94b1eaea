//! The lint rules, one family per file, and the dispatch over statement kinds.

pub mod alter;
pub mod compat;
pub mod data;
pub mod design;
pub mod indexes;
pub mod session;

use super::ir::{Kind, Statement};
use super::state::State;
use super::{Ctx, Held, LintRule};
use crate::finding::{Category, Level};

const fn rule(
    id: &'static str,
    level: Level,
    category: Category,
    summary: &'static str,
) -> LintRule {
    LintRule {
        id,
        level,
        category,
        summary,
    }
}

use Category::{Design, Integrity, Performance};
use Level::{Error, Info, Warning};

pub const RULES: &[LintRule] = &[
    rule("syntax_error", Error, Integrity, "the script does not parse"),
    rule("dry_run_failed", Error, Integrity, "in the dry run the statement failed: the migration would stop there"),
    rule("index_without_concurrently", Error, Performance, "CREATE INDEX on a populated table without CONCURRENTLY blocks writes for the whole build"),
    rule("unique_constraint_builds_index", Error, Performance, "ADD PRIMARY KEY / UNIQUE / EXCLUDE builds its index under ACCESS EXCLUSIVE; build it CONCURRENTLY and add the constraint USING INDEX"),
    rule("drop_index_without_concurrently", Warning, Performance, "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table"),
    rule("reindex_without_concurrently", Error, Performance, "REINDEX without CONCURRENTLY blocks writes, and reads that use the index, for the whole rebuild"),
    rule("cannot_run_in_transaction", Error, Integrity, "CONCURRENTLY and VACUUM fail inside a transaction block"),
    rule("column_type_rewrite", Error, Performance, "a column type change that is not binary-coercible rewrites the table under ACCESS EXCLUSIVE"),
    rule("column_type_narrowing", Warning, Integrity, "a type change that narrows a column breaks clients that write longer or larger values"),
    rule("add_column_rewrite", Error, Performance, "ADD COLUMN with a volatile default, identity, stored generated or checked-domain column rewrites the table"),
    rule("add_column_required", Error, Integrity, "ADD COLUMN NOT NULL without a default fails on a table with rows"),
    rule("table_rewrite", Error, Performance, "SET LOGGED/UNLOGGED, SET TABLESPACE, SET ACCESS METHOD copy the whole table under ACCESS EXCLUSIVE"),
    rule("vacuum_full", Error, Performance, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE"),
    rule("cluster_table", Error, Performance, "CLUSTER rewrites the table under ACCESS EXCLUSIVE"),
    rule("constraint_without_not_valid", Error, Performance, "ADD FOREIGN KEY / CHECK without NOT VALID scans the table under a lock that blocks writes"),
    rule("set_not_null_scan", Error, Performance, "SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a validated CHECK (col IS NOT NULL) proves it"),
    rule("fk_without_index", Warning, Performance, "a foreign key added on columns no index serves: every delete or key update on the referenced table scans this one"),
    rule("whole_table_write", Error, Performance, "UPDATE or DELETE without WHERE on a populated table: one long transaction that locks every row"),
    rule("rename_breaks_clients", Warning, Integrity, "renaming a table or column breaks the running application"),
    rule("drop_breaks_clients", Warning, Integrity, "dropping a table or column breaks the running application and destroys its data"),
    rule("truncate_table", Warning, Integrity, "TRUNCATE destroys the table's rows under ACCESS EXCLUSIVE"),
    rule("lock_timeout_missing", Warning, Performance, "a strong lock on a populated table without lock_timeout: the statement queues behind long transactions and everything queues behind it"),
    rule("transaction_nesting", Warning, Integrity, "BEGIN inside a transaction block (a warning, and the inner COMMIT ends the outer block)"),
    rule("discouraged_column_type", Info, Design, "serial, timestamp without time zone, timetz, varchar(n), char(n), money, json"),
    rule("integer_primary_key", Info, Design, "an integer primary key runs out at 2,147,483,647"),
];

/// Judge one statement and apply its effects; returns the strongest lock it takes on an
/// existing populated table.
pub fn check(ctx: &mut Ctx, state: &mut State, stmt: &Statement) -> Held {
    match &stmt.kind {
        Kind::CreateTable(t) => alter::create_table(ctx, state, stmt, t),
        Kind::CreateIndex(ix) => indexes::create_index(ctx, state, stmt, ix),
        Kind::AlterTable(a) => alter::alter_table(ctx, state, stmt, a),
        Kind::Drop(d) => compat::drop(ctx, state, stmt, d),
        Kind::Reindex(r) => indexes::reindex(ctx, state, stmt, r),
        Kind::Rename(r) => compat::rename(ctx, state, stmt, r),
        Kind::Vacuum { full, tables } => data::vacuum(ctx, state, stmt, *full, tables),
        Kind::Cluster { table } => data::cluster(ctx, state, stmt, table.as_ref()),
        Kind::Write {
            verb,
            table,
            filtered,
        } => data::write(ctx, state, stmt, *verb, table, *filtered),
        Kind::Truncate { tables } => data::truncate(ctx, state, stmt, tables),
        Kind::Lock {
            tables,
            mode,
            nowait,
        } => {
            // NOWAIT never queues: it fails at once instead
            let mut strongest = None;
            for name in tables.iter().filter(|_| !*nowait) {
                if let Some(key) = state.resolve(name) {
                    strongest = stronger(strongest, indexes::held(state.table(&key), *mode));
                }
            }
            strongest
        }
        Kind::Set(s) => {
            session::set(ctx, state, s);
            None
        }
        Kind::Transaction(t) => {
            session::transaction(ctx, state, stmt, *t);
            None
        }
        Kind::CreateSchema { name } => {
            state.create_schema(name);
            None
        }
        Kind::Other { .. } => None,
    }
}

/// The stronger of two held locks.
pub(crate) fn stronger(a: Held, b: Held) -> Held {
    match (&a, &b) {
        (Some(x), Some(y)) if y.lock > x.lock => b,
        (None, _) => b,
        _ => a,
    }
}
