//! PostgreSQL's own parser (`raw_parser`): what a SQL text holds, statement by statement,
//! exactly as the server will read it. Parsing touches no catalog and runs no code.

use pgrx::pg_sys;
use pgrx::PgList;
use std::ffi::CString;

/// The node tag of each statement in `sql`, in order (`T_CreateStmt`, `T_AlterTableStmt`,
/// ...). A syntax error is raised as the server's own ERROR, with its position.
pub fn statement_kinds(sql: &str) -> Vec<String> {
    let Ok(text) = CString::new(sql) else {
        crate::error::AdvisorError::User {
            code: pgrx::PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
            message: "SQL text contains a zero byte".into(),
            hint: "Remove the NUL character.".into(),
        }
        .raise()
    };
    // SAFETY: raw_parser reads the NUL-terminated text and returns a List of RawStmt nodes
    // allocated in the current memory context (or raises an ERROR, which pgrx turns into a
    // Rust panic at this FFI boundary); we only read their tags.
    unsafe {
        let list = pg_sys::raw_parser(text.as_ptr(), pg_sys::RawParseMode::RAW_PARSE_DEFAULT);
        PgList::<pg_sys::RawStmt>::from_pg(list)
            .iter_ptr()
            .map(|raw| format!("{:?}", (*(*raw).stmt).type_))
            .collect()
    }
}
