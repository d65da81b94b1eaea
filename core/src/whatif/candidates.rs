//! What a statement asks of each table it reads (as the planner saw it), and the index
//! definitions that could serve it: the moves of the Extend algorithm (Schlosser, Kossmann
//! and Boissier, 2019): a new one-column index, or one more column on a chosen index; plus
//! the two shapes a column-by-column search cannot reach: a partial index for a rare
//! constant, and INCLUDE columns that make a scan index-only.

use crate::quote;

/// An index key: a column, or an immutable expression over the table's columns (SQL as the
/// server deparsed it, columns unqualified).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Column(String),
    Expression(String),
}

impl Key {
    /// As written in CREATE INDEX: a quoted column, or a parenthesised expression.
    pub fn sql(&self) -> String {
        match self {
            Key::Column(name) => quote::ident(name),
            Key::Expression(expr) => format!("({expr})"),
        }
    }
}

/// How a statement uses one table, from the planner's view of it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableUse {
    /// `schema.table`, quoted.
    pub table: String,
    /// Keys compared with `=` (or `IN`) to a value known at scan time, with the
    /// selectivity of that comparison.
    pub equality: Vec<(Key, f64)>,
    /// Keys compared with `<`, `<=`, `>`, `>=` (or BETWEEN).
    pub range: Vec<(Key, f64)>,
    /// Keys equal to a column of another table (join keys: an inner index scan).
    pub joins: Vec<Key>,
    /// The statement's ORDER BY or GROUP BY when this table alone can provide it:
    /// keys and descending flags.
    pub order: Vec<(Key, bool)>,
    /// Plain columns the statement reads from the table (candidates for INCLUDE).
    pub needed: Vec<String>,
    /// Predicates comparing a column to a constant that select few rows (SQL), with
    /// their selectivity: candidates for a partial index.
    pub rare: Vec<(String, f64)>,
}

impl TableUse {
    /// Every key a statement could use as an index column, most selective first.
    pub fn keys(&self) -> Vec<Key> {
        let mut scored: Vec<(Key, f64)> = Vec::new();
        let mut add = |k: &Key, s: f64| {
            if let Some(e) = scored.iter_mut().find(|(x, _)| x == k) {
                e.1 = e.1.min(s);
            } else {
                scored.push((k.clone(), s));
            }
        };
        for (k, s) in &self.equality {
            add(k, *s);
        }
        for k in &self.joins {
            add(k, 0.5);
        }
        for (k, s) in &self.range {
            add(k, s.max(0.34));
        }
        for (k, _) in &self.order {
            add(k, 1.0);
        }
        scored.sort_by(|a, b| a.1.total_cmp(&b.1));
        scored.into_iter().map(|(k, _)| k).collect()
    }

    /// Whether an index column for `key` is DESC: an ORDER BY key sorted the other way than
    /// the first ORDER BY key (a backward scan flips them all).
    fn order_direction(&self, key: &Key) -> bool {
        let first = self.order.first().map(|(_, d)| *d).unwrap_or(false);
        self.order
            .iter()
            .find(|(k, _)| k == key)
            .is_some_and(|(_, d)| *d != first)
    }
}

/// A candidate (or chosen) index.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexDef {
    pub table: String,
    /// Key columns with DESC flags.
    pub keys: Vec<(Key, bool)>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
}

impl IndexDef {
    pub fn single(table: &str, key: Key) -> Self {
        IndexDef {
            table: table.to_string(),
            keys: vec![(key, false)],
            include: Vec::new(),
            predicate: None,
        }
    }

