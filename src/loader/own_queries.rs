//! The loader's own statements, known by the queryid PostgreSQL computes for the exact
//! texts it runs, so the workload rules leave them out. Not by a comment in the text: a
//! user could copy a comment into any statement to hide it from the advisors.

use pgrx::pg_sys;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::CString;

thread_local! {
    /// Every text the loader ran in this backend, with its queryid once computed.
    static OWN: RefCell<HashMap<String, Option<i64>>> = RefCell::new(HashMap::new());
}

/// Note a text the loader runs (cheap: its queryid is computed only when needed).
pub fn remember(text: &str) {
    OWN.with(|own| {
        own.borrow_mut().entry(text.to_string()).or_insert(None);
    });
}

/// The queryids of every text remembered in this backend (computed once per text).
pub fn ids() -> HashSet<i64> {
    OWN.with(|own| {
        let mut own = own.borrow_mut();
        for (text, id) in own.iter_mut() {
            if id.is_none() {
                *id = Some(query_id(text));
            }
        }
        own.values()
            .flatten()
            .copied()
            .filter(|&id| id != 0)
            .collect()
    })
}

/// The queryid of a one-statement text as pg_stat_statements records it (0 when query
/// ids are not computed). Parse analysis only: nothing is planned or run.
fn query_id(text: &str) -> i64 {
    let Ok(c_text) = CString::new(text) else {
        return 0;
    };
    let Some(raw) = crate::parse::raw_statements(&c_text).get_ptr(0) else {
        return 0;
    };
    // SAFETY: parse analysis of a RawStmt of this text, allocating in the current memory
    // context; an ERROR becomes a Rust panic at this FFI boundary.
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        let query = pg_sys::parse_analyze(
            raw,
            c_text.as_ptr(),
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        );
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        let query = pg_sys::parse_analyze_fixedparams(
            raw,
            c_text.as_ptr(),
            std::ptr::null(),
            0,
            std::ptr::null_mut(),
        );
        (*query).queryId as i64
    }
}
