//! What the linter asks the live database: relations by name, types, function volatility.
//! The extension answers from the catalogs; unit tests answer from a table of facts.

use super::ir::{QualName, TypeRef};

pub trait Catalog {
    /// The relation `schema.name` as it is now, or `None`.
    fn relation(&self, schema: &str, name: &str) -> Option<Relation>;
    fn schema_exists(&self, schema: &str) -> bool;
    /// The type `ty` names, resolved through `path` (schemas in order).
    fn resolve_type(&self, path: &[String], ty: &TypeRef) -> Option<TypeInfo>;
    /// The worst volatility among the functions `function` may name through `path`
    /// (`None` when no function has that name).
    fn volatility(&self, path: &[String], function: &QualName) -> Option<Volatility>;
    /// Whether a value of `from` is a value of `to` without conversion (pg_cast method `b`).
    fn binary_coercible(&self, from: u32, to: u32) -> bool;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelKind {
    Table,
    PartitionedTable,
    Index,
    View,
    MaterializedView,
    Other,
}

/// A relation of the live catalog with the facts the rules weigh.
#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    pub schema: String,
    pub name: String,
    pub kind: RelKind,
    /// Rows: `reltuples` once the table was analyzed or vacuumed, the statistics' live
    /// tuples before (summed over the leaves of a partitioned table).
    pub rows: f64,
    /// Bytes of the main fork (all partitions): what a scan or rewrite reads.
    pub bytes: i64,
    pub columns: Vec<ColumnFact>,
    pub indexes: Vec<IndexFact>,
    pub constraints: Vec<ConstraintFact>,
    /// For an index: its table.
    pub index_of: Option<(String, String)>,
}

