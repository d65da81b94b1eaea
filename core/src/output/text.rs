//! The text report: readable in psql (`\pset format unaligned`), grouped by level and
//! category, with the fix for each finding.

use super::{groups, summary};
use crate::quote::printable;
use crate::suppress::Outcome;
use std::fmt::Write;

/// Multi-line text (a fix) under a finding: every line indented, none able to start a
/// line of the report's own (names and values cannot forge a finding or a heading).
fn indented(text: &str, indent: &str) -> String {
    text.split('\n')
        .map(printable)
        .collect::<Vec<_>>()
        .join(&format!("\n{indent}"))
}

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
                f.rule,
                f.object_type,
                printable(&f.object_identity)
            );
            let _ = writeln!(out, "  {}", printable(&f.detail));
            match &f.remediation {
                Some(sql) => {
                    let _ = writeln!(out, "  fix: {}", indented(sql, "       "));
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
                printable(&s.finding.object_identity),
                printable(&s.reason),
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
    fn names_cannot_forge_report_lines() {
        let mut o = outcome();
        o.findings[0].object_identity = "t\n[fake_rule] table x".into();
        o.findings[0].detail = "d\r\n== ERROR / security (9) ==".into();
        o.findings[0].remediation = Some("SELECT 1;\n\"a\rb\"\n[x]".into());
        let text = render(&o);
        for line in text.lines() {
            assert!(
                !line.starts_with("[fake_rule]") && !line.starts_with("[x]"),
                "{line}"
            );
            assert!(!line.starts_with("== ERROR"), "{line}");
            assert!(!line.contains('\r'), "{line}");
        }
        assert!(text.contains("t<U+000A>[fake_rule] table x"));
    }

    #[test]
    fn empty_report_says_so() {
        assert!(render(&Outcome::default()).contains("No findings"));
    }
}
