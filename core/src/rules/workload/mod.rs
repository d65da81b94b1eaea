//! Workload rules, from pg_stat_statements read in-process: slow, heavy, N+1, spilling,
//! badly cached and plan-heavy statements, tables read by sequential scans, and whether
//! pg_stat_statements is there at all. Every finding states its statistics window.

pub mod source;
pub mod statements;
pub mod tables;

use crate::snapshot::Statement;

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

#[cfg(test)]
mod tests {
    use super::*;

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
