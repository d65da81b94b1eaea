//! When does an index serve a foreign key's referential check? (shared/DESIGN.md §5)
//!
//! Deleting or updating a referenced key runs `SELECT ... FROM referencing WHERE c1 = $1
//! AND c2 = $2 ...`: an equality lookup on all FK columns C. An index serves it when it is
//! usable (valid, ready, live), not partial, btree (hash for one column), and its first |C|
//! key columns are exactly the set C in any order, each with an operator family that holds
//! the check's equality operator and the column's own collation.

use crate::snapshot::{Constraint, Index, Oid, RelKind, Snapshot};

/// Whether `ix` serves an equality lookup on `columns` of its table using `eq_ops`
/// (one operator per column; an empty slice skips the operator check).
pub fn index_covers(snap: &Snapshot, ix: &Index, columns: &[i16], eq_ops: &[Oid]) -> bool {
    if !ix.usable() || ix.partial {
        return false;
    }
    let keys = ix.key_columns();
    let Some(order) = leading_keys_match(&ix.am, keys, columns) else {
        return false;
    };
    order.into_iter().enumerate().all(|(pos, i)| {
        let attnum = columns[i];
        if let (Some(&op), Some(&family)) = (eq_ops.get(i), ix.opfamilies.get(pos)) {
            if !snap.opfamily_has(family, op) {
                return false;
            }
        }
        let column_collation = snap
            .attributes
            .get(&(ix.table, attnum))
            .map_or(0, |a| a.collation);
        ix.collations.get(pos).copied().unwrap_or(0) == column_collation
    })
}

/// The shape of coverage, shared with the migration linter (which knows columns by name):
/// an index of access method `am` with key columns `keys` serves an equality lookup on
/// `columns` when it is btree (hash for one column) and its first |C| keys are exactly the
/// set C, in any order. Returns, for each of those keys, its position in `columns`. (An
/// expression key never equals a column.)
pub fn leading_keys_match<K: PartialEq>(am: &str, keys: &[K], columns: &[K]) -> Option<Vec<usize>> {
    let n = columns.len();
    let am_ok = match am {
        "btree" => true,
        "hash" => n == 1,
        _ => false,
    };
    if n == 0 || !am_ok || keys.len() < n {
        return None;
    }
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for key in keys.iter().take(n) {
        let i = columns.iter().position(|c| c == key)?;
        if std::mem::replace(&mut seen[i], true) {
            return None;
        }
        order.push(i);
    }
    Some(order)
}

/// The indexes on `table` that serve an equality lookup on `columns`.
pub fn covering_indexes<'s>(
    snap: &'s Snapshot,
    table: Oid,
    columns: &'s [i16],
    eq_ops: &'s [Oid],
) -> impl Iterator<Item = &'s Index> + 's {
    snap.indexes_on(table)
        .filter(move |ix| index_covers(snap, ix, columns, eq_ops))
}

/// How well a foreign key's referencing side is indexed.
#[derive(Debug, PartialEq)]
pub enum FkCoverage {
    /// An index on the table itself (or on the partitioned parent) serves the check.
    Covered,
    /// A partitioned table without a usable parent index whose every leaf partition has
    /// its own covering index: the checks are served, partition by partition.
    CoveredByPartitions,
    /// Not served. For a partitioned table, the leaf partitions that lack an index.
    Missing { uncovered_partitions: Vec<Oid> },
}

