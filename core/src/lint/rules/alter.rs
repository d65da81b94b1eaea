//! `CREATE TABLE` and `ALTER TABLE`: rewrites, scans under strong locks, constraints.

use super::super::catalog::{
    type_change_narrows, type_change_rewrites, ColumnFact, ConstraintFact, IndexFact, RelKind,
    TypeInfo, Volatility,
};
use super::super::ir::{
    AlterCmd, AlterTable, ColumnDef, ConstraintDef, ConstraintKind, CreateTable, KeyDef,
    ObjectKind, QualName, Statement,
};
use super::super::locks::Lock;
use super::super::state::{Key, State, Table};
use super::super::{AddedForeignKey, Ctx, Held, Report};
use super::indexes::{held, with_lock};
use super::{design, stronger};
use crate::finding::Level;
use crate::quote;
use crate::snapshot::human_bytes;
use serde_json::json;

pub fn create_table(ctx: &mut Ctx, state: &mut State, stmt: &Statement, t: &CreateTable) -> Held {
    let schema = state.creation_schema(&t.table);
    let mut table = Table {
        schema,
        name: t.table.name.clone(),
        kind: if t.partitioned {
            RelKind::PartitionedTable
        } else {
            RelKind::Table
        },
        new: true,
        rows: 0.0,
        bytes: 0,
        columns: Vec::new(),
        indexes: Vec::new(),
        constraints: Vec::new(),
    };
    for col in &t.columns {
        let ty = state.resolve_type(&col.ty);
        design::column_type(ctx, stmt, &table, col, ty.as_ref());
        table.columns.push(ColumnFact {
            name: col.name.clone(),
            ty: ty.unwrap_or_else(unknown_type),
            not_null: col.not_null || col.identity,
            null_frac: None,
        });
    }
    let key = (table.schema.clone(), table.name.clone());
    let mut strongest = None;
    for c in &t.constraints {
        if let ConstraintKind::PrimaryKey(k) = &c.kind {
            design::integer_key(ctx, stmt, &table, t, k);
        }
        add_constraint_effect(&mut table, c);
        if let ConstraintKind::ForeignKey(fk) = &c.kind {
            ctx.foreign_keys.push(AddedForeignKey {
                table: key.clone(),
                name: constraint_name(&table, c),
                columns: fk.columns.clone(),
                statement: stmt.clone(),
            });
            strongest = stronger(strongest, referenced_lock(state, &fk.references));
        }
    }
    state.create_table(table);
    strongest
}

/// The `SHARE ROW EXCLUSIVE` lock a new foreign key takes on the referenced table.
fn referenced_lock(state: &mut State, references: &QualName) -> Held {
    let key = state.resolve(references)?;
    held(state.table(&key), Lock::ShareRowExclusive)
}

pub fn alter_table(ctx: &mut Ctx, state: &mut State, stmt: &Statement, a: &AlterTable) -> Held {
    if a.object == ObjectKind::Index {
        return None; // ALTER INDEX: options, tablespace, statistics of the index alone
    }
    let key = state.resolve(&a.table)?;
    let mut strongest = None;
    for cmd in &a.cmds {
        let lock = alter_cmd(ctx, state, stmt, &key, cmd);
        let table = state.table(&key);
        strongest = stronger(strongest, held(table, lock));
        if let AlterCmd::AddConstraint(ConstraintDef {
            kind: ConstraintKind::ForeignKey(fk),
            ..
        }) = cmd
        {
            strongest = stronger(strongest, referenced_lock(state, &fk.references));
        }
    }
    strongest
}

