//! What a SELECT of pg_stat_statements reads and filters on, from PostgreSQL's own parser
//! (`raw_parser`: no catalog is touched, nothing runs): the relations of its FROM list and
//! joins, and its key filters — columns compared with `=` to a parameter (`$1`), a
//! PL/pgSQL variable (`r.user_id`) or an expression of them. The workload rules relate
//! statements through them (an N+1 lookup's key and its driver's tables).

use database_advisor_core::snapshot::{QueryShape, RelationRef};
use pgrx::pg_sys;
use pgrx::PgList;
use std::ffi::{CStr, CString};

/// The shape of a one-statement SELECT text; `None` for anything else, or a text that does
/// not parse.
pub fn select_shape(text: &str) -> Option<QueryShape> {
    let c_text = CString::new(text).ok()?;
    pgrx::PgTryBuilder::new(|| shape_of(&c_text))
        .catch_others(|_| None)
        .execute()
}

fn shape_of(text: &CStr) -> Option<QueryShape> {
    let statements = crate::parse::raw_statements(text);
    if statements.len() != 1 {
        return None;
    }
    // SAFETY: the parser's nodes, read by their tags; lists through PgList
    unsafe {
        let stmt = (*statements.get_ptr(0)?).stmt;
        if stmt.is_null() || (*stmt).type_ != pg_sys::NodeTag::T_SelectStmt {
            return None;
        }
        let select = stmt as *mut pg_sys::SelectStmt;
        if (*select).op != pg_sys::SetOperation::SETOP_NONE {
            return None; // UNION and the like
        }
        let mut shape = QueryShape::default();
        for item in PgList::<pg_sys::Node>::from_pg((*select).fromClause).iter_ptr() {
            from_item(item, &mut shape.relations);
        }
        let mut keys = Vec::new();
        filters((*select).whereClause, &mut keys);
        // a column of a relation of the query on the other side is a join, not a key
        shape.keys = keys
            .into_iter()
            .filter_map(|(column, other)| {
                let other_is_ours = other.as_ref().is_some_and(|(q, _)| {
                    q.as_ref()
                        .is_none_or(|q| names_a_relation(&shape.relations, q))
                });
                (!other_is_ours).then_some(column)
            })
            .collect();
        Some(shape)
    }
}

fn names_a_relation(relations: &[RelationRef], qualifier: &str) -> bool {
    relations
        .iter()
        .any(|r| r.alias.as_deref().unwrap_or(&r.name) == qualifier)
}

/// The relations of one FROM item: a table, or both sides of a join.
unsafe fn from_item(node: *mut pg_sys::Node, out: &mut Vec<RelationRef>) {
    if node.is_null() {
        return;
    }
    match (*node).type_ {
        pg_sys::NodeTag::T_RangeVar => {
            let rv = node as *mut pg_sys::RangeVar;
            let alias = (*rv).alias;
            out.push(RelationRef {
                schema: c_string((*rv).schemaname),
                name: c_string((*rv).relname).unwrap_or_default(),
                alias: if alias.is_null() {
                    None
                } else {
                    c_string((*alias).aliasname)
                },
            });
        }
        pg_sys::NodeTag::T_JoinExpr => {
            let join = node as *mut pg_sys::JoinExpr;
            from_item((*join).larg, out);
            from_item((*join).rarg, out);
        }
        _ => {}
    }
}

/// A column on one side of `=` (qualifier, name), and the column on the other side if it
/// is one.
type Filter = ((Option<String>, String), Option<(Option<String>, String)>);

/// The `column = something` conditions of a WHERE clause, through ANDs.
unsafe fn filters(node: *mut pg_sys::Node, out: &mut Vec<Filter>) {
    if node.is_null() {
        return;
    }
    match (*node).type_ {
        pg_sys::NodeTag::T_BoolExpr => {
            let b = node as *mut pg_sys::BoolExpr;
            if (*b).boolop == pg_sys::BoolExprType::AND_EXPR {
                for arg in PgList::<pg_sys::Node>::from_pg((*b).args).iter_ptr() {
                    filters(arg, out);
                }
            }
        }
        pg_sys::NodeTag::T_A_Expr => {
            let e = node as *mut pg_sys::A_Expr;
            let is_eq = (*e).kind == pg_sys::A_Expr_Kind::AEXPR_OP
                && PgList::<pg_sys::Node>::from_pg((*e).name)
                    .iter_ptr()
                    .last()
                    .and_then(|n| string_value(n))
                    .as_deref()
                    == Some("=");
            if !is_eq {
                return;
            }
            let (l, r) = (column_ref((*e).lexpr), column_ref((*e).rexpr));
            if let Some(l) = &l {
                out.push((l.clone(), r.clone()));
            }
            if let Some(r) = r {
                out.push((r, l));
            }
        }
        _ => {}
    }
}

/// `qualifier.column` or `column` of a column reference.
unsafe fn column_ref(node: *mut pg_sys::Node) -> Option<(Option<String>, String)> {
    if node.is_null() || (*node).type_ != pg_sys::NodeTag::T_ColumnRef {
        return None;
    }
    let fields: Vec<Option<String>> =
        PgList::<pg_sys::Node>::from_pg((*(node as *mut pg_sys::ColumnRef)).fields)
            .iter_ptr()
            .map(|f| string_value(f))
            .collect();
    match fields.as_slice() {
        [Some(column)] => Some((None, column.clone())),
        [.., Some(qualifier), Some(column)] => Some((Some(qualifier.clone()), column.clone())),
        _ => None, // `t.*`
    }
}

/// The text of a String node (a `Value` before PostgreSQL 15).
unsafe fn string_value(node: *mut pg_sys::Node) -> Option<String> {
    if node.is_null() || (*node).type_ != pg_sys::NodeTag::T_String {
        return None;
    }
    #[cfg(any(feature = "pg13", feature = "pg14"))]
    let s = (*(node as *mut pg_sys::Value)).val.str_;
    #[cfg(not(any(feature = "pg13", feature = "pg14")))]
    let s = (*(node as *mut pg_sys::String)).sval;
    c_string(s)
}

unsafe fn c_string(s: *const std::os::raw::c_char) -> Option<String> {
    (!s.is_null()).then(|| CStr::from_ptr(s).to_string_lossy().into_owned())
}
