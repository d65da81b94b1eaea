//! What a statement asks of each table, read from the planner while it plans the
//! statement (a `set_rel_pathlist_hook`, active like the relation hook only for our own
//! planning): the restriction clauses after views are expanded, subqueries pulled up and
//! equalities propagated, the join equivalences, and the sort order the statement wants.
//! Only what a default B-tree operator class can serve becomes a key.

use super::hypo::{cstr_opt, rel_identity};
use database_advisor_core::quote;
use database_advisor_core::whatif::candidates::{Key, TableUse};
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::PgList;
use std::cell::{Cell, RefCell};
use std::ffi::CString;

/// Below this selectivity, `column = constant` is a candidate for a partial index.
const RARE: f64 = 0.05;

static mut PREVIOUS: pg_sys::set_rel_pathlist_hook_type = None;

thread_local! {
    static COLLECTING: Cell<*const pg_sys::Query> = const { Cell::new(std::ptr::null()) };
    static USES: RefCell<Vec<(pg_sys::Oid, TableUse)>> = const { RefCell::new(Vec::new()) };
}

pub fn install() {
    // SAFETY: from _PG_init, once, before any planning
    unsafe {
        PREVIOUS = pg_sys::set_rel_pathlist_hook;
        pg_sys::set_rel_pathlist_hook = Some(rel_pathlist);
    }
}

struct Collecting;

impl Drop for Collecting {
    fn drop(&mut self) {
        COLLECTING.with(|c| c.set(std::ptr::null()));
    }
}

/// Run `plan` (which plans `query`) and return how it used each table.
pub fn collect<R>(
    query: *mut pg_sys::Query,
    plan: impl FnOnce() -> R,
) -> (R, Vec<(pg_sys::Oid, TableUse)>) {
    USES.with(|u| u.borrow_mut().clear());
    COLLECTING.with(|c| c.set(query.cast_const()));
    let result = {
        let _collecting = Collecting;
        plan()
    };
    (result, USES.with(|u| std::mem::take(&mut *u.borrow_mut())))
}

#[pg_guard]
unsafe extern "C-unwind" fn rel_pathlist(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    rti: pg_sys::Index,
    rte: *mut pg_sys::RangeTblEntry,
) {
    // SAFETY: called by the planner with valid pointers, previous hook first
    unsafe {
        if let Some(previous) = PREVIOUS {
            previous(root, rel, rti, rte);
        }
        let query = COLLECTING.with(|c| c.get());
        if query.is_null() {
            return;
        }
        let mut top = root;
        while !(*top).parent_root.is_null() {
            top = (*top).parent_root;
        }
        if (*top).parse.cast_const() != query
            || (*rte).rtekind != pg_sys::RTEKind::RTE_RELATION
            || (*rte).inh
            || (*rel).reloptkind != pg_sys::RelOptKind::RELOPT_BASEREL
            || !matches!((*rte).relkind as u8, b'r' | b'm')
            || pg_sys::get_rel_relispartition((*rte).relid)
            || !user_schema(pg_sys::get_rel_namespace((*rte).relid))
        {
            return;
        }
        let relid = (*rte).relid;
        let table_use = table_use(root, rel, rti as i32, relid);
        USES.with(|u| {
            let mut uses = u.borrow_mut();
            match uses.iter_mut().find(|(oid, _)| *oid == relid) {
                // the same table twice in one statement: what either scan asks
                Some((_, existing)) => merge(existing, table_use),
                None => uses.push((relid, table_use)),
            }
        });
    }
}

/// Not a system schema (the catalogs, information_schema, TOAST, temporary schemas).
unsafe fn user_schema(namespace: pg_sys::Oid) -> bool {
    // SAFETY: a syscache lookup
    let name = cstr(unsafe { pg_sys::get_namespace_name(namespace) });
    !(name == "pg_catalog"
        || name == "information_schema"
        || name.starts_with("pg_toast")
        || name.starts_with("pg_temp_"))
}

