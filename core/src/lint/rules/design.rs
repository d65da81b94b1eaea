//! Column types the PostgreSQL wiki's "Don't Do This" warns against, and integer keys:
//! advice (`info`) on the columns a script defines.

use super::super::catalog::{oids, TypeInfo};
use super::super::ir::{ColumnDef, CreateTable, KeyDef, Statement};
use super::super::state::Table;
use super::super::{Ctx, Report};
use crate::finding::Level;
use crate::quote;
use serde_json::json;

/// What is discouraged about a column's type, and what to write instead.
fn discouraged(col: &ColumnDef, ty: Option<&TypeInfo>) -> Option<(&'static str, String)> {
    if let Some(int) = col.ty.serial() {
        let int = if int == "integer" { "bigint" } else { int };
        return Some((
            "serial",
            format!("serial types are a sequence default with loose ownership; write {int} GENERATED ALWAYS AS IDENTITY"),
        ));
    }
    let ty = ty?;
    if col.ty.array {
        return None;
    }
    let (what, why) = match ty.base {
        oids::TIMESTAMP => ("timestamp", "timestamp without time zone stores wall-clock values with no zone; write timestamptz"),
        oids::TIMETZ => ("timetz", "time with time zone cannot handle daylight saving; write timestamptz or time"),
        oids::MONEY => ("money", "money depends on lc_monetary and rounds; write numeric"),
        oids::BPCHAR => ("char", "char(n) pads with blanks and saves nothing; write text (with a CHECK on the length if one is meant)"),
        oids::JSON => ("json", "json keeps the text and re-parses it on every access; write jsonb"),
        oids::VARCHAR if ty.typmod >= 0 => ("varchar", "varchar(n) is no faster than text, and its limit is an application rule in the schema; write text, with a CHECK on the length if one is meant"),
        _ => return None,
    };
    Some((what, why.to_string()))
}

pub fn column_type(
    ctx: &mut Ctx,
    stmt: &Statement,
    table: &Table,
    col: &ColumnDef,
    ty: Option<&TypeInfo>,
) {
    let Some((what, why)) = discouraged(col, ty) else {
        return;
    };
    let c = quote::ident(&col.name);
    ctx.add(
        stmt,
        Report {
            rule: "discouraged_column_type",
            level: Level::Info,
            object_type: "table column",
            identity: format!("{}.{c}", table.identity()),
            discriminator: None,
            detail: format!("Column {c} of {}: {why}.", table.identity()),
            remediation: None,
            metadata: json!({"schema": table.schema, "table": table.name, "column": col.name, "type": what}),
        },
    );
}

/// A new table's primary key on an `integer` (or `smallint`, `serial`) column.
pub fn integer_key(ctx: &mut Ctx, stmt: &Statement, table: &Table, t: &CreateTable, key: &KeyDef) {
    if key.columns.len() != 1 {
        return;
    }
    let Some(col) = t.columns.iter().find(|c| c.name == key.columns[0]) else {
        return;
    };
    let fact = table.column(&col.name);
    let small = match col.ty.serial() {
        Some(int) => int != "bigint",
        None => fact.is_some_and(|f| matches!(f.ty.base, oids::INT4 | oids::INT2)),
    };
    if !small {
        return;
    }
    let c = quote::ident(&col.name);
    ctx.add(
        stmt,
        Report {
            rule: "integer_primary_key",
            level: Level::Info,
            object_type: "table column",
            identity: format!("{}.{c}", table.identity()),
            discriminator: None,
            detail: format!(
                "The primary key {c} of {} is a 32-bit integer: ids run out at 2,147,483,647, \
                 and changing the type later rewrites the table and every table that \
                 references it. Write bigint.",
                table.identity()
            ),
            remediation: None,
            metadata: json!({"schema": table.schema, "table": table.name, "column": col.name}),
        },
    );
}
