//! `setting_review`: server settings that this database's own evidence says are wrong for
//! it — never a setting judged on its own. `shared_buffers` left at 128 MB under many times
//! as much data; `idle_in_transaction_session_timeout` off while sessions sit idle in a
//! transaction; `track_io_timing` off while the workload reads from outside shared
//! buffers; `random_page_cost` at 4 when the data is all in cache. One finding per setting;
//! reported by the database that reports the server's (`database_advisor.cluster_database`).

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, human_duration, Parts, RelKind, Snapshot};
use serde_json::json;

pub const SETTING_REVIEW: Rule = Rule {
    id: "setting_review",
    category: Category::Maintenance,
    default_level: Level::Info,
    description: "Server setting this database's evidence says is wrong for it: \
                  shared_buffers at 128 MB under much more data, no idle transaction \
                  timeout while sessions idle in one, track_io_timing off while the \
                  workload reads from disk, random_page_cost 4 with the data in cache",
    check: setting_review,
    parts: Parts::RELATIONS
        .union(Parts::SETTINGS)
        .union(Parts::SESSIONS)
        .union(Parts::WORKLOAD),
};

/// Data at least this many times `shared_buffers` (and at least [`MIN_DATA_BYTES`])
/// makes a `shared_buffers` of 128 MB or less too small.
const SHARED_BUFFERS_FACTOR: i64 = 8;
const DEFAULT_SHARED_BUFFERS: i64 = 128 << 20;
/// Below this, the data of a database says nothing about the cache it needs.
const MIN_DATA_BYTES: i64 = 1 << 30;
/// Blocks the workload read from outside shared buffers from which their timing matters.
const IO_TIMING_MIN_READS: i64 = 10_000;
/// Buffer accesses and hit ratio from which a database's data counts as cached.
const CACHED_MIN_ACCESSES: i64 = 1_000_000;
const CACHED_HIT_RATIO: f64 = 0.99;

/// The data of this database the snapshot knows: the main forks of the tables, indexes
/// and materialized views of user schemas (TOAST left out: a lower bound).
fn data_bytes(snap: &Snapshot) -> i64 {
    snap.relations
        .values()
        .filter(|r| {
            matches!(
                r.kind,
                RelKind::Table | RelKind::Index | RelKind::MaterializedView
            )
        })
        .map(|r| r.size_bytes)
        .sum()
}

fn finding(
    setting: &str,
    detail: String,
    remediation: Option<String>,
    metadata: serde_json::Value,
) -> Finding {
    SETTING_REVIEW.finding(
        Level::Info,
        "setting",
        setting.to_string(),
        None,
        detail,
        remediation,
        metadata,
    )
}