fn merge(into: &mut TableUse, more: TableUse) {
    into.equality.extend(more.equality);
    into.range.extend(more.range);
    into.joins.extend(more.joins);
    if into.order.is_empty() {
        into.order = more.order;
    }
    for c in more.needed {
        if !into.needed.contains(&c) {
            into.needed.push(c);
        }
    }
    into.rare.extend(more.rare);
}

/// A server string, `""` for NULL.
fn cstr(p: *const std::ffi::c_char) -> String {
    cstr_opt(p).unwrap_or_default()
}

/// The expression (over varno `rti`) as SQL over the bare table.
unsafe fn deparse(node: *mut pg_sys::Node, rti: i32, relid: pg_sys::Oid) -> String {
    // SAFETY: a copy is renumbered to varno 1 and deparsed in the table's own context
    unsafe {
        let copy = pg_sys::copyObjectImpl(node.cast()).cast::<pg_sys::Node>();
        if rti != 1 {
            pg_sys::ChangeVarNodes(copy, rti, 1, 0);
        }
        let name = CString::new(cstr(pg_sys::get_rel_name(relid))).unwrap_or_default();
        let context = pg_sys::deparse_context_for(name.as_ptr(), relid);
        quote::printable_sql(&cstr(pg_sys::deparse_expression(
            copy, context, false, false,
        )))
    }
}

/// The key a B-tree index could have for `expr` (a column, or an immutable expression of
/// this table's columns), if its type has a default B-tree operator class; with that
/// class's operator family.
unsafe fn key_of(
    expr: *mut pg_sys::Node,
    rti: i32,
    relid: pg_sys::Oid,
) -> Option<(Key, pg_sys::Oid)> {
    // SAFETY: expr is a planner expression tree
    unsafe {
        let mut e = expr;
        while (*e).type_ == pg_sys::NodeTag::T_RelabelType {
            e = (*e.cast::<pg_sys::RelabelType>()).arg.cast();
        }
        if !pg_sys::contain_var_clause(e) || pg_sys::contain_mutable_functions(e) || !inert(e) {
            return None;
        }
        let typ = pg_sys::exprType(e);
        let opclass = pg_sys::GetDefaultOpClass(typ, pg_sys::BTREE_AM_OID);
        if opclass == pg_sys::InvalidOid {
            return None;
        }
        let family = pg_sys::get_opclass_family(opclass);
        if (*e).type_ == pg_sys::NodeTag::T_Var {
            let var = e.cast::<pg_sys::Var>();
            // (varno is an Index before PostgreSQL 16, an int since)
            #[allow(clippy::unnecessary_cast)]
            let varno = (*var).varno as i32;
            if varno != rti || (*var).varattno <= 0 || (*var).varlevelsup != 0 {
                return None;
            }
            let name = cstr(pg_sys::get_attname(relid, (*var).varattno, true));
            return Some((Key::Column(name), family));
        }
        Some((Key::Expression(deparse(e, rti, relid)), family))
    }
}

/// An expression that can become an index key the caller's parser reads back and the
/// planner may evaluate with the caller's rights: no parameter, and only built-in
/// (pg_catalog) functions and operators: a statement's author cannot plant code in it.
unsafe fn inert(node: *mut pg_sys::Node) -> bool {
    #[pg_guard]
    unsafe extern "C-unwind" fn not_builtin(
        func: pg_sys::Oid,
        _context: *mut std::ffi::c_void,
    ) -> bool {
        // SAFETY: a syscache lookup
        unsafe {
            pg_sys::get_func_namespace(func) != pg_sys::Oid::from(pg_sys::PG_CATALOG_NAMESPACE)
        }
    }
    #[pg_guard]
    unsafe extern "C-unwind" fn walker(
        node: *mut pg_sys::Node,
        context: *mut std::ffi::c_void,
    ) -> bool {
        // SAFETY: the planner's expression tree, walked by PostgreSQL's own walker
        unsafe {
            if node.is_null() {
                return false;
            }
            // no parameter, and nothing an index expression cannot hold: subqueries,
            // aggregates, window functions
            if matches!(
                (*node).type_,
                pg_sys::NodeTag::T_Param
                    | pg_sys::NodeTag::T_SubPlan
                    | pg_sys::NodeTag::T_AlternativeSubPlan
                    | pg_sys::NodeTag::T_SubLink
                    | pg_sys::NodeTag::T_Aggref
                    | pg_sys::NodeTag::T_WindowFunc
                    | pg_sys::NodeTag::T_GroupingFunc
                    | pg_sys::NodeTag::T_PlaceHolderVar
            ) || pg_sys::check_functions_in_node(node, Some(not_builtin), context)
            {
                return true;
            }
            pg_sys::expression_tree_walker(node, Some(walker), context)
        }
    }
    // SAFETY: as above
    unsafe { !walker(node, std::ptr::null_mut()) }
}

