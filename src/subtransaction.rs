//! Running server code that may raise an ERROR, and getting the ERROR back as a value.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use std::panic::AssertUnwindSafe;

/// Run `f` in a subtransaction that is rolled back whatever happens; an ERROR inside comes
/// back as `Err` (the caller rethrows it or reports it).
pub fn in_subtransaction<T>(f: impl FnOnce() -> T) -> Result<T, Box<CaughtError>> {
    subtransaction(f, false)
}

/// Run `f` in a subtransaction whose work is kept (in the enclosing transaction) when it
/// succeeds and rolled back when it raises an ERROR, which comes back as `Err`.
pub fn in_subtransaction_kept<T>(f: impl FnOnce() -> T) -> Result<T, Box<CaughtError>> {
    subtransaction(f, true)
}

fn subtransaction<T>(f: impl FnOnce() -> T, keep: bool) -> Result<T, Box<CaughtError>> {
    // SAFETY: the PL/Python pattern: remember the memory context and resource owner, begin,
    // run, release or roll back, restore both.
    unsafe {
        let context = pg_sys::CurrentMemoryContext;
        let owner = pg_sys::CurrentResourceOwner;
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(context);
        let f = AssertUnwindSafe(f);
        let result = PgTryBuilder::new(move || Ok(f()))
            .catch_others(|e| Err(Box::new(e)))
            .catch_rust_panic(|e| Err(Box::new(e)))
            .execute();
        if keep && result.is_ok() {
            pg_sys::ReleaseCurrentSubTransaction();
        } else {
            pg_sys::RollbackAndReleaseCurrentSubTransaction();
        }
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}
