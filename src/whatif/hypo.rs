//! A hypothetical index from its `CREATE INDEX` text: parsed by PostgreSQL's parser,
//! analysed like `DefineIndex` would (columns, expressions, operator classes, collations,
//! sort order, predicate), never created. Its size comes from the table's statistics.

use super::planner;
use crate::error::AdvisorError;
use database_advisor_core::quote;
use database_advisor_core::whatif::size::{self, BtreeShape, BtreeSize, ColumnWidth};
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgList;
use std::ffi::{CStr, CString};

unsafe extern "C-unwind" {
    // parser/parse_utilcmd.h (not in pgrx's bindings); the same signature in 13 to 18.
    // Called through pg_guard_ffi_boundary, which turns its ERRORs into Rust unwinding.
    fn transformIndexStmt(
        relid: pg_sys::Oid,
        stmt: *mut pg_sys::IndexStmt,
        query_string: *const std::ffi::c_char,
    ) -> *mut pg_sys::IndexStmt;
}

/// One hypothetical B-tree index, ready for the planner hook. Expressions and the
/// predicate are node trees over varno 1, in the memory of the calling function (a clone
/// shares them: the planner hook only copies them).
#[derive(Clone)]
pub struct Hypo {
    pub name: String,
    /// The definition as given.
    pub definition: String,
    pub table: pg_sys::Oid,
    pub table_identity: String,
    pub fake_oid: pg_sys::Oid,
    /// Key columns then INCLUDE columns: attnum, 0 for an expression.
    pub keys: Vec<i16>,
    pub nkeycolumns: usize,
    pub collations: Vec<pg_sys::Oid>,
    pub opfamilies: Vec<pg_sys::Oid>,
    pub opcintypes: Vec<pg_sys::Oid>,
    pub reverse_sort: Vec<bool>,
    pub nulls_first: Vec<bool>,
    pub unique: bool,
    pub exprs: *mut pg_sys::List,
    pub pred: *mut pg_sys::List,
    /// Rows the index would hold, and its estimated size.
    pub tuples: f64,
    pub size: BtreeSize,
}

fn user_error(code: PgSqlErrorCode, message: String, hint: &str) -> ! {
    AdvisorError::User {
        code,
        message,
        hint: hint.into(),
    }
    .raise()
}

