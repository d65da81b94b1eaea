//! The Markdown report: a summary table and one section per finding, for a pull-request
//! comment or a wiki page.

use super::{count, summary};
use crate::finding::Level;
use crate::quote::printable;
use crate::suppress::Outcome;
use std::fmt::Write;

/// Escape text for a Markdown table cell or line: one line, no cell breaks.
pub(super) fn cell(s: &str) -> String {
    printable(s).replace('|', "\\|")
}

/// A code fence longer than any run of backticks in the code, so the code cannot end it.
fn fence(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// SQL as a fenced block, each line printable.
pub(super) fn code_block(out: &mut String, sql: &str) {
    let sql: Vec<String> = sql.split('\n').map(printable).collect();
    let sql = sql.join("\n");
    let fence = fence(&sql);
    let _ = writeln!(out, "{fence}sql\n{sql}\n{fence}");
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
            code_block(&mut out, sql);
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

    #[test]
    fn names_cannot_end_the_code_block_or_the_cell() {
        let mut o = outcome();
        o.findings[0].object_identity = "t\n## fake".into();
        o.findings[0].remediation = Some("SELECT 1 AS \"```\n# x\";".into());
        let md = render(&o);
        assert!(md.contains("t<U+000A>## fake"));
        assert!(md.contains("````sql\nSELECT 1 AS \"```\n# x\";\n````"));
        assert!(!md.lines().any(|l| l == "## fake"));
    }
}
