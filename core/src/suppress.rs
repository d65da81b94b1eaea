//! Per-rule settings and suppressions (the `advisor_rule_settings` and
//! `advisor_suppressions` tables): what a run keeps, re-levels or sets aside.

use crate::finding::{sort_findings, Finding, Level, Ranked};
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

/// A finding (or a [`crate::finding::Packed`] one) set aside by a suppression, with why.
#[derive(Clone, Debug, Serialize)]
pub struct Suppressed<F = Finding> {
    pub finding: F,
    pub reason: String,
    pub until: Option<String>,
}

/// The outcome of a run after settings and suppressions.
#[derive(Clone, Debug)]
pub struct Outcome<F = Finding> {
    pub findings: Vec<F>,
    pub suppressed: Vec<Suppressed<F>>,
}

impl<F> Default for Outcome<F> {
    fn default() -> Self {
        Outcome {
            findings: Vec::new(),
            suppressed: Vec::new(),
        }
    }
}

/// Re-level findings per rule settings, then split off the suppressed ones. Both lists stay
/// sorted worst first.
pub fn apply<F: Ranked>(
    findings: Vec<F>,
    settings: &HashMap<String, RuleSetting>,
    suppressions: &[Suppression],
) -> Outcome<F> {
    let mut findings = findings;
    // (a run that did this for each rule's findings on its thread, [`relevel_and_sort`],
    // left one sorted stretch a rule: sorting merges them)
    relevel_and_sort(&mut findings, settings);
    let hit = |f: &F| {
        let f = f.rank();
        suppressions
            .iter()
            .find(|s| s.rule == f.rule && (s.target == f.identity || s.target == f.fingerprint))
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

/// Give findings the level their rule's settings say, and sort them worst first: what
/// [`apply`] does first, done for one rule's findings on its thread while the others run.
pub fn relevel_and_sort<F: Ranked>(findings: &mut [F], settings: &HashMap<String, RuleSetting>) {
    for f in findings.iter_mut() {
        if let Some(level) = settings.get(f.rank().rule).and_then(|s| s.level) {
            f.set_level(level);
        }
    }
    sort_findings(findings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Category, Packed};

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

    #[test]
    fn rules_sorted_on_their_threads_give_the_order_of_one_sort() {
        // each rule's findings re-levelled and sorted apart (as on the rules' threads),
        // then apply: the same outcome as apply over them unsorted; packed or not
        let rule_a = [
            finding("unused_index", "s.z", Level::Info),
            finding("unused_index", "s.b", Level::Warning),
            finding("unused_index", "s.a", Level::Info),
        ];
        let rule_b = [
            finding("missing_fk_index", "fk on s.y", Level::Warning),
            finding("missing_fk_index", "fk on s.c", Level::Error),
            finding("missing_fk_index", "fk on s.x", Level::Warning),
        ];
        let settings = HashMap::from([(
            "missing_fk_index".to_string(),
            RuleSetting {
                enabled: true,
                level: Some(Level::Info),
            },
        )]);
        let all: Vec<Finding> = rule_a.iter().chain(&rule_b).cloned().collect();
        let expected = apply(all, &settings, &[]).findings;
        let mut by_rule = Vec::new();
        for rule in [&rule_a[..], &rule_b[..]] {
            let mut found = rule.to_vec();
            relevel_and_sort(&mut found, &settings);
            by_rule.extend(found);
        }
        assert_eq!(apply(by_rule, &settings, &[]).findings, expected);
        let order: Vec<&str> = expected
            .iter()
            .map(|f| f.object_identity.as_str())
            .collect();
        assert_eq!(
            order,
            // the FK rule's findings all info by its setting, before unused_index's by id
            ["s.b", "fk on s.c", "fk on s.x", "fk on s.y", "s.a", "s.z"]
        );
        let mut builder = crate::output::jsonb::Builder::new();
        let packed: Vec<Packed> = rule_b
            .iter()
            .chain(&rule_a)
            .map(|f| Packed::new(f.clone(), &mut builder))
            .collect();
        let packed = apply(packed, &settings, &[]).findings;
        let order_packed: Vec<&str> = packed.iter().map(|f| f.object_identity()).collect();
        assert_eq!(order_packed, order);
    }
}
