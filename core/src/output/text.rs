//! The text report: readable in psql (`\pset format unaligned`), grouped by level and
//! category, with the fix for each finding.

use super::{groups, summary};
use crate::suppress::Outcome;
use std::fmt::Write;

pub fn render(outcome: &Outcome) -> String {
    let mut out = format!("database_advisor: {}\n", summary(outcome));
    for group in groups(&outcome.findings) {
        let f = &group[0];
        let _ = writeln!(
            out,
            "\n== {} / {} ({}) ==",
            f.level.as_str().to_uppercase(),
            f.category,
            group.len()
        );
        for f in group {
            let _ = writeln!(
                out,
                "\n[{}] {} {}",
                f.rule, f.object_type, f.object_identity
            );
            let _ = writeln!(out, "  {}", f.detail);
            match &f.remediation {
                Some(sql) => {
                    let _ = writeln!(out, "  fix: {}", sql.replace('\n', "\n       "));
                }
                None => out.push_str("  fix: see the detail above (no SQL can fix this)\n"),
            }
        }
    }
    if outcome.findings.is_empty() {
        out.push_str("\nNo findings: nothing to fix.\n");
    }
    if !outcome.suppressed.is_empty() {
        let _ = writeln!(out, "\n== SUPPRESSED ({}) ==", outcome.suppressed.len());
        for s in &outcome.suppressed {
            let _ = writeln!(
                out,
                "[{}] {} {} — {}{}",
                s.finding.rule,
                s.finding.object_type,
                s.finding.object_identity,
                s.reason,
                s.until
                    .as_deref()
                    .map(|u| format!(" (until {u})"))
                    .unwrap_or_default()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::outcome;
    use super::*;
    use crate::suppress::Outcome;

    #[test]
    fn groups_counts_and_suppressed() {
        let text = render(&outcome());
        assert!(text.starts_with(
            "database_advisor: 2 findings (0 error, 1 warning, 1 info), 1 suppressed"
        ));
        let w = text.find("== WARNING / performance (1) ==").unwrap();
        let i = text.find("== INFO / performance (1) ==").unwrap();
        assert!(w < i);
        assert!(text.contains("fix: CREATE INDEX ...;"));
        assert!(text.contains("[unused_index] table constraint public.idx — monthly report"));
    }

    #[test]
    fn empty_report_says_so() {
        assert!(render(&Outcome::default()).contains("No findings"));
    }
}