fn setting_review(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let s = &snap.server_settings;
    if !config.cluster_scope || !s.loaded {
        return Vec::new();
    }
    let db = quote::ident(&s.database);
    let data = data_bytes(snap);
    let mut out = Vec::new();

    if s.shared_buffers <= DEFAULT_SHARED_BUFFERS
        && data >= MIN_DATA_BYTES
        && data >= SHARED_BUFFERS_FACTOR * s.shared_buffers
    {
        out.push(finding(
            "shared_buffers",
            format!(
                "shared_buffers is {} while database {db} holds {} of tables and indexes: \
                 at most {:.0}% of it fits in PostgreSQL's cache, the rest is read through \
                 the operating system's. PostgreSQL's documentation suggests about 25% of \
                 the server's memory on a dedicated server (more rarely helps). The setting \
                 takes a restart: ALTER SYSTEM SET shared_buffers = '...' then restart the \
                 server (no remediation here: the size depends on the server's memory).",
                human_bytes(s.shared_buffers),
                human_bytes(data),
                100.0 * s.shared_buffers as f64 / data as f64
            ),
            None,
            json!({ "value_bytes": s.shared_buffers, "data_bytes": data }),
        ));
    }

    let min = config.idle_in_transaction_seconds;
    let idle: Vec<(i32, f64)> = snap
        .activity
        .sessions
        .iter()
        .filter(|x| x.state.starts_with("idle in transaction"))
        .filter_map(|x| x.state_seconds.filter(|&t| t >= min).map(|t| (x.pid, t)))
        .collect();
    if s.idle_in_transaction_timeout_ms == 0 && !idle.is_empty() {
        let longest = idle.iter().map(|i| i.1).fold(0.0, f64::max);
        out.push(finding(
            "idle_in_transaction_session_timeout",
            format!(
                "idle_in_transaction_session_timeout is 0 (off) while {} session{} of \
                 database {db} {} idle in an open transaction for {} or more (the longest \
                 {}; see idle_in_transaction): nothing ends them, and each holds its locks \
                 and keeps vacuum from removing the rows deleted since it began. With a \
                 timeout the server ends such a session itself. The remediation sets 10 \
                 minutes for the new sessions of this database: choose a time longer than \
                 any transaction the application legitimately leaves idle.",
                idle.len(),
                if idle.len() == 1 { "" } else { "s" },
                if idle.len() == 1 { "is" } else { "are" },
                human_duration(min),
                human_duration(longest),
            ),
            Some(format!(
                "ALTER DATABASE {db} SET idle_in_transaction_session_timeout = '10min';"
            )),
            json!({ "value_ms": 0, "sessions": idle.iter().map(|i| i.0).collect::<Vec<_>>() }),
        ));
    }

    let reads: i64 = snap
        .workload
        .statements
        .iter()
        .map(|x| x.shared_blks_read)
        .sum();
    if !s.track_io_timing && reads >= IO_TIMING_MIN_READS {
        out.push(finding(
            "track_io_timing",
            format!(
                "track_io_timing is off while the statements of database {db} read {} \
                 blocks ({}) from outside shared buffers {}: pg_stat_statements, EXPLAIN \
                 (ANALYZE, BUFFERS) and pg_stat_database cannot say how long those reads \
                 took, so a slow disk and a slow plan look the same. On most hardware the \
                 timing costs little (pg_test_timing measures it). The remediation turns it \
                 on for the new sessions of this database (for the whole server: ALTER \
                 SYSTEM SET track_io_timing = on and a reload).",
                human_count(reads),
                human_bytes(reads.saturating_mul(s.block_size)),
                snap.workload.describe_window()
            ),
            Some(format!("ALTER DATABASE {db} SET track_io_timing = on;")),
            json!({ "value": false, "blocks_read": reads }),
        ));
    }

    let accesses = s.blks_hit + s.blks_read;
    let hit_ratio = s.blks_hit as f64 / accesses.max(1) as f64;
    let in_buffers = data >= MIN_DATA_BYTES && data <= s.shared_buffers;
    let cached = data >= MIN_DATA_BYTES
        && data <= s.effective_cache_size
        && accesses >= CACHED_MIN_ACCESSES
        && hit_ratio >= CACHED_HIT_RATIO;
    if s.random_page_cost >= 2.0 * s.seq_page_cost && (in_buffers || cached) {
        let why = if in_buffers {
            format!("fits in shared_buffers ({})", human_bytes(s.shared_buffers))
        } else {
            format!(
                "fits in effective_cache_size ({}) and {:.1}% of {} block reads since the \
                 statistics reset found their block in shared buffers",
                human_bytes(s.effective_cache_size),
                hit_ratio * 100.0,
                human_count(accesses)
            )
        };
        out.push(finding(
            "random_page_cost",
            format!(
                "random_page_cost is {} ({}× seq_page_cost) while the {} of database {db} \
                 {why}: a random read costs about what a sequential one does when the page \
                 is in memory, and the planner, told otherwise, prefers sequential scans \
                 and avoids index scans that would be faster. The remediation sets 1.1 for \
                 the new sessions of this database (the value usual for SSDs and cached \
                 data).",
                s.random_page_cost,
                s.random_page_cost / s.seq_page_cost.max(f64::MIN_POSITIVE),
                human_bytes(data),
            ),
            Some(format!("ALTER DATABASE {db} SET random_page_cost = 1.1;")),
            json!({ "value": s.random_page_cost, "data_bytes": data, "hit_ratio": hit_ratio }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ServerSettings, Session, SnapshotBuilder, Statement};

    fn with_data(bytes: i64) -> Snapshot {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "big", &["id"]);
        b.relation_mut(t).size_bytes = bytes;
        let mut snap = b.build();
        snap.server_settings = ServerSettings {
            loaded: true,
            database: "Shop Δ".into(),
            ..ServerSettings::default()
        };
        snap
    }

    fn settings(snap: &Snapshot) -> Vec<String> {
        setting_review(snap, &Config::default())
            .into_iter()
            .map(|f| f.object_identity)
            .collect()
    }

    #[test]
    fn shared_buffers_at_the_default_under_much_more_data() {
        assert_eq!(settings(&with_data(4 << 30)), ["shared_buffers"]);
        // the same data under 1 GB of buffers, or a small database: nothing
        let mut snap = with_data(4 << 30);
        snap.server_settings.shared_buffers = 1 << 30;
        assert!(settings(&snap).is_empty());
        assert!(settings(&with_data(512 << 20)).is_empty());
    }

    #[test]
    fn no_idle_timeout_while_sessions_idle_in_a_transaction() {
        let mut snap = with_data(1 << 20);
        let idle = |pid, seconds| Session {
            pid,
            state: "idle in transaction".into(),
            state_seconds: Some(seconds),
            ..Session::default()
        };
        snap.activity.sessions = vec![idle(7, 30.0)];
        assert!(settings(&snap).is_empty(), "below idle_in_transaction_min");
        snap.activity.sessions.push(idle(8, 600.0));
        let f = setting_review(&snap, &Config::default());
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ALTER DATABASE \"Shop Δ\" SET idle_in_transaction_session_timeout = '10min';")
        );
        assert_eq!(f[0].metadata["sessions"], json!([8]));
        snap.server_settings.idle_in_transaction_timeout_ms = 60_000;
        assert!(settings(&snap).is_empty());
        // another database reports the server's settings
        let elsewhere = Config {
            cluster_scope: false,
            ..Config::default()
        };
        snap.server_settings.idle_in_transaction_timeout_ms = 0;
        assert!(setting_review(&snap, &elsewhere).is_empty());
    }

    #[test]
    fn io_timing_off_while_the_workload_reads() {
        let mut snap = with_data(1 << 20);
        snap.workload.statements.push(Statement {
            shared_blks_read: 20_000,
            ..Statement::default()
        });
        assert_eq!(settings(&snap), ["track_io_timing"]);
        snap.server_settings.track_io_timing = true;
        assert!(settings(&snap).is_empty());
    }

    #[test]
    fn random_page_cost_with_the_data_in_cache() {
        let mut snap = with_data(2 << 30);
        snap.server_settings.shared_buffers = 4 << 30;
        assert_eq!(settings(&snap), ["random_page_cost"]);
        // larger than shared buffers: cached only with the hits to show it
        snap.server_settings.shared_buffers = 1 << 30;
        assert!(settings(&snap).is_empty());
        snap.server_settings.blks_hit = 9_950_000;
        snap.server_settings.blks_read = 50_000;
        assert_eq!(settings(&snap), ["random_page_cost"]);
        snap.server_settings.random_page_cost = 1.1;
        assert!(settings(&snap).is_empty());
    }
}
