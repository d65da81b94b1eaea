//! database_advisor: the checks a senior database architect would run, inside PostgreSQL.
//!
//! Layers (see README "Architecture"): `api` (SQL surface) → `loader` (one read-only
//! snapshot per run) → rules in `database_advisor_core` (pure Rust) → findings → outputs.

use pgrx::prelude::*;

pub(crate) mod api;
mod builtin;
mod error;
mod gucs;
mod lint;
mod loader;
mod parse;
mod subtransaction;
mod threads;
mod whatif;

::pgrx::pg_module_magic!(name, version);

/// The Rust side allocates and frees millions of small blocks a run (names, findings, their
/// texts): mimalloc does that in about half the time glibc's malloc takes, and gives freed
/// memory back to the system. PostgreSQL's own memory (palloc, its malloc) is untouched; a
/// block Rust allocates is only ever freed by Rust.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc keeps the pages a thread frees for a while (`purge_delay`, 1 s in its version 3)
/// before giving them back to the system. A run frees much as it goes (each rule's findings
/// once packed, what the rules made on the way): kept, those pages added 40-60 MB to the
/// peak resident memory of `advisor_findings` on 20,000 tables, and a backend kept 300-400 MB
/// after a run instead of ~160 (its kept table parts). The cost: a run that follows another
/// within the second touches its memory afresh (back to back, 9-20% slower). A server
/// started with `MIMALLOC_PURGE_DELAY` in its environment keeps that setting (what
/// mimalloc reads itself): the trade is the operator's to make.
fn return_freed_memory_at_once() {
    // `mi_option_purge_delay` in mimalloc.h (versions 2 and 3, the one libmimalloc-sys
    // builds); not in the crate's bindings for version 3
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets an option mimalloc reads at each purge; any thread, any time
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

#[allow(non_snake_case)]
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // pgrx attaches a captured Rust backtrace to the DETAIL of every ERROR raised through
    // Rust (panics, cancels) when RUST_BACKTRACE is set in the server's environment: build
    // paths and 60+ lines a user should never see. Turn capturing off for this process.
    // (_PG_init runs in the single-threaded backend or postmaster, before any capture.)
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    return_freed_memory_at_once();
    gucs::init();
    loader::register_cache_callbacks();
    whatif::hook::install();
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    // Server tests live in their own file; `#[pg_schema]` needs an inline module.
    include!("server_tests.rs");
    include!("server_tests_inert_sql.rs");
    include!("server_tests_whatif.rs");
    include!("server_tests_output.rs");
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec!["shared_preload_libraries = 'pg_stat_statements'"]
    }
}
