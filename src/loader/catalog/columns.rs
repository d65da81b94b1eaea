//! `pg_attribute`: the live columns of user tables, views and the like, with their
//! type's name, schema and category (looked up once per type, in the syscache).

use super::Catalog;
use database_advisor_core::snapshot::{Attribute, Oid, RelKind, Snapshot};
use pgrx::pg_sys;
use std::collections::HashMap;
use std::ffi::CStr;

/// Columns of the relations already in `snap` (see `relations`), those `wanted` says.
pub(in crate::loader) fn attributes(snap: &mut Snapshot, wanted: impl Fn(Oid, i16) -> bool) {
    let pg_attribute = Catalog::open(pg_sys::AttributeRelationId);
    let rel = pg_attribute.column("attrelid");
    let num = pg_attribute.column("attnum");
    let name = pg_attribute.column("attname");
    let type_oid = pg_attribute.column("atttypid");
    let dropped = pg_attribute.column("attisdropped");
    let collation = pg_attribute.column("attcollation");
    let mut types: HashMap<Oid, (String, char, String)> = HashMap::new();
    pg_attribute.scan(|t| {
        let attnum = t.i16(num);
        if attnum <= 0 {
            return;
        }
        let relid = t.oid(rel);
        let has_columns = snap.relations.get(&relid).is_some_and(|r| {
            matches!(
                r.kind,
                RelKind::Table
                    | RelKind::PartitionedTable
                    | RelKind::View
                    | RelKind::MaterializedView
                    | RelKind::ForeignTable
            )
        });
        if !has_columns || t.bool(dropped) || !wanted(relid, attnum) {
            return;
        }
        let (type_name, type_category, type_schema) = types
            .entry(t.oid(type_oid))
            .or_insert_with_key(|&oid| type_info(oid))
            .clone();
        snap.attributes.insert(
            (relid, attnum),
            Attribute {
                name: t.name(name),
                collation: t.oid(collation),
                type_name,
                type_category,
                type_schema,
            },
        );
    });
    pg_attribute.close();
}

/// A type's name, category and schema name (`?` when it vanished meanwhile).
fn type_info(oid: Oid) -> (String, char, String) {
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
        let name = CStr::from_ptr((*form).typname.data.as_ptr())
            .to_string_lossy()
            .into_owned();
        let category = ((*form).typcategory as u8) as char;
        let namespace = (*form).typnamespace;
        pg_sys::ReleaseSysCache(tuple);
        let schema = pg_sys::get_namespace_name(namespace);
        let schema = if schema.is_null() {
            "?".into()
        } else {
            CStr::from_ptr(schema).to_string_lossy().into_owned()
        };
        (name, category, schema)
    }
}
