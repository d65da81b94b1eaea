//! The planner hook that makes hypothetical indexes visible: `get_relation_info_hook`, set
//! once per backend in `_PG_init` and chained to the hook that was there before. It adds
//! (or hides) indexes only while [`with_scenario`] plans one statement of ours, and only for
//! that statement's own planning: a function the planner evaluates on the way (constant
//! folding can run SQL) plans its queries with the real indexes. Nothing else ever sees a
//! hypothetical index: the plans that hold one are costed, turned into Rust values and
//! dropped, never executed, cached or explained by PostgreSQL.

use super::hypo::Hypo;
use super::Scenario;
use pgrx::pg_sys;
use pgrx::prelude::*;
use std::cell::Cell;

static mut PREVIOUS: pg_sys::get_relation_info_hook_type = None;

thread_local! {
    /// The statement being planned with a scenario, and the scenario (both outlive the
    /// planning, see `with_scenario`).
    static ACTIVE: Cell<Option<(*const pg_sys::Query, *const Scenario)>> = const { Cell::new(None) };
}

/// Install the hook (from `_PG_init`, once per process).
pub fn install() {
    // SAFETY: _PG_init runs once, single-threaded, before any planning in this backend.
    unsafe {
        PREVIOUS = pg_sys::get_relation_info_hook;
        pg_sys::get_relation_info_hook = Some(relation_info);
    }
    super::usage::install();
}

/// Clears the active scenario when planning ends, by return or by ERROR (unwinding).
struct Activation;

impl Drop for Activation {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(None));
    }
}

/// Run `plan` (which plans `query`) with `scenario` applied to that planning.
pub fn with_scenario<R>(
    query: *mut pg_sys::Query,
    scenario: &Scenario,
    plan: impl FnOnce() -> R,
) -> R {
    ACTIVE.with(|a| a.set(Some((query.cast_const(), scenario as *const Scenario))));
    let _active = Activation;
    plan()
}

#[pg_guard]
unsafe extern "C-unwind" fn relation_info(
    root: *mut pg_sys::PlannerInfo,
    relid: pg_sys::Oid,
    inhparent: bool,
    rel: *mut pg_sys::RelOptInfo,
) {
    // SAFETY: called by the planner with valid pointers; the previous hook first, as
    // PostgreSQL's own chaining convention has it.
    unsafe {
        if let Some(previous) = PREVIOUS {
            previous(root, relid, inhparent, rel);
        }
        let Some((query, scenario)) = ACTIVE.with(|a| a.get()) else {
            return;
        };
        // only the statement we plan (and its subqueries), never SQL run during planning
        let mut top = root;
        while !(*top).parent_root.is_null() {
            top = (*top).parent_root;
        }
        if (*top).parse.cast_const() != query || inhparent {
            return;
        }
        let scenario = &*scenario;
        if !scenario.hidden.is_empty() {
            hide(rel, &scenario.hidden);
        }
        for hypo in scenario.hypos.iter().filter(|h| h.table == relid) {
            let info = index_opt_info(rel, hypo);
            (*rel).indexlist = pg_sys::lcons(info.cast(), (*rel).indexlist);
        }
    }
}

/// Take the hidden indexes out of the relation's index list (a new list: deleting from the
/// one being read would free it under the reader).
unsafe fn hide(rel: *mut pg_sys::RelOptInfo, hidden: &[pg_sys::Oid]) {
    // SAFETY: indexlist is a List of IndexOptInfo built by get_relation_info
    unsafe {
        let mut kept: *mut pg_sys::List = std::ptr::null_mut();
        for info in pgrx::PgList::<pg_sys::IndexOptInfo>::from_pg((*rel).indexlist).iter_ptr() {
            if !hidden.contains(&(*info).indexoid) {
                kept = pg_sys::lappend(kept, info.cast());
            }
        }
        (*rel).indexlist = kept;
    }
}

unsafe fn palloc_array<T: Copy>(values: &[T]) -> *mut T {
    // SAFETY: palloc0 of n elements, then each written
    unsafe {
        let ptr = pg_sys::palloc0(std::mem::size_of::<T>() * values.len().max(1)).cast::<T>();
        for (i, v) in values.iter().enumerate() {
            ptr.add(i).write(*v);
        }
        ptr
    }
}

