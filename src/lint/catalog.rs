//! The linter's questions answered from the live catalog: read-only queries with every
//! value bound as a parameter, and the server's own type lookup. Nothing runs user code:
//! no expression is planned or evaluated (a domain's checks are counted in pg_constraint,
//! not loaded through the type cache, which would plan them).

use super::nodes::{elements, string};
use database_advisor_core::lint::catalog::{
    Catalog, ColumnFact, ConstraintFact, IndexFact, RelKind, Relation, TypeInfo, Volatility,
};
use database_advisor_core::lint::ir::{QualName, TypeRef};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::ffi::CString;

pub struct LiveCatalog<'a> {
    pub types: &'a [*mut pg_sys::TypeName],
}

fn query<R>(
    sql: &str,
    args: &[DatumWithOid],
    mut each: impl FnMut(&pgrx::spi::SpiHeapTupleData) -> R,
) -> Vec<R> {
    Spi::connect(|c| {
        let rows = c.select(sql, None, args)?;
        Ok::<_, pgrx::spi::SpiError>(rows.map(|r| each(&r)).collect())
    })
    .unwrap_or_else(|e| crate::error::AdvisorError::from(e).raise())
}

fn get<T: FromDatum + IntoDatum>(row: &pgrx::spi::SpiHeapTupleData, i: usize) -> Option<T> {
    row.get::<T>(i).ok().flatten()
}

// rows: the planner's estimate once ANALYZE or VACUUM has run, the statistics' count of
// live rows before that
const RELATION: &str = "
SELECT c.oid, c.relkind::text,
       CASE WHEN c.relkind = 'p' THEN
           (SELECT coalesce(sum(CASE WHEN l.reltuples > 0 THEN l.reltuples
                                      ELSE pg_catalog.pg_stat_get_live_tuples(l.oid) END), 0)::float8
            FROM pg_catalog.pg_partition_tree(c.oid) t JOIN pg_catalog.pg_class l ON l.oid = t.relid
            WHERE t.isleaf)
       ELSE (CASE WHEN c.reltuples > 0 THEN c.reltuples
                  ELSE pg_catalog.pg_stat_get_live_tuples(c.oid) END)::float8 END,
       CASE WHEN c.relkind = 'p' THEN
           (SELECT coalesce(sum(pg_catalog.pg_relation_size(t.relid)), 0)::int8
            FROM pg_catalog.pg_partition_tree(c.oid) t WHERE t.isleaf)
       ELSE pg_catalog.pg_relation_size(c.oid) END,
       (SELECT tn.nspname::text FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
        JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace WHERE i.indexrelid = c.oid),
       (SELECT t.relname::text FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class t ON t.oid = i.indrelid WHERE i.indexrelid = c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2";

const COLUMNS: &str = "
SELECT a.attname::text, a.atttypid, a.atttypmod, a.attnotnull,
       (SELECT max(s.null_frac)::float8 FROM pg_catalog.pg_stats s
        WHERE s.schemaname = $2 AND s.tablename = $3 AND s.attname = a.attname)
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

const INDEXES: &str = "
SELECT ic.relname::text, am.amname::text, i.indisvalid AND i.indisready AND i.indislive,
       i.indpred IS NOT NULL,
       ARRAY(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
             LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE k.n <= i.indnkeyatts ORDER BY k.n)
FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = $1";

// a check `CHECK ((col IS NOT NULL))`, as pg_get_constraintdef deparses it
const CONSTRAINTS: &str = "
SELECT c.conname::text, c.contype::text, c.convalidated,
       (SELECT a.attname::text FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = c.conrelid AND a.attnum = c.conkey[1] AND c.contype = 'c'
          AND pg_catalog.pg_get_constraintdef(c.oid)
              = 'CHECK ((' || pg_catalog.quote_ident(a.attname) || ' IS NOT NULL))')
FROM pg_catalog.pg_constraint c WHERE c.conrelid = $1";

const CHECKED_DOMAIN: &str = "
WITH RECURSIVE d(oid) AS (
    SELECT t.oid FROM pg_catalog.pg_type t WHERE t.oid = $1 AND t.typtype = 'd'
    UNION ALL
    SELECT t.typbasetype FROM pg_catalog.pg_type t JOIN d ON t.oid = d.oid
    WHERE t.typtype = 'd')
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c JOIN d ON c.contypid = d.oid)";

