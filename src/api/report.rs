//! `advisor_report(format)`: every finding as one document (text, Markdown, JSON, SARIF,
//! an HTML page).

use super::run_rules;
use crate::error::AdvisorError;
use database_advisor_core::output;
use pgrx::prelude::*;

#[pg_extern(stable)]
fn advisor_report(format: default!(Option<String>, "'text'")) -> String {
    let format = crate::error::required(format, "format")
        .trim()
        .to_lowercase();
    if !output::FORMATS.contains(&format.as_str()) {
        AdvisorError::UnknownFormat {
            given: format,
            valid: output::FORMATS,
            example: "advisor_report('{}')",
        }
        .raise();
    }
    let outcome = run_rules(None);
    if format == "html" {
        return output::html::render(&outcome, &crate::loader::report::html_context());
    }
    output::render(&format, &outcome).expect("a known format")
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_report(text) IS
'Every database_advisor finding as one document: ''text'' (grouped by level and category, with the fix for each; readable in psql with \pset format unaligned), ''markdown'', ''json'' (summary plus one object per finding with every contract field), ''sarif'' (SARIF 2.1.0 for code-scanning tools) or ''html'' (one self-contained page: findings by level, filterable, with copyable fixes, and charts of the findings, their history, the heaviest statements and the largest indexes). Suppressed findings are counted and listed apart.';
"#,
    name = "advisor_report_comment",
    requires = [advisor_report],
);
