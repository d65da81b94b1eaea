//! Outputs: one run's findings as a document — text for psql, Markdown for a PR comment,
//! JSON for scripts, SARIF 2.1.0 for code-scanning tools, an HTML page to look at.

pub mod html;
mod json;
pub mod jsonb;
mod markdown;
pub mod migration;
mod sarif;
mod text;

use crate::finding::{Finding, Level};
use crate::suppress::Outcome;

/// The report formats `advisor_report(format)` accepts.
pub const FORMATS: &[&str] = &["text", "markdown", "json", "sarif", "html"];

/// Render `outcome` as `format` (one of [`FORMATS`]); `None` for an unknown format.
pub fn render(format: &str, outcome: &Outcome) -> Option<String> {
    match format {
        "text" => Some(text::render(outcome)),
        "markdown" => Some(markdown::render(outcome)),
        "json" => Some(json::render(outcome)),
        "sarif" => Some(sarif::render(outcome)),
        "html" => Some(html::render(outcome, &html::Context::default())),
        _ => None,
    }
}

/// "3 findings (1 error, 2 warning, 0 info), 1 suppressed"
pub fn summary(outcome: &Outcome) -> String {
    let f = &outcome.findings;
    format!(
        "{} finding{} ({} error, {} warning, {} info), {} suppressed",
        f.len(),
        if f.len() == 1 { "" } else { "s" },
        count(f, Level::Error),
        count(f, Level::Warning),
        count(f, Level::Info),
        outcome.suppressed.len()
    )
}

pub fn count(findings: &[Finding], level: Level) -> usize {
    findings.iter().filter(|f| f.level == level).count()
}

/// Consecutive findings with the same level and category, for grouped reports.
pub fn groups(findings: &[Finding]) -> Vec<&[Finding]> {
    findings
        .chunk_by(|a, b| a.level == b.level && a.category == b.category)
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures {
    use crate::finding::{Category, Finding, Level};
    use crate::suppress::{Outcome, Suppressed};

    pub fn finding(level: Level, rule: &'static str, id: &str) -> Finding {
        Finding {
            rule,
            level,
            category: Category::Performance,
            object_type: "table constraint",
            object_identity: id.into(),
            detail: format!("{id} | has a \"pipe\"."),
            remediation: Some("CREATE INDEX ...;".into()),
            metadata: serde_json::json!({"table": "t"}),
            metadata_encoded: None,
            fingerprint: format!("{rule}:{id}"),
        }
    }

    pub fn outcome() -> Outcome {
        Outcome {
            findings: vec![
                finding(Level::Warning, "missing_fk_index", "a on public.t"),
                finding(Level::Info, "missing_fk_index", "b on public.t"),
            ],
            suppressed: vec![Suppressed {
                finding: finding(Level::Warning, "unused_index", "public.idx"),
                reason: "monthly report".into(),
                until: None,
            }],
        }
    }
}