/// A column of few distinct values (a status, a kind: at most 1,000 and 1 % of the rows),
/// where a rare value is worth a partial index; not a key, where `id = 42` is one row.
unsafe fn few_values(key: &Key, relid: pg_sys::Oid, rows: f64) -> bool {
    let Key::Column(name) = key else {
        return false;
    };
    let Ok(name) = CString::new(name.as_str()) else {
        return false;
    };
    // SAFETY: syscache lookups
    unsafe {
        let attnum = pg_sys::get_attnum(relid, name.as_ptr());
        super::hypo::column_distinct(relid, attnum, rows)
            .is_some_and(|d| d <= 1000.0 && d <= 0.01 * rows)
    }
}

/// A value fixed for the scan: no column of any table, nothing volatile.
unsafe fn pseudo_constant(node: *mut pg_sys::Node) -> bool {
    // SAFETY: a planner expression tree
    unsafe { !pg_sys::contain_var_clause(node) && !pg_sys::contain_volatile_functions(node) }
}

unsafe fn table_use(
    root: *mut pg_sys::PlannerInfo,
    rel: *mut pg_sys::RelOptInfo,
    rti: i32,
    relid: pg_sys::Oid,
) -> TableUse {
    // SAFETY: the planner's structures for one base relation, read only
    unsafe {
        let mut u = TableUse {
            table: rel_identity(relid),
            ..TableUse::default()
        };
        for ri in PgList::<pg_sys::RestrictInfo>::from_pg((*rel).baserestrictinfo).iter_ptr() {
            let clause = (*ri).clause.cast::<pg_sys::Node>();
            let selectivity = if (*ri).norm_selec >= 0.0 {
                (*ri).norm_selec
            } else {
                0.1
            };
            let (opno, args, is_in) = match (*clause).type_ {
                pg_sys::NodeTag::T_OpExpr => {
                    let op = clause.cast::<pg_sys::OpExpr>();
                    ((*op).opno, (*op).args, false)
                }
                pg_sys::NodeTag::T_ScalarArrayOpExpr => {
                    let op = clause.cast::<pg_sys::ScalarArrayOpExpr>();
                    if !(*op).useOr {
                        continue;
                    }
                    ((*op).opno, (*op).args, true)
                }
                _ => continue,
            };
            let args = PgList::<pg_sys::Node>::from_pg(args);
            if args.len() != 2 {
                continue;
            }
            let (left, right) = (args.get_ptr(0).expect("two"), args.get_ptr(1).expect("two"));
            // key op value, or value op key (then the commutator applies)
            let (key_side, value, opno) = if pseudo_constant(right) {
                (left, right, opno)
            } else if !is_in && pseudo_constant(left) {
                (right, left, pg_sys::get_commutator(opno))
            } else {
                continue;
            };
            let Some((key, family)) = key_of(key_side, rti, relid) else {
                continue;
            };
            match pg_sys::get_op_opfamily_strategy(opno, family) {
                3 => {
                    let constant = (*value).type_ == pg_sys::NodeTag::T_Const;
                    if constant
                        && !is_in
                        && selectivity < RARE
                        && few_values(&key, relid, (*rel).tuples)
                        && inert(clause)
                    {
                        u.rare.push((deparse(clause, rti, relid), selectivity));
                    }
                    u.equality.push((key, selectivity));
                }
                1 | 2 | 4 | 5 if !is_in => u.range.push((key, selectivity)),
                _ => {}
            }
        }
        // equalities with other tables' columns: join keys
        for ec in PgList::<pg_sys::EquivalenceClass>::from_pg((*root).eq_classes).iter_ptr() {
            if (*ec).ec_has_const || !(*ec).ec_merged.is_null() {
                continue;
            }
            let members = PgList::<pg_sys::EquivalenceMember>::from_pg((*ec).ec_members);
            let mut mine = None;
            let mut others = false;
            for em in members.iter_ptr() {
                if (*em).em_is_child {
                    continue;
                }
                let mut member: std::ffi::c_int = 0;
                if pg_sys::bms_get_singleton_member((*em).em_relids, &mut member) && member == rti {
                    mine = key_of((*em).em_expr.cast(), rti, relid).map(|(k, _)| k);
                } else if pg_sys::bms_num_members((*em).em_relids) > 0 {
                    others = true;
                }
            }
            if let (Some(key), true) = (mine, others) {
                u.joins.push(key);
            }
        }
        u.order = order(root, rti, relid);
        // columns read from the table: its output and its quals
        let mut columns: *mut pg_sys::Bitmapset = std::ptr::null_mut();
        pg_sys::pull_varattnos((*(*rel).reltarget).exprs.cast(), rti as _, &mut columns);
        for ri in PgList::<pg_sys::RestrictInfo>::from_pg((*rel).baserestrictinfo).iter_ptr() {
            pg_sys::pull_varattnos((*ri).clause.cast(), rti as _, &mut columns);
        }
        let mut member = -1;
        loop {
            member = pg_sys::bms_next_member(columns, member);
            if member < 0 {
                break;
            }
            let attnum = (member + pg_sys::FirstLowInvalidHeapAttributeNumber) as i16;
            if attnum > 0 {
                u.needed
                    .push(cstr(pg_sys::get_attname(relid, attnum, true)));
            } else if attnum == 0 {
                // a whole-row reference: every column, nothing to INCLUDE
                u.needed.clear();
                break;
            }
        }
        u
    }
}

