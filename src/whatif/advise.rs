//! Index advice for a set of statements: each statement planned once to learn how it uses
//! its tables (`usage`), then the Extend search (core `whatif::select`) with the planner
//! as the oracle: a configuration's cost is each statement's cost with the hypothetical
//! indexes on its tables, scaled by the statement's weight, plus what the indexes cost
//! the tables' writes.

use super::hypo::{self, Hypo};
use super::{fake_oids, planner, Scenario};
use database_advisor_core::rules::indexes::choose_index_name;
use database_advisor_core::whatif::candidates::{IndexDef, TableUse};
use database_advisor_core::whatif::select::{self, Oracle, Settings};
use pgrx::pg_sys;
use std::collections::HashMap;

/// A statement to advise on.
pub struct Statement {
    pub sql: String,
    /// Its execution time in the statistics window (ms), for a workload: its plan costs
    /// are then scaled to milliseconds. `None`: planner cost units as they are.
    pub time_ms: Option<f64>,
    /// Plan it as this role (a workload statement, as the role that ran it, with its
    /// search_path); `None`: as the caller, and an ERROR stops the advice.
    pub author: Option<planner::Author>,
}

/// A statement after its first planning.
struct Planned {
    /// Its position among the statements given.
    input: usize,
    sql: String,
    author: Option<planner::Author>,
    /// What one unit of its planner cost is worth in the workload's cost.
    weight: f64,
    tables: Vec<String>,
    base_cost: f64,
}

/// One chosen index.
pub struct Chosen {
    pub def: IndexDef,
    /// Free in its schema, as PostgreSQL would choose it.
    pub name: String,
    pub bytes: u64,
    /// The statements (positions among those given) whose plans use it, every chosen
    /// index in place.
    pub statements: Vec<usize>,
    /// The workload's cost with every other chosen index but this one.
    pub cost_without: f64,
}

pub struct Advice {
    pub chosen: Vec<Chosen>,
    /// The workload's cost without and with the chosen indexes.
    pub cost_before: f64,
    pub cost_after: f64,
    /// Statements that could not be planned (positions), and why.
    pub skipped: Vec<(usize, String)>,
}

struct PlannerOracle<'a> {
    statements: &'a [Planned],
    /// Rows written per table in the statistics window.
    writes: &'a HashMap<String, f64>,
    /// Candidates the server can make into hypothetical indexes (`None`: it cannot).
    hypos: HashMap<IndexDef, Option<Hypo>>,
    costs: HashMap<(usize, Vec<IndexDef>), (f64, Vec<IndexDef>)>,
    oids: Vec<pg_sys::Oid>,
}

impl PlannerOracle<'_> {
    /// The hypothetical index for a candidate; `None` when PostgreSQL refuses its
    /// definition (the candidate then never pays; a cancel still stops the run).
    fn hypo(&mut self, def: &IndexDef) -> Option<&Hypo> {
        let oid = self.oids[0];
        self.hypos
            .entry(def.clone())
            .or_insert_with(|| {
                crate::subtransaction::in_subtransaction(|| {
                    hypo::parse(&def.create_sql(), "a candidate index", oid)
                })
                .map_err(planner::reason)
                .ok()
            })
            .as_ref()
    }

    /// Cost of statement `i` with the indexes of `config` on its tables, and the indexes
    /// its plan uses.
    fn statement_cost(&mut self, i: usize, config: &[IndexDef]) -> (f64, Vec<IndexDef>) {
        let s = &self.statements[i];
        let mut relevant: Vec<IndexDef> = config
            .iter()
            .filter(|d| s.tables.contains(&d.table))
            .cloned()
            .collect();
        relevant.sort();
        if relevant.is_empty() {
            return (s.base_cost, Vec::new());
        }
        let key = (i, relevant.clone());
        if let Some(c) = self.costs.get(&key) {
            return c.clone();
        }
        let mut hypos = Vec::new();
        for (n, def) in relevant.iter().enumerate() {
            if let Some(h) = self.hypo(def) {
                let mut h = h.clone();
                h.fake_oid = self.oids[n % self.oids.len()];
                h.name = format!("candidate {n}");
                hypos.push(h);
            }
        }
        let scenario = Scenario {
            hypos,
            hidden: Vec::new(),
        };
        let s = &self.statements[i];
        let out = match planner::plan_as(&s.sql, "a statement", &[&scenario], s.author.as_ref()) {
            Ok(mut plans) => {
                let planned = plans.pop().expect("one plan");
                let used = planned
                    .indexes
                    .iter()
                    .filter_map(|name| name.strip_prefix("candidate "))
                    .filter_map(|n| n.parse::<usize>().ok())
                    .map(|n| relevant[n].clone())
                    .collect();
                (planned.cost, used)
            }
            // planned once, it plans again; if not, the index does not help it
            Err(e) => {
                planner::reason(e);
                (s.base_cost, Vec::new())
            }
        };
        self.costs.insert(key, out.clone());
        out
    }
}

