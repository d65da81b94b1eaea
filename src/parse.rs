//! PostgreSQL's own parser (`raw_parser`): what a SQL text holds, statement by statement,
//! exactly as the server will read it. Parsing touches no catalog and runs no code.

use pgrx::pg_sys;
use pgrx::PgList;
use std::ffi::CStr;

/// The raw statements of a SQL text; a syntax error is raised as the server's own ERROR,
/// with its position.
pub fn raw_statements(text: &CStr) -> PgList<pg_sys::RawStmt> {
    // SAFETY: raw_parser reads the NUL-terminated text and returns a List of RawStmt nodes
    // allocated in the current memory context (or raises an ERROR, which pgrx turns into a
    // Rust panic at this FFI boundary).
    unsafe {
        #[cfg(feature = "pg13")]
        let list = pg_sys::raw_parser(text.as_ptr());
        #[cfg(not(feature = "pg13"))]
        let list = pg_sys::raw_parser(text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
        PgList::<pg_sys::RawStmt>::from_pg(list)
    }
}

/// The node tag of each statement in `sql`, in order (`T_CreateStmt`, `T_AlterTableStmt`,
/// ...): the server tests check generated SQL with it.
#[cfg(any(test, feature = "pg_test"))]
pub fn statement_kinds(sql: &str) -> Vec<String> {
    let text = std::ffi::CString::new(sql).expect("SQL text without a NUL byte");
    raw_statements(&text)
        .iter_ptr()
        // SAFETY: each element is a valid RawStmt with a statement node
        .map(|raw| unsafe { format!("{:?}", (*(*raw).stmt).type_) })
        .collect()
}
