//! A policy's condition as `pg_get_expr(tree, table)` prints it, for plain expressions
//! without opening the table. `pg_get_expr` opens the table to name its columns, which in a
//! fresh backend builds its relation cache entry (~45 µs a table: 0.28 s of a run on 6,000
//! policies). An expression of [`node_tree::plain_expression`] names nothing but columns
//! of its own table, and its text does not depend on the indentation `pg_get_expr` asks for:
//! PostgreSQL's `deparse_expression` writes the same, given a range-table entry that
//! carries the column names itself (a VALUES entry: its names are not looked up). A server
//! test compares the two on many shapes of policy.

use database_advisor_core::snapshot::node_tree;
use pgrx::pg_sys;
use std::ffi::{CStr, CString};

/// The text of `tree`, an expression stored for `table` (named `table_name`), when it is a
/// plain expression and `column` names each column it reads; `None` otherwise (the caller
/// asks `pg_get_expr`).
pub(super) fn deparse(
    table_name: &str,
    tree: &str,
    column: impl Fn(i16) -> Option<String>,
) -> Option<String> {
    if !node_tree::plain_expression(tree) {
        return None;
    }
    let read = node_tree::own_columns(tree);
    let last = read.last().copied().unwrap_or(0);
    // the names by attnum; "" (a dropped column to the deparser) for those it does not read
    let mut names = Vec::with_capacity(last as usize);
    for attnum in 1..=last {
        let name = if read.contains(&attnum) {
            column(attnum)?
        } else {
            String::new()
        };
        names.push(CString::new(name).ok()?);
    }
    let alias = CString::new(table_name).ok()?;
    let tree = CString::new(tree).ok()?;
    // SAFETY: nodes made in the current memory context as the parser makes them (makeNode:
    // zeroed, tagged); the strings are copied by makeString's callers' pstrdup; stringToNode
    // reads a tree the server wrote; deparse_expression returns a palloc'd C string.
    unsafe {
        let mut colnames: *mut pg_sys::List = std::ptr::null_mut();
        for name in &names {
            let copy = pg_sys::pstrdup(name.as_ptr());
            colnames = pg_sys::lappend(colnames, pg_sys::makeString(copy).cast());
        }
        let rte = pg_sys::palloc0(std::mem::size_of::<pg_sys::RangeTblEntry>())
            .cast::<pg_sys::RangeTblEntry>();
        (*rte).type_ = pg_sys::NodeTag::T_RangeTblEntry;
        (*rte).rtekind = pg_sys::RTEKind::RTE_VALUES;
        (*rte).alias = pg_sys::makeAlias(alias.as_ptr(), std::ptr::null_mut());
        (*rte).eref = pg_sys::makeAlias(alias.as_ptr(), colnames);
        let plan = pg_sys::palloc0(std::mem::size_of::<pg_sys::PlannedStmt>())
            .cast::<pg_sys::PlannedStmt>();
        (*plan).type_ = pg_sys::NodeTag::T_PlannedStmt;
        (*plan).rtable = pg_sys::lappend(std::ptr::null_mut(), rte.cast());
        let names = pg_sys::lappend(std::ptr::null_mut(), pg_sys::pstrdup(alias.as_ptr()).cast());
        let context = pg_sys::deparse_context_for_plan_tree(plan, names);
        let expr = pg_sys::stringToNode(tree.as_ptr());
        let text = pg_sys::deparse_expression(expr.cast(), context, false, false);
        Some(database_advisor_core::quote::printable_sql(
            &CStr::from_ptr(text).to_string_lossy(),
        ))
    }
}

/// The name of column `attnum` of `table` from the catalog cache (`None`: no such column).
pub(super) fn attribute_name(table: u32, attnum: i16) -> Option<String> {
    // SAFETY: a syscache lookup; missing_ok, so NULL rather than an ERROR when absent
    unsafe {
        let name = pg_sys::get_attname(pg_sys::Oid::from_u32(table), attnum, true);
        (!name.is_null()).then(|| CStr::from_ptr(name).to_string_lossy().into_owned())
    }
}
