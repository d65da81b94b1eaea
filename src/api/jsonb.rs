//! A finding's metadata straight into a `jsonb` datum: the core's writer of jsonb's binary
//! format (`database_advisor_core::output::jsonb`), no JSON text made by serde and parsed
//! again by `jsonb_in`, no FFI call per key (~3 µs a finding, a quarter of
//! `advisor_findings` on large catalogs). A server test compares its bytes with
//! `jsonb_in`'s.

pub use database_advisor_core::output::jsonb::Builder;

/// The jsonb datum of `value`, palloc'd in the current memory context (for tests: rows
/// take [`Builder::encode`]).
#[cfg(any(test, feature = "pg_test"))]
pub fn datum(builder: &mut Builder, value: &serde_json::Value) -> pgrx::pg_sys::Datum {
    let body = builder.encode(value);
    let size = 4 + body.len();
    // SAFETY: a palloc'd copy with its varlena header set
    unsafe {
        let out = pgrx::pg_sys::palloc(size).cast::<u8>();
        std::ptr::copy_nonoverlapping(body.as_ptr(), out.add(4), body.len());
        pgrx::varlena::set_varsize_4b(out.cast(), size as i32);
        pgrx::pg_sys::Datum::from(out)
    }
}