/// Coverage of a foreign key constraint (ignores non-FK constraints: `Covered`).
pub fn fk_coverage(snap: &Snapshot, fk: &Constraint) -> FkCoverage {
    let Some(foreign) = &fk.foreign else {
        return FkCoverage::Covered;
    };
    if covering_indexes(snap, fk.table, &fk.columns, &foreign.eq_ops)
        .next()
        .is_some()
    {
        return FkCoverage::Covered;
    }
    let partitioned = snap
        .relation(fk.table)
        .is_some_and(|r| r.kind == RelKind::PartitionedTable);
    if !partitioned {
        return FkCoverage::Missing {
            uncovered_partitions: Vec::new(),
        };
    }
    // Partitions may number their columns differently: map by name.
    let names: Vec<Option<&str>> = fk
        .columns
        .iter()
        .map(|&a| snap.column_name(fk.table, a))
        .collect();
    let leaves = snap.leaf_partitions(fk.table);
    let uncovered: Vec<Oid> = leaves
        .iter()
        .copied()
        .filter(|&leaf| {
            let cols: Option<Vec<i16>> = names
                .iter()
                .map(|n| n.and_then(|n| snap.attnum(leaf, n)))
                .collect();
            match cols {
                Some(cols) => covering_indexes(snap, leaf, &cols, &foreign.eq_ops)
                    .next()
                    .is_none(),
                None => true,
            }
        })
        .collect();
    if !leaves.is_empty() && uncovered.is_empty() {
        FkCoverage::CoveredByPartitions
    } else {
        FkCoverage::Missing {
            uncovered_partitions: uncovered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    /// orders(id, customer_id, region, note) -> customers(id, region)
    fn setup(fk_cols: &[&str]) -> (SnapshotBuilder, Oid) {
        let mut b = SnapshotBuilder::new();
        let c = b.table("public", "customers", &["id", "region"]);
        b.primary_key(c, &["id", "region"]);
        let o = b.table("public", "orders", &["id", "customer_id", "region", "note"]);
        b.primary_key(o, &["id"]);
        let ref_cols: Vec<&str> = ["id", "region"][..fk_cols.len()].to_vec();
        b.foreign_key("orders_customer_fk", o, fk_cols, c, &ref_cols);
        (b, o)
    }

    fn coverage(b: SnapshotBuilder) -> FkCoverage {
        let snap = b.build();
        let fk = snap
            .constraints
            .iter()
            .find(|c| c.foreign.is_some())
            .unwrap();
        fk_coverage(&snap, fk)
    }

    fn missing() -> FkCoverage {
        FkCoverage::Missing {
            uncovered_partitions: vec![],
        }
    }

    #[test]
    fn no_index_is_missing() {
        let (b, _) = setup(&["customer_id"]);
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn exact_btree_index_covers() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id"]);
        assert_eq!(coverage(b), FkCoverage::Covered);
    }

    #[test]
    fn longer_index_with_fk_columns_leading_covers() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id", "note"]);
        assert_eq!(coverage(b), FkCoverage::Covered);
    }

    #[test]
    fn multi_column_fk_in_any_order_covers() {
        let (mut b, o) = setup(&["customer_id", "region"]);
        b.index(o, &["region", "customer_id", "note"]);
        assert_eq!(coverage(b), FkCoverage::Covered);
    }

    #[test]
    fn index_on_part_of_a_multi_column_fk_does_not_cover() {
        let (mut b, o) = setup(&["customer_id", "region"]);
        b.index(o, &["customer_id"]);
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn leading_column_outside_the_fk_does_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["note", "customer_id"]);
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn fk_columns_interleaved_with_other_columns_do_not_cover() {
        let (mut b, o) = setup(&["customer_id", "region"]);
        b.index(o, &["customer_id", "note", "region"]);
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn partial_index_does_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id"]).partial = true;
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn expression_index_does_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["(customer_id + 0)"]);
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn expression_after_the_fk_columns_still_covers() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id", "(lower(note))"]);
        assert_eq!(coverage(b), FkCoverage::Covered);
    }

    #[test]
    fn invalid_unready_or_dying_index_does_not_cover() {
        for tweak in [
            |ix: &mut Index| ix.valid = false,
            |ix: &mut Index| ix.ready = false,
            |ix: &mut Index| ix.live = false,
        ] {
            let (mut b, o) = setup(&["customer_id"]);
            tweak(b.index(o, &["customer_id"]));
            assert_eq!(coverage(b), missing());
        }
    }

    #[test]
    fn hash_covers_one_column_only() {
        let (mut b, o) = setup(&["customer_id"]);
        let ix = b.index(o, &["customer_id"]);
        ix.am = "hash".into();
        ix.opfamilies = vec![crate::snapshot::builder::HASH_FAMILY];
        assert_eq!(coverage(b), FkCoverage::Covered);

        let (mut b, o) = setup(&["customer_id", "region"]);
        let ix = b.index(o, &["customer_id", "region"]);
        ix.am = "hash".into();
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn other_access_methods_do_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id"]).am = "gin".into();
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn include_columns_do_not_count_as_keys() {
        let (mut b, o) = setup(&["customer_id", "region"]);
        // (customer_id) INCLUDE (region)
        b.index(o, &["customer_id", "region"]).n_key = 1;
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn opfamily_without_the_equality_operator_does_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.index(o, &["customer_id"]).opfamilies = vec![4242];
        assert_eq!(coverage(b), missing());
    }

    #[test]
    fn index_with_another_collation_does_not_cover() {
        let (mut b, o) = setup(&["customer_id"]);
        b.attribute_mut(o, "customer_id").collation = 100;
        b.index(o, &["customer_id"]).collations = vec![950];
        assert_eq!(coverage(b), missing());

        let (mut b, o) = setup(&["customer_id"]);
        b.attribute_mut(o, "customer_id").collation = 100;
        b.index(o, &["customer_id"]).collations = vec![100];
        assert_eq!(coverage(b), FkCoverage::Covered);
    }

    #[test]
    fn composite_primary_key_with_fk_leading_covers() {
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "projects", &["id"]);
        b.primary_key(p, &["id"]);
        let m = b.table("public", "project_members", &["project_id", "user_id"]);
        b.primary_key(m, &["project_id", "user_id"]);
        b.foreign_key("m_project_fk", m, &["project_id"], p, &["id"]);
        let snap = b.build();
        let fk = snap
            .constraints
            .iter()
            .find(|c| c.foreign.is_some())
            .unwrap();
        assert_eq!(fk_coverage(&snap, fk), FkCoverage::Covered);
    }

    fn partitioned(parent_index: bool, leaf_indexes: [bool; 2]) -> FkCoverage {
        let mut b = SnapshotBuilder::new();
        let c = b.table("public", "customers", &["id"]);
        b.primary_key(c, &["id"]);
        let e = b.partitioned_table("public", "events", &["id", "customer_id"]);
        // the first partition had a column dropped: attnums differ from the parent's
        let p1 = b.partition(e, "events_2025", &["", "id", "customer_id"], true);
        let mid = b.partition(e, "events_2026", &["id", "customer_id"], false);
        let p2 = b.partition(mid, "events_2026_h1", &["id", "customer_id"], true);
        if parent_index {
            b.index(e, &["customer_id"]);
        }
        for (leaf, has) in [p1, p2].into_iter().zip(leaf_indexes) {
            if has {
                b.index(leaf, &["customer_id"]);
            }
        }
        b.foreign_key("events_customer_fk", e, &["customer_id"], c, &["id"]);
        coverage(b)
    }

    #[test]
    fn partitioned_parent_index_covers() {
        assert_eq!(partitioned(true, [false, false]), FkCoverage::Covered);
    }

    #[test]
    fn partitions_each_with_an_index_cover_by_name_not_attnum() {
        assert_eq!(
            partitioned(false, [true, true]),
            FkCoverage::CoveredByPartitions
        );
    }

    #[test]
    fn a_partition_without_index_is_named() {
        match partitioned(false, [true, false]) {
            FkCoverage::Missing {
                uncovered_partitions,
            } => assert_eq!(uncovered_partitions.len(), 1),
            other => panic!("{other:?}"),
        }
    }
}
