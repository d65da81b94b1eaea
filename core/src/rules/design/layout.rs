//! Physical layout of large tables, read off `pg_stats.correlation` (part COLUMN_ORDER).
//! `brin_candidate`: a large btree index on a column whose values follow the rows' order
//! on disk, in a table that is only appended to: a BRIN index answers the same range
//! queries at a fraction of the size. `partition_candidate`: a large table that grows by a
//! time or sequential column and whose workload deletes ranges of it, or that is only
//! appended to: range partitioning by that column.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{
    human_bytes, human_count, ColumnOrder, Oid, Parts, Relation, Snapshot, Statement, TableStats,
};
use serde_json::json;
use std::collections::HashMap;

pub const BRIN_CANDIDATE: Rule = Rule {
    id: "brin_candidate",
    category: Category::Design,
    default_level: Level::Info,
    description: "Large btree index on a column in the rows' physical order, in a table only \
                  appended to: a BRIN index serves its range scans at a fraction of the size",
    check: brin_candidate,
    parts: crate::rules::indexes::PARTS.union(Parts::COLUMN_ORDER),
};

pub const PARTITION_CANDIDATE: Rule = Rule {
    id: "partition_candidate",
    category: Category::Design,
    default_level: Level::Info,
    description: "Large table growing by a time or sequential column whose workload deletes \
                  ranges of it (or that is only appended to): partition it by range",
    check: partition_candidate,
    parts: Parts::RELATIONS
        .union(Parts::ATTRIBUTES)
        .union(Parts::COLUMN_ORDER)
        .union(Parts::WORKLOAD),
};

/// Btree indexes smaller than this are not worth replacing (the loader reads the column
/// order of tables of at least this size).
pub const MIN_BYTES: i64 = 8 << 20;
/// `|correlation|` from which a column is in physical order (BRIN) or grows with the table
/// (partitioning).
const BRIN_CORRELATION: f64 = 0.95;
const PARTITION_CORRELATION: f64 = 0.9;
/// Updates and deletes, as a share of inserts, below which a table is only appended to.
const APPEND_ONLY_SHARE: f64 = 0.05;
const PAGE: i64 = 8192;

/// Whether the table's writes in the statistics window are (almost) only inserts, and
/// how to say so.
fn append_only(stats: TableStats) -> (bool, String) {
    let changes = stats.n_tup_upd + stats.n_tup_del;
    let ok = changes as f64 <= APPEND_ONLY_SHARE * stats.n_tup_ins as f64;
    let said = format!(
        "{} inserts, {} updates and {} deletes",
        human_count(stats.n_tup_ins),
        human_count(stats.n_tup_upd),
        human_count(stats.n_tup_del)
    );
    (ok, said)
}

/// A BRIN index's size on a table of `table_bytes` at the default 128 pages per range:
/// the metapage, the range map (about 1,360 ranges a page) and about 220 summaries a page.
pub fn brin_bytes(table_bytes: i64) -> i64 {
    let up = |n: i64, d: i64| (n + d - 1) / d;
    let ranges = up((table_bytes / PAGE).max(1), 128);
    (1 + up(ranges, 1360) + up(ranges, 220)) * PAGE
}

