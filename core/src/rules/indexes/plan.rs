//! Which index to suggest for each unindexed foreign key of a table, so that following
//! every suggestion creates no index another rule would then call redundant:
//! - FKs whose columns lead a longer FK's suggestion share that one index;
//! - the column order avoids making an existing index a prefix of the new one.

use crate::snapshot::{Constraint, Oid, Snapshot};
use std::collections::HashMap;

/// The column order (attnums) of the index suggested for each FK constraint (by OID).
pub fn plan_fk_indexes(snap: &Snapshot, table: Oid, fks: &[&Constraint]) -> HashMap<Oid, Vec<i16>> {
    let mut sorted: Vec<&Constraint> = fks.to_vec();
    sorted.sort_by_key(|fk| (std::cmp::Reverse(fk.columns.len()), fk.oid));
    let mut plans: Vec<Vec<i16>> = Vec::new();
    let mut chosen = HashMap::new();
    for (i, fk) in sorted.iter().enumerate() {
        let n = fk.columns.len();
        if let Some(plan) = plans
            .iter()
            .find(|p| p.len() >= n && same_set(&p[..n], &fk.columns))
        {
            chosen.insert(fk.oid, plan.clone());
            continue;
        }
        let shorter: Vec<&[i16]> = sorted[i + 1..]
            .iter()
            .map(|s| s.columns.as_slice())
            .filter(|s| s.len() < n && s.iter().all(|c| fk.columns.contains(c)))
            .collect();
        let plan = best_order(snap, table, &fk.columns, &shorter);
        chosen.insert(fk.oid, plan.clone());
        plans.push(plan);
    }
    chosen
}

fn same_set(a: &[i16], b: &[i16]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}

/// Best column order: makes no existing index redundant, then serves the most shorter FKs
/// as a prefix, then stays closest to the FK's own order.
fn best_order(snap: &Snapshot, table: Oid, columns: &[i16], shorter: &[&[i16]]) -> Vec<i16> {
    if columns.len() <= 1 || columns.len() > 4 {
        return columns.to_vec(); // one order, or 120+: keep the FK's own
    }
    let score = |order: &[i16]| {
        let redundant = makes_existing_index_redundant(snap, table, order);
        let served = shorter
            .iter()
            .filter(|s| same_set(&order[..s.len()], s))
            .count();
        (redundant, std::cmp::Reverse(served))
    };
    permutations(columns)
        .into_iter()
        .min_by_key(|order| score(order)) // the first minimum: permutations start with the FK order
        .unwrap_or_else(|| columns.to_vec())
}

/// Would a plain btree index on `order` make an existing non-unique index on the table a
/// leading prefix of it (see `redundant`)?
fn makes_existing_index_redundant(snap: &Snapshot, table: Oid, order: &[i16]) -> bool {
    snap.indexes_on(table).any(|ix| {
        let keys = ix.key_columns();
        ix.usable()
            && !ix.unique
            && &*ix.am == "btree"
            && !ix.partial
            && ix
                .include_columns()
                .iter()
                .all(|c| *c != 0 && order.contains(c))
            && keys.len() <= order.len()
            && keys == &order[..keys.len()]
            && ix.options.iter().all(|&o| o == 0)
            && keys.iter().zip(&ix.collations).all(|(&a, &coll)| {
                snap.attributes
                    .get(&(table, a))
                    .map_or(0, |at| at.collation)
                    == coll
            })
    })
}

/// All orders of `items`, the given order first.
fn permutations(items: &[i16]) -> Vec<Vec<i16>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn permutations_start_with_the_given_order() {
        let p = permutations(&[3, 1, 2]);
        assert_eq!(p.len(), 6);
        assert_eq!(p[0], [3, 1, 2]);
    }

    #[test]
    fn nested_fks_share_one_index_led_by_the_shorter_columns() {
        let mut b = SnapshotBuilder::new();
        let c = b.table("public", "c", &["id", "region"]);
        let o = b.table("public", "o", &["region", "customer_id"]);
        let long = b
            .foreign_key("o_cr", o, &["region", "customer_id"], c, &["region", "id"])
            .oid;
        let short = b.foreign_key("o_c", o, &["customer_id"], c, &["id"]).oid;
        let snap = b.build();
        let fks: Vec<&Constraint> = snap.constraints.iter().collect();
        let plan = plan_fk_indexes(&snap, o, &fks);
        assert_eq!(
            plan[&long],
            vec![2, 1],
            "customer_id first, so it serves both"
        );
        assert_eq!(plan[&short], plan[&long]);
    }

    #[test]
    fn avoids_making_an_existing_index_redundant() {
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "p", &["a", "b"]);
        let t = b.table("public", "t", &["a", "b"]);
        b.index(t, &["a"]); // existing (a): a suggestion (a, b) would make it redundant
        let fk = b.foreign_key("t_ab", t, &["a", "b"], p, &["a", "b"]).oid;
        let snap = b.build();
        let fks: Vec<&Constraint> = snap.constraints.iter().collect();
        assert_eq!(plan_fk_indexes(&snap, t, &fks)[&fk], vec![2, 1]);

        // (a) INCLUDE (b) would be redundant with (a, b) too
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "p", &["a", "b"]);
        let t = b.table("public", "t", &["a", "b"]);
        b.index(t, &["a", "b"]).n_key = 1;
        let fk = b.foreign_key("t_ab", t, &["a", "b"], p, &["a", "b"]).oid;
        let snap = b.build();
        let fks: Vec<&Constraint> = snap.constraints.iter().collect();
        assert_eq!(plan_fk_indexes(&snap, t, &fks)[&fk], vec![2, 1]);
    }
}
