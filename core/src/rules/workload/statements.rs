//! Rules on single statements of pg_stat_statements.

use super::{by_impact, describe_load, display_query, ms};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Oid, Parts, RelationRef, Snapshot, Statement};
use serde_json::json;

pub const SLOW: Rule = Rule {
    id: "slow_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Statement whose mean execution time is at least database_advisor.slow_query_ms \
                  over at least database_advisor.slow_query_min_calls calls (info when it took \
                  less than 1% of one core's time over the window)",
    check: slow,
    parts: Parts::WORKLOAD,
};

pub const HEAVY: Rule = Rule {
    id: "heavy_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "One statement takes at least 20% of all execution time in the window and a \
                  share of the machine worth acting on (warning: at least 5% of one core's \
                  time and 1 ms per call; info otherwise, with the reason)",
    check: heavy,
    parts: Parts::WORKLOAD,
};

pub const N_PLUS_ONE: Rule = Rule {
    id: "n_plus_one_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Cheap keyed lookup called once per row another statement returned (N+1): \
                  its calls track that statement's rows, many per call of it; warning when a \
                  foreign key relates the lookup's key to the other statement's tables",
    check: n_plus_one,
    // the statements, and the foreign keys and columns that relate them
    parts: Parts::WORKLOAD
        .union(Parts::STATEMENT_SHAPES)
        .union(Parts::RELATIONS)
        .union(Parts::ATTRIBUTES)
        .union(Parts::CONSTRAINTS),
};

pub const TEMP_SPILL: Rule = Rule {
    id: "temp_spill_query",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Statement writes temporary files (sorts or hashes larger than work_mem); \
                  warning at 1 MB per call over at least 5 calls",
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

/// Statements the caller can see the text of (others only count in totals), leaving out
/// those that read the extension's own views and functions (`advisor_findings` on a large
/// catalog is slow by nature, and a DBA who runs it is not the workload).
fn statements(snap: &Snapshot) -> impl Iterator<Item = &Statement> {
    snap.workload
        .statements
        .iter()
        .filter(|s| s.query.as_deref().is_some_and(|q| !reads_the_advisor(q)))
}

/// Whether a statement's text names one of the extension's objects (`advisor_...`,
/// `_advisor_...`). A table of the user's own named like that is left out too: the price
/// of not parsing every statement.
pub fn reads_the_advisor(query: &str) -> bool {
    let bytes = query.as_bytes();
    query.match_indices("advisor_").any(|(i, _)| {
        let start = if i > 0 && bytes[i - 1] == b'_' {
            i - 1
        } else {
            i
        };
        start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_')
    })
}

/// The share of one core's time a statement took over the window (its execution time
/// divided by the window's length); `None` when the window's length is unknown.
fn core_load(snap: &Snapshot, s: &Statement) -> Option<f64> {
    (snap.workload.seconds > 0.0).then(|| s.total_exec_ms / (snap.workload.seconds * 1000.0))
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
            // slow per call is worth a look; it is a warning when it also costs the machine
            let (level, why) = by_impact(snap, "it", s.total_exec_ms);
            let detail = format!(
                "Query {} takes {} on average over {} calls ({} in total) {}; {why}; {}.",
                s.queryid,
                ms(s.mean_exec_ms),
                human_count(s.calls),
                ms(s.total_exec_ms),
                snap.workload.describe_window(),
                explain_advice(s)
            );
            let load = core_load(snap, s);
            finding(
                &SLOW,
                snap,
                s,
                level,
                detail,
                None,
                json!({ "core_load": load }),
            )
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
        .filter(|s| s.calls >= config.heavy_query_min_calls)
        .filter(|s| s.total_exec_ms / total >= config.heavy_query_share)
        .filter_map(|s| {
            let share = s.total_exec_ms / total;
            let load = core_load(snap, s);
            if load.is_some_and(|l| l < config.heavy_query_min_load) {
                return None; // a large share of almost nothing
            }
            let (level, why) = match load {
                Some(l) if l >= 0.05 && s.mean_exec_ms >= 1.0 => (
                    Level::Warning,
                    format!(
                        "warning: it kept {} busy, at {} per call: it is where tuning pays most",
                        describe_load(l),
                        ms(s.mean_exec_ms)
                    ),
                ),
                Some(l) if s.mean_exec_ms < 1.0 => (
                    Level::Info,
                    format!(
                        "info: it kept {} busy, but each call takes only {}: the time is in how \
                         often it runs, so fewer calls (batching, caching) pay more than tuning \
                         the statement",
                        describe_load(l),
                        ms(s.mean_exec_ms)
                    ),
                ),
                Some(l) => (
                    Level::Info,
                    format!("info: it kept only {} busy", describe_load(l)),
                ),
                None => (
                    Level::Info,
                    "info: the window's length is unknown, so its load on the machine is too"
                        .to_string(),
                ),
            };
            let detail = format!(
                "Query {} accounts for {:.0}% of all execution time {} ({} over {} calls, {} \
                 each); {why}; {}.",
                s.queryid,
                share * 100.0,
                snap.workload.describe_window(),
                ms(s.total_exec_ms),
                human_count(s.calls),
                ms(s.mean_exec_ms),
                explain_advice(s)
            );
            Some(finding(
                &HEAVY,
                snap,
                s,
                level,
                detail,
                None,
                json!({ "share": share, "core_load": load }),
            ))
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

/// A statement that returns rows to a client: a SELECT (or a WITH ... SELECT).
fn is_select(s: &Statement) -> bool {
    s.query.as_deref().is_some_and(|q| {
        let q = q.trim_start().to_lowercase();
        q.starts_with("select") || q.starts_with("with")
    })
}

/// Whether the loader should parse this statement for `n_plus_one_query`: a lookup or a
/// driver has at least 80% of `n_plus_one_min_calls` calls or rows.
pub fn may_be_n_plus_one(s: &Statement, config: &Config) -> bool {
    let floor = config.n_plus_one_min_calls * 4 / 5;
    is_select(s) && (s.calls >= floor || s.rows >= floor)
}

/// The tables a statement names as `r` (a schema-qualified name, or every table of that
/// name when unqualified).
fn tables_named<'s>(snap: &'s Snapshot, r: &'s RelationRef) -> impl Iterator<Item = Oid> + 's {
    snap.relations
        .values()
        .filter(move |rel| {
            rel.name == r.name
                && r.schema
                    .as_deref()
                    .is_none_or(|s| snap.schema_name(rel) == s)
        })
        .map(|rel| rel.oid)
}

/// The foreign key (its identity) that relates the lookup's key column to one of the
/// driver's tables: the key references a driver table, or a driver table references the
/// key (`orders.customer_id` → `customers.id`, either way round).
fn related_by_fk(snap: &Snapshot, lookup: &Statement, driver: &Statement) -> Option<String> {
    let (ls, ds) = (lookup.shape.as_ref()?, driver.shape.as_ref()?);
    let driver_tables: Vec<Oid> = ds
        .relations
        .iter()
        .flat_map(|r| tables_named(snap, r))
        .collect();
    for (qualifier, column) in &ls.keys {
        let named: Vec<&RelationRef> = match qualifier {
            Some(q) => ls
                .relations
                .iter()
                .filter(|r| r.alias.as_deref().unwrap_or(&r.name) == q)
                .collect(),
            None if ls.relations.len() == 1 => ls.relations.iter().collect(),
            None => continue,
        };
        for table in named.into_iter().flat_map(|r| tables_named(snap, r)) {
            let Some(attnum) = snap.attnum(table, column) else {
                continue;
            };
            let fk = snap.constraints.iter().find(|c| {
                c.foreign.as_ref().is_some_and(|f| {
                    (c.table == table
                        && c.columns == [attnum]
                        && driver_tables.contains(&f.ref_table))
                        || (f.ref_table == table
                            && f.ref_columns == [attnum]
                            && driver_tables.contains(&c.table))
                })
            });
            if let Some(fk) = fk {
                return Some(snap.constraint_identity(fk));
            }
        }
    }
    None
}

/// An N+1 lookup is called once per row another statement returned, many times per call of
/// that statement. Independent point lookups (an OLTP key lookup once per transaction,
/// pgbench's `SELECT abalance ... WHERE aid = $1`) have no such driver and are left alone.
fn n_plus_one(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    statements(snap)
        .filter(|s| s.calls >= config.n_plus_one_min_calls && s.mean_exec_ms < 2.0)
        .filter(|s| is_keyed_lookup(s))
        .filter_map(|s| {
            // the statement that drives the loop: its rows track this one's calls (within
            // 20%), and it ran at least 5 times fewer
            let driver = statements(snap)
                .filter(|d| d.queryid != s.queryid && is_select(d) && d.calls > 0)
                .filter(|d| d.calls.saturating_mul(5) <= s.calls)
                .filter(|d| (0.8..=1.25).contains(&(s.calls as f64 / d.rows.max(1) as f64)))
                .min_by(|a, b| {
                    let off = |d: &Statement| (s.calls as f64 / d.rows.max(1) as f64 - 1.0).abs();
                    off(a).total_cmp(&off(b))
                })?;
            let per_driver_call = s.calls as f64 / driver.calls as f64;
            let (level, evidence) = match related_by_fk(snap, s, driver) {
                Some(fk) => (
                    Level::Warning,
                    format!("; foreign key {fk} relates their tables"),
                ),
                None => (
                    Level::Info,
                    "; info: no foreign key relates the lookup's key to the driver's tables \
                     (or a statement could not be read), so the counts may match by chance"
                        .to_string(),
                ),
            };
            let detail = format!(
                "Query {} ran {} times {} ({:.1} rows per call, {} each, {} in all): once per \
                 row of query {}, which returned {} rows over {} call{}, {:.0} lookups per call \
                 of it{evidence} — a lookup issued in a loop over another query's rows (N+1), \
                 with a round trip each. Fetch them in one statement: WHERE key = ANY($1) with \
                 the array of keys, or a JOIN in the driving query. Driver: {} Lookup: {}",
                s.queryid,
                human_count(s.calls),
                snap.workload.describe_window(),
                s.rows_per_call(),
                ms(s.mean_exec_ms),
                ms(s.total_exec_ms),
                driver.queryid,
                human_count(driver.rows),
                human_count(driver.calls),
                if driver.calls == 1 { "" } else { "s" },
                per_driver_call,
                display_query(driver, 120),
                display_query(s, 200)
            );
            Some(finding(
                &N_PLUS_ONE,
                snap,
                s,
                level,
                detail,
                None,
                json!({
                    "driver_queryid": driver.queryid,
                    "driver_query": display_query(driver, 500),
                    "driver_calls": driver.calls,
                    "driver_rows": driver.rows,
                    "lookups_per_driver_call": per_driver_call,
                }),
            ))
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
            // a spill is worth acting on when it is large and it recurs
            let (level, why) = if per_call < 1024.0 * 1024.0 {
                (Level::Info, "info: less than 1 MB per call")
            } else if s.calls < 5 {
                (Level::Info, "info: it ran only a handful of times")
            } else {
                (
                    Level::Warning,
                    "warning: at least 1 MB per call, again and again",
                )
            };
            let detail = format!(
                "Query {} wrote {} of temporary files per call ({} calls {}; {why}): its sorts \
                 or hashes do not fit in work_mem. Raise work_mem for this work only — every \
                 sort or hash node of every connection may use that much, so work_mem × \
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
            let (level, why) = by_impact(snap, "it", s.total_exec_ms);
            let detail = format!(
                "Query {} found only {:.0}% of its {} blocks in shared buffers {}: {} were read \
                 from disk or the OS cache ({why}). An index that reads fewer blocks, or more \
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
                level,
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
            let (level, why) = by_impact(snap, "it", s.total_plan_ms);
            let detail = format!(
                "Query {} spends {} planning for {} executing, on average over {} plans {} \
                 ({why} planning): prepare it once (a prepared statement, or your driver's statement cache) so \
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
                level,
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
        // 10 s of a day: slow per call, little for the machine
        assert_eq!(f.level, Level::Info);
        assert!(
            f.detail.contains("info: it took only 0.0% of one core"),
            "{}",
            f.detail
        );
    }

    fn over(seconds: f64, statements: Vec<Statement>) -> Snapshot {
        let mut s = snap(statements);
        s.workload.seconds = seconds;
        s
    }

    fn levels(rule: &Rule, s: &Snapshot) -> Vec<(String, Level)> {
        (rule.check)(s, &Config::default())
            .into_iter()
            .map(|f| (f.object_identity, f.level))
            .collect()
    }

    #[test]
    fn heavy_needs_a_share_calls_and_a_load_worth_acting_on() {
        // 100 s window: 10 s of execution is 10% of one core
        let s = over(
            100.0,
            vec![
                stmt(1, "SELECT report", 50, 50.0 * 200.0, 50), // 10% of a core, 200 ms each
                stmt(2, "SELECT other", 100, 500.0, 100),
            ],
        );
        assert_eq!(levels(&HEAVY, &s), [("1".to_string(), Level::Warning)]);
        let f = &(HEAVY.check)(&s, &Config::default())[0];
        assert!(
            f.detail.contains("warning: it kept 10.0% of one core"),
            "{}",
            f.detail
        );
        assert_eq!(f.metadata["core_load"], 0.1);

        // the same share of a day: almost nothing for the machine
        let quiet = over(
            86400.0,
            vec![
                stmt(1, "SELECT report", 50, 10_000.0, 50),
                stmt(2, "SELECT other", 100, 500.0, 100),
            ],
        );
        assert!(ids(&HEAVY, &quiet).is_empty());

        // 2% of a core: info, saying why
        let light = over(
            100.0,
            vec![
                stmt(1, "SELECT report", 10, 2000.0, 10),
                stmt(2, "SELECT b", 10, 200.0, 10),
            ],
        );
        assert_eq!(levels(&HEAVY, &light), [("1".to_string(), Level::Info)]);
        assert!((HEAVY.check)(&light, &Config::default())[0]
            .detail
            .contains("info: it kept only 2.0% of one core"));

        // one statement is 100% of nothing
        assert!(ids(
            &HEAVY,
            &over(100.0, vec![stmt(1, "SELECT a", 10, 8000.0, 10)])
        )
        .is_empty());
    }

    #[test]
    fn heavy_is_quiet_on_one_offs_cheap_oltp_calls_and_the_advisor_itself() {
        // a 46 ms query that ran once is most of a quiet window, and nothing to act on
        let once = over(
            10.0,
            vec![
                stmt(1, "SELECT big", 1, 46.0, 1),
                stmt(2, "SELECT b", 100, 5.0, 100),
            ],
        );
        assert!(ids(&HEAVY, &once).is_empty());
        // pgbench: 0.02 ms point updates taking 40% of all time: info, "fewer calls"
        let oltp = over(
            20.0,
            vec![
                stmt(
                    1,
                    "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2",
                    100_000,
                    2600.0,
                    100_000,
                ),
                stmt(
                    2,
                    "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                    100_000,
                    600.0,
                    100_000,
                ),
                stmt(
                    3,
                    "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
                    100_000,
                    2000.0,
                    100_000,
                ),
            ],
        );
        let found = (HEAVY.check)(&oltp, &Config::default());
        assert!(found.iter().all(|f| f.level == Level::Info), "{found:?}");
        assert!(
            found[0].detail.contains("each call takes only"),
            "{}",
            found[0].detail
        );
        // reading the extension's views is not the workload
        let dba = over(
            100.0,
            vec![
                stmt(1, "SELECT * FROM advisor_findings", 50, 50_000.0, 50),
                stmt(2, "SELECT b", 10, 100.0, 10),
            ],
        );
        assert!(ids(&HEAVY, &dba).is_empty());
        assert!(ids(&SLOW, &dba).is_empty());
    }

    #[test]
    fn what_reads_the_advisor() {
        assert!(reads_the_advisor("SELECT * FROM advisor_findings"));
        assert!(reads_the_advisor(
            "SELECT count(*) FROM ext._advisor_run($1, $2, $3)"
        ));
        assert!(reads_the_advisor("select advisor_snapshot()"));
        assert!(!reads_the_advisor("SELECT * FROM tax_advisor_fees"));
        assert!(!reads_the_advisor("SELECT 1"));
    }

    /// The shape the loader gets from PostgreSQL's parser: `table` (alias) and key columns.
    fn shaped(
        mut s: Statement,
        tables: &[(&str, Option<&str>)],
        keys: &[(Option<&str>, &str)],
    ) -> Statement {
        s.shape = Some(crate::snapshot::QueryShape {
            relations: tables
                .iter()
                .map(|(name, alias)| RelationRef {
                    schema: None,
                    name: name.to_string(),
                    alias: alias.map(str::to_string),
                })
                .collect(),
            keys: keys
                .iter()
                .map(|(q, c)| (q.map(str::to_string), c.to_string()))
                .collect(),
        });
        s
    }

    /// A shop: orders reference customers, items reference orders.
    fn shop(statements: Vec<Statement>, with_fk: bool) -> Snapshot {
        let mut b = crate::snapshot::SnapshotBuilder::new();
        let customers = b.table("public", "shop_customers", &["id"]);
        let orders = b.table("public", "shop_orders", &["id", "customer_id"]);
        let items = b.table("public", "shop_items", &["id", "order_id", "sku", "qty"]);
        if with_fk {
            b.foreign_key(
                "shop_orders_customer_id_fkey",
                orders,
                &["customer_id"],
                customers,
                &["id"],
            );
            b.foreign_key(
                "shop_items_order_id_fkey",
                items,
                &["order_id"],
                orders,
                &["id"],
            );
        }
        let mut s = b.build();
        s.workload = snap(statements).workload;
        s
    }

    fn orm_workload() -> Vec<Statement> {
        vec![
            shaped(
                stmt(
                    1,
                    "SELECT id FROM shop_orders WHERE customer_id = $1",
                    60,
                    30.0,
                    3000,
                ),
                &[("shop_orders", None)],
                &[(None, "customer_id")],
            ),
            shaped(
                stmt(
                    2,
                    "SELECT i.sku, i.qty FROM shop_items i WHERE i.order_id = $1",
                    3000,
                    90.0,
                    12_000,
                ),
                &[("shop_items", Some("i"))],
                &[(Some("i"), "order_id")],
            ),
            stmt(
                3,
                "SELECT * FROM users WHERE email LIKE $1",
                5000,
                50.0,
                5000,
            ), // no equality key
            stmt(4, "UPDATE users SET x = $1 WHERE id = $2", 5000, 50.0, 5000), // not a lookup
        ]
    }

    #[test]
    fn n_plus_one_is_a_lookup_per_row_of_a_driver() {
        // an ORM lists a customer's orders, then fetches each order's items one by one
        let orm = shop(orm_workload(), true);
        assert_eq!(
            levels(&N_PLUS_ONE, &orm),
            [("2".to_string(), Level::Warning)]
        );
        let f = &(N_PLUS_ONE.check)(&orm, &Config::default())[0];
        assert!(f.detail.contains("once per row of query 1, which returned 3,000 rows over 60 calls, 50 lookups per call"), "{}", f.detail);
        assert!(
            f.detail.contains(
                "foreign key shop_items_order_id_fkey on public.shop_items relates their tables"
            ),
            "{}",
            f.detail
        );
        assert!(f.detail.contains("= ANY($1)"));
        assert_eq!(f.metadata["driver_queryid"], 1);

        // the same counts without a foreign key between the tables: weak evidence, info
        let unrelated = shop(orm_workload(), false);
        assert_eq!(
            levels(&N_PLUS_ONE, &unrelated),
            [("2".to_string(), Level::Info)]
        );
        assert!((N_PLUS_ONE.check)(&unrelated, &Config::default())[0]
            .detail
            .contains("info: no foreign key relates"));

        // the key referenced the other way round: customers looked up per order row
        let per_order = shop(
            vec![
                shaped(
                    stmt(
                        1,
                        "SELECT customer_id FROM shop_orders LIMIT $1",
                        1,
                        3.0,
                        3000,
                    ),
                    &[("shop_orders", None)],
                    &[],
                ),
                shaped(
                    stmt(
                        2,
                        "SELECT * FROM shop_customers WHERE id = r.customer_id",
                        3000,
                        30.0,
                        3000,
                    ),
                    &[("shop_customers", None)],
                    &[(None, "id")],
                ),
            ],
            true,
        );
        assert_eq!(
            levels(&N_PLUS_ONE, &per_order),
            [("2".to_string(), Level::Warning)]
        );
    }

    #[test]
    fn n_plus_one_leaves_independent_point_lookups_alone() {
        // pgbench select-only and tpcb-like: one lookup per transaction, no driver
        let oltp = snap(vec![
            stmt(
                1,
                "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
                573_285,
                3400.0,
                573_285,
            ),
            stmt(
                2,
                "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
                573_285,
                9000.0,
                573_285,
            ),
            stmt(
                3,
                "INSERT INTO pgbench_history VALUES ($1, $2, $3, $4, now())",
                573_285,
                4000.0,
                573_285,
            ),
        ]);
        assert!(ids(&N_PLUS_ONE, &oltp).is_empty());
        // rows that match the calls, but from a statement run nearly as often: not a loop
        let near = snap(vec![
            stmt(
                1,
                "SELECT id FROM shop_orders WHERE customer_id = $1",
                1000,
                30.0,
                3000,
            ),
            stmt(
                2,
                "SELECT sku FROM shop_items WHERE order_id = $1",
                3000,
                90.0,
                12_000,
            ),
        ]);
        assert!(ids(&N_PLUS_ONE, &near).is_empty());
    }

    #[test]
    fn temp_spill_sizes_work_mem() {
        let mut spill = stmt(1, "SELECT * FROM t ORDER BY x", 5, 500.0, 5);
        spill.temp_blks_written = 5 * 1280; // 10 MB per call
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
        // the same spill in a query that ran twice: info, saying why
        let mut twice = stmt(1, "SELECT * FROM t ORDER BY x", 2, 200.0, 2);
        twice.temp_blks_written = 2 * 1280;
        let f = (TEMP_SPILL.check)(&snap(vec![twice]), &Config::default());
        assert_eq!(f[0].level, Level::Info);
        assert!(f[0].detail.contains("info: it ran only a handful of times"));
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