fn alter_cmd(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    key: &Key,
    cmd: &AlterCmd,
) -> Lock {
    let table = state.table(key).clone();
    match cmd {
        AlterCmd::AddColumn(col) => {
            add_column(ctx, state, stmt, &table, col);
            let ty = state.resolve_type(&col.ty);
            state.table_mut(key).columns.push(ColumnFact {
                name: col.name.clone(),
                ty: ty.unwrap_or_else(unknown_type),
                not_null: col.not_null,
                null_frac: None,
            });
            Lock::AccessExclusive
        }
        AlterCmd::DropColumn(column) => {
            super::compat::drop_column(ctx, stmt, &table, column);
            state.table_mut(key).columns.retain(|c| &c.name != column);
            Lock::AccessExclusive
        }
        AlterCmd::AlterType { column, ty, using } => {
            let new = state.resolve_type(ty);
            alter_type(ctx, state, stmt, &table, column, new.as_ref(), *using);
            if let (Some(new), Some(c)) = (new, state.table_mut(key).column_mut(column)) {
                c.ty = new;
            }
            Lock::AccessExclusive
        }
        AlterCmd::SetNotNull(column) => {
            set_not_null(
                ctx,
                stmt,
                &table,
                std::slice::from_ref(column),
                "SET NOT NULL",
            );
            if let Some(c) = state.table_mut(key).column_mut(column) {
                c.not_null = true;
            }
            Lock::AccessExclusive
        }
        AlterCmd::DropNotNull(column) => {
            if let Some(c) = state.table_mut(key).column_mut(column) {
                c.not_null = false;
            }
            Lock::AccessExclusive
        }
        AlterCmd::SetDefault(_) => Lock::AccessExclusive,
        AlterCmd::AddConstraint(c) => add_constraint(ctx, state, stmt, key, &table, c),
        AlterCmd::ValidateConstraint(name) => {
            if let Some(c) = state
                .table_mut(key)
                .constraints
                .iter_mut()
                .find(|c| &c.name == name)
            {
                c.validated = true;
            }
            Lock::ShareUpdateExclusive
        }
        AlterCmd::DropConstraint(name) => {
            let t = state.table_mut(key);
            t.constraints.retain(|c| &c.name != name);
            t.indexes.retain(|i| &i.name != name);
            Lock::AccessExclusive
        }
        AlterCmd::SetLogged(logged) => {
            let what = if *logged {
                "SET LOGGED"
            } else {
                "SET UNLOGGED"
            };
            rewrite(ctx, stmt, &table, what);
            Lock::AccessExclusive
        }
        AlterCmd::SetTablespace => {
            rewrite(ctx, stmt, &table, "SET TABLESPACE");
            Lock::AccessExclusive
        }
        AlterCmd::SetAccessMethod => {
            rewrite(ctx, stmt, &table, "SET ACCESS METHOD");
            Lock::AccessExclusive
        }
        AlterCmd::Other { weak_lock, .. } => {
            if *weak_lock {
                Lock::ShareUpdateExclusive
            } else {
                Lock::AccessExclusive
            }
        }
    }
}