/// The planner's view of one hypothetical B-tree index on `rel`, as `get_relation_info`
/// would build it for a real one (plancat.c), with the estimated size.
unsafe fn index_opt_info(rel: *mut pg_sys::RelOptInfo, hypo: &Hypo) -> *mut pg_sys::IndexOptInfo {
    // SAFETY: all allocations in the planner's memory context; amroutine from the btree
    // handler; expressions copied before their Vars are renumbered to this rel.
    unsafe {
        let info =
            PgBox::<pg_sys::IndexOptInfo>::alloc_node(pg_sys::NodeTag::T_IndexOptInfo).into_pg();
        let varno = (*rel).relid as i32;
        let ncolumns = hypo.keys.len();
        let nkey = hypo.nkeycolumns;
        (*info).indexoid = hypo.fake_oid;
        (*info).reltablespace = (*rel).reltablespace;
        (*info).rel = rel;
        (*info).pages = hypo.size.pages as pg_sys::BlockNumber;
        (*info).tuples = hypo.tuples;
        (*info).tree_height = hypo.size.height as i32;
        (*info).ncolumns = ncolumns as i32;
        (*info).nkeycolumns = nkey as i32;
        let keys: Vec<i32> = hypo.keys.iter().map(|&k| i32::from(k)).collect();
        (*info).indexkeys = palloc_array(&keys);
        (*info).indexcollations = palloc_array(&hypo.collations);
        (*info).opfamily = palloc_array(&hypo.opfamilies);
        (*info).opcintype = palloc_array(&hypo.opcintypes);
        // B-tree: the operator families are the sort families
        (*info).sortopfamily = (*info).opfamily;
        (*info).reverse_sort = palloc_array(&hypo.reverse_sort);
        (*info).nulls_first = palloc_array(&hypo.nulls_first);
        (*info).opclassoptions =
            pg_sys::palloc0(std::mem::size_of::<*mut pg_sys::bytea>() * nkey.max(1)).cast();
        // btcanreturn: every column can come back from an index-only scan
        (*info).canreturn = palloc_array(&vec![true; ncolumns]);
        (*info).relam = pg_sys::BTREE_AM_OID;
        (*info).indexprs = renumbered(hypo.exprs, varno);
        (*info).indpred = renumbered(hypo.pred, varno);
        (*info).indextlist = index_tlist(info, hypo.table);
        (*info).predOK = false; // set by check_index_predicates
        (*info).unique = hypo.unique;
        (*info).immediate = true;
        (*info).hypothetical = true;

        let am = pg_sys::GetIndexAmRoutineByAmId(pg_sys::BTREE_AM_OID, false);
        (*info).amcanorderbyop = (*am).amcanorderbyop;
        (*info).amoptionalkey = (*am).amoptionalkey;
        (*info).amsearcharray = (*am).amsearcharray;
        (*info).amsearchnulls = (*am).amsearchnulls;
        (*info).amhasgettuple = (*am).amgettuple.is_some();
        (*info).amhasgetbitmap = (*am).amgetbitmap.is_some();
        (*info).amcanparallel = (*am).amcanparallel;
        (*info).amcanmarkpos = (*am).ammarkpos.is_some() && (*am).amrestrpos.is_some();
        // declared with a generic signature before PostgreSQL 18: the planner calls it as
        // an amcostestimate_function (the same pointer either way)
        #[allow(clippy::missing_transmute_annotations)]
        {
            (*info).amcostestimate = std::mem::transmute((*am).amcostestimate);
        }
        info
    }
}

/// A copy of `list` (expressions or an implicit-AND predicate over varno 1) for `varno`.
unsafe fn renumbered(list: *mut pg_sys::List, varno: i32) -> *mut pg_sys::List {
    if list.is_null() {
        return list;
    }
    // SAFETY: list is a valid node tree
    unsafe {
        let copy = pg_sys::copyObjectImpl(list.cast()).cast::<pg_sys::List>();
        if varno != 1 {
            pg_sys::ChangeVarNodes(copy.cast(), 1, varno, 0);
        }
        copy
    }
}

/// The index's target list: a Var per column, the expression for expression columns
/// (plancat.c's build_index_tlist, which is static).
unsafe fn index_tlist(info: *mut pg_sys::IndexOptInfo, table: pg_sys::Oid) -> *mut pg_sys::List {
    // SAFETY: info's arrays and expression list were just filled in
    unsafe {
        let varno = (*(*info).rel).relid;
        let exprs = pgrx::PgList::<pg_sys::Node>::from_pg((*info).indexprs);
        let mut next_expr = exprs.iter_ptr();
        let mut tlist: *mut pg_sys::List = std::ptr::null_mut();
        for i in 0..(*info).ncolumns as usize {
            let key = *(*info).indexkeys.add(i);
            let expr: *mut pg_sys::Expr = if key != 0 {
                let (mut typ, mut typmod, mut coll) = (pg_sys::InvalidOid, 0, pg_sys::InvalidOid);
                pg_sys::get_atttypetypmodcoll(table, key as i16, &mut typ, &mut typmod, &mut coll);
                pg_sys::makeVar(varno as _, key as i16, typ, typmod, coll, 0).cast()
            } else {
                next_expr
                    .next()
                    .expect("an expression per expression column")
                    .cast()
            };
            let entry = pg_sys::makeTargetEntry(expr, (i + 1) as i16, std::ptr::null_mut(), false);
            tlist = pg_sys::lappend(tlist, entry.cast());
        }
        tlist
    }
}
