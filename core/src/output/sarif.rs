//! SARIF 2.1.0 (OASIS), for code-scanning tools: one rule descriptor per rule of the
//! catalogue, one result per finding (suppressed ones carry a `suppressions` entry),
//! locations are logical (the database object), fingerprints are ours.

use crate::finding::{Finding, Level};
use crate::rules;
use crate::suppress::Outcome;
use serde_json::{json, Value};

pub(super) fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Info => "note",
    }
}

fn result(f: &Finding, suppression: Option<&str>) -> Value {
    let index = rules::all().iter().position(|r| r.id == f.rule);
    let mut text = f.detail.clone();
    if let Some(sql) = &f.remediation {
        text.push_str("\nFix:\n");
        text.push_str(sql);
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": sarif_level(f.level),
        "message": { "text": text },
        "locations": [{
            "logicalLocations": [{
                "fullyQualifiedName": f.object_identity,
                "kind": "resource",
            }]
        }],
        "partialFingerprints": { "databaseAdvisor/v1": f.fingerprint },
        "properties": {
            "category": f.category,
            "objectType": f.object_type,
            "remediation": f.remediation,
            "metadata": f.metadata,
        },
    });
    if let Some(i) = index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(reason) = suppression {
        r["suppressions"] = json!([{ "kind": "external", "justification": reason }]);
    }
    r
}

pub fn render(outcome: &Outcome) -> String {
    let descriptors: Vec<Value> = rules::all()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.description },
                "defaultConfiguration": { "level": sarif_level(r.default_level) },
                "properties": { "category": r.category },
            })
        })
        .collect();
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| result(f, None))
        .chain(
            outcome
                .suppressed
                .iter()
                .map(|s| result(&s.finding, Some(&s.reason))),
        )
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "database_advisor",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).expect("sarif serializes")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::outcome;
    use super::*;

    #[test]
    fn sarif_shape() {
        let doc: Value = serde_json::from_str(&render(&outcome())).unwrap();
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            rules::all().len()
        );
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["level"], "warning");
        assert_eq!(results[1]["level"], "note");
        assert_eq!(results[0]["ruleIndex"], 0);
        assert_eq!(
            results[2]["suppressions"][0]["justification"],
            "monthly report"
        );
    }
}