    /// The key columns as written in CREATE INDEX (`"créé le" DESC`, `(lower(email))`).
    pub fn key_sql(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|(k, desc)| {
                if *desc {
                    format!("{} DESC", k.sql())
                } else {
                    k.sql()
                }
            })
            .collect()
    }

    /// The definition, unnamed (what-if planning takes it as is).
    pub fn create_sql(&self) -> String {
        let keys = self.key_sql();
        let mut sql = format!("CREATE INDEX ON {} ({})", self.table, keys.join(", "));
        if !self.include.is_empty() {
            sql.push_str(&format!(" INCLUDE ({})", quote::ident_list(&self.include)));
        }
        if let Some(p) = &self.predicate {
            sql.push_str(&format!(" WHERE {p}"));
        }
        sql
    }

    /// The runnable remediation: `CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON ...`
    /// (it does not block writes; IF NOT EXISTS makes it safe to run twice).
    pub fn named_sql(&self, name: &str) -> String {
        self.create_sql().replacen(
            "CREATE INDEX ON",
            &format!(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON",
                quote::ident(name)
            ),
            1,
        )
    }

    /// Column names for an index name, as PostgreSQL forms them.
    pub fn name_parts(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|(k, _)| match k {
                Key::Column(c) => c.clone(),
                Key::Expression(e) => e
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .find(|w| !w.is_empty())
                    .unwrap_or("expr")
                    .to_string(),
            })
            .collect()
    }

    /// Whether `self` serves everything `other` serves: same table and predicate, and
    /// `other`'s keys are a leading prefix of `self`'s with the same directions.
    pub fn covers(&self, other: &IndexDef) -> bool {
        self.table == other.table
            && self.predicate == other.predicate
            && other.keys.len() <= self.keys.len()
            && self.keys[..other.keys.len()] == other.keys[..]
            && other.include.iter().all(|c| {
                self.include.contains(c)
                    || self.keys.iter().any(|(k, _)| *k == Key::Column(c.clone()))
            })
    }
}

/// One step of the search from the chosen set.
#[derive(Clone, Debug, PartialEq)]
pub enum Move {
    /// Create a new index.
    Add(IndexDef),
    /// Replace chosen index `usize` by a wider one.
    Widen(usize, IndexDef),
}

/// The moves from `chosen` for the workload's table uses (each statement's, merged per
/// table by the caller or not: duplicates are removed).
pub fn moves(uses: &[&TableUse], chosen: &[IndexDef], max_columns: usize) -> Vec<Move> {
    let mut out: Vec<Move> = Vec::new();
    let push = |m: Move, out: &mut Vec<Move>| {
        let def = match &m {
            Move::Add(d) | Move::Widen(_, d) => d,
        };
        if !chosen.contains(def) && !out.contains(&m) {
            out.push(m);
        }
    };
    for u in uses {
        // new one-column indexes
        for key in u.keys() {
            let def = IndexDef::single(&u.table, key);
            if !chosen.iter().any(|c| c.covers(&def)) {
                push(Move::Add(def), &mut out);
            }
        }
        // the statement's own composite indexes, whole: equality keys (most selective
        // first), then one range key, or then the sort keys. Extend reaches them one
        // column at a time only when the first column alone already pays, and for
        // `a = $1 ORDER BY b LIMIT n` under a primary key it does not
        for def in composites(u, max_columns) {
            if !chosen.iter().any(|c| c.covers(&def)) {
                push(Move::Add(def), &mut out);
            }
        }
        // partial indexes for rare constants: keyed on what else the statement uses
        for (predicate, _) in &u.rare {
            let key = u
                .keys()
                .into_iter()
                .find(|k| !predicate.contains(&k.sql()))
                .or_else(|| u.keys().into_iter().next());
            if let Some(key) = key {
                let mut def = IndexDef::single(&u.table, key);
                def.predicate = Some(predicate.clone());
                push(Move::Add(def), &mut out);
            }
        }
        // widen a chosen index of this table by one key, or by INCLUDE columns
        for (i, c) in chosen.iter().enumerate() {
            if c.table != u.table {
                continue;
            }
            if c.keys.len() < max_columns && c.include.is_empty() {
                for key in u.keys() {
                    if c.keys.iter().any(|(k, _)| *k == key) {
                        continue;
                    }
                    let mut wider = c.clone();
                    let desc = u.order_direction(&key);
                    wider.keys.push((key, desc));
                    push(Move::Widen(i, wider), &mut out);
                }
            }
            let missing: Vec<String> = u
                .needed
                .iter()
                .filter(|col| {
                    !c.keys
                        .iter()
                        .any(|(k, _)| *k == Key::Column((*col).clone()))
                })
                .cloned()
                .collect();
            if !missing.is_empty() && missing.len() <= 3 && c.include != missing {
                let mut covering = c.clone();
                covering.include = missing;
                push(Move::Widen(i, covering), &mut out);
            }
        }
    }
    out
}

