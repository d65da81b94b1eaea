//! Rules on single statements of pg_stat_statements.

use super::{display_query, ms};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Parts, Snapshot, Statement};
use serde_json::json;

pub const SLOW: Rule = Rule {
    id: "slow_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Statement whose mean execution time is at least database_advisor.slow_query_ms \
                  over at least database_advisor.slow_query_min_calls calls",
    check: slow,
    parts: Parts::WORKLOAD,
};

pub const HEAVY: Rule = Rule {
    id: "heavy_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "One statement takes at least 20% of all execution time in the window",
    check: heavy,
    parts: Parts::WORKLOAD,
};

pub const N_PLUS_ONE: Rule = Rule {
    id: "n_plus_one_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Cheap one-row lookup executed so often it is probably issued once per row of \
                  another query (N+1): batch it",
    check: n_plus_one,
    parts: Parts::WORKLOAD,
};

pub const TEMP_SPILL: Rule = Rule {
    id: "temp_spill_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Statement writes temporary files (sorts or hashes larger than work_mem)",
    check: temp_spill,
    parts: Parts::WORKLOAD,
};

pub const LOW_CACHE_HIT: Rule = Rule {
    id: "low_cache_hit_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Statement reads a large volume mostly from disk rather than shared buffers",
    check: low_cache_hit,
    parts: Parts::WORKLOAD,
};

pub const HIGH_PLANNING: Rule = Rule {
    id: "high_planning_time",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Frequent statement whose planning takes about as long as its execution \
                  (needs pg_stat_statements.track_planning)",
    check: high_planning,
    parts: Parts::WORKLOAD,
};

fn finding(
    rule: &Rule,
    snap: &Snapshot,
    s: &Statement,
    level: Level,
    detail: String,
    remediation: Option<String>,
    extra: serde_json::Value,
) -> Finding {
    let mut metadata = json!({
        "queryid": s.queryid,
        "query": display_query(s, 500),
        "role": s.role,
        "calls": s.calls,
        "total_exec_ms": s.total_exec_ms,
        "mean_exec_ms": s.mean_exec_ms,
        "rows": s.rows,
        "stats_since": snap.workload.since,
        "stats_window_seconds": snap.workload.seconds,
    });
    if let (Some(m), Some(e)) = (metadata.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    rule.finding(
        level,
        "query",
        s.queryid.to_string(),
        None,
        detail,
        remediation,
        metadata,
    )
}

/// Statements the caller can see the text of (others only count in totals).
fn statements(snap: &Snapshot) -> impl Iterator<Item = &Statement> {
    snap.workload
        .statements
        .iter()
        .filter(|s| s.query.is_some())
}

/// The statements each rule reports on, by queryid (for the `advisor_slow_queries` view).
pub fn rules_by_query(
    snap: &Snapshot,
    config: &Config,
) -> std::collections::HashMap<i64, Vec<&'static str>> {
    let mut out: std::collections::HashMap<i64, Vec<&'static str>> = Default::default();
    for rule in [
        &SLOW,
        &HEAVY,
        &N_PLUS_ONE,
        &TEMP_SPILL,
        &LOW_CACHE_HIT,
        &HIGH_PLANNING,
    ] {
        for f in (rule.check)(snap, config) {
            if let Ok(id) = f.object_identity.parse() {
                out.entry(id).or_default().push(rule.id);
            }
        }
    }
    out
}

fn explain_advice(s: &Statement) -> String {
    format!(
        "look at its plan with EXPLAIN (ANALYZE, BUFFERS) on real parameters: {}",
        display_query(s, 200)
    )
}

fn slow(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| {
            s.mean_exec_ms >= config.slow_query_ms && s.calls >= config.slow_query_min_calls
        })
        .map(|s| {
            let detail = format!(
                "Query {} takes {} on average over {} calls ({} in total) {}; {}.",
                s.queryid,
                ms(s.mean_exec_ms),
                human_count(s.calls),
                ms(s.total_exec_ms),
                snap.workload.describe_window(),
                explain_advice(s)
            );
            finding(&SLOW, snap, s, Level::Warning, detail, None, json!({}))
        })
        .collect()
}