pub(crate) fn cstr_opt(p: *const std::ffi::c_char) -> Option<String> {
    // SAFETY: a NUL-terminated string from a parse tree, or NULL
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// The qualified, quoted name of a relation.
pub fn rel_identity(relid: pg_sys::Oid) -> String {
    // SAFETY: syscache lookups of an existing relation
    unsafe {
        let ns = cstr_opt(pg_sys::get_namespace_name(pg_sys::get_rel_namespace(relid)));
        let name = cstr_opt(pg_sys::get_rel_name(relid));
        format!(
            "{}.{}",
            quote::ident(&ns.unwrap_or_default()),
            quote::ident(&name.unwrap_or_default())
        )
    }
}

/// Parse `definition` (one `CREATE INDEX` statement, argument `label`) into a hypothetical
/// index with OID `fake_oid`.
pub fn parse(definition: &str, label: &str, fake_oid: pg_sys::Oid) -> Hypo {
    let text = CString::new(definition).unwrap_or_else(|_| {
        user_error(
            PgSqlErrorCode::ERRCODE_CHARACTER_NOT_IN_REPERTOIRE,
            format!("{label} contains a NUL character"),
            "Pass each CREATE INDEX statement as plain text.",
        )
    });
    let statements = crate::parse::raw_statements(&text);
    let stmt = match statements.len() {
        1 => statements.get_ptr(0).expect("one statement"),
        n => user_error(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("{label} must be one CREATE INDEX statement, not {n}"),
            "Pass one CREATE INDEX statement per array element.",
        ),
    };
    // SAFETY: a RawStmt from raw_parser; its node is checked to be an IndexStmt
    unsafe {
        let node = (*stmt).stmt;
        if (*node).type_ != pg_sys::NodeTag::T_IndexStmt {
            user_error(
                PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                format!("{label} is not a CREATE INDEX statement: {definition}"),
                "Write it as you would run it, e.g. CREATE INDEX ON orders (customer_id).",
            );
        }
        build(node.cast(), &text, definition, label, fake_oid)
    }
}

unsafe fn build(
    stmt: *mut pg_sys::IndexStmt,
    text: &CStr,
    definition: &str,
    label: &str,
    fake_oid: pg_sys::Oid,
) -> Hypo {
    // SAFETY: stmt is a raw IndexStmt; every catalog call below raises a proper ERROR
    // (missing table 42P01, missing column 42703, no operator class 42704, ...)
    unsafe {
        let am = cstr_opt((*stmt).accessMethod).unwrap_or_else(|| "btree".into());
        if am != "btree" {
            user_error(
                PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!("{label}: hypothetical indexes are B-tree indexes, not {am}"),
                "Leave out USING, or write USING btree.",
            );
        }
        let relid = pg_sys::RangeVarGetRelidExtended(
            (*stmt).relation,
            pg_sys::AccessShareLock as i32,
            0,
            None,
            std::ptr::null_mut(),
        );
        let identity = rel_identity(relid);
        match pg_sys::get_rel_relkind(relid) as u8 {
            b'r' | b'm' => {}
            b'p' => user_error(
                PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!(
                    "{label}: {identity} is partitioned; hypothetical indexes go on its partitions"
                ),
                "Name a partition: the planner costs partitions one by one.",
            ),
            _ => user_error(
                PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
                format!("{label}: {identity} is not a table or materialized view"),
                "Index a table or a materialized view.",
            ),
        }
        if pg_sys::pg_class_aclcheck(relid, pg_sys::GetUserId(), pg_sys::ACL_SELECT as _)
            != pg_sys::AclResult::ACLCHECK_OK
        {
            user_error(
                PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                format!("permission denied for table {identity}"),
                "Planning with a hypothetical index needs SELECT on its table.",
            );
        }
        let stmt =
            pg_sys::ffi::pg_guard_ffi_boundary(|| transformIndexStmt(relid, stmt, text.as_ptr()));

        let mut hypo = Hypo {
            name: String::new(),
            definition: definition.trim().to_string(),
            table: relid,
            table_identity: identity,
            fake_oid,
            keys: Vec::new(),
            nkeycolumns: 0,
            collations: Vec::new(),
            opfamilies: Vec::new(),
            opcintypes: Vec::new(),
            reverse_sort: Vec::new(),
            nulls_first: Vec::new(),
            unique: (*stmt).unique,
            exprs: std::ptr::null_mut(),
            pred: std::ptr::null_mut(),
            tuples: 0.0,
            size: BtreeSize {
                pages: 0,
                height: 0,
            },
        };
        // rows: what the planner estimates for the table (and below, for the predicate)
        let table_rows =
            planner::estimated_rows(&format!("SELECT FROM ONLY {}", hypo.table_identity));
        let mut widths = Vec::new();
        let mut name_parts = Vec::new();
        let mut distinct = Some(1.0f64);
        let mut dedup = !(*stmt).unique;
        let mut exprs: *mut pg_sys::List = std::ptr::null_mut();

        let params = PgList::<pg_sys::IndexElem>::from_pg((*stmt).indexParams);
        for elem in params.iter_ptr() {
            let (attnum, typ, typmod, mut collation, width_from) =
                column_or_expression(relid, elem, label, &mut exprs);
            name_parts.push(column_label(elem));
            if !(*elem).collation.is_null() {
                if !pg_sys::type_is_collatable(typ) {
                    user_error(
                        PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
                        format!(
                            "{label}: collations are not supported by the type of column {}",
                            hypo.keys.len() + 1
                        ),
                        "Leave out COLLATE for this column.",
                    );
                }
                collation = pg_sys::get_collation_oid((*elem).collation, false);
            }
            let btree = CString::new("btree").expect("no NUL");
            let opclass =
                pg_sys::ResolveOpClass((*elem).opclass, typ, btree.as_ptr(), pg_sys::BTREE_AM_OID);
            let desc = (*elem).ordering == pg_sys::SortByDir::SORTBY_DESC;
            let nulls_first = match (*elem).nulls_ordering {
                pg_sys::SortByNulls::SORTBY_NULLS_FIRST => true,
                pg_sys::SortByNulls::SORTBY_NULLS_LAST => false,
                _ => desc,
            };
            hypo.keys.push(attnum);
            hypo.collations.push(collation);
            hypo.opfamilies.push(pg_sys::get_opclass_family(opclass));
            hypo.opcintypes
                .push(pg_sys::get_opclass_input_type(opclass));
            hypo.reverse_sort.push(desc);
            hypo.nulls_first.push(nulls_first);
            widths.push(width(relid, width_from, typ, typmod));
            dedup &= deduplicates(typ);
            distinct = match (distinct, column_distinct(relid, attnum, table_rows)) {
                (Some(d), Some(c)) => Some(d * c),
                _ => None,
            };
        }
        hypo.nkeycolumns = hypo.keys.len();
        let include = PgList::<pg_sys::IndexElem>::from_pg((*stmt).indexIncludingParams);
        for elem in include.iter_ptr() {
            let (attnum, typ, typmod, _, _) = column_or_expression(relid, elem, label, &mut exprs);
            if attnum == 0 {
                user_error(
                    PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                    format!("{label}: expressions are not supported in included columns"),
                    "INCLUDE plain columns only.",
                );
            }
            hypo.keys.push(attnum);
            widths.push(width(relid, attnum, typ, typmod));
            dedup = false;
        }
        if hypo.keys.len() > pg_sys::INDEX_MAX_KEYS as usize {
            user_error(
                PgSqlErrorCode::ERRCODE_TOO_MANY_COLUMNS,
                format!(
                    "{label}: cannot use more than {} columns in an index",
                    pg_sys::INDEX_MAX_KEYS
                ),
                "Index fewer columns.",
            );
        }
        if !exprs.is_null() {
            hypo.exprs = pg_sys::eval_const_expressions(std::ptr::null_mut(), exprs.cast()).cast();
            pg_sys::fix_opfuncids(hypo.exprs.cast());
        }
        let mut fillfactor = 90;
        for opt in PgList::<pg_sys::DefElem>::from_pg((*stmt).options).iter_ptr() {
            let option = cstr_opt((*opt).defname).unwrap_or_default();
            match option.as_str() {
                "fillfactor" => {
                    fillfactor = pg_sys::defGetInt32(opt);
                    if !(10..=100).contains(&fillfactor) {
                        user_error(
                            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                            format!("{label}: fillfactor must be between 10 and 100"),
                            "B-tree fillfactor is 10 to 100 (default 90).",
                        );
                    }
                }
                "deduplicate_items" => dedup &= pg_sys::defGetBoolean(opt),
                _ => user_error(
                    PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                    format!("{label}: storage parameter \"{option}\" is not supported here"),
                    "Hypothetical B-tree indexes take fillfactor and deduplicate_items.",
                ),
            }
        }
        let mut where_sql = None;
        if !(*stmt).whereClause.is_null() {
            let pred = (*stmt).whereClause;
            if pg_sys::contain_mutable_functions(pred) {
                user_error(
                    PgSqlErrorCode::ERRCODE_INVALID_OBJECT_DEFINITION,
                    format!("{label}: functions in index predicate must be marked IMMUTABLE"),
                    "Use only immutable functions and operators in WHERE.",
                );
            }
            let relname = CString::new(pg_sys_rel_name(relid)).expect("no NUL");
            let context = pg_sys::deparse_context_for(relname.as_ptr(), relid);
            where_sql = cstr_opt(pg_sys::deparse_expression(pred, context, false, false));
            let folded = pg_sys::eval_const_expressions(std::ptr::null_mut(), pred);
            let canonical = pg_sys::canonicalize_qual(folded.cast(), true);
            pg_sys::fix_opfuncids(canonical.cast());
            hypo.pred = pg_sys::make_ands_implicit(canonical);
        }
        hypo.name = match cstr_opt((*stmt).idxname) {
            Some(name) => name,
            None => format!("{}_{}_idx", pg_sys_rel_name(relid), name_parts.join("_")),
        };

        hypo.tuples = match &where_sql {
            Some(w) => planner::estimated_rows(&format!(
                "SELECT FROM ONLY {} WHERE {w}",
                hypo.table_identity
            )),
            None => table_rows,
        };
        // a partial index holds at most as many distinct keys as rows
        let distinct = distinct.map(|d| d.min(hypo.tuples));
        hypo.size = size::estimate(&BtreeShape {
            tuples: hypo.tuples,
            columns: widths,
            distinct: distinct.filter(|d| *d >= 1.0),
            deduplicate: dedup,
            fillfactor: fillfactor as u32,
            block_size: pg_sys::BLCKSZ,
        });
        hypo
    }
}

/// The part of a generated index name for one column, as PostgreSQL picks it: the
/// column's name, a function's name, else `expr`.
unsafe fn column_label(elem: *mut pg_sys::IndexElem) -> String {
    // SAFETY: a transformed IndexElem: a name, or an analysed expression
    unsafe {
        if let Some(name) = cstr_opt((*elem).name) {
            return name;
        }
        let expr = (*elem).expr;
        if !expr.is_null() && (*expr).type_ == pg_sys::NodeTag::T_FuncExpr {
            let func = (*expr.cast::<pg_sys::FuncExpr>()).funcid;
            if let Some(name) = cstr_opt(pg_sys::get_func_name(func)) {
                return name;
            }
        }
        "expr".into()
    }
}

fn pg_sys_rel_name(relid: pg_sys::Oid) -> String {
    // SAFETY: syscache lookup
    cstr_opt(unsafe { pg_sys::get_rel_name(relid) }).unwrap_or_default()
}

/// attnum (0 for an expression, which is appended to `exprs`), type, typmod, collation,
/// and the column whose statistics give the width: the column itself, or the one column of
/// an expression that keeps its type (`lower(email)` is about as wide as `email`).
unsafe fn column_or_expression(
    relid: pg_sys::Oid,
    elem: *mut pg_sys::IndexElem,
    label: &str,
    exprs: &mut *mut pg_sys::List,
) -> (i16, pg_sys::Oid, i32, pg_sys::Oid, i16) {
    // SAFETY: elem is a transformed IndexElem
    unsafe {
        if let Some(name) = cstr_opt((*elem).name) {
            let attnum = pg_sys::get_attnum(relid, (*elem).name);
            if attnum == pg_sys::InvalidAttrNumber as i16 {
                user_error(
                    PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
                    format!("{label}: column \"{name}\" does not exist in {}", rel_identity(relid)),
                    "Check the column's name (identifiers with capitals or spaces need double quotes).",
                );
            }
            if attnum < 0 {
                user_error(
                    PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                    format!("{label}: system column \"{name}\" cannot be indexed"),
                    "Index user columns.",
                );
            }
            let (mut typ, mut typmod, mut coll) = (pg_sys::InvalidOid, 0, pg_sys::InvalidOid);
            pg_sys::get_atttypetypmodcoll(relid, attnum, &mut typ, &mut typmod, &mut coll);
            return (attnum, typ, typmod, coll, attnum);
        }
        let mut expr = (*elem).expr;
        while (*expr).type_ == pg_sys::NodeTag::T_CollateExpr {
            expr = (*expr.cast::<pg_sys::CollateExpr>()).arg.cast();
        }
        if (*expr).type_ == pg_sys::NodeTag::T_Var {
            // "(col)" is the column itself
            let var = expr.cast::<pg_sys::Var>();
            let attnum = (*var).varattno;
            return (
                attnum,
                (*var).vartype,
                (*var).vartypmod,
                (*var).varcollid,
                attnum,
            );
        }
        if pg_sys::contain_mutable_functions(expr) {
            user_error(
                PgSqlErrorCode::ERRCODE_INVALID_OBJECT_DEFINITION,
                format!("{label}: functions in index expression must be marked IMMUTABLE"),
                "Index an expression of immutable functions only.",
            );
        }
        *exprs = pg_sys::lappend(*exprs, expr.cast());
        let typ = pg_sys::exprType(expr);
        let mut columns: *mut pg_sys::Bitmapset = std::ptr::null_mut();
        pg_sys::pull_varattnos(expr, 1, &mut columns);
        let mut width_from = 0;
        if pg_sys::bms_num_members(columns) == 1 {
            let attnum = (pg_sys::bms_next_member(columns, -1)
                + pg_sys::FirstLowInvalidHeapAttributeNumber) as i16;
            if attnum > 0 && pg_sys::get_atttype(relid, attnum) == typ {
                width_from = attnum;
            }
        }
        (
            0,
            typ,
            pg_sys::exprTypmod(expr),
            pg_sys::exprCollation(expr),
            width_from,
        )
    }
}

/// Average width and alignment of one index column (`attnum`: the column whose statistics
/// give the width, 0 for none).
unsafe fn width(relid: pg_sys::Oid, attnum: i16, typ: pg_sys::Oid, typmod: i32) -> ColumnWidth {
    // SAFETY: syscache lookups
    unsafe {
        let mut width = if attnum > 0 {
            pg_sys::get_attavgwidth(relid, attnum)
        } else {
            0
        };
        if width <= 0 {
            width = pg_sys::get_typavgwidth(typ, typmod);
        }
        let (mut len, mut byval, mut align) = (0i16, false, 0 as std::ffi::c_char);
        pg_sys::get_typlenbyvalalign(typ, &mut len, &mut byval, &mut align);
        // statistics count a varlena's header as stored (1 byte when short), as an index
        // tuple stores it; short varlenas are not aligned
        let align = if len == -1 {
            1
        } else {
            match align as u8 {
                b'd' => 8,
                b'i' => 4,
                b's' => 2,
                _ => 1,
            }
        };
        let width = f64::from(width);
        ColumnWidth { width, align }
    }
}

/// Equal keys of these types are merged into posting lists (their B-tree opclasses support
/// deduplication: compare by image).
fn deduplicates(typ: pg_sys::Oid) -> bool {
    [
        pg_sys::INT2OID,
        pg_sys::INT4OID,
        pg_sys::INT8OID,
        pg_sys::OIDOID,
        pg_sys::BOOLOID,
        pg_sys::CHAROID,
        pg_sys::DATEOID,
        pg_sys::TIMESTAMPOID,
        pg_sys::TIMESTAMPTZOID,
        pg_sys::TIMEOID,
        pg_sys::UUIDOID,
        pg_sys::TEXTOID,
        pg_sys::VARCHAROID,
        pg_sys::BPCHAROID,
    ]
    .contains(&typ)
}

/// Distinct values of a column from its statistics (`None`: no statistics, or an
/// expression).
pub(crate) unsafe fn column_distinct(relid: pg_sys::Oid, attnum: i16, rows: f64) -> Option<f64> {
    if attnum <= 0 {
        return None;
    }
    // SAFETY: a syscache lookup, released below; GETSTRUCT of a pg_statistic tuple
    unsafe {
        let tuple = pg_sys::SearchSysCache3(
            pg_sys::SysCacheIdentifier::STATRELATTINH as i32,
            pg_sys::Datum::from(relid),
            pg_sys::Datum::from(attnum),
            pg_sys::Datum::from(false),
        );
        if tuple.is_null() {
            return None;
        }
        let stats = pgrx::pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_statistic>(tuple);
        let stadistinct = f64::from((*stats).stadistinct);
        pg_sys::ReleaseSysCache(tuple);
        match stadistinct {
            d if d > 0.0 => Some(d),
            d if d < 0.0 => Some(-d * rows),
            _ => None,
        }
    }
}
