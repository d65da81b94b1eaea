//! The Markdown report: a summary table and one section per finding, for a pull-request
//! comment or a wiki page.

use super::{count, summary};
use crate::finding::Level;
use crate::suppress::Outcome;
use std::fmt::Write;

/// Escape text for a Markdown table cell or line.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn render(outcome: &Outcome) -> String {
    let f = &outcome.findings;
    let mut out = String::from("# database_advisor report\n\n");
    let _ = writeln!(out, "{}\n", summary(outcome));
    out.push_str("| level | findings |\n|---|---|\n");
    for level in [Level::Error, Level::Warning, Level::Info] {
        let _ = writeln!(out, "| {level} | {} |", count(f, level));
    }
    for finding in f {
        let _ = writeln!(
            out,
            "\n## {} `{}` — {}\n\n{} ({}, {})\n",
            match finding.level {
                Level::Error => "🔴",
                Level::Warning => "🟠",
                Level::Info => "🔵",
            },
            finding.rule,
            cell(&finding.object_identity),
            cell(&finding.detail),
            finding.level,
            finding.category
        );
        if let Some(sql) = &finding.remediation {
            let _ = writeln!(out, "```sql\n{sql}\n```");
        }
    }
    if !outcome.suppressed.is_empty() {
        out.push_str("\n## Suppressed\n\n| rule | object | reason | until |\n|---|---|---|---|\n");
        for s in &outcome.suppressed {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                s.finding.rule,
                cell(&s.finding.object_identity),
                cell(&s.reason),
                s.until.as_deref().unwrap_or("")
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::outcome;
    use super::*;

    #[test]
    fn markdown_report() {
        let md = render(&outcome());
        assert!(md.starts_with("# database_advisor report\n"));
        assert!(md.contains("| warning | 1 |"));
        assert!(md.contains("## 🟠 `missing_fk_index` — a on public.t"));
        assert!(md.contains("a on public.t \\| has a \"pipe\"."));
        assert!(md.contains("```sql\nCREATE INDEX ...;\n```"));
        assert!(md.contains("| `unused_index` | public.idx | monthly report |  |"));
    }
}
