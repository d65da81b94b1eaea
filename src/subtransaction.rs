//! Running server code that may raise an ERROR, and getting the ERROR back as a value.

use pgrx::pg_sys;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::prelude::*;
use std::panic::AssertUnwindSafe;

/// Run `f` in a subtransaction that is rolled back whatever happens; an ERROR inside comes
/// back as `Err` (the caller rethrows it or reports it).
pub fn in_subtransaction<T>(f: impl FnOnce() -> T) -> Result<T, Box<CaughtError>> {
    // SAFETY: the PL/Python pattern: remember the memory context and resource owner, begin,
    // run, roll back, restore both.
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
        pg_sys::RollbackAndReleaseCurrentSubTransaction();
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
        result
    }
}
