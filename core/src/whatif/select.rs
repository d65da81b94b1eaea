//! Which indexes to build for a workload: the Extend algorithm (Schlosser, Kossmann and
//! Boissier, "Efficient Scalable Multi-Attribute Index Selection Using Recursive
//! Strategies", ICDE 2019). Greedy by benefit per byte: each step adds the one-column index
//! or widens a chosen index by one column (or INCLUDE columns) that saves the most workload
//! cost per byte of index, while a step saves at least `min_gain` of the workload's cost as
//! it stands (so a composite index still grows after its first column took most of the
//! cost away) and the chosen indexes fit the budget. Then chosen indexes whose work the
//! others do are dropped. The costs come from an oracle (the planner, with hypothetical
//! indexes).

use super::candidates::{moves, IndexDef, Move, TableUse};

/// What the search needs from the server.
pub trait Oracle {
    /// The workload's cost with these indexes (plus what they cost to maintain).
    fn cost(&mut self, indexes: &[IndexDef]) -> f64;
    /// The estimated size of an index in bytes.
    fn bytes(&mut self, index: &IndexDef) -> u64;
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Widest index (key columns) considered.
    pub max_columns: usize,
    /// A step must save at least this share of the workload's cost before the step.
    pub min_gain: f64,
    /// Total bytes the chosen indexes may take (`None`: no budget).
    pub budget_bytes: Option<u64>,
}

/// The outcome: the chosen indexes, the workload cost before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub chosen: Vec<IndexDef>,
    pub cost_before: f64,
    pub cost_after: f64,
}