fn heavy(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    // shares of the time of top-level statements (nested ones are inside those)
    let total = snap.workload.total_exec_ms();
    if total <= 0.0 || snap.workload.statements.len() < 2 {
        return Vec::new();
    }
    statements(snap)
        .filter(|s| s.total_exec_ms / total >= config.heavy_query_share)
        .map(|s| {
            let share = s.total_exec_ms / total;
            let detail = format!(
                "Query {} accounts for {:.0}% of all execution time {} ({} over {} calls, {} \
                 each): it is where tuning pays most; {}.",
                s.queryid,
                share * 100.0,
                snap.workload.describe_window(),
                ms(s.total_exec_ms),
                human_count(s.calls),
                ms(s.mean_exec_ms),
                explain_advice(s)
            );
            finding(
                &HEAVY,
                snap,
                s,
                Level::Warning,
                detail,
                None,
                json!({ "share": share }),
            )
        })
        .collect()
}

/// A SELECT filtered by an equality: `... WHERE x = $1` (or `= r.user_id` in PL/pgSQL,
/// whose variables pg_stat_statements shows as written).
fn is_keyed_lookup(s: &Statement) -> bool {
    let Some(q) = &s.query else {
        return false;
    };
    let lower = q.to_lowercase();
    let filter = lower.split(" where ").nth(1).unwrap_or("");
    lower.trim_start().starts_with("select") && filter.contains('=')
}

fn n_plus_one(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| {
            s.calls >= config.n_plus_one_min_calls
                && s.rows_per_call() <= 1.5
                && s.mean_exec_ms < 2.0
                && is_keyed_lookup(s)
        })
        .map(|s| {
            // the statement that probably drives the loop: it returned about as many rows
            // as this one was called
            let driver = statements(snap)
                .filter(|d| d.queryid != s.queryid && d.calls < s.calls)
                .filter(|d| {
                    let ratio = d.rows as f64 / s.calls as f64;
                    (0.9..=1.1).contains(&ratio)
                })
                .max_by(|a, b| a.rows.cmp(&b.rows));
            let driver_text = driver
                .map(|d| {
                    format!(
                        " It was called about as many times as query {} returned rows ({}): \
                         {}.",
                        d.queryid,
                        human_count(d.rows),
                        display_query(d, 120)
                    )
                })
                .unwrap_or_default();
            let detail = format!(
                "Query {} ran {} times {}, returning {:.1} row per call in {} each: a lookup \
                 issued once per row of another query (N+1), costing {} plus a round trip per \
                 call.{} Fetch them in one statement: WHERE key = ANY($1) with an array of \
                 keys, or a JOIN in the driving query. Query: {}",
                s.queryid,
                human_count(s.calls),
                snap.workload.describe_window(),
                s.rows_per_call(),
                ms(s.mean_exec_ms),
                ms(s.total_exec_ms),
                driver_text,
                display_query(s, 200)
            );
            finding(
                &N_PLUS_ONE,
                snap,
                s,
                Level::Warning,
                detail,
                None,
                json!({ "driver_queryid": driver.map(|d| d.queryid) }),
            )
        })
        .collect()
}

/// work_mem that would have held the spill: twice the spill, rounded up to a power of two
/// megabytes, at least 8MB.
pub fn suggested_work_mem_mb(spill_bytes_per_call: f64) -> i64 {
    let mb = (2.0 * spill_bytes_per_call / (1024.0 * 1024.0))
        .ceil()
        .max(8.0) as u64;
    mb.next_power_of_two() as i64
}

fn temp_spill(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| s.temp_blks_written > 0 && s.calls > 0)
        .map(|s| {
            let per_call = s.temp_blks_written as f64 * 8192.0 / s.calls as f64;
            let mb = suggested_work_mem_mb(per_call);
            let level = if per_call >= 1024.0 * 1024.0 {
                Level::Warning
            } else {
                Level::Info
            };
            let detail = format!(
                "Query {} wrote {} of temporary files per call ({} calls {}): its sorts or \
                 hashes do not fit in work_mem. Raise work_mem for this work only — every sort \
                 or hash node of every connection may use that much, so work_mem × \
                 max_connections must fit in RAM — or make the query sort less. Query: {}",
                s.queryid,
                human_bytes(per_call as i64),
                human_count(s.calls),
                snap.workload.describe_window(),
                display_query(s, 200)
            );
            let remediation = format!(
                "SET work_mem = '{mb}MB';\n{}",
                quote::comment(&format!(
                    "in the session or transaction that runs it, or for the role that runs it:\n\
                     ALTER ROLE {} SET work_mem = '{mb}MB';",
                    quote::ident(&s.role)
                ))
            );
            finding(
                &TEMP_SPILL,
                snap,
                s,
                level,
                detail,
                Some(remediation),
                json!({ "temp_bytes_per_call": per_call, "suggested_work_mem_mb": mb }),
            )
        })
        .collect()
}

