//! `seq_scan_heavy_table`: a table of at least 10k rows that is mostly read by sequential
//! scans (from `pg_stat_user_tables`), with the statements that touch it when found.

use super::{by_impact, display_query, ms};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_count, Parts, RelKind, Relation, Snapshot, Statement};
use serde_json::json;

/// pg_stat_statements, and table statistics (`idx_scan` sums the indexes' scans).
const PARTS: Parts = Parts::WORKLOAD
    .union(Parts::RELATIONS)
    .union(Parts::INDEXES)
    .union(Parts::INDEX_STATS);

pub const SEQ_SCAN_HEAVY: Rule = Rule {
    id: "seq_scan_heavy_table",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Table of at least 10,000 rows read mostly by sequential scans (more rows \
                  read by them than fetched through indexes)",
    check,
    parts: PARTS,
};

/// Does the query text name the table (as a whole word, qualified or not)?
fn mentions(query: &str, schema: &str, table: &str) -> bool {
    let lower = query.to_lowercase();
    let names = [
        table.to_lowercase(),
        format!("{}.{}", schema.to_lowercase(), table.to_lowercase()),
        format!("\"{}\"", table.to_lowercase()),
    ];
    names.iter().any(|name| {
        lower.match_indices(name.as_str()).any(|(at, m)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + m.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            boundary(before) && boundary(after)
        })
    })
}

/// Statements that name the table, heaviest first (at most three).
pub fn statements_touching<'s>(snap: &'s Snapshot, rel: &Relation) -> Vec<&'s Statement> {
    let schema = snap.schema_name(rel);
    let mut found: Vec<&Statement> = snap
        .workload
        .statements
        .iter()
        .filter(|s| {
            s.query
                .as_deref()
                .is_some_and(|q| mentions(q, schema, &rel.name))
        })
        .collect();
    found.sort_by(|a, b| b.total_exec_ms.total_cmp(&a.total_exec_ms));
    found.truncate(3);
    found
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut rels: Vec<&Relation> = snap
        .relations
        .values()
        .filter(|r| matches!(r.kind, RelKind::Table) && snap.in_scope(r, config))
        .collect();
    rels.sort_by_key(|r| r.oid);
    let mut out = Vec::new();
    for rel in rels {
        let Some(stats) = rel.stats.as_deref() else {
            continue;
        };
        // "mostly" by volume: sequential scans read more rows than index scans fetched
        let rows = snap.estimated_rows(rel.oid);
        if rows < config.seq_scan_min_rows
            || stats.seq_scan < 10
            || stats.seq_tup_read <= stats.idx_tup_fetch
        {
            continue;
        }
        let id = snap.rel_identity(rel.oid);
        let touching = statements_touching(snap, rel);
        let named = if touching.is_empty() {
            String::new()
        } else {
            format!(
                " Statements that read it: {}.",
                touching
                    .iter()
                    .map(|s| format!(
                        "query {} ({} total) {}",
                        s.queryid,
                        ms(s.total_exec_ms),
                        display_query(s, 120)
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        // as costly as the statements that read it (unknown when none names it)
        let (level, why) = if touching.is_empty() {
            (
                Level::Info,
                "info: no statement in pg_stat_statements names it, so what the scans cost \
                 is unknown"
                    .to_string(),
            )
        } else {
            by_impact(
                snap,
                "the statements that read it",
                touching.iter().map(|s| s.total_exec_ms).sum(),
            )
        };
        let detail = format!(
            "Table {id} (~{} rows) was read by {} sequential scans ({} rows read), more than \
             its {} index scans fetched ({} rows) {} ({why}): queries filter it on columns no \
             index serves. Find the columns in their WHERE clauses and index them.{named}",
            human_count(rows as i64),
            human_count(stats.seq_scan),
            human_count(stats.seq_tup_read),
            human_count(stats.idx_scan),
            human_count(stats.idx_tup_fetch),
            snap.stats_window.describe()
        );
        out.push(SEQ_SCAN_HEAVY.finding(
            level,
            "table",
            id.into_owned(),
            None,
            detail,
            None,
            json!({
                "schema": snap.schema_name(rel),
                "table": rel.name,
                "rows": rows as i64,
                "seq_scan": stats.seq_scan,
                "seq_tup_read": stats.seq_tup_read,
                "idx_scan": stats.idx_scan,
                "queryids": touching.iter().map(|s| s.queryid).collect::<Vec<_>>(),
                "stats_since": snap.stats_window.since,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{SnapshotBuilder, TableStats};

    #[test]
    fn whole_word_mentions() {
        assert!(mentions(
            "SELECT * FROM app.tasks WHERE x = $1",
            "app",
            "tasks"
        ));
        assert!(mentions("select count(*) from tasks", "app", "tasks"));
        assert!(!mentions("SELECT * FROM task_tags", "app", "tasks"));
        assert!(!mentions("SELECT * FROM subtasks", "app", "tasks"));
    }

    #[test]
    fn mostly_sequential_large_tables() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "tasks", &["id"]);
        let r = b.relation_mut(t);
        r.reltuples = 50_000.0;
        r.stats = Some(Box::new(TableStats {
            seq_scan: 150,
            seq_tup_read: 7_500_000,
            idx_scan: 100_000, // many index scans, but each fetches one row
            idx_tup_fetch: 100_000,
            ..Default::default()
        }));
        let small = b.table("app", "tags", &["id"]);
        let r = b.relation_mut(small);
        r.reltuples = 300.0;
        r.stats = Some(Box::new(TableStats {
            seq_scan: 500,
            seq_tup_read: 150_000,
            ..Default::default()
        }));
        let indexed = b.table("app", "users", &["id"]);
        let r = b.relation_mut(indexed);
        r.reltuples = 50_000.0;
        r.stats = Some(Box::new(TableStats {
            seq_scan: 20,
            seq_tup_read: 1_000_000,
            idx_scan: 5000,
            idx_tup_fetch: 2_000_000,
            ..Default::default()
        }));
        let mut snap = b.build();
        snap.workload.statements.push(Statement {
            queryid: 42,
            query: Some("SELECT count(*) FROM app.tasks WHERE status = $1".into()),
            calls: 150,
            total_exec_ms: 900.0,
            ..Statement::default()
        });
        let found = check(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "app.tasks");
        assert!(found[0].detail.contains("150 sequential scans"));
        assert!(found[0].detail.contains("query 42"));
    }
}
