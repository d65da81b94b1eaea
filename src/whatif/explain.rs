//! A plan as JSON, read straight from the plan tree: node, relation, index (hypothetical
//! ones by their name, flagged), costs, rows, children. PostgreSQL's EXPLAIN would look
//! the hypothetical index up in the catalogs and fail; this never does.

use super::hypo::rel_identity;
use super::Scenario;
use pgrx::pg_sys;
use pgrx::PgList;
use serde_json::{json, Map, Value};

/// The plan of `stmt`; the names of the indexes it uses are added to `indexes`.
///
/// # Safety
/// `stmt` is a PlannedStmt fresh from the planner.
pub unsafe fn plan_json(
    stmt: *mut pg_sys::PlannedStmt,
    scenario: &Scenario,
    indexes: &mut Vec<String>,
) -> Value {
    // SAFETY: walking the planner's own tree
    unsafe {
        let walker = Walker {
            rtable: (*stmt).rtable,
            scenario,
        };
        let mut plan = walker.node((*stmt).planTree, indexes);
        let subplans: Vec<Value> = PgList::<pg_sys::Plan>::from_pg((*stmt).subplans)
            .iter_ptr()
            .filter(|p| !p.is_null())
            .map(|p| walker.node(p, indexes))
            .collect();
        if !subplans.is_empty() {
            plan["Subplans"] = Value::Array(subplans);
        }
        plan
    }
}

struct Walker<'a> {
    rtable: *mut pg_sys::List,
    scenario: &'a Scenario,
}

fn name(tag: pg_sys::NodeTag) -> String {
    use pg_sys::NodeTag::*;
    let known = match tag {
        T_SeqScan => "Seq Scan",
        T_IndexScan => "Index Scan",
        T_IndexOnlyScan => "Index Only Scan",
        T_BitmapIndexScan => "Bitmap Index Scan",
        T_BitmapHeapScan => "Bitmap Heap Scan",
        T_BitmapAnd => "BitmapAnd",
        T_BitmapOr => "BitmapOr",
        T_NestLoop => "Nested Loop",
        T_MergeJoin => "Merge Join",
        T_HashJoin => "Hash Join",
        T_Hash => "Hash",
        T_Sort => "Sort",
        T_IncrementalSort => "Incremental Sort",
        T_Agg => "Aggregate",
        T_Limit => "Limit",
        T_Result => "Result",
        T_Append => "Append",
        T_MergeAppend => "Merge Append",
        T_Material => "Materialize",
        T_ModifyTable => "ModifyTable",
        T_SubqueryScan => "Subquery Scan",
        T_FunctionScan => "Function Scan",
        T_ValuesScan => "Values Scan",
        T_CteScan => "CTE Scan",
        T_Gather => "Gather",
        T_GatherMerge => "Gather Merge",
        T_Unique => "Unique",
        T_WindowAgg => "WindowAgg",
        T_LockRows => "LockRows",
        T_SetOp => "SetOp",
        T_TidScan => "Tid Scan",
        _ => "",
    };
    if known.is_empty() {
        format!("{tag:?}").trim_start_matches("T_").to_string()
    } else {
        known.to_string()
    }
}

impl Walker<'_> {
    unsafe fn relation(&self, scanrelid: pg_sys::Index) -> Option<String> {
        // SAFETY: scanrelid indexes the statement's range table (1-based)
        unsafe {
            if scanrelid == 0 {
                return None;
            }
            let rte =
                pg_sys::list_nth(self.rtable, scanrelid as i32 - 1).cast::<pg_sys::RangeTblEntry>();
            ((*rte).rtekind == pg_sys::RTEKind::RTE_RELATION).then(|| rel_identity((*rte).relid))
        }
    }

    fn index(&self, oid: pg_sys::Oid, out: &mut Map<String, Value>, used: &mut Vec<String>) {
        let (name, hypothetical) = match self.scenario.hypos.iter().find(|h| h.fake_oid == oid) {
            Some(h) => (h.name.clone(), true),
            None => (rel_identity(oid), false),
        };
        if !used.contains(&name) {
            used.push(name.clone());
        }
        out.insert("Index Name".into(), json!(name));
        out.insert("Hypothetical".into(), json!(hypothetical));
    }

    unsafe fn children(&self, list: *mut pg_sys::List, used: &mut Vec<String>) -> Vec<Value> {
        // SAFETY: a List of Plan nodes
        unsafe {
            PgList::<pg_sys::Plan>::from_pg(list)
                .iter_ptr()
                .map(|p| self.node(p, used))
                .collect()
        }
    }

    unsafe fn node(&self, plan: *mut pg_sys::Plan, used: &mut Vec<String>) -> Value {
        // SAFETY: plan is a node of the planner's tree; each cast follows its tag
        unsafe {
            use pg_sys::NodeTag::*;
            let tag = (*plan).type_;
            let mut out = Map::new();
            out.insert("Node Type".into(), json!(name(tag)));
            let scan = matches!(
                tag,
                T_SeqScan | T_IndexScan | T_IndexOnlyScan | T_BitmapHeapScan | T_TidScan
            );
            if scan {
                let scanrelid = (*plan.cast::<pg_sys::Scan>()).scanrelid;
                if let Some(rel) = self.relation(scanrelid) {
                    out.insert("Relation".into(), json!(rel));
                }
            }
            match tag {
                T_IndexScan => {
                    self.index((*plan.cast::<pg_sys::IndexScan>()).indexid, &mut out, used)
                }
                T_IndexOnlyScan => self.index(
                    (*plan.cast::<pg_sys::IndexOnlyScan>()).indexid,
                    &mut out,
                    used,
                ),
                T_BitmapIndexScan => self.index(
                    (*plan.cast::<pg_sys::BitmapIndexScan>()).indexid,
                    &mut out,
                    used,
                ),
                _ => {}
            }
            out.insert("Startup Cost".into(), json!((*plan).startup_cost));
            out.insert("Total Cost".into(), json!((*plan).total_cost));
            out.insert("Plan Rows".into(), json!((*plan).plan_rows));
            out.insert("Plan Width".into(), json!((*plan).plan_width));

            let mut children = Vec::new();
            for child in [(*plan).lefttree, (*plan).righttree] {
                if !child.is_null() {
                    children.push(self.node(child, used));
                }
            }
            match tag {
                T_Append => children
                    .extend(self.children((*plan.cast::<pg_sys::Append>()).appendplans, used)),
                T_MergeAppend => children
                    .extend(self.children((*plan.cast::<pg_sys::MergeAppend>()).mergeplans, used)),
                T_BitmapAnd => children
                    .extend(self.children((*plan.cast::<pg_sys::BitmapAnd>()).bitmapplans, used)),
                T_BitmapOr => children
                    .extend(self.children((*plan.cast::<pg_sys::BitmapOr>()).bitmapplans, used)),
                T_SubqueryScan => {
                    let sub = (*plan.cast::<pg_sys::SubqueryScan>()).subplan;
                    if !sub.is_null() {
                        children.push(self.node(sub, used));
                    }
                }
                #[cfg(feature = "pg13")]
                T_ModifyTable => children
                    .extend(self.children((*plan.cast::<pg_sys::ModifyTable>()).plans, used)),
                _ => {}
            }
            if !children.is_empty() {
                out.insert("Plans".into(), Value::Array(children));
            }
            Value::Object(out)
        }
    }
}
