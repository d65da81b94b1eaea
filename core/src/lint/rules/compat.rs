//! Changes that break the running application: drops and renames of what it uses.

use super::super::ir::{Drop, ObjectKind, Rename, Statement};
use super::super::locks::Lock;
use super::super::state::{State, Table};
use super::super::{Ctx, Held, Report};
use super::indexes::{drop_index, held, with_lock};
use super::stronger;
use crate::finding::Level;
use crate::quote;

pub fn drop(ctx: &mut Ctx, state: &mut State, stmt: &Statement, d: &Drop) -> Held {
    match d.kind {
        ObjectKind::Index => drop_index(ctx, state, stmt, d),
        ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView => {
            let mut strongest = None;
            for name in &d.objects {
                let Some(key) = state.resolve(name) else {
                    continue;
                };
                let table = state.table(&key).clone();
                if !table.new {
                    let kind = match d.kind {
                        ObjectKind::Table => "table",
                        ObjectKind::View => "view",
                        _ => "materialized view",
                    };
                    let data = if d.kind == ObjectKind::View {
                        String::new()
                    } else {
                        format!(" and destroys its data ({})", table.size())
                    };
                    ctx.add(
                        stmt,
                        Report {
                            rule: "drop_breaks_clients",
                            level: Level::Warning,
                            object_type: kind,
                            identity: table.identity(),
                            discriminator: None,
                            detail: format!(
                                "DROP {} {}{data}: application code still running that reads \
                                 or writes it fails. Stop using it first (expand/contract: \
                                 deploy code that no longer needs it, then drop it).",
                                kind.to_uppercase(),
                                table.identity(),
                            ),
                            remediation: None,
                            metadata: with_lock(table.metadata(), Lock::AccessExclusive),
                        },
                    );
                }
                strongest = stronger(strongest, held(&table, Lock::AccessExclusive));
                state.drop_table(&key);
            }
            strongest
        }
        _ => None,
    }
}

pub fn drop_column(ctx: &mut Ctx, stmt: &Statement, table: &Table, column: &str) {
    if table.new || table.column(column).is_none() {
        return;
    }
    let c = quote::ident(column);
    ctx.add(
        stmt,
        Report {
            rule: "drop_breaks_clients",
            level: Level::Warning,
            object_type: "table column",
            identity: format!("{}.{c}", table.identity()),
            discriminator: None,
            detail: format!(
                "DROP COLUMN {c} destroys its data in {} ({}), and application code still \
                 running that names it (or SELECT * into a fixed shape) fails. Deploy code \
                 that no longer uses it first.",
                table.identity(),
                table.size(),
            ),
            remediation: None,
            metadata: table.metadata(),
        },
    );
}

pub fn rename(ctx: &mut Ctx, state: &mut State, stmt: &Statement, r: &Rename) -> Held {
    let relation = r.relation.as_ref()?;
    let key = state.resolve(relation)?;
    let table = state.table(&key).clone();
    let (what, identity, object_type) = match (r.kind, &r.column) {
        (ObjectKind::Column, Some(column)) => {
            if let Some(c) = state.table_mut(&key).column_mut(column) {
                c.name = r.new_name.clone();
            }
            (
                format!("column {}", quote::ident(column)),
                format!("{}.{}", table.identity(), quote::ident(column)),
                "table column",
            )
        }
        (ObjectKind::Table | ObjectKind::View | ObjectKind::MaterializedView, _) => {
            state.rename_table(&key, &r.new_name);
            (table.identity(), table.identity(), "table")
        }
        _ => return None,
    };
    if !table.new {
        ctx.add(
            stmt,
            Report {
                rule: "rename_breaks_clients",
                level: Level::Warning,
                object_type,
                identity,
                discriminator: None,
                detail: format!(
                    "RENAME of {what} to {}: application code still running uses the old \
                     name and fails from the moment this commits. Expand/contract instead: \
                     add the new name (a column kept in step, or a view under the new name), \
                     move the application, then drop the old one.",
                    quote::ident(&r.new_name),
                ),
                remediation: None,
                metadata: with_lock(table.metadata(), Lock::AccessExclusive),
            },
        );
    }
    held(&table, Lock::AccessExclusive)
}
