//! PostgreSQL's own parser (`raw_parser`): what a SQL text holds, statement by statement,
//! exactly as the server will read it. Parsing touches no catalog and runs no code.

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgList;
use std::ffi::{CStr, CString};

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

pub struct Token {
    pub code: i32,
    /// Byte offset in the text.
    pub start: usize,
}

/// Every token of `sql` (code and byte offset), or `None` if the scanner raises an ERROR
/// (an unterminated literal: the parser will say so).
pub fn tokens(sql: &str) -> Option<Vec<Token>> {
    let text = CString::new(sql).ok()?;
    PgTryBuilder::new(|| {
        // SAFETY: the scanner reads the NUL-terminated text with the server's own keyword
        // list; its state lives in `extra`, freed by scanner_finish
        unsafe {
            let mut extra: pg_sys::core_yy_extra_type = std::mem::zeroed();
            let scanner = pg_sys::scanner_init(
                text.as_ptr(),
                &mut extra,
                &raw const pg_sys::ScanKeywords,
                pg_sys::ScanKeywordTokens.as_ptr(),
            );
            let mut out = Vec::new();
            loop {
                let mut value: pg_sys::core_YYSTYPE = std::mem::zeroed();
                let mut location: i32 = 0;
                let code = pg_sys::core_yylex(&mut value, &mut location, scanner);
                if code == 0 {
                    break;
                }
                out.push(Token {
                    code,
                    start: location.max(0) as usize,
                });
            }
            pg_sys::scanner_finish(scanner);
            Some(out)
        }
    })
    .catch_others(|_| None)
    .execute()
}

/// The scanner's code for one token text.
pub fn code_of(text: &str) -> Option<i32> {
    tokens(text)?.first().map(|t| t.code)
}