fn brin_candidate(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let protections = crate::rules::indexes::Protections::of(snap);
    let order: HashMap<(Oid, i16), &ColumnOrder> = snap
        .column_order
        .iter()
        .map(|o| ((o.table, o.attnum), o))
        .collect();
    let mut out = Vec::new();
    for ix in &snap.indexes {
        let Some((rel, table)) = crate::rules::indexes::candidate(snap, config, ix) else {
            continue;
        };
        let single = &*ix.am == "btree"
            && ix.columns.len() == 1
            && ix.columns[0] > 0
            && !ix.unique
            && !ix.partial
            && !ix.exclusion;
        if !single || rel.size_bytes < MIN_BYTES || protections.is_protected(ix.oid) {
            continue;
        }
        let Some(&order) = order.get(&(table.oid, ix.columns[0])) else {
            continue;
        };
        if !order.brin || order.correlation.abs() < BRIN_CORRELATION {
            continue;
        }
        let (appended, writes) = append_only(snap.table_stats(table.oid).unwrap_or_default());
        if !appended {
            continue;
        }
        let column = snap.column_name(table.oid, order.attnum).unwrap_or("?");
        let t = snap.rel_identity(table.oid);
        let i = snap.rel_identity(ix.oid);
        let brin = brin_bytes(table.size_bytes);
        let name = crate::rules::indexes::choose_index_name(
            table.namespace,
            &table.name,
            &[column.to_string(), "brin".to_string()],
            |ns, n| snap.relation_name_taken(ns, n),
        );
        let create = format!(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {t} USING brin ({});",
            quote::ident(&name),
            quote::ident(column)
        );
        out.push(BRIN_CANDIDATE.finding(
            Level::Info,
            "index",
            i.to_string(),
            None,
            format!(
                "Index {i} on {t} is {} and its column {} follows the rows' order on disk \
                 (correlation {:.2}) in a table that is only appended to ({writes} {}). A \
                 BRIN index of {} (about {}) answers the same range conditions by skipping \
                 the ranges of pages whose values cannot match. It does not serve point \
                 lookups of a few rows, ORDER BY ... LIMIT or index-only scans as fast: keep \
                 the btree if the workload needs those.",
                human_bytes(rel.size_bytes),
                quote::ident(column),
                order.correlation,
                snap.stats_window.describe(),
                quote::ident(column),
                human_bytes(brin),
            ),
            Some(format!(
                "{create}\n{}",
                crate::rules::indexes::drop_statement(snap, ix)
            )),
            json!({
                "index": i, "table": t, "column": column, "correlation": order.correlation,
                "btree_bytes": rel.size_bytes, "brin_bytes": brin, "suggested": name,
            }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

/// Statements of the workload that delete rows of `table` by a range of `column`.
fn range_deletes<'s>(snap: &'s Snapshot, table: &Relation, column: &str) -> Vec<&'s Statement> {
    let schema = snap.schema_name(table);
    let col = regex::escape(&quote::ident(column));
    let Ok(range) = regex::Regex::new(&format!(
        r"(?i)\bwhere\b.*(^|[\s(.]){col}\s*(<=?|>=?|\bbetween\b)"
    )) else {
        return Vec::new();
    };
    snap.workload
        .statements
        .iter()
        .filter(|s| {
            let Some(q) = s.query.as_deref() else {
                return false;
            };
            delete_target(q).is_some_and(|target| match target.as_slice() {
                [name] => *name == table.name,
                [s, name] => *name == table.name && s == schema,
                _ => false,
            }) && range.is_match(q)
        })
        .collect()
}

/// The table a `DELETE FROM [ONLY] name` statement deletes from, as its name parts
/// (unquoted parts folded to lower case, as PostgreSQL reads them).
fn delete_target(query: &str) -> Option<Vec<String>> {
    let rest = query.trim_start();
    let rest = strip_word(rest, "delete")?;
    let rest = strip_word(rest, "from")?;
    let rest = strip_word(rest, "only").unwrap_or(rest);
    let mut parts = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    '"' => break,
                    c => part.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if !(c.is_alphanumeric() || c == '_' || c == '$') {
                    break;
                }
                part.push(c.to_ascii_lowercase());
                chars.next();
            }
        }
        if part.is_empty() {
            return None;
        }
        parts.push(part);
        if chars.peek() == Some(&'.') {
            chars.next();
        } else {
            return Some(parts);
        }
    }
}

/// `text` after the keyword `word` (any case) and the blanks that follow it.
fn strip_word<'t>(text: &'t str, word: &str) -> Option<&'t str> {
    let head = text.get(..word.len())?;
    let rest = &text[word.len()..];
    let ends = rest.chars().next().is_none_or(|c| c.is_whitespace());
    (head.eq_ignore_ascii_case(word) && ends).then(|| rest.trim_start())
}

