//! The migration linter's findings as a document: Markdown for a pull-request comment,
//! SARIF 2.1.0 with the file and line of each statement for code-scanning tabs.

use super::count;
use super::markdown::{cell, code_block};
use super::sarif::sarif_level;
use crate::finding::{Finding, Level};
use crate::lint::{LintFinding, RULES};
use crate::quote::printable;
use serde_json::{json, Value};
use std::fmt::Write;

pub const FORMATS: &[&str] = &["markdown", "sarif"];

pub fn render(format: &str, file: &str, findings: &[LintFinding]) -> Option<String> {
    match format {
        "markdown" => Some(markdown(file, findings)),
        "sarif" => Some(sarif(file, findings)),
        _ => None,
    }
}

fn markdown(file: &str, findings: &[LintFinding]) -> String {
    let all: Vec<Finding> = findings.iter().map(|l| l.finding.clone()).collect();
    let mut out = format!(
        "# Migration lint: `{}`\n\n",
        printable(file).replace('`', "'")
    );
    if findings.is_empty() {
        out.push_str(
            "No findings: nothing in this migration blocks, rewrites or breaks anything here.\n",
        );
        return out;
    }
    out.push_str("| level | findings |\n|---|---|\n");
    for level in [Level::Error, Level::Warning, Level::Info] {
        let _ = writeln!(out, "| {level} | {} |", count(&all, level));
    }
    for l in findings {
        let f = &l.finding;
        let icon = match f.level {
            Level::Error => "🔴",
            Level::Warning => "🟠",
            Level::Info => "🔵",
        };
        let _ = writeln!(
            out,
            "\n## {icon} line {}: `{}` — {}\n\n{} ({})\n",
            l.line,
            f.rule,
            cell(&f.object_identity),
            cell(&f.detail),
            f.level,
        );
        code_block(&mut out, &l.text);
        if let Some(sql) = &f.remediation {
            out.push_str("\nSafer:\n\n");
            code_block(&mut out, sql);
        }
    }
    out
}

fn sarif(file: &str, findings: &[LintFinding]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": { "text": r.summary },
                "defaultConfiguration": { "level": sarif_level(r.level) },
                "properties": { "category": r.category },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|l| {
            let f = &l.finding;
            let mut text = f.detail.clone();
            if let Some(sql) = &f.remediation {
                text.push_str("\nSafer:\n");
                text.push_str(sql);
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": RULES.iter().position(|r| r.id == f.rule),
                "level": sarif_level(f.level),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": file },
                        "region": { "startLine": l.line.max(1) },
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": f.object_identity,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": { "databaseAdvisor/v1": f.fingerprint },
                "properties": {
                    "category": f.category,
                    "objectType": f.object_type,
                    "statementNumber": l.statement,
                    "remediation": f.remediation,
                    "metadata": f.metadata,
                },
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "database_advisor migration linter",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "artifacts": [{ "location": { "uri": file } }],
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).expect("sarif serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    fn finding(line: usize, rule: &'static str, level: Level) -> LintFinding {
        LintFinding {
            finding: Finding {
                rule,
                level,
                category: Category::Performance,
                object_type: "table",
                object_identity: "public.\"a|b\"".into(),
                detail: "It blocks.".into(),
                remediation: Some("CREATE INDEX CONCURRENTLY ON t (c);".into()),
                metadata: json!({}),
                metadata_encoded: None,
                fingerprint: format!("{rule}:x"),
            },
            statement: 1,
            line,
            text: "CREATE INDEX ON t (c)".into(),
        }
    }

    #[test]
    fn markdown_and_sarif_carry_file_and_line() {
        let found = [
            finding(3, "index_without_concurrently", Level::Error),
            finding(7, "lock_timeout_missing", Level::Warning),
        ];
        let md = render("markdown", "db/0042 add.sql", &found).unwrap();
        assert!(md.starts_with("# Migration lint: `db/0042 add.sql`\n"));
        assert!(md.contains("| error | 1 |\n| warning | 1 |"));
        assert!(md.contains("## 🔴 line 3: `index_without_concurrently` — public.\"a\\|b\""));
        assert!(md.contains("```sql\nCREATE INDEX CONCURRENTLY ON t (c);\n```"));
        let doc: Value =
            serde_json::from_str(&render("sarif", "db/0042 add.sql", &found).unwrap()).unwrap();
        let r = &doc["runs"][0]["results"][1];
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            7
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "db/0042 add.sql"
        );
        assert_eq!(r["level"], "warning");
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            doc["runs"][0]["tool"]["driver"]["rules"][idx]["id"],
            "lock_timeout_missing"
        );
        assert!(render("html", "f", &found).is_none());
        assert!(render("markdown", "f", &[])
            .unwrap()
            .contains("No findings"));
    }
}
