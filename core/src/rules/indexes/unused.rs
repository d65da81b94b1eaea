//! `unused_index`: an index no query scanned in the stats window, that every write still
//! pays for. Never an index that backs a constraint, enforces uniqueness, is the replica
//! identity or is the only one serving a foreign key.

use super::{candidate, drop_statement, rule_undo, scans_and_bytes, Protections};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::meta;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, human_duration, Oid, Snapshot, TableStats};
use std::fmt::Write;

pub const RULE: Rule = Rule {
    id: "unused_index",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Index not scanned during the statistics window: it slows every write and \
                  takes memory; drop it (the undo statement recreates it)",
    check,
    parts: super::PARTS,
};

/// One unused index (names borrowed from the snapshot).
#[derive(Clone, Debug)]
pub struct UnusedIndex<'s> {
    pub index: Oid,
    pub schema: &'s str,
    pub table: &'s str,
    pub index_name: &'s str,
    pub index_bytes: i64,
    pub scans: i64,
    pub table_writes: TableStats,
    pub undo: Option<String>,
    /// Its metadata is null until [`UnusedIndex::into_finding`]: the view does not show it.
    pub finding: Finding,
}

impl UnusedIndex<'_> {
    /// The finding with its metadata.
    pub fn into_finding(self, snap: &Snapshot, config: &Config) -> Finding {
        let window = &snap.stats_window;
        let w = &self.table_writes;
        self.finding.with_meta(
            config,
            meta!({
            "schema": self.schema,
            "table": self.table,
            "index": self.index_name,
            "index_bytes": self.index_bytes,
            "scans": self.scans,
            "table_inserts": w.n_tup_ins,
            "table_updates": w.n_tup_upd,
            "table_deletes": w.n_tup_del,
            "stats_since": &window.since,
            "stats_window_seconds": window.seconds,
            "undo": &self.undo,
            }),
        )
    }
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    analyze(snap, config)
        .into_iter()
        .map(|u| u.into_finding(snap, config))
        .collect()
}

pub fn analyze<'s>(snap: &'s Snapshot, config: &Config) -> Vec<UnusedIndex<'s>> {
    analyze_tables(snap, config, |_| true)
}