fn rewrite(ctx: &mut Ctx, stmt: &Statement, table: &Table, what: &str) {
    if !table.populated() {
        return;
    }
    ctx.add(
        stmt,
        Report {
            rule: "table_rewrite",
            level: Level::Error,
            object_type: "table",
            identity: table.identity(),
            discriminator: Some(what.to_string()),
            detail: format!(
                "ALTER TABLE ... {what} copies all of {} ({}) under an {} lock: {} until the \
                 copy is done. Plan it for a maintenance window, or move the data with \
                 logical replication into a new table.",
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

fn add_column(ctx: &mut Ctx, state: &State, stmt: &Statement, table: &Table, col: &ColumnDef) {
    let ty = state.resolve_type(&col.ty);
    design::column_type(ctx, stmt, table, col, ty.as_ref());
    if !table.populated() {
        return;
    }
    let volatility = col.default.as_ref().map(|d| state.volatility(d));
    let reason = if col.identity {
        Some("an identity column gets a value for every existing row".to_string())
    } else if col.generated {
        Some("a stored generated column is computed for every existing row".to_string())
    } else if let Some(int) = col.ty.serial() {
        Some(format!("serial is an {int} column with a nextval() default: volatile, evaluated for every existing row"))
    } else if ty.as_ref().is_some_and(|t| t.checked_domain) {
        Some(
            "its type is a domain with constraints, checked against every existing row".to_string(),
        )
    } else {
        match volatility {
            Some(Some(Volatility::Volatile)) => Some("its default is volatile and is evaluated for every existing row".to_string()),
            Some(None) => Some("the linter cannot tell whether its default is volatile (a function it does not find, or a sub-select); a volatile default is evaluated for every existing row".to_string()),
            _ => None,
        }
    };
    let size = table.size();
    let t = table.identity();
    if let Some(reason) = reason {
        let certain = !matches!(volatility, Some(None)) || col.identity || col.generated;
        let remediation = match (&col.default, &ty) {
            (Some(d), Some(ty)) if d.text.is_some() && !col.identity && !col.generated => {
                let expr = d.text.as_deref().unwrap_or_default();
                let c = quote::ident(&col.name);
                Some(format!(
                    "ALTER TABLE {t} ADD COLUMN {c} {ty};\n\
                     ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {expr};\n\
                     -- then fill the existing rows in batches, each its own transaction, until it updates 0 rows:\n\
                     UPDATE {t} SET {c} = {expr} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} WHERE {c} IS NULL LIMIT 10000));",
                    ty = ty.display
                ))
            }
            _ => None,
        };
        ctx.add(
            stmt,
            Report {
                rule: "add_column_rewrite",
                level: if certain { Level::Error } else { Level::Warning },
                object_type: "table column",
                identity: format!("{t}.{}", quote::ident(&col.name)),
                discriminator: None,
                detail: format!(
                    "ADD COLUMN {} rewrites all of {t} ({size}) under an {} lock, because {reason}: \
                     {} until the rewrite is done. Add the column without it, set the default \
                     for new rows, and fill the old rows in batches.",
                    quote::ident(&col.name),
                    Lock::AccessExclusive.name(),
                    Lock::AccessExclusive.blocks(),
                ),
                remediation,
                metadata: with_lock(table.metadata(), Lock::AccessExclusive),
            },
        );
    } else if col.not_null && col.default.is_none() {
        ctx.add(
            stmt,
            Report {
                rule: "add_column_required",
                level: Level::Error,
                object_type: "table column",
                identity: format!("{t}.{}", quote::ident(&col.name)),
                discriminator: None,
                detail: format!(
                    "ADD COLUMN {} NOT NULL without a default fails on {t} ({size}): every \
                     existing row would hold NULL (\"column contains null values\"). Give it a \
                     constant default, or add it nullable, fill it, and then set NOT NULL.",
                    quote::ident(&col.name),
                ),
                remediation: None,
                metadata: table.metadata(),
            },
        );
    }
}

fn alter_type(
    ctx: &mut Ctx,
    state: &State,
    stmt: &Statement,
    table: &Table,
    column: &str,
    new: Option<&TypeInfo>,
    using: bool,
) {
    if table.new {
        return;
    }
    let Some(old) = table.column(column).map(|c| c.ty.clone()) else {
        return;
    };
    let t = table.identity();
    let c = quote::ident(column);
    let identity = format!("{t}.{c}");
    let to = new.map_or("the new type".to_string(), |n| n.display.clone());
    let rewrites = using || new.is_none_or(|n| type_change_rewrites(state.catalog, &old, n));
    if rewrites && table.populated() {
        let why = if using {
            "a USING clause always rewrites"
        } else if new.is_none() {
            "the linter cannot resolve the new type"
        } else {
            "the change is not binary-coercible"
        };
        let remediation = new.map(|n| {
            let tmp = quote::ident(&quote::object_name(column, "_new"));
            format!(
                "-- expand: a new column the application writes too (or a trigger keeps in step)\n\
                 ALTER TABLE {t} ADD COLUMN {tmp} {ty};\n\
                 -- copy the old rows in batches, each its own transaction, until it updates 0 rows:\n\
                 UPDATE {t} SET {tmp} = {c}::{ty} WHERE ctid = ANY (ARRAY(SELECT ctid FROM {t} WHERE {tmp} IS NULL AND {c} IS NOT NULL LIMIT 10000));\n\
                 -- contract, once every reader uses the new column:\n\
                 ALTER TABLE {t} DROP COLUMN {c};\n\
                 ALTER TABLE {t} RENAME COLUMN {tmp} TO {c};",
                ty = n.display
            )
        });
        ctx.add(
            stmt,
            Report {
                rule: "column_type_rewrite",
                level: Level::Error,
                object_type: "table column",
                identity: identity.clone(),
                discriminator: None,
                detail: format!(
                    "ALTER COLUMN {c} TYPE {to} ({} before) rewrites all of {t} ({}) and \
                     rebuilds its indexes under an {} lock, because {why}: {} until it is \
                     done. Only binary-coercible changes (varchar(n) to a longer varchar or \
                     text, numeric to more digits of the same scale) are free.",
                    old.display,
                    table.size(),
                    Lock::AccessExclusive.name(),
                    Lock::AccessExclusive.blocks(),
                ),
                remediation,
                metadata: json!({
                    "schema": table.schema, "table": table.name, "column": column,
                    "rows": table.rows.max(0.0).round() as i64, "bytes": table.bytes,
                    "from_type": old.display, "to_type": new.map(|n| n.display.clone()),
                    "lock": Lock::AccessExclusive.name(),
                }),
            },
        );
    }
    if let Some(n) = new.filter(|n| type_change_narrows(&old, n)) {
        ctx.add(
            stmt,
            Report {
                rule: "column_type_narrowing",
                level: Level::Warning,
                object_type: "table column",
                identity,
                discriminator: None,
                detail: format!(
                    "ALTER COLUMN {c} TYPE {} narrows it from {}: values the running \
                     application writes may no longer fit (the statement fails if a stored \
                     one does not). Change the application first, or keep the wider type and \
                     add a CHECK constraint (NOT VALID, then VALIDATE).",
                    n.display, old.display,
                ),
                remediation: None,
                metadata: json!({"schema": table.schema, "table": table.name, "column": column,
                                 "from_type": old.display, "to_type": n.display}),
            },
        );
    }
}

/// `SET NOT NULL` (or a primary key's implied one) on columns not proven NOT NULL.
fn set_not_null(ctx: &mut Ctx, stmt: &Statement, table: &Table, columns: &[String], what: &str) {
    if !table.populated() {
        return;
    }
    for column in columns {
        let Some(col) = table.column(column) else {
            continue;
        };
        if col.not_null || table.not_null_proven(column) {
            continue;
        }
        let t = table.identity();
        let c = quote::ident(column);
        let nulls = match col.null_frac {
            Some(f) if f > 0.0 => format!(
                " pg_stats saw NULLs in {:.1}% of the rows: the statement will fail until they are filled.",
                f * 100.0
            ),
            _ => String::new(),
        };
        let check = quote::ident(&quote::object_name(
            &format!("{}_{column}", table.name),
            "_not_null_check",
        ));
        ctx.add(
            stmt,
            Report {
                rule: "set_not_null_scan",
                level: Level::Error,
                object_type: "table column",
                identity: format!("{t}.{c}"),
                discriminator: None,
                detail: format!(
                    "{what} on {c} scans all of {t} ({}) under an {} lock, because no validated \
                     CHECK ({c} IS NOT NULL) proves it: {} until the scan is done.{nulls} Add \
                     the check NOT VALID, validate it (which lets reads and writes go on), and \
                     SET NOT NULL then finds it and skips the scan. (The check also makes \
                     application code that still writes NULL fail early, while it is easy to \
                     drop again.)",
                    table.size(),
                    Lock::AccessExclusive.name(),
                    Lock::AccessExclusive.blocks(),
                ),
                remediation: Some(format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID;\n\
                     ALTER TABLE {t} VALIDATE CONSTRAINT {check};\n\
                     ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;\n\
                     ALTER TABLE {t} DROP CONSTRAINT {check};"
                )),
                metadata: json!({"schema": table.schema, "table": table.name, "column": column,
                                 "rows": table.rows.max(0.0).round() as i64, "bytes": table.bytes,
                                 "null_frac": col.null_frac, "lock": Lock::AccessExclusive.name()}),
            },
        );
    }
}

fn add_constraint(
    ctx: &mut Ctx,
    state: &mut State,
    stmt: &Statement,
    key: &Key,
    table: &Table,
    c: &ConstraintDef,
) -> Lock {
    let t = table.identity();
    let lock = match &c.kind {
        ConstraintKind::ForeignKey(_) => Lock::ShareRowExclusive,
        _ => Lock::AccessExclusive,
    };
    match &c.kind {
        ConstraintKind::PrimaryKey(k) | ConstraintKind::Unique(k) => {
            let primary = matches!(c.kind, ConstraintKind::PrimaryKey(_));
            if primary {
                set_not_null(
                    ctx,
                    stmt,
                    table,
                    &k.columns,
                    "ADD PRIMARY KEY (an implied SET NOT NULL)",
                );
            }
            if k.using_index.is_none() && table.populated() {
                unique_builds_index(ctx, stmt, table, c, k, primary);
            }
        }
        ConstraintKind::Exclusion if table.populated() => {
            ctx.add(
                stmt,
                Report {
                    rule: "unique_constraint_builds_index",
                    level: Level::Error,
                    object_type: "table",
                    identity: t.clone(),
                    discriminator: c.name.clone(),
                    detail: format!(
                        "ADD EXCLUDE builds its index on {t} ({}) under an {} lock: {} until \
                         the index is built and checked. No CONCURRENTLY form exists: plan a \
                         maintenance window.",
                        table.size(),
                        Lock::AccessExclusive.name(),
                        Lock::AccessExclusive.blocks(),
                    ),
                    remediation: None,
                    metadata: with_lock(table.metadata(), Lock::AccessExclusive),
                },
            );
        }
        ConstraintKind::ForeignKey(fk) => {
            let name = constraint_name(table, c);
            ctx.foreign_keys.push(AddedForeignKey {
                table: key.clone(),
                name: name.clone(),
                columns: fk.columns.clone(),
                statement: stmt.clone(),
            });
            if !c.not_valid && table.populated() {
                let referenced = state
                    .resolve(&fk.references)
                    .map(|k| state.table(&k).identity());
                let also = referenced.map_or(String::new(), |r| {
                    format!(" and the same lock on {r}, whose rows each one is checked against")
                });
                not_valid_missing(ctx, stmt, table, c, &name, "FOREIGN KEY", lock, &also);
            }
        }
        ConstraintKind::Check { .. } if !c.not_valid && table.populated() => {
            let name = constraint_name(table, c);
            not_valid_missing(ctx, stmt, table, c, &name, "CHECK", lock, "");
        }
        _ => {}
    }
    add_constraint_effect(state.table_mut(key), c);
    lock
}

fn unique_builds_index(
    ctx: &mut Ctx,
    stmt: &Statement,
    table: &Table,
    c: &ConstraintDef,
    k: &KeyDef,
    primary: bool,
) {
    let t = table.identity();
    let name = constraint_name(table, c);
    let n = quote::ident(&name);
    let include = if k.include.is_empty() {
        String::new()
    } else {
        format!(" INCLUDE ({})", quote::ident_list(&k.include))
    };
    let kind = if primary { "PRIMARY KEY" } else { "UNIQUE" };
    ctx.add(
        stmt,
        Report {
            rule: "unique_constraint_builds_index",
            level: Level::Error,
            object_type: "table constraint",
            identity: format!("{n} on {t}"),
            discriminator: None,
            detail: format!(
                "ADD {kind} builds its unique index on {t} ({}) under an {} lock: {} until \
                 the index is built from all {}. Build the index CONCURRENTLY first; adding \
                 the constraint USING INDEX is then only a catalog change.",
                table.size(),
                Lock::AccessExclusive.name(),
                Lock::AccessExclusive.blocks(),
                human_bytes(table.bytes),
            ),
            remediation: Some(format!(
                "CREATE UNIQUE INDEX CONCURRENTLY {n} ON {t} ({}){include};\n\
                 ALTER TABLE {t} ADD CONSTRAINT {n} {kind} USING INDEX {n};",
                quote::ident_list(&k.columns)
            )),
            metadata: with_lock(table.metadata(), Lock::AccessExclusive),
        },
    );
}

#[allow(clippy::too_many_arguments)]
fn not_valid_missing(
    ctx: &mut Ctx,
    stmt: &Statement,
    table: &Table,
    c: &ConstraintDef,
    name: &str,
    kind: &str,
    lock: Lock,
    also: &str,
) {
    let t = table.identity();
    let n = quote::ident(name);
    // the constraint's own text, named, with NOT VALID: then VALIDATE, which lets reads
    // and writes go on
    let remediation = c.span.and_then(|(start, end)| {
        let text = stmt.text.get(start..end)?.trim_end();
        let named = if c.name.is_some() {
            text.to_string()
        } else {
            format!("CONSTRAINT {n} {text}")
        };
        let first = if c.on_new_column {
            "-- add the column without the constraint, then:\n"
        } else {
            ""
        };
        Some(format!(
            "{first}ALTER TABLE {t} ADD {named} NOT VALID;\nALTER TABLE {t} VALIDATE CONSTRAINT {n};"
        ))
    });
    ctx.add(
        stmt,
        Report {
            rule: "constraint_without_not_valid",
            level: Level::Error,
            object_type: "table constraint",
            identity: format!("{n} on {t}"),
            discriminator: None,
            detail: format!(
                "ADD {kind} without NOT VALID checks every row of {t} ({}) while it holds a \
                 {} lock{also}: {} until the check is done. Add it NOT VALID (new rows are \
                 checked at once), then VALIDATE CONSTRAINT, which takes only {}.",
                table.size(),
                lock.name(),
                lock.blocks(),
                Lock::ShareUpdateExclusive.name(),
            ),
            remediation,
            metadata: with_lock(table.metadata(), lock),
        },
    );
}

/// What a constraint adds to the table: its catalog entry, its index, NOT NULL columns.
fn add_constraint_effect(table: &mut Table, c: &ConstraintDef) {
    let (kind, not_null_of, name) = match &c.kind {
        ConstraintKind::PrimaryKey(k) | ConstraintKind::Unique(k) => {
            let primary = matches!(c.kind, ConstraintKind::PrimaryKey(_));
            let name = constraint_name(table, c);
            if primary {
                for col in table
                    .columns
                    .iter_mut()
                    .filter(|col| k.columns.contains(&col.name))
                {
                    col.not_null = true;
                }
            }
            if k.using_index.is_none() {
                table.indexes.push(IndexFact {
                    name: name.clone(),
                    keys: k.columns.iter().cloned().map(Some).collect(),
                    method: "btree".into(),
                    usable: true,
                    partial: false,
                });
            }
            (if primary { 'p' } else { 'u' }, None, name)
        }
        ConstraintKind::Exclusion => ('x', None, constraint_name(table, c)),
        ConstraintKind::ForeignKey(_) => ('f', None, constraint_name(table, c)),
        ConstraintKind::Check { not_null_of } => {
            ('c', not_null_of.clone(), constraint_name(table, c))
        }
    };
    table.constraints.push(ConstraintFact {
        name,
        kind,
        validated: !c.not_valid,
        not_null_of,
    });
}

/// A constraint's own name, or the one PostgreSQL gives it: `<table>_pkey`,
/// `<table>_<columns>_key`, `<table>_<columns>_fkey`, `<table>[_<column>]_check`,
/// `<table>_excl` (without the number PostgreSQL appends when that name is taken); a key
/// added `USING INDEX` takes the index's name.
fn constraint_name(table: &Table, c: &ConstraintDef) -> String {
    if let Some(name) = &c.name {
        return name.clone();
    }
    let (columns, suffix): (&[String], &str) = match &c.kind {
        ConstraintKind::PrimaryKey(k) | ConstraintKind::Unique(k) => {
            if let Some(index) = &k.using_index {
                return index.clone();
            }
            match c.kind {
                ConstraintKind::PrimaryKey(_) => (&[], "_pkey"),
                _ => (&k.columns, "_key"),
            }
        }
        ConstraintKind::ForeignKey(fk) => (&fk.columns, "_fkey"),
        ConstraintKind::Check { not_null_of } => (not_null_of.as_slice(), "_check"),
        ConstraintKind::Exclusion => (&[], "_excl"),
    };
    let stem = std::iter::once(&table.name)
        .chain(columns)
        .cloned()
        .collect::<Vec<_>>()
        .join("_");
    quote::object_name(&stem, suffix)
}

fn unknown_type() -> TypeInfo {
    TypeInfo {
        oid: 0,
        typmod: -1,
        display: "unknown".into(),
        base: 0,
        base_typmod: -1,
        checked_domain: false,
    }
}
