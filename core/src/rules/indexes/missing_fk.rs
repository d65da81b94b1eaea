//! `missing_fk_index`: a foreign key whose referencing columns no index serves, so every
//! DELETE or key UPDATE on the referenced table scans the referencing table.

use super::choose_index_name;
use super::coverage::{fk_coverage, FkCoverage};
use super::plan::plan_fk_indexes;
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::meta;
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Constraint, Oid, RelKind, Snapshot};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const RULE: Rule = Rule {
    id: "missing_fk_index",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Foreign key without an index on its referencing columns: every delete or key \
                  update on the referenced table scans the referencing table",
    check,
    parts: crate::snapshot::Parts::FOREIGN_KEYS,
};

/// One unindexed foreign key, with the facts `advisor_missing_fk_indexes` shows (names
/// borrowed from the snapshot).
#[derive(Clone, Debug)]
pub struct MissingFkIndex<'s> {
    pub schema: &'s str,
    pub table: &'s str,
    pub constraint: &'s str,
    pub columns: Vec<&'s str>,
    /// Identity of the referenced table (`schema.name`, quoted where needed).
    pub referenced_table: Cow<'s, str>,
    pub referenced_columns: Vec<&'s str>,
    pub table_rows: i64,
    pub table_bytes: i64,
    /// Deletes / updates on the referenced table in the stats window (`None`: no stats).
    pub referenced_deletes: Option<i64>,
    pub referenced_updates: Option<i64>,
    /// Identities of leaf partitions that lack an index (partitioned tables only).
    pub uncovered_partitions: Vec<String>,
    /// The rest of the finding's metadata (see [`MissingFkIndex::into_finding`]).
    referenced: Option<(&'s str, &'s str)>,
    rows_scanned: i64,
    partitioned: bool,
    suggested_index: String,
    /// Its metadata is null until [`MissingFkIndex::into_finding`]: the FK view does not
    /// show it.
    pub finding: Finding,
}

impl MissingFkIndex<'_> {
    /// The finding with its metadata.
    pub fn into_finding(self, snap: &Snapshot, config: &Config) -> Finding {
        let referenced = self.referenced.as_ref();
        self.finding.with_meta(
            config,
            meta!({
                "schema": self.schema,
                "table": self.table,
                "constraint": self.constraint,
                "columns": &self.columns,
                "referenced_schema": referenced.map(|r| r.0),
                "referenced_table": referenced.map(|r| r.1),
                "referenced_columns": &self.referenced_columns,
                "table_rows": self.table_rows,
                "table_bytes": self.table_bytes,
                "referenced_deletes": self.referenced_deletes,
                "referenced_updates": self.referenced_updates,
                "estimated_rows_scanned": self.rows_scanned,
                "stats_since": &snap.stats_window.since,
                "stats_window_seconds": snap.stats_window.seconds,
                "partitioned": self.partitioned,
                "uncovered_partitions": &self.uncovered_partitions,
                "suggested_index": &self.suggested_index,
            }),
        )
    }
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    analyze(snap, config)
        .into_iter()
        .map(|m| m.into_finding(snap, config))
        .collect()
}

/// Every foreign key in scope that no index serves (see `coverage`).
pub fn analyze<'s>(snap: &'s Snapshot, config: &Config) -> Vec<MissingFkIndex<'s>> {
    analyze_tables(snap, config, |_| true)
}

/// [`analyze`] for the foreign keys of the tables `take` says (a view splits the work by
/// table over threads: each table's findings depend on that table alone).
pub fn analyze_tables<'s>(
    snap: &'s Snapshot,
    config: &Config,
    take: impl Fn(Oid) -> bool,
) -> Vec<MissingFkIndex<'s>> {
    // uncovered foreign keys, grouped by table so that one suggested index can serve several
    let mut by_table: BTreeMap<Oid, Vec<(&Constraint, Vec<Oid>)>> = BTreeMap::new();
    for fk in &snap.constraints {
        // a constraint cloned onto a partition is reported once, at its parent
        if fk.foreign.is_none() || fk.parent != 0 || !take(fk.table) {
            continue;
        }
        let Some(rel) = snap.relation(fk.table) else {
            continue;
        };
        if !matches!(rel.kind, RelKind::Table | RelKind::PartitionedTable)
            || !snap.in_scope(rel, config)
        {
            continue;
        }
        if let FkCoverage::Missing {
            uncovered_partitions,
        } = fk_coverage(snap, fk)
        {
            by_table
                .entry(fk.table)
                .or_default()
                .push((fk, uncovered_partitions));
        }
    }
    let window = snap.stats_window.describe();
    let mut out = Vec::with_capacity(by_table.values().map(Vec::len).sum());
    for (table, fks) in by_table {
        let constraints: Vec<&Constraint> = fks.iter().map(|(fk, _)| *fk).collect();
        let plan = plan_fk_indexes(snap, table, &constraints);
        for (fk, uncovered) in &fks {
            let index_columns = &plan[&fk.oid];
            out.push(describe(
                snap,
                config,
                &window,
                fk,
                index_columns,
                uncovered,
            ));
        }
    }
    out
}

