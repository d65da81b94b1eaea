//! Vacuum and analyze: autovacuum switched off (`autovacuum_disabled`), dead rows that
//! autovacuum should have removed long ago (`vacuum_overdue`), and statistics that should
//! have been refreshed (`stale_statistics`).

use super::{autovacuum_on, tables, when, LATE_AFTER, VERY_LATE_AFTER};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{Maintenance, RelKind, Relation, Snapshot};
use serde_json::json;

pub const AUTOVACUUM_DISABLED: Rule = Rule {
    id: "autovacuum_disabled",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Autovacuum is off, for the server or for a table (autovacuum_enabled = \
                  false): nothing removes its dead rows or refreshes its statistics",
    check: autovacuum_disabled,
    parts: super::PARTS,
};

pub const VACUUM_OVERDUE: Rule = Rule {
    id: "vacuum_overdue",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Dead rows past autovacuum's threshold, and no vacuum for over an hour (or \
                  autovacuum off for the table): they bloat it and slow every scan",
    check: vacuum_overdue,
    parts: super::PARTS,
};

pub const STALE_STATISTICS: Rule = Rule {
    id: "stale_statistics",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Rows changed past autovacuum's analyze threshold, and no analyze for over \
                  an hour (or never): the planner estimates from outdated statistics",
    check: stale_statistics,
    parts: super::PARTS,
};

/// `ALTER TABLE` or `ALTER MATERIALIZED VIEW`, as the relation needs.
fn alter(rel: &Relation) -> &'static str {
    if rel.kind == RelKind::MaterializedView {
        "ALTER MATERIALIZED VIEW"
    } else {
        "ALTER TABLE"
    }
}