pub fn extend(uses: &[&TableUse], oracle: &mut impl Oracle, settings: &Settings) -> Choice {
    let before = oracle.cost(&[]);
    let mut chosen: Vec<IndexDef> = Vec::new();
    let mut cost = before;
    let mut bytes: u64 = 0;
    loop {
        let mut best: Option<(f64, Vec<IndexDef>, f64, u64)> = None;
        for m in moves(uses, &chosen, settings.max_columns) {
            let (config, new_bytes) = match m {
                Move::Add(def) => {
                    let b = bytes + oracle.bytes(&def);
                    let mut config = chosen.clone();
                    config.push(def);
                    (config, b)
                }
                Move::Widen(i, def) => {
                    let b = (bytes + oracle.bytes(&def)).saturating_sub(oracle.bytes(&chosen[i]));
                    let mut config = chosen.clone();
                    config[i] = def;
                    (config, b)
                }
            };
            if settings
                .budget_bytes
                .is_some_and(|budget| new_bytes > budget)
            {
                continue;
            }
            let c = oracle.cost(&config);
            let gain = cost - c;
            if gain < settings.min_gain * cost || gain <= 0.0 {
                continue;
            }
            let ratio = gain / (new_bytes.saturating_sub(bytes).max(1) as f64);
            if best.as_ref().is_none_or(|(r, ..)| ratio > *r) {
                best = Some((ratio, config, c, new_bytes));
            }
        }
        let Some((_, config, c, b)) = best else {
            break;
        };
        chosen = config;
        cost = c;
        bytes = b;
    }
    // drop what the others make redundant, or what no longer pays for itself
    let mut i = 0;
    while i < chosen.len() {
        let mut without = chosen.clone();
        without.remove(i);
        let c = oracle.cost(&without);
        if c - cost < (settings.min_gain * cost).max(f64::EPSILON) {
            chosen = without;
            cost = c.min(cost);
            i = 0;
        } else {
            i += 1;
        }
    }
    Choice {
        chosen,
        cost_before: before,
        cost_after: cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whatif::candidates::Key;

    fn col(c: &str) -> Key {
        Key::Column(c.into())
    }

    /// `customer_id = $1 ORDER BY created_at DESC LIMIT 10` on a large table, costed as a
    /// planner would: a seq scan and sort, an index scan and sort, or an ordered index scan.
    struct Orders {
        calls: usize,
    }

    impl Oracle for Orders {
        fn cost(&mut self, indexes: &[IndexDef]) -> f64 {
            self.calls += 1;
            let keys: Vec<Vec<Key>> = indexes
                .iter()
                .map(|d| d.keys.iter().map(|(k, _)| k.clone()).collect())
                .collect();
            let has = |k: &[Key]| keys.iter().any(|x| x.starts_with(k));
            let covering = indexes
                .iter()
                .any(|d| d.keys.len() == 2 && !d.include.is_empty());
            if covering {
                3.0
            } else if has(&[col("customer_id"), col("created_at")]) {
                5.0
            } else if has(&[col("customer_id")]) {
                40.0
            } else if has(&[col("created_at")]) {
                600.0
            } else {
                1000.0
            }
        }
        fn bytes(&mut self, index: &IndexDef) -> u64 {
            (100 * (index.keys.len() + index.include.len())) as u64
        }
    }

    fn orders() -> TableUse {
        TableUse {
            table: "public.orders".into(),
            equality: vec![(col("customer_id"), 0.001)],
            order: vec![(col("created_at"), true)],
            needed: vec!["total".into()],
            ..TableUse::default()
        }
    }

    fn settings() -> Settings {
        Settings {
            max_columns: 3,
            min_gain: 0.01,
            budget_bytes: None,
        }
    }

    #[test]
    fn grows_the_composite_index_column_by_column() {
        let u = orders();
        let mut oracle = Orders { calls: 0 };
        let choice = extend(&[&u], &mut oracle, &settings());
        // (customer_id) first (1000 to 40), widened by created_at (to 5), then INCLUDE
        // (total) (to 3: 40 % of what is left, though only 0.2 % of the start)
        assert_eq!(choice.chosen.len(), 1, "{choice:?}");
        let d = &choice.chosen[0];
        assert_eq!(
            d.keys,
            [(col("customer_id"), false), (col("created_at"), false)]
        );
        assert_eq!(d.include, ["total"]);
        assert_eq!((choice.cost_before, choice.cost_after), (1000.0, 3.0));
    }

    #[test]
    fn a_step_must_save_enough() {
        let u = orders();
        let mut oracle = Orders { calls: 0 };
        let mut s = settings();
        s.min_gain = 0.5; // INCLUDE saves 2 of 5 left: not enough
        let choice = extend(&[&u], &mut oracle, &s);
        assert!(choice.chosen[0].include.is_empty(), "{choice:?}");
        assert_eq!(choice.cost_after, 5.0);
        s.min_gain = 0.999; // nothing saves 99.9 %
        let choice = extend(&[&u], &mut Orders { calls: 0 }, &s);
        assert!(choice.chosen.is_empty());
        assert_eq!(choice.cost_after, choice.cost_before);
    }

    #[test]
    fn the_budget_caps_the_total_size() {
        let u = orders();
        let mut s = settings();
        s.budget_bytes = Some(150);
        let choice = extend(&[&u], &mut Orders { calls: 0 }, &s);
        assert_eq!(
            choice.chosen,
            [IndexDef::single("public.orders", col("customer_id"))]
        );
        assert_eq!(choice.cost_after, 40.0);
    }

    /// Two statements on two tables, one index each; a third index that costs writes
    /// saves nothing and is never chosen.
    struct TwoTables;

    impl Oracle for TwoTables {
        fn cost(&mut self, indexes: &[IndexDef]) -> f64 {
            let on = |t: &str, c: &str| {
                indexes
                    .iter()
                    .any(|d| d.table == t && d.keys.first().map(|(k, _)| k) == Some(&col(c)))
            };
            let a = if on("a", "x") { 1.0 } else { 100.0 };
            let b = if on("b", "y") { 2.0 } else { 50.0 };
            // an index on b.z is maintained at every write and helps no read
            let writes = if on("b", "z") { 30.0 } else { 0.0 };
            a + b + writes
        }
        fn bytes(&mut self, _: &IndexDef) -> u64 {
            100
        }
    }

    #[test]
    fn picks_per_table_and_never_an_index_that_only_costs() {
        let a = TableUse {
            table: "a".into(),
            equality: vec![(col("x"), 0.01)],
            ..TableUse::default()
        };
        let b = TableUse {
            table: "b".into(),
            equality: vec![(col("y"), 0.01)],
            range: vec![(col("z"), 0.3)],
            ..TableUse::default()
        };
        let choice = extend(&[&a, &b], &mut TwoTables, &settings());
        let mut tables: Vec<_> = choice
            .chosen
            .iter()
            .map(|d| (d.table.as_str(), d.keys[0].0.clone()))
            .collect();
        tables.sort();
        assert_eq!(tables, [("a", col("x")), ("b", col("y"))]);
        assert_eq!(choice.cost_after, 3.0);
    }
}