/// Multi-column indexes shaped after one statement: equality keys, then the most
/// selective range key, or then the ORDER BY keys (equality keys it also sorts by left
/// out); at most `max_columns`, and only those of two columns or more.
fn composites(u: &TableUse, max_columns: usize) -> Vec<IndexDef> {
    let mut equality: Vec<&(Key, f64)> = u.equality.iter().collect();
    equality.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut eq_keys: Vec<(Key, bool)> = Vec::new();
    for (k, _) in equality {
        if !eq_keys.iter().any(|(x, _)| x == k) {
            eq_keys.push((k.clone(), false));
        }
    }
    let mut shapes = Vec::new();
    if let Some((range, _)) = u.range.iter().min_by(|a, b| a.1.total_cmp(&b.1)) {
        let mut keys = eq_keys.clone();
        if !keys.iter().any(|(k, _)| k == range) {
            keys.push((range.clone(), false));
        }
        shapes.push(keys);
    }
    if !u.order.is_empty() {
        let mut keys = eq_keys.clone();
        for (k, _) in &u.order {
            if !keys.iter().any(|(x, _)| x == k) {
                keys.push((k.clone(), u.order_direction(k)));
            }
        }
        shapes.push(keys);
    }
    shapes
        .into_iter()
        .map(|mut keys| {
            keys.truncate(max_columns);
            keys
        })
        .filter(|keys| keys.len() >= 2)
        .map(|keys| IndexDef {
            table: u.table.clone(),
            keys,
            include: Vec::new(),
            predicate: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_proposes_its_whole_composite_index() {
        let u = TableUse {
            table: "public.t".into(),
            equality: vec![(col("region"), 0.1), (col("tenant"), 0.01)],
            range: vec![(col("created"), 0.3)],
            order: vec![(col("id"), true)],
            ..TableUse::default()
        };
        let added: Vec<String> = moves(&[&u], &[], 3)
            .into_iter()
            .filter_map(|m| match m {
                Move::Add(d) if d.keys.len() > 1 => Some(d.create_sql()),
                _ => None,
            })
            .collect();
        assert_eq!(
            added,
            [
                "CREATE INDEX ON public.t (tenant, region, created)",
                "CREATE INDEX ON public.t (tenant, region, id)"
            ]
        );
    }

    fn col(c: &str) -> Key {
        Key::Column(c.into())
    }

    fn orders() -> TableUse {
        TableUse {
            table: "public.orders".into(),
            equality: vec![(col("customer_id"), 0.001)],
            order: vec![(col("created_at"), true)],
            needed: vec!["id".into(), "total".into()],
            ..TableUse::default()
        }
    }

    #[test]
    fn keys_are_ordered_most_selective_first() {
        let mut u = orders();
        u.equality.push((col("status"), 0.2));
        u.range.push((col("amount"), 0.1));
        assert_eq!(
            u.keys(),
            [
                col("customer_id"),
                col("status"),
                col("amount"),
                col("created_at")
            ]
        );
    }

    #[test]
    fn first_moves_are_single_columns_and_the_composite() {
        let u = orders();
        let m = moves(&[&u], &[], 3);
        let added: Vec<String> = m
            .iter()
            .filter_map(|m| match m {
                Move::Add(d) => Some(d.create_sql()),
                _ => None,
            })
            .collect();
        assert_eq!(
            added,
            [
                "CREATE INDEX ON public.orders (customer_id)",
                "CREATE INDEX ON public.orders (created_at)",
                "CREATE INDEX ON public.orders (customer_id, created_at)"
            ]
        );
    }

    #[test]
    fn a_chosen_index_widens_by_the_sort_column_and_covers() {
        let u = orders();
        let chosen = vec![IndexDef::single("public.orders", col("customer_id"))];
        let m = moves(&[&u], &chosen, 3);
        let widened: Vec<String> = m
            .iter()
            .filter_map(|m| match m {
                Move::Widen(0, d) => Some(d.create_sql()),
                _ => None,
            })
            .collect();
        assert!(
            widened
                .contains(&"CREATE INDEX ON public.orders (customer_id, created_at)".to_string()),
            "{widened:?}"
        );
        assert!(
            widened.contains(
                &"CREATE INDEX ON public.orders (customer_id) INCLUDE (id, total)".to_string()
            ),
            "{widened:?}"
        );
        // a chosen index is not proposed again, nor a one-column index it covers
        assert!(!m
            .iter()
            .any(|m| matches!(m, Move::Add(d) if d.keys == chosen[0].keys)));
        // at the width limit, no wider index
        let m = moves(&[&u], &chosen, 1);
        assert!(!m
            .iter()
            .any(|m| matches!(m, Move::Widen(_, d) if d.keys.len() > 1)));
    }

    #[test]
    fn mixed_sort_directions_become_desc_columns() {
        let u = TableUse {
            table: "public.t".into(),
            order: vec![(col("a"), false), (col("b"), true)],
            ..TableUse::default()
        };
        let chosen = vec![IndexDef::single("public.t", col("a"))];
        let m = moves(&[&u], &chosen, 3);
        assert!(m.iter().any(|m| matches!(m, Move::Widen(0, d) if d.create_sql() == "CREATE INDEX ON public.t (a, b DESC)")), "{m:?}");
    }

    #[test]
    fn rare_constants_give_partial_indexes() {
        let u = TableUse {
            table: "public.jobs".into(),
            equality: vec![(col("status"), 0.01)],
            order: vec![(col("id"), false)],
            rare: vec![("status = 'pending'::text".into(), 0.01)],
            ..TableUse::default()
        };
        let m = moves(&[&u], &[], 3);
        assert!(m.iter().any(|m| matches!(m, Move::Add(d) if d.create_sql() == "CREATE INDEX ON public.jobs (id) WHERE status = 'pending'::text")), "{m:?}");
    }

    #[test]
    fn definitions_quote_names_and_wrap_expressions() {
        let d = IndexDef {
            table: "\"Shop\".\"Order Lines\"".into(),
            keys: vec![
                (Key::Expression("lower(email)".into()), false),
                (col("créé le"), true),
            ],
            include: vec!["select".into()],
            predicate: None,
        };
        assert_eq!(
            d.create_sql(),
            "CREATE INDEX ON \"Shop\".\"Order Lines\" ((lower(email)), \"créé le\" DESC) INCLUDE (\"select\")"
        );
        assert_eq!(
            d.named_sql("order lines_lower_idx"),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"order lines_lower_idx\" ON \"Shop\".\"Order Lines\" ((lower(email)), \"créé le\" DESC) INCLUDE (\"select\")"
        );
        assert_eq!(d.name_parts(), ["lower", "créé le"]);
    }

    #[test]
    fn covering_is_prefix_with_same_predicate() {
        let ab = IndexDef {
            table: "t".into(),
            keys: vec![(col("a"), false), (col("b"), false)],
            include: vec![],
            predicate: None,
        };
        let a = IndexDef::single("t", col("a"));
        assert!(ab.covers(&a));
        assert!(!a.covers(&ab));
        let mut pa = a.clone();
        pa.predicate = Some("x = 1".into());
        assert!(!ab.covers(&pa));
    }
}