fn describe<'s>(
    snap: &'s Snapshot,
    config: &Config,
    window: &str,
    fk: &'s Constraint,
    index_columns: &[i16],
    uncovered: &[Oid],
) -> MissingFkIndex<'s> {
    let foreign = fk.foreign.as_ref().expect("a foreign key");
    let rel = &snap.relations[&fk.table];
    let schema = snap.schema_name(rel);
    let names = |table: Oid, cols: &[i16]| -> Vec<&'s str> {
        cols.iter()
            .map(|&a| snap.column_name(table, a).unwrap_or("?"))
            .collect()
    };
    let columns = names(fk.table, &fk.columns);
    let referenced_columns = names(foreign.ref_table, &foreign.ref_columns);
    let table_identity = snap.rel_identity(fk.table);
    let referenced_table = snap.rel_identity(foreign.ref_table);
    let fk_name = quote::ident(&fk.name);
    let identity = snap.constraint_identity(fk);

    let (rows, bytes) = snap.rows_and_bytes(fk.table);
    let rows = rows.round() as i64;
    let ref_stats = snap.table_stats(foreign.ref_table);
    let key_changes = ref_stats.map_or(0, |s| s.n_tup_del + s.n_tup_upd);
    let rows_scanned = key_changes.saturating_mul(rows);
    let large = rows as f64 >= config.fk_warning_min_rows || bytes >= config.fk_warning_min_bytes;
    let hot = rows_scanned >= config.fk_warning_min_rows_scanned;
    let level = if large || hot {
        Level::Warning
    } else {
        Level::Info
    };

    let mut detail = String::with_capacity(512);
    let _ = write!(
        detail,
        "Foreign key {fk_name} on {table_identity} ({}) references {referenced_table} ({}) but \
         no index starts with its columns, so every DELETE or key UPDATE on {referenced_table} \
         scans {table_identity} (~{} rows, {})",
        quote::ident_list(&columns),
        quote::ident_list(&referenced_columns),
        human_count(rows),
        human_bytes(bytes),
    );
    let _ = match ref_stats {
        Some(s) => write!(
            detail,
            "; {referenced_table} had {} deletes and {} updates {window}, about {} rows scanned",
            human_count(s.n_tup_del),
            human_count(s.n_tup_upd),
            human_count(rows_scanned),
        ),
        None => write!(detail, "; {referenced_table} has no statistics {window}"),
    };
    let uncovered_partitions: Vec<String> = uncovered
        .iter()
        .map(|&p| snap.rel_identity(p).into_owned())
        .collect();
    if !uncovered_partitions.is_empty() {
        let _ = write!(
            detail,
            "; partitions without such an index: {}",
            uncovered_partitions.join(", ")
        );
    }
    if level == Level::Info {
        detail.push_str("; small and quiet so far, hence info");
    }
    detail.push('.');

    let index_column_names = names(fk.table, index_columns);
    let index_name = choose_index_name(rel.namespace, &rel.name, &index_column_names, |ns, n| {
        snap.relation_name_taken(ns, n)
    });
    let remediation = if rel.kind == RelKind::PartitionedTable {
        // CONCURRENTLY is not supported on a partitioned parent; this recurses to (and
        // attaches matching indexes of) every partition.
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {table_identity} ({});",
            quote::ident(&index_name),
            quote::ident_list(&index_column_names)
        )
    } else {
        format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {table_identity} ({});",
            quote::ident(&index_name),
            quote::ident_list(&index_column_names)
        )
    };

    let referenced = snap
        .relation(foreign.ref_table)
        .map(|r| (snap.schema_name(r), r.name.as_str()));

    MissingFkIndex {
        schema,
        table: &rel.name,
        constraint: &fk.name,
        columns,
        referenced_table,
        referenced_columns,
        table_rows: rows,
        table_bytes: bytes,
        referenced_deletes: ref_stats.map(|s| s.n_tup_del),
        referenced_updates: ref_stats.map(|s| s.n_tup_upd),
        uncovered_partitions,
        referenced,
        rows_scanned,
        partitioned: rel.kind == RelKind::PartitionedTable,
        suggested_index: index_name,
        finding: RULE.finding(
            level,
            "table constraint",
            identity,
            None,
            detail,
            Some(remediation),
            serde_json::Value::Null,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{SnapshotBuilder, TableStats};

    fn orders_schema(schema: &str, table: &str, column: &str) -> (SnapshotBuilder, Oid, Oid) {
        let mut b = SnapshotBuilder::new();
        let c = b.table(schema, "customers", &["id"]);
        b.primary_key(c, &["id"]);
        let o = b.table(schema, table, &["id", column]);
        b.primary_key(o, &["id"]);
        b.foreign_key("orders_customer_fk", o, &[column], c, &["id"]);
        (b, o, c)
    }

    #[test]
    fn reports_an_unindexed_fk_with_a_quoted_fix() {
        let (b, _, _) = orders_schema("Sales Dept", "order", "Customer \"Id\"");
        let snap = b.build();
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        let f = &found[0].finding;
        assert_eq!(f.rule, "missing_fk_index");
        assert_eq!(f.object_type, "table constraint");
        assert_eq!(
            f.object_identity,
            "orders_customer_fk on \"Sales Dept\".\"order\""
        );
        assert_eq!(
            f.remediation.as_deref(),
            Some(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"order_Customer \"\"Id\"\"_idx\" \
                 ON \"Sales Dept\".\"order\" (\"Customer \"\"Id\"\"\");"
            )
        );
        assert_eq!(
            f.fingerprint,
            "missing_fk_index:orders_customer_fk on \"Sales Dept\".\"order\""
        );
        assert_eq!(found[0].columns, ["Customer \"Id\""]);
        assert_eq!(found[0].referenced_table, "\"Sales Dept\".customers");
    }

    #[test]
    fn covered_fk_is_not_reported() {
        let (mut b, o, _) = orders_schema("public", "orders", "customer_id");
        b.index(o, &["customer_id"]);
        assert!(analyze(&b.build(), &Config::default()).is_empty());
    }

    #[test]
    fn tiny_idle_table_is_info_large_or_hot_is_warning() {
        let (b, _, _) = orders_schema("public", "orders", "customer_id");
        let snap = b.build();
        let f = &analyze(&snap, &Config::default())[0];
        assert_eq!(f.finding.level, Level::Info);
        assert!(f.finding.detail.contains("hence info"));

        let (mut b, o, _) = orders_schema("public", "orders", "customer_id");
        b.relation_mut(o).reltuples = 50_000.0;
        let snap = b.build();
        let f = &analyze(&snap, &Config::default())[0];
        assert_eq!(f.finding.level, Level::Warning);
        assert_eq!(f.table_rows, 50_000);

        let (mut b, o, c) = orders_schema("public", "orders", "customer_id");
        b.relation_mut(o).reltuples = 2_000.0;
        b.relation_mut(c).stats = Some(Box::new(TableStats {
            n_tup_del: 400,
            n_tup_upd: 600,
            ..Default::default()
        }));
        let snap = b.build();
        let f = &analyze(&snap, &Config::default())[0];
        assert_eq!(f.finding.level, Level::Warning);
        assert_eq!(f.referenced_deletes, Some(400));
        assert!(f.finding.detail.contains("400 deletes and 600 updates"));
        assert!(f.finding.detail.contains("2,000,000 rows scanned"));
        assert!(f.finding.detail.contains("since stats reset at"));
    }

    #[test]
    fn never_analyzed_table_uses_live_tuples() {
        let (mut b, o, _) = orders_schema("public", "orders", "customer_id");
        let r = b.relation_mut(o);
        r.reltuples = -1.0;
        r.stats = Some(Box::new(TableStats {
            n_live_tup: 20_000,
            ..Default::default()
        }));
        assert_eq!(
            analyze(&b.build(), &Config::default())[0].table_rows,
            20_000
        );
    }

    #[test]
    fn excluded_system_and_extension_objects_are_skipped() {
        let (b, _, _) = orders_schema("legacy", "orders", "customer_id");
        let config = Config {
            exclude_schemas: vec!["legacy".into()],
            ..Config::default()
        };
        assert!(analyze(&b.build(), &config).is_empty());

        let (mut b, o, _) = orders_schema("public", "orders", "customer_id");
        b.relation_mut(o).extension_member = true;
        assert!(analyze(&b.build(), &Config::default()).is_empty());

        let (b, _, _) = orders_schema("pg_temp_7", "orders", "customer_id");
        assert!(analyze(&b.build(), &Config::default()).is_empty());
    }

    #[test]
    fn fk_to_an_extension_table_is_still_reported() {
        let (mut b, _, c) = orders_schema("public", "orders", "customer_id");
        b.relation_mut(c).extension_member = true;
        assert_eq!(analyze(&b.build(), &Config::default()).len(), 1);
    }

    #[test]
    fn the_work_split_by_table_finds_the_same() {
        let mut b = SnapshotBuilder::new();
        let c = b.table("s", "customers", &["id"]);
        b.primary_key(c, &["id"]);
        for t in 0..7 {
            let o = b.table(
                "s",
                &format!("orders {t}"),
                &["id", "customer_id", "other_id"],
            );
            b.foreign_key(&format!("fk_{t}"), o, &["customer_id"], c, &["id"]);
            b.foreign_key(&format!("fk_{t}_b"), o, &["other_id"], c, &["id"]);
        }
        let snap = b.build();
        let config = Config::default();
        let ids = |found: Vec<MissingFkIndex>| {
            let mut ids: Vec<String> = found.into_iter().map(|m| m.finding.fingerprint).collect();
            ids.sort();
            ids
        };
        let whole = ids(analyze(&snap, &config));
        assert_eq!(whole.len(), 14);
        for n in [2, 3] {
            let parts = (0..n)
                .flat_map(|k| analyze_tables(&snap, &config, |t| t as usize % n == k))
                .collect();
            assert_eq!(ids(parts), whole, "{n} parts");
        }
    }

    #[test]
    fn partitioned_table_is_reported_once_at_the_parent() {
        let mut b = SnapshotBuilder::new();
        let c = b.table("public", "customers", &["id"]);
        b.primary_key(c, &["id"]);
        let e = b.partitioned_table("public", "events", &["id", "customer_id"]);
        let p1 = b.partition(e, "events_1", &["id", "customer_id"], true);
        let p2 = b.partition(e, "events_2", &["id", "customer_id"], true);
        b.relation_mut(p1).reltuples = 7_000.0;
        b.relation_mut(p2).reltuples = 5_000.0;
        b.index(p1, &["customer_id"]);
        let parent_fk = b
            .foreign_key("events_fk", e, &["customer_id"], c, &["id"])
            .oid;
        for p in [p1, p2] {
            b.foreign_key("events_fk", p, &["customer_id"], c, &["id"])
                .parent = parent_fk;
        }
        let snap = b.build();
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.finding.object_identity, "events_fk on public.events");
        assert_eq!(f.table_rows, 12_000);
        assert_eq!(f.finding.level, Level::Warning);
        assert_eq!(f.uncovered_partitions, ["public.events_2"]);
        assert_eq!(
            f.finding.remediation.as_deref(),
            Some(
                "CREATE INDEX IF NOT EXISTS events_customer_id_idx ON public.events (customer_id);"
            )
        );
    }

    #[test]
    fn index_names_avoid_taken_names_and_stay_short() {
        let taken: std::collections::HashSet<(Oid, &str)> =
            [(1, "t_a_idx"), (1, "t_a_idx1")].into();
        let cols = vec!["a".to_string()];
        let is_taken = |ns: Oid, n: &str| taken.contains(&(ns, n));
        assert_eq!(choose_index_name(1, "t", &cols, is_taken), "t_a_idx2");
        assert_eq!(choose_index_name(2, "t", &cols, is_taken), "t_a_idx");
        let long = vec!["ü".repeat(40)];
        let name = choose_index_name(1, "table", &long, is_taken);
        assert!(name.len() <= 63 && name.ends_with("_idx"), "{name}");
    }

    #[test]
    fn two_fks_on_the_same_columns_get_the_same_idempotent_fix() {
        let (mut b, o, _) = orders_schema("public", "orders", "customer_id");
        let c2 = b.table("public", "accounts", &["id"]);
        b.foreign_key("orders_account_fk", o, &["customer_id"], c2, &["id"]);
        let snap = b.build();
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].finding.remediation, found[1].finding.remediation);
    }
}
