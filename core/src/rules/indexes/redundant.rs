//! `redundant_index`: a non-unique btree index whose key columns are a leading prefix of
//! another valid btree index on the same table, with the same predicate and the same
//! operator classes, collations and sort options on those columns. The longer index serves
//! every query the shorter one does. Compared by attribute numbers and catalog fields.

use super::{
    candidate, drop_statement, rule_undo, scans_and_bytes, with_superseded_meta, Protections,
};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Index, Oid, Snapshot};

pub const RULE: Rule = Rule {
    id: "redundant_index",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Non-unique btree index whose columns lead another index on the same table: \
                  the longer index serves its queries; drop the shorter one",
    check,
    parts: super::PARTS,
};

#[derive(Clone, Debug)]
pub struct RedundantIndex {
    pub index: Oid,
    pub covered_by: Oid,
    pub undo: Option<String>,
    pub finding: Finding,
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    analyze(snap, config)
        .into_iter()
        .map(|r| r.finding)
        .collect()
}

/// Whether `longer` serves every query `short` serves (and is not simply identical).
pub fn is_prefix_of(short: &Index, longer: &Index) -> bool {
    let k = short.n_key;
    let same_key_column = |pos: usize| {
        short.columns[pos] == longer.columns[pos]
            && short.expression(pos) == longer.expression(pos)
            && short.opclasses.get(pos) == longer.opclasses.get(pos)
            && short.collations.get(pos) == longer.collations.get(pos)
            && short.options.get(pos) == longer.options.get(pos)
    };
    if short.oid == longer.oid
        || short.table != longer.table
        || &*short.am != "btree"
        || &*longer.am != "btree"
        || short.predicate != longer.predicate
        || longer.n_key < k
        || !(0..k).all(same_key_column)
    {
        return false;
    }
    // the short one's INCLUDE columns must all be in the longer one (for index-only scans)
    let includes_ok = short
        .include_columns()
        .iter()
        .all(|c| *c != 0 && longer.columns.contains(c));
    // equal keys and equal columns would be a duplicate, not a redundancy
    let strictly_more = longer.n_key > k || longer.columns.len() > short.columns.len();
    includes_ok && strictly_more
}

pub fn analyze(snap: &Snapshot, config: &Config) -> Vec<RedundantIndex> {
    let protections = Protections::of(snap);
    let since = snap.stats_window.describe();
    let mut out = Vec::with_capacity(snap.indexes.len()); // at most one an index
    for short in &snap.indexes {
        if short.unique
            || &*short.am != "btree"
            || protections.is_structural(short.oid)
            || candidate(snap, config, short).is_none()
        {
            continue;
        }
        // prefer a longer index that backs a constraint, then the most used, then the oldest
        let best = snap
            .indexes_on(short.table)
            .filter(|l| is_prefix_of(short, l) && candidate(snap, config, l).is_some())
            .min_by_key(|l| {
                (
                    !protections.is_structural(l.oid),
                    std::cmp::Reverse(scans_and_bytes(snap, l).0.unwrap_or(0)),
                    l.oid,
                )
            });
        if let Some(longer) = best {
            out.push(describe(snap, config, &since, short, longer));
        }
    }
    out
}