fn partition_candidate(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < snap.column_order.len() {
        let table_oid = snap.column_order[i].table;
        let mut j = i;
        while j < snap.column_order.len() && snap.column_order[j].table == table_oid {
            j += 1;
        }
        let columns = &snap.column_order[i..j];
        i = j;
        let Some(table) = snap.relation(table_oid) else {
            continue;
        };
        let large = table.size_bytes >= config.partition_min_bytes
            || table.reltuples >= config.partition_min_rows;
        if !large || table.is_partition || table.extension_member || !snap.in_scope(table, config) {
            continue;
        }
        if snap.inherits.contains_key(&table.oid) {
            continue; // an old-style inheritance child: table_inheritance speaks of it
        }
        let is_time = |o: &ColumnOrder| {
            snap.attributes
                .get(&(table.oid, o.attnum))
                .is_some_and(|a| {
                    a.type_schema.as_ref() == "pg_catalog"
                        && matches!(a.type_name.as_ref(), "date" | "timestamp" | "timestamptz")
                })
        };
        let growing: Vec<&ColumnOrder> = columns
            .iter()
            .filter(|o| {
                (is_time(o) || o.sequential) && o.correlation.abs() >= PARTITION_CORRELATION
            })
            .collect();
        // the column the workload deletes ranges of, else (when the table is only appended
        // to) a time column before a sequential one, the best ordered, the first
        let with_deletes = growing.iter().find_map(|o| {
            let name = snap.column_name(table.oid, o.attnum)?;
            let deletes = range_deletes(snap, table, name);
            (!deletes.is_empty()).then_some((*o, deletes))
        });
        let stats = snap.table_stats(table.oid).unwrap_or_default();
        let (appended, writes) = append_only(stats);
        let (order, deletes) = match with_deletes {
            Some(found) => found,
            None if appended && stats.n_tup_ins > 0 => {
                let best = growing.iter().max_by(|a, b| {
                    is_time(a)
                        .cmp(&is_time(b))
                        .then(a.correlation.abs().total_cmp(&b.correlation.abs()))
                        .then(b.attnum.cmp(&a.attnum))
                });
                match best {
                    Some(o) => (*o, Vec::new()),
                    None => continue,
                }
            }
            None => continue,
        };
        out.push(partition_finding(snap, table, order, &deletes, &writes));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

fn partition_finding(
    snap: &Snapshot,
    table: &Relation,
    order: &ColumnOrder,
    deletes: &[&Statement],
    writes: &str,
) -> Finding {
    let t = snap.rel_identity(table.oid);
    let column = quote::ident(snap.column_name(table.oid, order.attnum).unwrap_or("?"));
    let evidence = if deletes.is_empty() {
        format!(
            "it is only appended to ({writes} {})",
            snap.stats_window.describe()
        )
    } else {
        let calls: i64 = deletes.iter().map(|s| s.calls).sum();
        let ms: f64 = deletes.iter().map(|s| s.total_exec_ms).sum();
        format!(
            "the workload deletes ranges of {column} ({} statement{}, {} call{}, {:.0} ms {})",
            deletes.len(),
            if deletes.len() == 1 { "" } else { "s" },
            human_count(calls),
            if calls == 1 { "" } else { "s" },
            ms,
            snap.workload.describe_window()
        )
    };
    let level = if deletes.is_empty() {
        Level::Info
    } else {
        Level::Warning
    };
    PARTITION_CANDIDATE.finding(
        level,
        "table",
        t.to_string(),
        None,
        format!(
            "Table {t} is {} ({} rows) and grows by {column} (correlation {:.2} with the \
             rows' place on disk); {evidence}. Partitioned by range of {column}, queries on \
             a range of it read only the partitions that hold it (partition pruning), and \
             old rows go by dropping or detaching a partition, at once and without dead \
             rows or WAL for each row, instead of DELETE and the vacuum after it. The steps \
             (a migration to plan, hence no remediation here): create a table with the same \
             columns PARTITION BY RANGE ({column}), whose primary key and unique \
             constraints include {column}; create its partitions (by month or day, and \
             ahead of time, by hand or with pg_partman); then either copy the rows over in \
             batches, or add CHECK ({column} < <end>) to {t}, validate it and ATTACH it as \
             the first partition (the check spares the scan); swap the names in one \
             transaction.",
            human_bytes(table.size_bytes),
            human_count(table.reltuples.max(0.0) as i64),
            order.correlation,
        ),
        None,
        json!({
            "table": t,
            "column": snap.column_name(table.oid, order.attnum),
            "bytes": table.size_bytes,
            "rows": table.reltuples,
            "correlation": order.correlation,
            "queryids": deletes.iter().map(|s| s.queryid.to_string()).collect::<Vec<_>>(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    /// A 64 MB table of a million rows, only appended to: `id` (sequential) and
    /// `created at` in physical order, `kind` not; and its btree indexes of 20 MB.
    fn events(indexed: &[&str], unique: bool) -> (SnapshotBuilder, Oid) {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Events", &["id", "created at", "kind"]);
        b.attribute_mut(t, "created at").type_name = "timestamptz".into();
        b.relation_mut(t).size_bytes = 64 << 20;
        b.relation_mut(t).reltuples = 1e6;
        b.relation_mut(t).stats = Some(Box::new(TableStats {
            n_tup_ins: 1_000_000,
            n_tup_upd: 100,
            ..TableStats::default()
        }));
        for col in indexed {
            let ix = b.index(t, &[col]);
            ix.unique = unique;
            let oid = ix.oid;
            b.relation_mut(oid).size_bytes = 20 << 20;
        }
        (b, t)
    }

    fn build(b: SnapshotBuilder, t: Oid, statements: &[(&str, i64)]) -> Snapshot {
        let mut snap = b.build();
        for (attnum, correlation, sequential) in [(1, 1.0, true), (2, 0.99, false), (3, 0.1, false)]
        {
            snap.column_order.push(ColumnOrder {
                table: t,
                attnum,
                correlation,
                sequential,
                brin: true,
            });
        }
        for (i, (query, calls)) in statements.iter().enumerate() {
            snap.workload.statements.push(Statement {
                queryid: i as i64 + 1,
                query: Some(query.to_string()),
                calls: *calls,
                total_exec_ms: 100.0,
                ..Statement::default()
            });
        }
        snap
    }

    #[test]
    fn brin_for_an_ordered_column_of_an_appended_table() {
        let (b, t) = events(&["created at", "kind"], false);
        let f = brin_candidate(&build(b, t, &[]), &Config::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object_identity, "app.\"Events_created at_idx\"");
        assert_eq!(
            f[0].remediation.as_deref(),
            Some(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Events_created at_brin_idx\" ON \
                 app.\"Events\" USING brin (\"created at\");\nDROP INDEX CONCURRENTLY IF \
                 EXISTS app.\"Events_created at_idx\";"
            )
        );
        assert!(f[0].detail.contains("is 20 MB"), "{}", f[0].detail);
        assert_eq!(f[0].metadata["brin_bytes"], 3 * PAGE);
        // a terabyte: 1,048,576 ranges, 772 range-map pages, 4,767 of summaries
        assert_eq!(brin_bytes(1 << 40), (1 + 772 + 4767) * PAGE);
    }

    #[test]
    fn no_brin_when_rows_change_or_the_index_is_unique() {
        let (b, t) = events(&["created at"], true);
        assert!(brin_candidate(&build(b, t, &[]), &Config::default()).is_empty());

        let (mut b, t) = events(&["created at"], false);
        b.relation_mut(t).stats = Some(Box::new(TableStats {
            n_tup_ins: 1000,
            n_tup_del: 500,
            ..TableStats::default()
        }));
        assert!(brin_candidate(&build(b, t, &[]), &Config::default()).is_empty());
    }

    #[test]
    fn partition_by_the_column_the_workload_deletes_ranges_of() {
        let deleting = || {
            let (mut b, t) = events(&[], false);
            b.relation_mut(t).stats = Some(Box::new(TableStats {
                n_tup_ins: 1000,
                n_tup_del: 900,
                ..TableStats::default()
            }));
            (b, t)
        };
        let config = Config {
            partition_min_bytes: 32 << 20,
            ..Config::default()
        };
        // rows are deleted, but not by ranges of a growing column: nothing to say
        let kind = ("DELETE FROM app.\"Events\" WHERE kind = $1", 10);
        let (b, t) = deleting();
        assert!(partition_candidate(&build(b, t, &[kind]), &config).is_empty());
        let range = (
            "delete from \"Events\" where \"created at\" < now() - $1::interval",
            30,
        );
        let (b, t) = deleting();
        let snap = build(b, t, &[kind, range]);
        let f = partition_candidate(&snap, &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert_eq!(f[0].metadata["column"], "created at");
        assert!(
            f[0].detail
                .contains("deletes ranges of \"created at\" (1 statement, 30 calls"),
            "{}",
            f[0].detail
        );
        // below the size and row floors: nothing
        assert!(partition_candidate(&snap, &Config::default()).is_empty());
    }

    #[test]
    fn partition_an_appended_table_by_its_time_column() {
        let (b, t) = events(&[], false);
        let config = Config {
            partition_min_rows: 500_000.0,
            ..Config::default()
        };
        let f = partition_candidate(&build(b, t, &[]), &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Info);
        // "created at" (0.99) before the sequential id (1.0): retention goes by time
        assert_eq!(f[0].metadata["column"], "created at");
        assert!(f[0].remediation.is_none());
    }

    #[test]
    fn delete_targets() {
        assert_eq!(
            delete_target("DELETE FROM ONLY \"My \"\"T\"\"\".events WHERE x < $1"),
            Some(vec!["My \"T\"".to_string(), "events".to_string()])
        );
        assert_eq!(
            delete_target("delete from Events"),
            Some(vec!["events".to_string()])
        );
        assert_eq!(delete_target("DELETED FROM x"), None);
        assert_eq!(delete_target("SELECT 1"), None);
    }
}