impl LiveCatalog<'_> {
    fn type_info(&self, oid: pg_sys::Oid, typmod: i32) -> TypeInfo {
        let mut base_typmod = typmod;
        // SAFETY: syscache lookups of a type that exists; format_type calls only the
        // typmodout functions of base types (which only a superuser can create)
        let (base, display) = unsafe {
            let base = pg_sys::getBaseTypeAndTypmod(oid, &mut base_typmod);
            let d = pg_sys::format_type_with_typemod(oid, typmod);
            let display = std::ffi::CStr::from_ptr(d).to_string_lossy().into_owned();
            pg_sys::pfree(d.cast());
            (base, display)
        };
        let checked_domain = base != oid
            && query(CHECKED_DOMAIN, &[oid.into()], |r| get::<bool>(r, 1))
                .first()
                .copied()
                .flatten()
                .unwrap_or(false);
        TypeInfo {
            oid: oid.to_u32(),
            typmod,
            display,
            base: base.to_u32(),
            base_typmod: if base == oid { typmod } else { base_typmod },
            checked_domain,
        }
    }

    /// The type `tn` names with `names` in place of its own (a qualified lookup).
    unsafe fn lookup(
        &self,
        tn: *mut pg_sys::TypeName,
        qualified: Option<(&str, &str)>,
    ) -> Option<TypeInfo> {
        // SAFETY: a copy of the parser's TypeName with a new name list; LookupTypeName
        // reads the catalogs (and the typmodin function of a base type)
        unsafe {
            let node = pg_sys::copyObjectImpl(tn.cast()) as *mut pg_sys::TypeName;
            if let Some((schema, name)) = qualified {
                let s = CString::new(schema).ok()?;
                let n = CString::new(name).ok()?;
                let mut list = pg_sys::lappend(
                    std::ptr::null_mut(),
                    pg_sys::makeString(pg_sys::pstrdup(s.as_ptr())).cast(),
                );
                list =
                    pg_sys::lappend(list, pg_sys::makeString(pg_sys::pstrdup(n.as_ptr())).cast());
                (*node).names = list;
            }
            let mut typmod: i32 = -1;
            let tuple = pg_sys::LookupTypeName(std::ptr::null_mut(), node, &mut typmod, true);
            if tuple.is_null() {
                return None;
            }
            let oid = pg_sys::typeTypeId(tuple);
            pg_sys::ReleaseSysCache(tuple);
            Some(self.type_info(oid, typmod))
        }
    }
}

impl Catalog for LiveCatalog<'_> {
    fn relation(&self, schema: &str, name: &str) -> Option<Relation> {
        let rel = query(RELATION, &[schema.into(), name.into()], |r| {
            (
                get::<pg_sys::Oid>(r, 1),
                get::<String>(r, 2).unwrap_or_default(),
                get::<f64>(r, 3).unwrap_or(0.0),
                get::<i64>(r, 4).unwrap_or(0),
                get::<String>(r, 5),
                get::<String>(r, 6),
            )
        })
        .pop()?;
        let (oid, relkind, rows, bytes, index_schema, index_table) = rel;
        let oid = oid?;
        let kind = match relkind.as_str() {
            "r" => RelKind::Table,
            "p" => RelKind::PartitionedTable,
            "i" | "I" => RelKind::Index,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            _ => RelKind::Other,
        };
        let columns = query(COLUMNS, &[oid.into(), schema.into(), name.into()], |r| {
            (
                get::<String>(r, 1).unwrap_or_default(),
                get::<pg_sys::Oid>(r, 2).unwrap_or(pg_sys::InvalidOid),
                get::<i32>(r, 3).unwrap_or(-1),
                get::<bool>(r, 4).unwrap_or(false),
                get::<f64>(r, 5),
            )
        })
        .into_iter()
        .map(|(name, ty, typmod, not_null, null_frac)| ColumnFact {
            name,
            ty: self.type_info(ty, typmod),
            not_null,
            null_frac,
        })
        .collect();
        let indexes = query(INDEXES, &[oid.into()], |r| IndexFact {
            name: get::<String>(r, 1).unwrap_or_default(),
            method: get::<String>(r, 2).unwrap_or_default(),
            usable: get::<bool>(r, 3).unwrap_or(false),
            partial: get::<bool>(r, 4).unwrap_or(false),
            keys: get::<Vec<Option<String>>>(r, 5).unwrap_or_default(),
        });
        let constraints = query(CONSTRAINTS, &[oid.into()], |r| ConstraintFact {
            name: get::<String>(r, 1).unwrap_or_default(),
            kind: get::<String>(r, 2)
                .and_then(|k| k.chars().next())
                .unwrap_or(' '),
            validated: get::<bool>(r, 3).unwrap_or(false),
            not_null_of: get::<String>(r, 4),
        });
        Some(Relation {
            schema: schema.to_string(),
            name: name.to_string(),
            kind,
            rows,
            bytes,
            columns,
            indexes,
            constraints,
            index_of: index_schema.zip(index_table),
        })
    }

    fn schema_exists(&self, schema: &str) -> bool {
        query(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)",
            &[schema.into()],
            |r| get::<bool>(r, 1),
        )
        .first()
        .copied()
        .flatten()
        .unwrap_or(false)
    }

    fn resolve_type(&self, path: &[String], ty: &TypeRef) -> Option<TypeInfo> {
        let tn = *self.types.get(ty.handle)?;
        if tn.is_null() {
            return None;
        }
        // SAFETY: `tn` is the parser's TypeName for this reference
        unsafe {
            let names: Vec<String> = elements((*tn).names)
                .into_iter()
                .filter_map(|n| string(n))
                .collect();
            match names.as_slice() {
                [name] if !(*tn).pct_type => path
                    .iter()
                    .find_map(|schema| self.lookup(tn, Some((schema, name)))),
                _ => self.lookup(tn, None),
            }
        }
    }

    fn volatility(&self, path: &[String], function: &QualName) -> Option<Volatility> {
        let schemas: Vec<String> = match &function.schema {
            Some(s) => vec![s.clone()],
            None => path.to_vec(),
        };
        let worst = query(
            "SELECT max(p.provolatile::text) FROM pg_catalog.pg_proc p
             JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname = $1 AND n.nspname = ANY ($2)",
            &[function.name.as_str().into(), schemas.into()],
            |r| get::<String>(r, 1),
        )
        .pop()
        .flatten()?;
        Some(match worst.as_str() {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        })
    }

    fn binary_coercible(&self, from: u32, to: u32) -> bool {
        // SAFETY: a pg_cast syscache lookup
        unsafe { pg_sys::IsBinaryCoercible(pg_sys::Oid::from(from), pg_sys::Oid::from(to)) }
    }
}
