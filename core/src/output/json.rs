//! The JSON report: a summary and one object per finding with every contract field.

use super::count;
use crate::finding::Level;
use crate::suppress::Outcome;
use serde_json::json;

pub fn render(outcome: &Outcome) -> String {
    let f = &outcome.findings;
    let doc = json!({
        "tool": "database_advisor",
        "version": env!("CARGO_PKG_VERSION"),
        "summary": {
            "findings": f.len(),
            "error": count(f, Level::Error),
            "warning": count(f, Level::Warning),
            "info": count(f, Level::Info),
            "suppressed": outcome.suppressed.len(),
        },
        "findings": f,
        "suppressed": outcome.suppressed,
    });
    serde_json::to_string_pretty(&doc).expect("findings serialize")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::outcome;
    use super::*;

    #[test]
    fn json_report_has_every_contract_field() {
        let doc: serde_json::Value = serde_json::from_str(&render(&outcome())).unwrap();
        assert_eq!(doc["summary"]["findings"], 2);
        assert_eq!(doc["summary"]["suppressed"], 1);
        let first = &doc["findings"][0];
        for field in [
            "rule",
            "level",
            "category",
            "object_type",
            "object_identity",
            "detail",
            "remediation",
            "metadata",
            "fingerprint",
        ] {
            assert!(first.get(field).is_some(), "{field}");
        }
        assert_eq!(first["level"], "warning");
        assert_eq!(doc["suppressed"][0]["reason"], "monthly report");
    }
}