impl Oracle for PlannerOracle<'_> {
    fn cost(&mut self, indexes: &[IndexDef]) -> f64 {
        pgrx::check_for_interrupts!();
        let mut total = 0.0;
        for i in 0..self.statements.len() {
            total += self.statements[i].weight * self.statement_cost(i, indexes).0;
        }
        for def in indexes {
            let rows = self.writes.get(&def.table).copied().unwrap_or(0.0);
            total += rows * INDEX_ENTRY_MS;
        }
        total
    }

    fn bytes(&mut self, index: &IndexDef) -> u64 {
        // a candidate the server refuses takes "everything": never worth its bytes
        self.hypo(index)
            .map_or(1 << 50, |h| h.size.bytes(pg_sys::BLCKSZ))
    }
}

/// What one written row costs each index of its table, in milliseconds: measured on the
/// project's machine (300,000 inserted rows took 1.06 s longer with two more B-tree
/// indexes: 1.8 µs per row and index), rounded up; see docs/rules/index-advisor.md.
pub const INDEX_ENTRY_MS: f64 = 0.002;

/// Plan each statement once (how it uses its tables), then search. `writes`: rows written
/// per table (identity) in the window, for workloads (whose cost is in milliseconds): each
/// new index on the table costs them [`INDEX_ENTRY_MS`] each.
pub fn advise(
    statements: &[Statement],
    writes: &HashMap<String, f64>,
    settings: &Settings,
) -> Advice {
    let mut planned = Vec::new();
    let mut uses: Vec<TableUse> = Vec::new();
    let mut relids: HashMap<String, pg_sys::Oid> = HashMap::new();
    let mut skipped = Vec::new();
    for (input, s) in statements.iter().enumerate() {
        let (cost, table_uses) = match planner::plan_collecting(&s.sql, "query", s.author.as_ref())
        {
            Ok(done) => done,
            Err(e) if s.author.is_some() => {
                skipped.push((input, planner::reason(e)));
                continue;
            }
            Err(e) => e.rethrow(),
        };
        let tables = table_uses.iter().map(|(_, u)| u.table.clone()).collect();
        for (oid, u) in table_uses {
            relids.insert(u.table.clone(), oid);
            uses.push(u);
        }
        planned.push(Planned {
            input,
            sql: s.sql.clone(),
            author: s.author.clone(),
            weight: s.time_ms.map_or(1.0, |ms| ms / cost.max(1e-9)),
            tables,
            base_cost: cost,
        });
    }
    let mut oracle = PlannerOracle {
        statements: &planned,
        writes,
        hypos: HashMap::new(),
        costs: HashMap::new(),
        oids: fake_oids(32),
    };
    let refs: Vec<&TableUse> = uses.iter().collect();
    let choice = select::extend(&refs, &mut oracle, settings);
    let mut served: Vec<Vec<usize>> = vec![Vec::new(); choice.chosen.len()];
    for (i, p) in planned.iter().enumerate() {
        let (_, used) = oracle.statement_cost(i, &choice.chosen);
        for (n, def) in choice.chosen.iter().enumerate() {
            if used.contains(def) {
                served[n].push(p.input);
            }
        }
    }
    let chosen = choice
        .chosen
        .iter()
        .enumerate()
        .zip(served)
        .map(|((n, def), statements)| {
            let mut others = choice.chosen.clone();
            others.remove(n);
            Chosen {
                def: def.clone(),
                name: index_name(def, relids[&def.table]),
                bytes: oracle.bytes(def),
                statements,
                cost_without: oracle.cost(&others),
            }
        })
        .collect();
    Advice {
        chosen,
        cost_before: choice.cost_before,
        cost_after: choice.cost_after,
        skipped,
    }
}

/// A name for the index as PostgreSQL would choose it (`table_columns_idx`), not taken by
/// any relation of the table's schema.
fn index_name(def: &IndexDef, relid: pg_sys::Oid) -> String {
    // SAFETY: syscache lookups
    unsafe {
        let namespace = pg_sys::get_rel_namespace(relid);
        let table = std::ffi::CStr::from_ptr(pg_sys::get_rel_name(relid))
            .to_string_lossy()
            .into_owned();
        choose_index_name(namespace.to_u32(), &table, &def.name_parts(), |ns, name| {
            let name = std::ffi::CString::new(name).unwrap_or_default();
            pg_sys::get_relname_relid(name.as_ptr(), pg_sys::Oid::from(ns)) != pg_sys::InvalidOid
        })
    }
}