fn autovacuum_disabled(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    let server = &snap.server_maintenance;
    for (setting, on) in [
        ("autovacuum", server.autovacuum),
        ("track_counts", server.track_counts),
    ] {
        if on || !config.cluster_scope {
            continue;
        }
        let why = if setting == "autovacuum" {
            "autovacuum is off for the whole server"
        } else {
            "track_counts is off, so autovacuum has no counts to act on and the statistics \
             views stay empty"
        };
        out.push(AUTOVACUUM_DISABLED.finding(
            Level::Warning,
            "setting",
            setting.into(),
            None,
            format!(
                "{why}: no table's dead rows are removed and no statistics are refreshed \
                 unless someone runs VACUUM and ANALYZE (only the vacuums that prevent \
                 transaction-ID wraparound still run, and they come late and all at once)."
            ),
            Some(format!(
                "ALTER SYSTEM SET {setting} = on;\nSELECT pg_reload_conf();"
            )),
            json!({ "setting": setting, "value": "off" }),
        ));
    }
    for (rel, m) in tables(snap, config) {
        let off: Vec<&str> = ["autovacuum_enabled", "toast.autovacuum_enabled"]
            .into_iter()
            .filter(|o| m.option_bool(o) == Some(false))
            .collect();
        if off.is_empty() {
            continue;
        }
        let t = snap.rel_identity(rel.oid);
        let part = if off == ["toast.autovacuum_enabled"] {
            "its TOAST table (where long values are stored)"
        } else {
            "it"
        };
        out.push(AUTOVACUUM_DISABLED.finding(
            Level::Warning,
            "table",
            t.to_string(),
            None,
            format!(
                "{t} has {}: autovacuum never vacuums or analyzes {part} (only the vacuum \
                 that prevents transaction-ID wraparound still runs). It has {} dead rows \
                 and {} rows changed since its last analyze; last vacuumed {}.",
                off.iter()
                    .map(|o| format!("{o} = false"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                m.dead_tuples,
                m.mod_since_analyze,
                when(snap, m.vacuumed_ago, m.autovacuumed),
            ),
            Some(format!("{} {t} RESET ({});", alter(rel), off.join(", "))),
            json!({ "table": t, "options": off, "dead_tuples": m.dead_tuples }),
        ));
    }
    out
}

/// A storage parameter of the table, else the server's setting.
fn threshold(m: &Maintenance, rel: &Relation, base: (&str, f64), scale: (&str, f64)) -> Threshold {
    let base = m.option_f64(base.0).unwrap_or(base.1);
    let scale = m.option_f64(scale.0).unwrap_or(scale.1);
    let rows = rel.reltuples.max(0.0);
    Threshold {
        base,
        scale,
        rows,
        value: base + scale * rows,
    }
}

struct Threshold {
    base: f64,
    scale: f64,
    rows: f64,
    value: f64,
}

/// How late autovacuum is with work past its threshold, last done `ago` seconds before:
/// not late (`None`), `info` after an hour, `warning` after a day or when autovacuum is
/// off for the table (then nothing will do it).
fn lateness(snap: &Snapshot, m: &Maintenance, ago: Option<f64>) -> Option<(Level, String)> {
    if !autovacuum_on(snap, m) {
        return Some((Level::Warning, "autovacuum is off for it".into()));
    }
    let late = ago.unwrap_or(snap.stats_window.seconds);
    let level = if late > VERY_LATE_AFTER {
        Level::Warning
    } else if late > LATE_AFTER {
        Level::Info
    } else {
        return None;
    };
    let mut why = format!(
        "autovacuum has not got to it for {}: it may be busy with other tables \
         (autovacuum_max_workers), throttled (autovacuum_vacuum_cost_limit) or unable to \
         take the table's lock",
        crate::snapshot::human_duration(late)
    );
    if let Some(h) = snap.server_maintenance.xmin_holders.first() {
        why.push_str(&format!(
            "; and the oldest {} ({}, {} transactions old) keeps vacuum from removing rows \
             deleted after it started",
            h.kind, h.name, h.age
        ));
    }
    Some((level, why))
}

fn vacuum_overdue(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let server = &snap.server_maintenance;
    let mut out = Vec::new();
    for (rel, m) in tables(snap, config) {
        let th = threshold(
            m,
            rel,
            ("autovacuum_vacuum_threshold", server.vacuum_threshold),
            ("autovacuum_vacuum_scale_factor", server.vacuum_scale_factor),
        );
        if (m.dead_tuples as f64) <= th.value {
            continue;
        }
        let Some((level, why)) = lateness(snap, m, m.vacuumed_ago) else {
            continue;
        };
        let t = snap.rel_identity(rel.oid);
        let live = rel.stats.as_ref().map_or(0, |s| s.n_live_tup);
        let share = 100.0 * m.dead_tuples as f64 / (m.dead_tuples + live).max(1) as f64;
        out.push(VACUUM_OVERDUE.finding(
            level,
            "table",
            t.to_string(),
            None,
            format!(
                "{t} has {} dead rows ({share:.0}% of its rows), past autovacuum's threshold \
                 of {:.0} (autovacuum_vacuum_threshold {} + autovacuum_vacuum_scale_factor {} \
                 × {:.0} rows); last vacuumed {}: {why}. Until vacuum removes them, dead rows \
                 take space and every scan of the table reads them.",
                m.dead_tuples,
                th.value,
                th.base,
                th.scale,
                th.rows,
                when(snap, m.vacuumed_ago, m.autovacuumed),
            ),
            Some(format!("VACUUM (ANALYZE) {t};")),
            json!({
                "table": t,
                "dead_tuples": m.dead_tuples,
                "live_tuples": live,
                "threshold": th.value,
                "last_vacuum_seconds_ago": m.vacuumed_ago,
                "autovacuum": autovacuum_on(snap, m),
            }),
        ));
    }
    out
}

fn stale_statistics(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let server = &snap.server_maintenance;
    let mut out = Vec::new();
    for (rel, m) in tables(snap, config) {
        let th = threshold(
            m,
            rel,
            ("autovacuum_analyze_threshold", server.analyze_threshold),
            (
                "autovacuum_analyze_scale_factor",
                server.analyze_scale_factor,
            ),
        );
        if (m.mod_since_analyze as f64) <= th.value {
            continue;
        }
        let Some((level, why)) = lateness(snap, m, m.analyzed_ago) else {
            continue;
        };
        let t = snap.rel_identity(rel.oid);
        out.push(STALE_STATISTICS.finding(
            level,
            "table",
            t.to_string(),
            None,
            format!(
                "{} rows of {t} changed since its statistics were last gathered ({}), past \
                 autovacuum's analyze threshold of {:.0} (autovacuum_analyze_threshold {} + \
                 autovacuum_analyze_scale_factor {} × {:.0} rows): {why}. The planner \
                 estimates rows and picks plans from those statistics.",
                m.mod_since_analyze,
                when(snap, m.analyzed_ago, m.autoanalyzed),
                th.value,
                th.base,
                th.scale,
                th.rows,
            ),
            Some(format!("ANALYZE {t};")),
            json!({
                "table": t,
                "changed_rows": m.mod_since_analyze,
                "threshold": th.value,
                "last_analyze_seconds_ago": m.analyzed_ago,
                "autovacuum": autovacuum_on(snap, m),
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn one_table() -> (SnapshotBuilder, u32) {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Order Lines", &["id"]);
        b.relation_mut(t).reltuples = 10_000.0;
        b.maintenance_mut(t);
        (b, t)
    }

    fn run(rule: &Rule, b: SnapshotBuilder) -> Vec<Finding> {
        (rule.check)(&b.build(), &Config::default())
    }

    #[test]
    fn a_table_with_autovacuum_off() {
        let (mut b, t) = one_table();
        b.maintenance_mut(t).options = vec!["autovacuum_enabled=off".into()];
        let f = run(&AUTOVACUUM_DISABLED, b);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].object_identity, "app.\"Order Lines\"");
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ALTER TABLE app.\"Order Lines\" RESET (autovacuum_enabled);")
        );
        // only its TOAST table's
        let (mut b, t) = one_table();
        b.maintenance_mut(t).options = vec!["toast.autovacuum_enabled=false".into()];
        let f = run(&AUTOVACUUM_DISABLED, b);
        assert!(f[0].detail.contains("TOAST"), "{}", f[0].detail);
        assert!(f[0]
            .remediation
            .as_deref()
            .unwrap()
            .contains("RESET (toast.autovacuum_enabled)"));
        // enabled explicitly, or other options: nothing
        let (mut b, t) = one_table();
        b.maintenance_mut(t).options =
            vec!["autovacuum_enabled=true".into(), "fillfactor=70".into()];
        assert!(run(&AUTOVACUUM_DISABLED, b).is_empty());
    }

    #[test]
    fn the_server_with_autovacuum_off() {
        let (mut b, _) = one_table();
        b.server_maintenance_mut().autovacuum = false;
        let f = run(&AUTOVACUUM_DISABLED, b);
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].object_type, f[0].object_identity.as_str()),
            ("setting", "autovacuum")
        );
    }

    #[test]
    fn dead_rows_past_the_threshold_and_late() {
        // threshold: 50 + 0.2 * 10,000 = 2,050
        let (mut b, t) = one_table();
        let m = b.maintenance_mut(t);
        m.dead_tuples = 3_000;
        m.vacuumed_ago = Some(2.0 * 86400.0);
        let f = run(&VACUUM_OVERDUE, b);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(f[0].detail.contains("threshold of 2050"), "{}", f[0].detail);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("VACUUM (ANALYZE) app.\"Order Lines\";")
        );
        // vacuumed two hours ago: info; ten minutes ago: autovacuum is on it
        for (ago, level) in [(7200.0, Some(Level::Info)), (600.0, None)] {
            let (mut b, t) = one_table();
            let m = b.maintenance_mut(t);
            m.dead_tuples = 3_000;
            m.vacuumed_ago = Some(ago);
            assert_eq!(run(&VACUUM_OVERDUE, b).first().map(|f| f.level), level);
        }
        // under the threshold, even never vacuumed in a long window
        let (mut b, t) = one_table();
        let m = b.maintenance_mut(t);
        m.dead_tuples = 2_000;
        m.vacuumed_ago = None;
        assert!(run(&VACUUM_OVERDUE, b).is_empty());
        // a lower per-table scale factor lowers the threshold (50 + 0.1 * 10,000)
        let (mut b, t) = one_table();
        let m = b.maintenance_mut(t);
        m.dead_tuples = 2_000;
        m.vacuumed_ago = None;
        m.options = vec!["autovacuum_vacuum_scale_factor=0.1".into()];
        assert_eq!(run(&VACUUM_OVERDUE, b).len(), 1);
    }

    #[test]
    fn autovacuum_off_is_late_at_once() {
        let (mut b, t) = one_table();
        let m = b.maintenance_mut(t);
        m.dead_tuples = 3_000;
        m.mod_since_analyze = 3_000;
        m.vacuumed_ago = Some(60.0);
        m.analyzed_ago = Some(60.0);
        m.options = vec!["autovacuum_enabled=false".into()];
        let snap = b.build();
        for rule in [&VACUUM_OVERDUE, &STALE_STATISTICS] {
            let f = (rule.check)(&snap, &Config::default());
            assert_eq!(f.len(), 1, "{}", rule.id);
            assert_eq!(f[0].level, Level::Warning);
            assert!(f[0].detail.contains("autovacuum is off for it"));
        }
    }

    #[test]
    fn statistics_never_gathered_in_a_long_window() {
        // threshold: 50 + 0.1 * 10,000 = 1,050; the window is 14 days
        let (mut b, t) = one_table();
        let m = b.maintenance_mut(t);
        m.mod_since_analyze = 5_000;
        m.analyzed_ago = None;
        let f = run(&STALE_STATISTICS, b);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].level, Level::Warning);
        assert!(
            f[0].detail
                .contains("never, as far as the statistics go back (since stats reset"),
            "{}",
            f[0].detail
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("ANALYZE app.\"Order Lines\";")
        );
        // a young window: autovacuum has not had the time
        let (mut b, t) = one_table();
        b.maintenance_mut(t).mod_since_analyze = 5_000;
        b.maintenance_mut(t).analyzed_ago = None;
        b.window(crate::snapshot::StatsWindow {
            since: "2026-12-01 10:00:00+00".into(),
            from_reset: false,
            seconds: 300.0,
        });
        assert!(run(&STALE_STATISTICS, b).is_empty());
    }
}
