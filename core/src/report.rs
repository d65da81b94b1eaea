//! Human-readable output: the text report `advisor_report()` prints in psql.

use crate::finding::{Finding, Level};
use std::fmt::Write;

/// A plain-text report, grouped by level (worst first) then category, with the fix for
/// each finding. `findings` must already be sorted (see `sort_findings`).
pub fn text(findings: &[Finding]) -> String {
    let count = |l: Level| findings.iter().filter(|f| f.level == l).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "database_advisor: {} finding{} ({} error, {} warning, {} info)",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        count(Level::Error),
        count(Level::Warning),
        count(Level::Info),
    );
    let mut current: Option<(Level, &str)> = None;
    for f in findings {
        let group = (f.level, f.category.as_str());
        if current != Some(group) {
            let n = findings
                .iter()
                .filter(|g| (g.level, g.category.as_str()) == group)
                .count();
            let _ = writeln!(
                out,
                "\n== {} / {} ({n}) ==",
                f.level.as_str().to_uppercase(),
                f.category
            );
            current = Some(group);
        }
        let _ = writeln!(
            out,
            "\n[{}] {} {}",
            f.rule, f.object_type, f.object_identity
        );
        let _ = writeln!(out, "  {}", f.detail);
        match &f.remediation {
            Some(sql) => {
                let _ = writeln!(out, "  fix: {sql}");
            }
            None => {
                let _ = writeln!(out, "  fix: see the detail above (no SQL can fix this)");
            }
        }
    }
    if findings.is_empty() {
        out.push_str("\nNo findings: nothing to fix.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    fn finding(level: Level, id: &str) -> Finding {
        Finding {
            rule: "missing_fk_index",
            level,
            category: Category::Performance,
            object_type: "table constraint",
            object_identity: id.into(),
            detail: "d.".into(),
            remediation: Some("CREATE INDEX ...;".into()),
            metadata: serde_json::Value::Null,
            fingerprint: id.into(),
        }
    }

    #[test]
    fn groups_and_counts() {
        let text = text(&[
            finding(Level::Warning, "a on public.t"),
            finding(Level::Info, "b on public.t"),
        ]);
        assert!(text.starts_with("database_advisor: 2 findings (0 error, 1 warning, 1 info)"));
        let w = text.find("== WARNING / performance (1) ==").unwrap();
        let i = text.find("== INFO / performance (1) ==").unwrap();
        assert!(w < i);
        assert!(text.contains("fix: CREATE INDEX ...;"));
    }

    #[test]
    fn empty_report_says_so() {
        assert!(text(&[]).contains("No findings"));
    }
}
