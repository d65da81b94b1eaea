//! `pg_attribute`: the live columns of user tables, views and the like, with their
//! type's name, schema and category (looked up once per type, in the syscache).

use super::Catalog;
use database_advisor_core::snapshot::fast_hash::{Map as HashMap, Set as HashSet};
use database_advisor_core::snapshot::{Attribute, Oid, RelKind, Snapshot};
use pgrx::pg_sys;
use std::ffi::CStr;
use std::sync::Arc;

/// Columns of the relations already in `snap` (see `relations`), those `wanted` says (room
/// reserved for `expected` of them); returns the indexes in `snap` with operator class
/// parameters (`attoptions` of an index column: its definition shows them).
pub(in crate::loader) fn attributes(
    snap: &mut Snapshot,
    wanted: impl Fn(Oid, i16) -> bool,
    expected: usize,
) -> HashSet<Oid> {
    snap.attributes.reserve(expected);
    let pg_attribute = Catalog::open(pg_sys::AttributeRelationId);
    let attoptions = pg_attribute.column("attoptions");
    let mut with_options = HashSet::default();
    let mut types: HashMap<Oid, (Arc<str>, char, Arc<str>)> = HashMap::default();
    pg_attribute.scan(|t| {
        let a: &pg_sys::FormData_pg_attribute = t.form();
        let (relid, attnum) = (u32::from(a.attrelid), a.attnum);
        if attnum <= 0 || a.attisdropped {
            return;
        }
        let Some(kind) = snap.relations.get(&relid).map(|r| r.kind) else {
            return;
        };
        if matches!(kind, RelKind::Index | RelKind::PartitionedIndex) {
            if !t.is_null(attoptions) {
                with_options.insert(relid);
            }
            return;
        }
        let has_columns = matches!(
            kind,
            RelKind::Table
                | RelKind::PartitionedTable
                | RelKind::View
                | RelKind::MaterializedView
                | RelKind::ForeignTable
        );
        if !has_columns || !wanted(relid, attnum) {
            return;
        }
        let (type_name, type_category, type_schema) = types
            .entry(u32::from(a.atttypid))
            .or_insert_with_key(|&oid| type_info(oid))
            .clone();
        snap.attributes.insert(
            (relid, attnum),
            Attribute {
                name: super::name(&a.attname),
                type_oid: u32::from(a.atttypid),
                collation: u32::from(a.attcollation),
                type_name,
                type_category,
                type_schema,
                not_null: a.attnotnull,
                typmod: a.atttypmod,
            },
        );
    });
    pg_attribute.close();
    with_options
}

/// A type's name, category and schema name (`?` when it vanished meanwhile).
fn type_info(oid: Oid) -> (Arc<str>, char, Arc<str>) {
    // SAFETY: a syscache lookup by OID; the tuple is released before returning and the
    // schema name is a palloc'd copy
    unsafe {
        let tuple = pg_sys::SearchSysCache1(
            pg_sys::SysCacheIdentifier::TYPEOID as _,
            pg_sys::Datum::from(oid),
        );
        if tuple.is_null() {
            return ("?".into(), '?', "?".into());
        }
        let form = pgrx::pg_sys::GETSTRUCT(tuple).cast::<pg_sys::FormData_pg_type>();
        let name: Arc<str> = super::name(&(*form).typname).into();
        let category = ((*form).typcategory as u8) as char;
        let namespace = (*form).typnamespace;
        pg_sys::ReleaseSysCache(tuple);
        let schema = pg_sys::get_namespace_name(namespace);
        let schema: Arc<str> = if schema.is_null() {
            "?".into()
        } else {
            CStr::from_ptr(schema).to_string_lossy().into()
        };
        (name, category, schema)
    }
}
