//! Workload rules, from pg_stat_statements read in-process: slow, heavy, N+1, spilling,
//! badly cached and plan-heavy statements, tables read by sequential scans, and whether
//! pg_stat_statements is there at all. Every finding states its statistics window.

pub mod source;
pub mod statements;
pub mod tables;

use crate::finding::Level;
use crate::snapshot::{Snapshot, Statement};

/// The query text for display: whitespace collapsed, cut at `max` characters.
pub fn display_query(s: &Statement, max: usize) -> String {
    match &s.query {
        None => "<hidden: another user's statement (needs pg_read_all_stats)>".into(),
        Some(q) => {
            let flat = q.split_whitespace().collect::<Vec<_>>().join(" ");
            if flat.chars().count() > max {
                let cut: String = flat.chars().take(max).collect();
                format!("{cut}…")
            } else {
                flat
            }
        }
    }
}

/// "1,234 ms" / "12.5 ms" / "0.04 ms"
pub fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{} ms", crate::snapshot::human_count(v.round() as i64))
    } else if v >= 1.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.3} ms")
    }
}

/// The level of a finding about time the database spent (`spent_ms` over the window, by
/// `who`), and why: `warning` from 1% of one core's time (or when the window's length is
/// unknown), `info` below.
pub fn by_impact(snap: &Snapshot, who: &str, spent_ms: f64) -> (Level, String) {
    if snap.workload.seconds <= 0.0 {
        return (
            Level::Warning,
            "warning: the window's length is unknown".to_string(),
        );
    }
    let load = spent_ms / (snap.workload.seconds * 1000.0);
    if load < 0.01 {
        (
            Level::Info,
            format!(
                "info: {who} took only {} over the window",
                describe_load(load)
            ),
        )
    } else {
        (
            Level::Warning,
            format!("warning: {who} took {}", describe_load(load)),
        )
    }
}

/// `12.3% of one core (123 ms per second of the window)`.
pub fn describe_load(load: f64) -> String {
    format!(
        "{:.1}% of one core ({} per second of the window)",
        load * 100.0,
        ms(load * 1000.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_the_share_of_a_core() {
        let mut snap = Snapshot::default();
        snap.workload.seconds = 100.0;
        let (level, why) = by_impact(&snap, "it", 500.0);
        assert_eq!(level, Level::Info);
        assert_eq!(
            why,
            "info: it took only 0.5% of one core (5.0 ms per second of the window) over the window"
        );
        let (level, why) = by_impact(&snap, "the statements that read it", 2000.0);
        assert_eq!(level, Level::Warning);
        assert!(
            why.starts_with("warning: the statements that read it took 2.0% of one core"),
            "{why}"
        );
        snap.workload.seconds = 0.0;
        assert_eq!(by_impact(&snap, "it", 1.0).0, Level::Warning);
    }

    #[test]
    fn queries_for_display() {
        let s = Statement {
            query: Some("SELECT *\n  FROM   t\nWHERE id = $1".into()),
            ..Statement::default()
        };
        assert_eq!(display_query(&s, 100), "SELECT * FROM t WHERE id = $1");
        assert_eq!(display_query(&s, 8), "SELECT *…");
        assert!(display_query(&Statement::default(), 10).starts_with("<hidden"));
        assert_eq!(ms(1234.4), "1,234 ms");
        assert_eq!(ms(12.54), "12.5 ms");
    }
}