impl Relation {
    /// Holds rows (or pages, when statistics say nothing yet).
    pub fn populated(&self) -> bool {
        self.rows >= 1.0 || self.bytes > 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnFact {
    pub name: String,
    pub ty: TypeInfo,
    pub not_null: bool,
    /// Fraction of NULLs in `pg_stats`, when the table was analyzed.
    pub null_frac: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexFact {
    pub name: String,
    /// Key columns in order (`None` for an expression), INCLUDE columns left out.
    pub keys: Vec<Option<String>>,
    pub method: String,
    /// Valid and ready.
    pub usable: bool,
    pub partial: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintFact {
    pub name: String,
    /// `pg_constraint.contype`
    pub kind: char,
    pub validated: bool,
    /// For `CHECK (col IS NOT NULL)`: the column.
    pub not_null_of: Option<String>,
}

/// A resolved type: the type itself and, for a domain, its base type.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeInfo {
    pub oid: u32,
    pub typmod: i32,
    /// As `format_type` writes it, e.g. `character varying(20)`.
    pub display: String,
    pub base: u32,
    pub base_typmod: i32,
    /// A domain with constraints (values are checked on conversion).
    pub checked_domain: bool,
}

impl TypeInfo {
    /// A type that is no domain.
    pub fn plain(oid: u32, typmod: i32, display: &str) -> Self {
        TypeInfo {
            oid,
            typmod,
            display: display.into(),
            base: oid,
            base_typmod: typmod,
            checked_domain: false,
        }
    }
}

pub mod oids {
    pub const BOOL: u32 = 16;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const MONEY: u32 = 790;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const VARBIT: u32 = 1562;
    pub const NUMERIC: u32 = 1700;
}

/// What `ALTER COLUMN ... TYPE` does to the rows, as `ATColumnChangeRequiresRewrite`
/// decides it (without a `USING` clause: that always rewrites).
pub fn type_change_rewrites(catalog: &dyn Catalog, old: &TypeInfo, new: &TypeInfo) -> bool {
    if new.checked_domain {
        return true; // every value is checked against the domain
    }
    let (from, from_mod) = (old.base, old.base_typmod.max(old.typmod));
    let (to, to_mod) = (new.base, new.base_typmod.max(new.typmod));
    if from == to {
        return !(to_mod < 0 || to_mod == from_mod || widens(to, from_mod, to_mod));
    }
    // a different type: free only when binary-coercible and no length coercion follows
    // (the relabeled value has no typmod, so a length check is never proven)
    !(catalog.binary_coercible(from, to) && to_mod < 0)
}

/// Whether a length coercion of `ty` from `from_mod` to `to_mod` keeps every value as it
/// is (the support functions of varchar, numeric, varbit and the time types).
fn widens(ty: u32, from_mod: i32, to_mod: i32) -> bool {
    if from_mod < 0 {
        return false;
    }
    match ty {
        oids::VARCHAR | oids::VARBIT => to_mod >= from_mod,
        oids::NUMERIC => {
            // typmod = ((precision << 16) | scale) + 4
            let (fp, fs) = ((from_mod - 4) >> 16, (from_mod - 4) & 0xffff);
            let (tp, ts) = ((to_mod - 4) >> 16, (to_mod - 4) & 0xffff);
            ts == fs && tp >= fp
        }
        oids::TIME | oids::TIMETZ | oids::TIMESTAMP | oids::TIMESTAMPTZ => to_mod >= from_mod,
        _ => false,
    }
}

/// Whether a type change can lose values the application wrote: a shorter length, a
/// smaller integer or float, fewer digits, a bounded type from an unbounded one.
pub fn type_change_narrows(old: &TypeInfo, new: &TypeInfo) -> bool {
    use oids::*;
    let (from, from_mod) = (old.base, old.base_typmod.max(old.typmod));
    let (to, to_mod) = (new.base, new.base_typmod.max(new.typmod));
    let rank = |t: u32| match t {
        INT2 => Some(1),
        INT4 => Some(2),
        INT8 => Some(3),
        NUMERIC => Some(4),
        _ => None,
    };
    let text_like = |t: u32| matches!(t, TEXT | VARCHAR | BPCHAR);
    if from == to {
        return to_mod >= 0 && (from_mod < 0 || to_mod < from_mod);
    }
    if let (Some(a), Some(b)) = (rank(from), rank(to)) {
        return b < a || (to == NUMERIC && to_mod >= 0);
    }
    if text_like(from) && text_like(to) {
        return to_mod >= 0 && (from_mod < 0 || to_mod < from_mod);
    }
    matches!(
        (from, to),
        (FLOAT8, FLOAT4) | (NUMERIC, FLOAT4 | FLOAT8) | (TIMESTAMPTZ | TIMESTAMP, 1082)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(oid: u32, typmod: i32, display: &str) -> TypeInfo {
        TypeInfo::plain(oid, typmod, display)
    }

    struct Casts;
    impl Catalog for Casts {
        fn relation(&self, _: &str, _: &str) -> Option<Relation> {
            None
        }
        fn schema_exists(&self, _: &str) -> bool {
            true
        }
        fn resolve_type(&self, _: &[String], _: &TypeRef) -> Option<TypeInfo> {
            None
        }
        fn volatility(&self, _: &[String], _: &QualName) -> Option<Volatility> {
            None
        }
        fn binary_coercible(&self, from: u32, to: u32) -> bool {
            matches!(
                (from, to),
                (oids::VARCHAR, oids::TEXT) | (oids::TEXT, oids::VARCHAR)
            )
        }
    }

    fn numeric(p: i32, s: i32) -> TypeInfo {
        ty(oids::NUMERIC, ((p << 16) | s) + 4, "numeric")
    }

    #[test]
    fn binary_coercible_changes_keep_the_rows() {
        let c = &Casts;
        let v = |n: i32| ty(oids::VARCHAR, n + 4, "varchar");
        assert!(!type_change_rewrites(c, &v(20), &v(50)));
        assert!(!type_change_rewrites(c, &v(20), &v(20)));
        assert!(type_change_rewrites(c, &v(50), &v(20)));
        assert!(!type_change_rewrites(
            c,
            &v(20),
            &ty(oids::TEXT, -1, "text")
        ));
        assert!(!type_change_rewrites(
            c,
            &v(20),
            &ty(oids::VARCHAR, -1, "varchar")
        ));
        assert!(type_change_rewrites(c, &ty(oids::TEXT, -1, "text"), &v(20)));
        assert!(type_change_rewrites(
            c,
            &ty(oids::INT4, -1, "integer"),
            &ty(oids::INT8, -1, "bigint")
        ));
        assert!(!type_change_rewrites(c, &numeric(10, 2), &numeric(12, 2)));
        assert!(type_change_rewrites(c, &numeric(10, 2), &numeric(12, 3)));
        assert!(!type_change_rewrites(
            c,
            &numeric(10, 2),
            &ty(oids::NUMERIC, -1, "numeric")
        ));
        let mut domain = v(50);
        domain.oid = 99999;
        domain.checked_domain = true;
        assert!(type_change_rewrites(c, &v(20), &domain));
        domain.checked_domain = false;
        assert!(!type_change_rewrites(c, &v(20), &domain));
    }

    #[test]
    fn narrowing() {
        let v = |n: i32| ty(oids::VARCHAR, n + 4, "varchar");
        assert!(type_change_narrows(&v(50), &v(20)));
        assert!(!type_change_narrows(&v(20), &v(50)));
        assert!(type_change_narrows(&ty(oids::TEXT, -1, "text"), &v(20)));
        assert!(!type_change_narrows(&v(20), &ty(oids::TEXT, -1, "text")));
        assert!(type_change_narrows(
            &ty(oids::INT8, -1, "bigint"),
            &ty(oids::INT4, -1, "integer")
        ));
        assert!(!type_change_narrows(
            &ty(oids::INT4, -1, "integer"),
            &ty(oids::INT8, -1, "bigint")
        ));
        assert!(type_change_narrows(&numeric(12, 2), &numeric(10, 2)));
        assert!(!type_change_narrows(&numeric(10, 2), &numeric(12, 2)));
    }
}
