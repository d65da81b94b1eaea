//! `advisor_report(format)`: every finding as one readable document.

use super::findings::run_rules;
use crate::error::AdvisorError;
use database_advisor_core::report;
use pgrx::prelude::*;

const FORMATS: &[&str] = &["text", "json"];

#[pg_extern(stable)]
fn advisor_report(format: default!(String, "'text'")) -> String {
    let format = format.trim().to_lowercase();
    if !FORMATS.contains(&format.as_str()) {
        AdvisorError::UnknownFormat {
            given: format,
            valid: FORMATS,
        }
        .raise();
    }
    let findings = run_rules(None);
    match format.as_str() {
        "json" => serde_json::to_string_pretty(&findings).expect("findings serialize"),
        _ => report::text(&findings),
    }
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_report(text) IS
'Every database_advisor finding as one document: ''text'' (grouped by level and category, with the fix for each; readable in psql with \pset format unaligned) or ''json''.';
"#,
    name = "advisor_report_comment",
    requires = [advisor_report],
);