fn describe(
    snap: &Snapshot,
    config: &Config,
    since: &str,
    short: &Index,
    longer: &Index,
) -> RedundantIndex {
    let identity = snap.rel_identity(short.oid);
    let longer_identity = snap.rel_identity(longer.oid);
    let table_identity = snap.rel_identity(short.table);
    let (scans, bytes) = scans_and_bytes(snap, short);
    let detail = format!(
        "Index {identity} on {table_identity} ({}, {} scans {}) is a leading prefix of \
         {longer_identity}, which serves every query it serves; every write maintains both. \
         Its scans move to the longer index, which is a little larger to read.",
        human_bytes(bytes),
        human_count(scans.unwrap_or(0)),
        since
    );
    let undo = rule_undo(snap, config, short);
    let finding = RULE.finding(
        RULE.default_level,
        "index",
        identity.into_owned(),
        None,
        detail,
        Some(drop_statement(snap, short)),
        serde_json::Value::Null,
    );
    let finding = with_superseded_meta(
        finding,
        snap,
        config,
        short,
        (scans, bytes),
        ("covered_by", &longer_identity),
        &undo,
    );
    RedundantIndex {
        index: short.oid,
        covered_by: longer.oid,
        undo,
        finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn reported(b: SnapshotBuilder) -> Vec<(String, String)> {
        let snap = b.build();
        analyze(&snap, &Config::default())
            .iter()
            .map(|r| {
                (
                    r.finding.object_identity.clone(),
                    snap.rel_identity(r.covered_by).into_owned(),
                )
            })
            .collect()
    }

    fn table(b: &mut SnapshotBuilder) -> Oid {
        b.table("public", "t", &["col", "col_2", "c", "d"])
    }

    #[test]
    fn prefix_is_redundant() {
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["col"]);
        b.index_named(t, "long", &["col", "col_2"]);
        assert_eq!(
            reported(b),
            [("public.short".to_string(), "public.long".to_string())]
        );
    }

    #[test]
    fn similar_names_are_not_the_same_column() {
        // pglinter's string matching takes "col" for a prefix of "col_2"
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["col"]);
        b.index_named(t, "long", &["col_2", "c"]);
        assert!(reported(b).is_empty());
    }

    #[test]
    fn not_a_prefix_when_order_differs_or_something_else_changes() {
        type Tweak = fn(&mut Index);
        let tweaks: [Tweak; 6] = [
            |i| i.columns = vec![2, 1],               // (col_2, col)
            |i| i.predicate = Some("(c > 0)".into()), // partial
            |i| i.opclasses = vec![7, 1978],          // another opclass on col
            |i| i.collations = vec![950, 0],          // another collation on col
            |i| i.options = vec![3, 0],               // DESC NULLS FIRST on col
            |i| i.am = "gist".into(),
        ];
        for (n, tweak) in tweaks.iter().enumerate() {
            let mut b = SnapshotBuilder::new();
            let t = table(&mut b);
            b.index_named(t, "short", &["col"]);
            tweak(b.index_named(t, "long", &["col", "col_2"]));
            assert!(reported(b).is_empty(), "tweak {n}");
        }
    }

    #[test]
    fn unique_or_identical_indexes_are_not_redundant() {
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["col"]).unique = true;
        b.index_named(t, "long", &["col", "col_2"]);
        assert!(reported(b).is_empty());

        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "one", &["col", "col_2"]);
        b.index_named(t, "two", &["col", "col_2"]);
        assert!(reported(b).is_empty(), "that is duplicate_index's job");
    }

    #[test]
    fn include_columns() {
        // (col) is redundant with (col) INCLUDE (c): same keys, more columns
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["col"]);
        b.index_named(t, "long", &["col", "c"]).n_key = 1;
        assert_eq!(reported(b).len(), 1);

        // (col) INCLUDE (d) is not redundant with (col, col_2): d would be lost
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["col", "d"]).n_key = 1;
        b.index_named(t, "long", &["col", "col_2"]);
        assert!(reported(b).is_empty());
    }

    #[test]
    fn expression_prefixes_compare_deparsed_expressions() {
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "short", &["(lower(col))"]);
        b.index_named(t, "long", &["(lower(col))", "c"]);
        b.index_named(t, "other", &["(upper(col))", "c"]);
        assert_eq!(
            reported(b),
            [("public.short".to_string(), "public.long".to_string())]
        );
    }

    #[test]
    fn chain_reports_each_shorter_index_once() {
        let mut b = SnapshotBuilder::new();
        let t = table(&mut b);
        b.index_named(t, "a", &["col"]);
        b.index_named(t, "ab", &["col", "col_2"]);
        b.index_named(t, "abc", &["col", "col_2", "c"]);
        let pairs = |a: &str, b: &str| (format!("public.{a}"), format!("public.{b}"));
        assert_eq!(reported(b), [pairs("a", "ab"), pairs("ab", "abc")]);
    }
}