/// The statement's wanted order (ORDER BY, else GROUP BY) when this table alone provides
/// every key: keys and DESC flags.
unsafe fn order(root: *mut pg_sys::PlannerInfo, rti: i32, relid: pg_sys::Oid) -> Vec<(Key, bool)> {
    // SAFETY: the planner's pathkeys and their equivalence classes
    unsafe {
        let mut out = Vec::new();
        for pk in PgList::<pg_sys::PathKey>::from_pg((*root).query_pathkeys).iter_ptr() {
            let ec = (*pk).pk_eclass;
            let mut found = None;
            for em in PgList::<pg_sys::EquivalenceMember>::from_pg((*ec).ec_members).iter_ptr() {
                let mut member: std::ffi::c_int = 0;
                if !(*em).em_is_child
                    && pg_sys::bms_get_singleton_member((*em).em_relids, &mut member)
                    && member == rti
                {
                    found = key_of((*em).em_expr.cast(), rti, relid).map(|(k, _)| k);
                    if found.is_some() {
                        break;
                    }
                }
            }
            let Some(key) = found else {
                // a key of another table (or a constant): this table cannot give the order
                if (*ec).ec_has_const {
                    continue;
                }
                return Vec::new();
            };
            #[cfg(not(feature = "pg18"))]
            let desc = (*pk).pk_strategy == pg_sys::BTGreaterStrategyNumber as i32;
            #[cfg(feature = "pg18")]
            let desc = (*pk).pk_cmptype == pg_sys::CompareType::COMPARE_GT;
            out.push((key, desc));
        }
        out
    }
}
