//! Is pg_stat_statements there, and big enough? Never an ERROR: a finding that says what
//! to change, while every other advisor keeps working.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_count, Parts, Snapshot, WorkloadSource};
use serde_json::json;

pub const MISSING: Rule = Rule {
    id: "pg_stat_statements_missing",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "pg_stat_statements is not installed, not preloaded or older than 1.8: the \
                  workload advisors have nothing to read",
    check: missing,
    parts: Parts::WORKLOAD,
};

pub const TOO_SMALL: Rule = Rule {
    id: "pg_stat_statements_too_small",
    category: Category::Performance,
    default_level: Level::Info,
    description: "pg_stat_statements evicted statements (dealloc > 0): pg_stat_statements.max \
                  is too small to keep the whole workload",
    check: too_small,
    parts: Parts::WORKLOAD,
};

/// `shared_preload_libraries` with pg_stat_statements added.
fn with_pgss(setting: &str) -> String {
    let mut libs: Vec<String> = setting
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    libs.push("pg_stat_statements".into());
    libs.join(",")
}

fn missing(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let (detail, remediation) = match &snap.workload.source {
        WorkloadSource::NotInstalled {
            preloaded: true, ..
        } => (
            "pg_stat_statements is preloaded but the extension is not created in this \
             database, so the workload advisors (slow, heavy, N+1, spilling queries) have \
             nothing to read."
                .to_string(),
            "CREATE EXTENSION pg_stat_statements;".to_string(),
        ),
        WorkloadSource::NotInstalled {
            preload_setting, ..
        }
        | WorkloadSource::NotPreloaded { preload_setting } => (
            "pg_stat_statements is not in shared_preload_libraries, so the workload advisors \
             (slow, heavy, N+1, spilling queries) have nothing to read. Add it, restart \
             PostgreSQL, and create the extension."
                .to_string(),
            format!(
                "ALTER SYSTEM SET shared_preload_libraries = {};\n\
                 -- restart PostgreSQL, then in this database:\n\
                 CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
                quote::literal(&with_pgss(preload_setting))
            ),
        ),
        WorkloadSource::TooOld { version } => (
            format!(
                "pg_stat_statements is created in this database at version {}, older than \
                 the 1.8 the workload advisors read (total_exec_time, plans): update it to \
                 the version the server has.",
                quote::printable(version)
            ),
            "ALTER EXTENSION pg_stat_statements UPDATE;".to_string(),
        ),
        _ => return Vec::new(),
    };
    vec![MISSING.finding(
        Level::Warning,
        "extension",
        "pg_stat_statements".into(),
        None,
        detail,
        Some(remediation),
        json!({ "source": format!("{:?}", snap.workload.source) }),
    )]
}

fn too_small(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let w = &snap.workload;
    if !matches!(w.source, WorkloadSource::Installed { .. }) || w.dealloc == 0 {
        return Vec::new();
    }
    let suggested = ((w.max.max(1000) * 2) as u64)
        .next_power_of_two()
        .min(1 << 20);
    vec![TOO_SMALL.finding(
        Level::Info,
        "setting",
        "pg_stat_statements.max".into(),
        None,
        format!(
            "pg_stat_statements evicted statements {} times {} because it keeps at most {} \
             (pg_stat_statements.max): rarely run statements fall out and totals are \
             incomplete. Raise it (needs a restart).",
            human_count(w.dealloc),
            w.describe_window(),
            human_count(w.max)
        ),
        Some(format!(
            "ALTER SYSTEM SET pg_stat_statements.max = {suggested};\n-- restart PostgreSQL"
        )),
        json!({ "dealloc": w.dealloc, "max": w.max }),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(source: WorkloadSource) -> Snapshot {
        let mut s = Snapshot::default();
        s.workload.source = source;
        s
    }

    #[test]
    fn missing_or_not_preloaded() {
        let f = missing(
            &with(WorkloadSource::NotPreloaded {
                preload_setting: "pg_cron".into(),
            }),
            &Config::default(),
        );
        assert_eq!(
            f[0].remediation.as_deref().unwrap().lines().next(),
            Some("ALTER SYSTEM SET shared_preload_libraries = 'pg_cron,pg_stat_statements';")
        );
        let f = missing(
            &with(WorkloadSource::NotInstalled {
                preloaded: true,
                preload_setting: "pg_stat_statements".into(),
            }),
            &Config::default(),
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("CREATE EXTENSION pg_stat_statements;")
        );
        assert!(missing(
            &with(WorkloadSource::Installed {
                schema: "public".into()
            }),
            &Config::default()
        )
        .is_empty());
        assert!(missing(&with(WorkloadSource::Unknown), &Config::default()).is_empty());
        let f = missing(
            &with(WorkloadSource::TooOld {
                version: "1.6".into(),
            }),
            &Config::default(),
        );
        assert!(f[0].detail.contains("version 1.6"), "{}", f[0].detail);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ALTER EXTENSION pg_stat_statements UPDATE;")
        );
    }

    #[test]
    fn evictions() {
        let mut s = with(WorkloadSource::Installed {
            schema: "public".into(),
        });
        s.workload.dealloc = 12;
        s.workload.max = 5000;
        let f = too_small(&s, &Config::default());
        assert_eq!(f.len(), 1);
        assert!(f[0]
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("ALTER SYSTEM SET pg_stat_statements.max = 16384;"));
    }
}
