//! Per-rule settings and suppressions (the `advisor_rule_settings` and
//! `advisor_suppressions` tables): what a run keeps, re-levels or sets aside.

use crate::finding::{sort_findings, Finding, Level};
use serde::Serialize;
use std::collections::HashMap;

/// An accepted finding: the rule, and the object identity or fingerprint it names.
/// Only suppressions that have not expired are loaded.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub rule: String,
    /// An object identity, or a fingerprint.
    pub target: String,
    pub reason: String,
    /// When it stops applying (text form), if ever.
    pub until: Option<String>,
}

/// A rule turned off, or given another level.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSetting {
    pub enabled: bool,
    pub level: Option<Level>,
}

/// Everything the settings tables say, loaded once per run.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub rules: HashMap<String, RuleSetting>,
    pub suppressions: Vec<Suppression>,
}

/// A finding set aside by a suppression, with why.
#[derive(Clone, Debug, Serialize)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    pub until: Option<String>,
}

/// The outcome of a run after settings and suppressions.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub suppressed: Vec<Suppressed>,
}

/// Re-level findings per rule settings, then split off the suppressed ones. Both lists stay
/// sorted worst first.
pub fn apply(
    findings: Vec<Finding>,
    settings: &HashMap<String, RuleSetting>,
    suppressions: &[Suppression],
) -> Outcome {
    let mut findings = findings;
    for f in &mut findings {
        if let Some(level) = settings.get(f.rule).and_then(|s| s.level) {
            f.level = level;
        }
    }
    sort_findings(&mut findings);
    let hit = |f: &Finding| {
        suppressions.iter().find(|s| {
            s.rule == f.rule && (s.target == f.object_identity || s.target == f.fingerprint)
        })
    };
    // the suppressed ones taken out in place, both lists in order (the findings are many
    // and large)
    let suppressed = findings
        .extract_if(.., |f| hit(f).is_some())
        .map(|f| {
            let s = hit(&f).expect("matched above");
            Suppressed {
                reason: s.reason.clone(),
                until: s.until.clone(),
                finding: f,
            }
        })
        .collect();
    Outcome {
        findings,
        suppressed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Category;

    fn finding(rule: &'static str, id: &str, level: Level) -> Finding {
        Finding {
            rule,
            level,
            category: Category::Performance,
            object_type: "index",
            object_identity: id.into(),
            detail: String::new(),
            remediation: None,
            metadata: serde_json::Value::Null,
            metadata_encoded: None,
            fingerprint: format!("{rule}:{id}"),
        }
    }

    #[test]
    fn suppress_by_identity_or_fingerprint_and_relevel() {
        let findings = vec![
            finding("unused_index", "public.a", Level::Warning),
            finding("unused_index", "public.b", Level::Warning),
            finding("missing_fk_index", "fk on public.c", Level::Info),
        ];
        let suppressions = vec![
            Suppression {
                rule: "unused_index".into(),
                target: "public.a".into(),
                reason: "used by the monthly report".into(),
                until: None,
            },
            Suppression {
                rule: "missing_fk_index".into(),
                target: "missing_fk_index:fk on public.c".into(),
                reason: "never deleted".into(),
                until: Some("2027-01-01".into()),
            },
            // same object, other rule: no effect
            Suppression {
                rule: "duplicate_index".into(),
                target: "public.b".into(),
                reason: "x".into(),
                until: None,
            },
        ];
        let settings = HashMap::from([(
            "unused_index".to_string(),
            RuleSetting {
                enabled: true,
                level: Some(Level::Error),
            },
        )]);
        let out = apply(findings, &settings, &suppressions);
        assert_eq!(out.findings.len(), 1);
        assert_eq!(out.findings[0].object_identity, "public.b");
        assert_eq!(out.findings[0].level, Level::Error);
        assert_eq!(out.suppressed.len(), 2);
        assert_eq!(out.suppressed[0].reason, "used by the monthly report");
    }
}
