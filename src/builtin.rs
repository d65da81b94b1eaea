//! Built-in SQL functions called directly: looked up once by OID (built-in function OIDs
//! never change between major versions, and no name is resolved) and called without a
//! query.

use pgrx::pg_sys;
use std::ffi::CStr;

pub struct Builtin(pg_sys::FmgrInfo);

impl Builtin {
    pub const INDEXDEF_COLUMN: u32 = 2507; // pg_get_indexdef(oid, int4, bool)
    pub const EXPR: u32 = 2509; // pg_get_expr(pg_node_tree, oid, bool)

    pub fn new(function: u32) -> Builtin {
        // SAFETY: fmgr_info fills the whole struct (an unknown OID is an ERROR)
        unsafe {
            let mut finfo = std::mem::MaybeUninit::<pg_sys::FmgrInfo>::zeroed();
            pg_sys::fmgr_info(pg_sys::Oid::from_u32(function), finfo.as_mut_ptr());
            Builtin(finfo.assume_init())
        }
    }

    /// Call a strict function of three arguments.
    ///
    /// # Safety
    /// The arguments are of the function's argument types.
    pub unsafe fn call3(&mut self, args: [pg_sys::Datum; 3]) -> pg_sys::Datum {
        // SAFETY: (caller) the arguments' types; an ERROR (or a NULL result) is raised
        unsafe {
            pg_sys::FunctionCall3Coll(&mut self.0, pg_sys::InvalidOid, args[0], args[1], args[2])
        }
    }

    /// The text result of a three-argument deparser, as the rules paste it into SQL.
    ///
    /// # Safety
    /// The arguments are of the function's argument types and it returns text.
    pub unsafe fn text_of(&mut self, args: [pg_sys::Datum; 3]) -> String {
        // SAFETY: (caller) a function returning text
        unsafe {
            let s = pg_sys::text_to_cstring(self.call3(args).cast_mut_ptr());
            database_advisor_core::quote::printable_sql(&CStr::from_ptr(s).to_string_lossy())
        }
    }
}
