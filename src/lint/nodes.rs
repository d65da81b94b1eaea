//! Reading raw parse nodes: tags, strings, constants and lists, the same on every
//! supported major version (value nodes changed shape in PostgreSQL 15).

use pgrx::pg_sys;
use pgrx::PgList;
use std::ffi::CStr;

/// The node's tag (`T_Invalid` for NULL).
///
/// # Safety
/// `node` is NULL or points to a parse node.
pub unsafe fn tag(node: *const pg_sys::Node) -> pg_sys::NodeTag {
    if node.is_null() {
        pg_sys::NodeTag::T_Invalid
    } else {
        // SAFETY: every node starts with its tag
        unsafe { (*node).type_ }
    }
}

/// A C string as Rust text (`None` for NULL).
///
/// # Safety
/// `s` is NULL or a NUL-terminated string.
pub unsafe fn text(s: *const std::ffi::c_char) -> Option<String> {
    if s.is_null() {
        None
    } else {
        // SAFETY: per the contract
        Some(unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned())
    }
}

/// The elements of a `List` of nodes.
///
/// # Safety
/// `list` is NULL or a List of node pointers.
pub unsafe fn elements(list: *mut pg_sys::List) -> Vec<*mut pg_sys::Node> {
    // SAFETY: per the contract
    unsafe { PgList::<pg_sys::Node>::from_pg(list) }
        .iter_ptr()
        .collect()
}

/// The text of a `String` value node (an identifier part of a qualified name).
///
/// # Safety
/// `node` is NULL or a parse node.
pub unsafe fn string(node: *mut pg_sys::Node) -> Option<String> {
    // SAFETY: the tag says which struct it is
    unsafe {
        if tag(node) != pg_sys::NodeTag::T_String {
            return None;
        }
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        let s = (*(node as *mut pg_sys::Value)).val.str_;
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        let s = (*(node as *mut pg_sys::String)).sval;
        text(s)
    }
}

/// The strings of a List of `String` nodes (`schema.name`, a column list).
///
/// # Safety
/// `list` is NULL or a List of parse nodes.
pub unsafe fn strings(list: *mut pg_sys::List) -> Vec<String> {
    // SAFETY: per the contract
    unsafe {
        elements(list)
            .into_iter()
            .filter_map(|n| string(n))
            .collect()
    }
}

/// A constant (`A_Const`, or a bare value node) as the text the server would flatten it
/// to for `SET`: strings as they are, numbers as written.
///
/// # Safety
/// `node` is NULL or a parse node.
pub unsafe fn constant(node: *mut pg_sys::Node) -> Option<String> {
    // SAFETY: the tags say which structs they are
    unsafe {
        let value: *mut pg_sys::Node = match tag(node) {
            pg_sys::NodeTag::T_A_Const => {
                let c = node as *mut pg_sys::A_Const;
                #[cfg(any(feature = "pg13", feature = "pg14"))]
                {
                    &raw mut (*c).val as *mut pg_sys::Node
                }
                #[cfg(not(any(feature = "pg13", feature = "pg14")))]
                {
                    if (*c).isnull {
                        return None;
                    }
                    &raw mut (*c).val as *mut pg_sys::Node
                }
            }
            _ => node,
        };
        #[cfg(any(feature = "pg13", feature = "pg14"))]
        {
            let v = value as *mut pg_sys::Value;
            match tag(value) {
                pg_sys::NodeTag::T_Integer => Some((*v).val.ival.to_string()),
                pg_sys::NodeTag::T_String | pg_sys::NodeTag::T_Float => text((*v).val.str_),
                _ => None,
            }
        }
        #[cfg(not(any(feature = "pg13", feature = "pg14")))]
        {
            match tag(value) {
                pg_sys::NodeTag::T_Integer => {
                    Some((*(value as *mut pg_sys::Integer)).ival.to_string())
                }
                pg_sys::NodeTag::T_Float => text((*(value as *mut pg_sys::Float)).fval),
                pg_sys::NodeTag::T_String => text((*(value as *mut pg_sys::String)).sval),
                pg_sys::NodeTag::T_Boolean => {
                    Some((*(value as *mut pg_sys::Boolean)).boolval.to_string())
                }
                _ => None,
            }
        }
    }
}
