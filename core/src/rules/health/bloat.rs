//! Bloat (`table_bloat`, `index_bloat`): space a table or btree index holds beyond what
//! its live rows need, estimated from the planner's statistics (the loader's
//! `bloat.sql`). Only relations of at least [`MIN_BYTES`] are estimated.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, Bloat, Parts, Snapshot};
use serde_json::json;

pub const TABLE_BLOAT: Rule = Rule {
    id: "table_bloat",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Table whose estimated free space is at least 30% of its size (warning from \
                  50% or 1 GB): scans read empty pages, the cache holds them",
    check: table_bloat,
    parts: Parts::RELATIONS.union(Parts::BLOAT),
};

pub const INDEX_BLOAT: Rule = Rule {
    id: "index_bloat",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Btree index whose estimated free space is at least 30% of its size \
                  (warning from 50% or 1 GB): REINDEX CONCURRENTLY gives it back",
    check: index_bloat,
    parts: Parts::RELATIONS.union(Parts::BLOAT),
};

/// Relations smaller than this are not estimated (their waste does not matter).
pub const MIN_BYTES: i64 = 8 << 20;
const INFO_SHARE: f64 = 0.3;
const WARNING_SHARE: f64 = 0.5;
const WARNING_BYTES: i64 = 1 << 30;

fn level(b: &Bloat) -> Option<Level> {
    let share = b.wasted_share();
    if share >= WARNING_SHARE || (share >= INFO_SHARE && b.wasted_bytes() >= WARNING_BYTES) {
        Some(Level::Warning)
    } else if share >= INFO_SHARE {
        Some(Level::Info)
    } else {
        None
    }
}

fn bloated<'s>(snap: &'s Snapshot, config: &'s Config, index: bool) -> Vec<(&'s Bloat, Level)> {
    snap.bloat
        .iter()
        .filter(|b| b.index == index && b.bytes >= MIN_BYTES)
        .filter(|b| {
            snap.relation(b.table)
                .is_some_and(|t| !t.extension_member && snap.in_scope(t, config))
        })
        .filter_map(|b| level(b).map(|l| (b, l)))
        .collect()
}

fn measures(b: &Bloat) -> String {
    format!(
        "is {} but its {:.0} live rows would fill about {}: an estimated {} ({:.0}%) is free \
         space",
        human_bytes(b.bytes),
        b.rows,
        human_bytes(b.expected_bytes),
        human_bytes(b.wasted_bytes()),
        b.wasted_share() * 100.0
    )
}

fn table_bloat(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out: Vec<Finding> = bloated(snap, config, false)
        .into_iter()
        .map(|(b, level)| {
            let t = snap.rel_identity(b.oid);
            TABLE_BLOAT.finding(
                level,
                "table",
                t.to_string(),
                None,
                format!(
                    "{t} {} (estimated from its statistics). Vacuum makes the space reusable \
                     for new rows but does not give it back: sequential scans still read \
                     those pages and the cache holds them. VACUUM FULL rewrites the table \
                     compactly under an ACCESS EXCLUSIVE lock for the whole rewrite (no reads \
                     or writes meanwhile); pg_repack or pg_squeeze do it online.",
                    measures(b)
                ),
                Some(format!("VACUUM (FULL, ANALYZE) {t};")),
                json!({ "table": t, "bytes": b.bytes, "expected_bytes": b.expected_bytes,
                        "wasted_bytes": b.wasted_bytes(), "rows": b.rows }),
            )
        })
        .collect();
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

fn index_bloat(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out: Vec<Finding> = bloated(snap, config, true)
        .into_iter()
        .map(|(b, level)| {
            let i = snap.rel_identity(b.oid);
            INDEX_BLOAT.finding(
                level,
                "index",
                i.to_string(),
                None,
                format!(
                    "Index {i} on {} {} (estimated from its table's statistics): every scan \
                     of it reads more pages than it needs. REINDEX CONCURRENTLY builds it \
                     again beside the old one without blocking writes.",
                    snap.rel_identity(b.table),
                    measures(b)
                ),
                Some(format!("REINDEX INDEX CONCURRENTLY {i};")),
                json!({ "index": i, "bytes": b.bytes, "expected_bytes": b.expected_bytes,
                        "wasted_bytes": b.wasted_bytes(), "rows": b.rows }),
            )
        })
        .collect();
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn by_share_and_size() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Big Table", &["id"]);
        let small = b.table("app", "small", &["id"]);
        let idx = b.index(t, &["id"]).oid;
        let mut snap = b.build();
        let mb = 1 << 20;
        snap.bloat = vec![
            Bloat {
                oid: t,
                table: t,
                index: false,
                bytes: 100 * mb,
                expected_bytes: 40 * mb,
                rows: 1e6,
            },
            Bloat {
                oid: small,
                table: small,
                index: false,
                bytes: 4 * mb,
                expected_bytes: mb,
                rows: 1e4,
            },
            Bloat {
                oid: idx,
                table: t,
                index: true,
                bytes: 3000 * mb,
                expected_bytes: 1900 * mb,
                rows: 1e6,
            },
        ];
        let f = table_bloat(&snap, &Config::default());
        assert_eq!(f.len(), 1, "the small table is under the floor");
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].detail.contains("60%"), "{}", f[0].detail);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("VACUUM (FULL, ANALYZE) app.\"Big Table\";")
        );
        // 37% of 3 GB is over 1 GB: a warning
        let f = index_bloat(&snap, &Config::default());
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0]
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("REINDEX INDEX CONCURRENTLY "));
        snap.bloat[0].expected_bytes = 80 * mb;
        assert!(table_bloat(&snap, &Config::default()).is_empty());
    }
}