fn low_cache_hit(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| s.shared_blks_hit + s.shared_blks_read >= config.low_cache_min_blocks)
        .filter_map(|s| Some((s, s.hit_ratio()?)))
        .filter(|(_, ratio)| *ratio < config.low_cache_hit_ratio)
        .map(|(s, ratio)| {
            let detail = format!(
                "Query {} found only {:.0}% of its {} blocks in shared buffers {}: {} were read \
                 from disk or the OS cache. An index that reads fewer blocks, or more \
                 shared_buffers, helps; {}.",
                s.queryid,
                ratio * 100.0,
                human_count(s.shared_blks_hit + s.shared_blks_read),
                snap.workload.describe_window(),
                human_bytes(s.shared_blks_read.saturating_mul(8192)),
                explain_advice(s)
            );
            finding(
                &LOW_CACHE_HIT,
                snap,
                s,
                Level::Warning,
                detail,
                None,
                json!({ "hit_ratio": ratio }),
            )
        })
        .collect()
}

fn high_planning(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| {
            s.plans >= config.slow_query_min_calls
                && s.mean_plan_ms() >= 0.1
                && s.total_plan_ms >= 0.5 * s.total_exec_ms
        })
        .map(|s| {
            let detail = format!(
                "Query {} spends {} planning for {} executing, on average over {} plans {}: \
                 prepare it once (a prepared statement, or your driver's statement cache) so \
                 the plan is reused, or simplify it (fewer joined tables, partitions). Query: {}",
                s.queryid,
                ms(s.mean_plan_ms()),
                ms(s.mean_exec_ms),
                human_count(s.plans),
                snap.workload.describe_window(),
                display_query(s, 200)
            );
            finding(
                &HIGH_PLANNING,
                snap,
                s,
                Level::Warning,
                detail,
                None,
                json!({ "mean_plan_ms": s.mean_plan_ms() }),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Workload, WorkloadSource};

    fn stmt(id: i64, query: &str, calls: i64, total_ms: f64, rows: i64) -> Statement {
        Statement {
            queryid: id,
            role: "app".into(),
            toplevel: true,
            query: Some(query.into()),
            calls,
            total_exec_ms: total_ms,
            mean_exec_ms: total_ms / calls as f64,
            rows,
            ..Statement::default()
        }
    }

    fn snap(statements: Vec<Statement>) -> Snapshot {
        let mut s = Snapshot::default();
        s.workload = Workload {
            source: WorkloadSource::Installed {
                schema: "public".into(),
            },
            since: Some("2026-11-01 00:00:00+00".into()),
            seconds: 86400.0,
            statements,
            ..Workload::default()
        };
        s
    }

    fn ids(rule: &Rule, s: &Snapshot) -> Vec<String> {
        (rule.check)(s, &Config::default())
            .into_iter()
            .map(|f| f.object_identity)
            .collect()
    }

    #[test]
    fn slow_needs_both_mean_and_calls() {
        let s = snap(vec![
            stmt(1, "SELECT slow", 200, 200.0 * 50.0, 200),
            stmt(2, "SELECT slow but rare", 10, 10.0 * 500.0, 10),
            stmt(3, "SELECT fast", 100_000, 100.0, 100_000),
        ]);
        assert_eq!(ids(&SLOW, &s), ["1"]);
        let f = &(SLOW.check)(&s, &Config::default())[0];
        assert!(f.detail.contains("50.0 ms on average over 200 calls"));
        assert!(f
            .detail
            .contains("since pg_stat_statements was reset at 2026-11-01"));
    }

    #[test]
    fn heavy_is_a_share_of_total_time() {
        let s = snap(vec![
            stmt(1, "SELECT a", 10, 800.0, 10),
            stmt(2, "SELECT b", 10, 100.0, 10),
            stmt(3, "SELECT c", 10, 100.0, 10),
        ]);
        assert_eq!(ids(&HEAVY, &s), ["1"]);
        assert!(
            ids(&HEAVY, &snap(vec![stmt(1, "SELECT a", 10, 800.0, 10)])).is_empty(),
            "one statement is 100% of nothing"
        );
    }

    #[test]
    fn n_plus_one_names_the_driving_query() {
        let s = snap(vec![
            stmt(1, "SELECT assignee_id FROM tasks LIMIT $1", 3, 30.0, 3000),
            stmt(2, "SELECT * FROM users WHERE id = $1", 3000, 60.0, 3000),
            stmt(
                3,
                "SELECT * FROM users WHERE email LIKE $1",
                5000,
                50.0,
                5000,
            ), // no equality key
            stmt(4, "UPDATE users SET x = $1 WHERE id = $2", 5000, 50.0, 5000), // not a lookup
            stmt(
                5,
                "SELECT * FROM tasks WHERE project_id = $1",
                5000,
                500.0,
                200_000,
            ), // many rows
        ]);
        assert_eq!(ids(&N_PLUS_ONE, &s), ["2"]);
        let f = &(N_PLUS_ONE.check)(&s, &Config::default())[0];
        assert!(
            f.detail.contains("query 1 returned rows (3,000)"),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("= ANY($1)"));
    }

    #[test]
    fn temp_spill_sizes_work_mem() {
        let mut spill = stmt(1, "SELECT * FROM t ORDER BY x", 4, 400.0, 4);
        spill.temp_blks_written = 4 * 1280; // 10 MB per call
        let s = snap(vec![spill, stmt(2, "SELECT 1", 4, 1.0, 4)]);
        let f = (TEMP_SPILL.check)(&s, &Config::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].detail.contains("10 MB of temporary files per call"));
        assert!(f[0]
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("SET work_mem = '32MB';"));
        assert!(f[0]
            .remediation
            .as_deref()
            .unwrap()
            .contains("ALTER ROLE app SET work_mem = '32MB'"));
        assert_eq!(suggested_work_mem_mb(1.0), 8);
        assert_eq!(suggested_work_mem_mb(9.0 * 1024.0 * 1024.0), 32);

        // a role name with line breaks stays inside the comment
        let mut evil = stmt(3, "SELECT * FROM t ORDER BY y", 4, 400.0, 4);
        evil.temp_blks_written = 4 * 1280;
        evil.role = "app\nALTER ROLE app SUPERUSER;\r--".into();
        let f = (TEMP_SPILL.check)(&snap(vec![evil]), &Config::default());
        let sql = f[0].remediation.as_deref().unwrap();
        let mut lines = sql.lines();
        assert!(lines.next().unwrap().starts_with("SET work_mem"));
        assert!(lines.all(|l| l.starts_with("-- ")), "{sql}");
        assert!(!sql.contains('\r'));
    }

    #[test]
    fn low_cache_hit_needs_volume_and_a_low_ratio() {
        let mut cold = stmt(1, "SELECT big", 10, 10.0, 10);
        cold.shared_blks_hit = 5_000;
        cold.shared_blks_read = 45_000;
        let mut warm = stmt(2, "SELECT warm", 10, 10.0, 10);
        warm.shared_blks_hit = 99_000;
        warm.shared_blks_read = 1_000;
        let mut small = stmt(3, "SELECT small", 10, 10.0, 10);
        small.shared_blks_read = 100;
        assert_eq!(ids(&LOW_CACHE_HIT, &snap(vec![cold, warm, small])), ["1"]);
    }

    #[test]
    fn planning_heavier_than_execution() {
        let mut p = stmt(1, "SELECT many joins", 1000, 100.0, 1000);
        p.plans = 1000;
        p.total_plan_ms = 300.0;
        let mut q = stmt(2, "SELECT fine", 1000, 1000.0, 1000);
        q.plans = 1000;
        q.total_plan_ms = 50.0;
        assert_eq!(ids(&HIGH_PLANNING, &snap(vec![p, q])), ["1"]);
    }
}
