//! The loader's own statements, known by the queryid PostgreSQL computes for the exact
//! texts it runs, so the workload rules leave them out. Not by a comment in the text: a
//! user could copy a comment into any statement to hide it from the advisors.

use pgrx::pg_sys;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ffi::CString;

/// A text the loader ran: the types of its parameters, and its queryid once computed.
type Known = (Vec<pg_sys::Oid>, Option<i64>);

thread_local! {
    /// Every text the loader ran in this backend.
    static OWN: RefCell<HashMap<String, Known>> = RefCell::new(HashMap::new());
}

/// Note a text the loader runs with parameters of these types (cheap: its queryid is
/// computed only when needed; the types make it the queryid of the statement as run).
pub fn remember(text: &str, param_types: &[pg_sys::Oid]) {
    OWN.with(|own| {
        own.borrow_mut()
            .entry(text.to_string())
            .or_insert_with(|| (param_types.to_vec(), None));
    });
}

/// The queryids of every text remembered in this backend (computed once per text).
pub fn ids() -> HashSet<i64> {
    OWN.with(|own| {
        let mut own = own.borrow_mut();
        for (text, (types, id)) in own.iter_mut() {
            if id.is_none() {
                *id = Some(query_id(text, types));
            }
        }
        own.values()
            .filter_map(|(_, id)| *id)
            .filter(|&id| id != 0)
            .collect()
    })
}

/// The queryid of a one-statement text as pg_stat_statements records it (0 when query
/// ids are not computed, or the text does not analyze). Parse analysis only: nothing is
/// planned or run.
fn query_id(text: &str, param_types: &[pg_sys::Oid]) -> i64 {
    let Ok(c_text) = CString::new(text) else {
        return 0;
    };
    // a text that no longer analyzes (say, an object it names was dropped) is not worth
    // failing the run for: it just is not recognised
    pgrx::PgTryBuilder::new(|| analyzed_query_id(&c_text, param_types))
        .catch_others(|_| 0)
        .execute()
}

fn analyzed_query_id(c_text: &CString, param_types: &[pg_sys::Oid]) -> i64 {
    let Some(raw) = crate::parse::raw_statements(c_text).get_ptr(0) else {
        return 0;
    };
    let n = param_types.len() as i32;
    // SAFETY: parse analysis of a RawStmt of this text, with the parameter types it is run
    // with, allocating in the current memory context; an ERROR becomes a Rust panic at this
    // FFI boundary (caught above).
    unsafe {
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        let query = pg_sys::parse_analyze(
            raw,
            c_text.as_ptr(),
            param_types.as_ptr() as *mut pg_sys::Oid,
            n,
            std::ptr::null_mut(),
        );
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        let query = pg_sys::parse_analyze_fixedparams(
            raw,
            c_text.as_ptr(),
            param_types.as_ptr(),
            n,
            std::ptr::null_mut(),
        );
        (*query).queryId as i64
    }
}