/// [`analyze`] for the indexes of the tables `take` says (a view splits the work by table
/// over threads: each table's findings depend on that table alone).
pub fn analyze_tables<'s>(
    snap: &'s Snapshot,
    config: &Config,
    take: impl Fn(Oid) -> bool,
) -> Vec<UnusedIndex<'s>> {
    let protections = Protections::of(snap);
    let window = &snap.stats_window;
    let since = window.describe();
    // at most one finding an index: reserved (untouched capacity costs no memory), not grown
    // by copying tens of thousands of findings
    let mut out = Vec::with_capacity(snap.indexes.len());
    for ix in snap.indexes.iter().filter(|ix| take(ix.table)) {
        let Some((rel, table)) = candidate(snap, config, ix) else {
            continue;
        };
        if protections.is_protected(ix.oid) {
            continue;
        }
        let (Some(scans), bytes) = scans_and_bytes(snap, ix) else {
            continue; // no statistics at all: nothing to say
        };
        if scans > config.unused_index_max_scans {
            continue;
        }
        let writes = snap.table_stats(ix.table).unwrap_or_default();
        let identity = snap.rel_identity(ix.oid);
        let table_identity = snap.rel_identity(ix.table);
        let young = window.seconds < config.min_stats_age_seconds;
        let small = bytes < config.unused_index_min_bytes;
        let level = if young || small {
            Level::Info
        } else {
            Level::Warning
        };
        let mut detail = String::with_capacity(400);
        let _ = write!(
            detail,
            "Index {identity} on {table_identity} ({}) was scanned {} time{} {since}, while \
             {table_identity} had {} inserts, {} updates and {} deletes that all maintain it; \
             scans on standbys are not counted here",
            human_bytes(bytes),
            human_count(scans),
            if scans == 1 { "" } else { "s" },
            human_count(writes.n_tup_ins),
            human_count(writes.n_tup_upd),
            human_count(writes.n_tup_del),
        );
        if young {
            let _ = write!(
                detail,
                "; statistics only cover {}, less than database_advisor.min_stats_age ({}), \
                 hence info",
                human_duration(window.seconds),
                human_duration(config.min_stats_age_seconds)
            );
        } else if small {
            let _ = write!(
                detail,
                "; it is small (below database_advisor.unused_index_min_size, {}), hence info",
                human_bytes(config.unused_index_min_bytes)
            );
        }
        detail.push('.');
        let undo = rule_undo(snap, config, ix);
        out.push(UnusedIndex {
            index: ix.oid,
            schema: snap.schema_name(rel),
            table: &table.name,
            index_name: &rel.name,
            index_bytes: bytes,
            scans,
            table_writes: writes,
            undo,
            finding: RULE.finding(
                level,
                "index",
                identity.into_owned(),
                None,
                detail,
                Some(drop_statement(snap, ix)),
                serde_json::Value::Null,
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ConstraintKind, SnapshotBuilder, StatsWindow};

    fn big(b: &mut SnapshotBuilder, ix: Oid) {
        b.relation_mut(ix).size_bytes = 50 << 20;
    }

    #[test]
    fn undo_is_filled_in_after_the_rules() {
        // the loader deparses only the indexes whose findings lack their undo, afterwards
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "tasks", &["id", "title"]);
        b.relation_mut(t).stats = Some(Box::default());
        let ix = b.index(t, &["title"]).oid;
        big(&mut b, ix);
        let mut snap = b.build();
        let mut found: Vec<Finding> = (RULE.check)(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert!(found[0].metadata["undo"].is_null());
        let wanted = crate::rules::indexes::undo_wanted(&snap, &found.iter().collect::<Vec<_>>());
        assert_eq!(wanted, [ix]);
        snap.index_defs.insert(
            ix,
            "CREATE INDEX tasks_title_idx ON public.tasks USING btree (title)".into(),
        );
        crate::rules::indexes::fill_undo(&snap, found.iter_mut());
        assert_eq!(
            found[0].metadata["undo"],
            "CREATE INDEX CONCURRENTLY tasks_title_idx ON public.tasks USING btree (title);"
        );
    }

    #[test]
    fn reports_an_unscanned_index_with_drop_and_undo() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "tasks", &["id", "title"]);
        b.relation_mut(t).stats = Some(Box::new(TableStats {
            n_tup_ins: 1000,
            n_tup_upd: 20,
            ..Default::default()
        }));
        let ix = b.index(t, &["title"]).oid;
        big(&mut b, ix);
        let mut snap = b.build();
        snap.index_defs.insert(
            ix,
            "CREATE INDEX tasks_title_idx ON public.tasks USING btree (title)".into(),
        );
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        let u = &found[0];
        assert_eq!(u.finding.level, Level::Warning);
        assert_eq!(u.finding.object_identity, "public.tasks_title_idx");
        assert_eq!(
            u.finding.remediation.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.tasks_title_idx;")
        );
        assert_eq!(
            u.undo.as_deref(),
            Some("CREATE INDEX CONCURRENTLY tasks_title_idx ON public.tasks USING btree (title);")
        );
        assert!(u
            .finding
            .detail
            .contains("1,000 inserts, 20 updates and 0 deletes"));
        assert!(u.finding.detail.contains("standbys are not counted"));
    }

    #[test]
    fn scanned_indexes_are_not_reported_and_the_threshold_is_configurable() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index(t, &["a"]).scans = Some(3);
        let snap = b.build();
        assert!(analyze(&snap, &Config::default()).is_empty());
        let lenient = Config {
            unused_index_max_scans: 5,
            ..Config::default()
        };
        assert_eq!(analyze(&snap, &lenient).len(), 1);
    }

    #[test]
    fn young_statistics_or_small_index_lower_the_level() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        let ix = b.index(t, &["a"]).oid;
        big(&mut b, ix);
        b.window(StatsWindow {
            since: "x".into(),
            from_reset: true,
            seconds: 3.0 * 3600.0,
        });
        let snap = b.build();
        let f = &analyze(&snap, &Config::default())[0].finding;
        assert_eq!(f.level, Level::Info);
        assert!(
            f.detail.contains("statistics only cover 3 hours"),
            "{}",
            f.detail
        );

        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index(t, &["a"]);
        let snap = b.build();
        let f = &analyze(&snap, &Config::default())[0].finding;
        assert_eq!(f.level, Level::Info);
        assert!(f.detail.contains("small"));
    }

    #[test]
    fn protected_indexes_are_never_reported() {
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "p", &["id", "code", "r", "during"]);
        b.primary_key(p, &["id"]);
        b.key_constraint(p, "p_code_key", &["code"], ConstraintKind::Unique);
        b.key_constraint(p, "p_excl", &["during"], ConstraintKind::Exclusion);
        b.index(p, &["r"]).unique = true;
        let c = b.table("public", "c", &["p_id", "x"]);
        b.index(c, &["p_id"]);
        b.index(c, &["x"]).replica_identity = true;
        b.foreign_key("c_fk", c, &["p_id"], p, &["id"]);
        assert!(analyze(&b.build(), &Config::default()).is_empty());
    }

    #[test]
    fn invalid_in_progress_excluded_and_extension_indexes_are_skipped() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a", "b", "c"]);
        b.index(t, &["a"]).valid = false;
        let building = b.index(t, &["b"]).oid;
        let owned = b.index(t, &["c"]).oid;
        b.relation_mut(owned).extension_member = true;
        let mut snap = b.build();
        snap.indexes_in_progress.insert(building);
        assert!(analyze(&snap, &Config::default()).is_empty());
    }

    #[test]
    fn partitioned_index_is_judged_at_the_parent() {
        let mut b = SnapshotBuilder::new();
        let e = b.partitioned_table("public", "events", &["id", "kind"]);
        let p1 = b.partition(e, "events_1", &["id", "kind"], true);
        let p2 = b.partition(e, "events_2", &["id", "kind"], true);
        let parent = b.index(e, &["kind"]).oid;
        b.index_by_oid_mut(parent).scans = None;
        for p in [p1, p2] {
            let child = b.index(p, &["kind"]).oid;
            b.attach_index(child, parent);
            b.relation_mut(child).size_bytes = 1 << 20;
        }
        let snap = b.build();
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.object_identity, "public.events_kind_idx");
        assert_eq!(found[0].index_bytes, 2 << 20);
        assert_eq!(
            found[0].finding.remediation.as_deref(),
            Some("DROP INDEX IF EXISTS public.events_kind_idx;")
        );

        // one partition's index is used: the parent is used
        let mut b2 = SnapshotBuilder::new();
        let e = b2.partitioned_table("public", "events", &["id", "kind"]);
        let p1 = b2.partition(e, "events_1", &["id", "kind"], true);
        let parent = b2.index(e, &["kind"]).oid;
        b2.index_by_oid_mut(parent).scans = None;
        let child = b2.index(p1, &["kind"]);
        child.scans = Some(7);
        let child = child.oid;
        b2.attach_index(child, parent);
        assert!(analyze(&b2.build(), &Config::default()).is_empty());
    }
}
