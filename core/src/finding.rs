//! The finding contract shared by every advisor (shared/DESIGN.md §3).

use serde::Serialize;
use std::fmt;

/// How bad a finding is; ordered so that `info < warning < error`,
/// like the SQL enum `advisor_level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Info, Level::Warning, Level::Error];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Performance,
    Security,
    Integrity,
    Maintenance,
    Design,
    Compliance,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Performance => "performance",
            Category::Security => "security",
            Category::Integrity => "integrity",
            Category::Maintenance => "maintenance",
            Category::Design => "design",
            Category::Compliance => "compliance",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem found on one object. Every advisor produces these.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Stable snake_case rule id, e.g. `missing_fk_index`.
    pub rule: &'static str,
    pub level: Level,
    pub category: Category,
    /// As `pg_identify_object(...).type`: `table`, `index`, `table constraint`, ...
    pub object_type: &'static str,
    /// As `pg_identify_object(...).identity`: schema-qualified, quoted where needed.
    pub object_identity: String,
    /// One sentence with the concrete facts and numbers.
    pub detail: String,
    /// SQL that fixes it, runnable as is; `None` when no SQL can.
    pub remediation: Option<String>,
    /// Structured facts.
    pub metadata: serde_json::Value,
    /// `metadata` already encoded by the caller that asked for it (the extension's jsonb
    /// bytes, made on the rule's thread), `metadata` then left `Null`.
    #[serde(skip)]
    pub metadata_encoded: Option<Box<[u8]>>,
    /// Stable across runs and OID changes: rule + identity (+ discriminator).
    pub fingerprint: String,
}

impl Finding {
    /// The fingerprint of a finding about `identity` (with an optional discriminator when
    /// one object can carry several findings of the same rule).
    pub fn fingerprint_for(rule: &str, identity: &str, discriminator: Option<&str>) -> String {
        match discriminator {
            Some(d) => format!("{rule}:{identity}:{d}"),
            None => format!("{rule}:{identity}"),
        }
    }
}

/// Worst first, then by category, rule and object, so output is deterministic.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    // sort compact keys, then move each finding once (a finding is large: sorting the
    // findings themselves moved 121,000 of them ~17 times each)
    let mut keys: Vec<(Level, Category, &'static str, &str, &str, usize)> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let (identity, fingerprint) = (f.object_identity.as_str(), f.fingerprint.as_str());
            (f.level, f.category, f.rule, identity, fingerprint, i)
        })
        .collect();
    keys.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| (a.1, a.2, a.3, a.4).cmp(&(b.1, b.2, b.3, b.4)))
    });
    let order: Vec<usize> = keys.into_iter().map(|k| k.5).collect();
    if order.iter().enumerate().all(|(i, &j)| i == j) {
        return;
    }
    let mut slots: Vec<Option<Finding>> = std::mem::take(findings).into_iter().map(Some).collect();
    *findings = order
        .into_iter()
        .map(|i| slots[i].take().expect("each position once"))
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_like_the_sql_enum() {
        assert!(Level::Info < Level::Warning && Level::Warning < Level::Error);
        assert_eq!(Level::ALL.map(Level::as_str), ["info", "warning", "error"]);
    }

    #[test]
    fn fingerprints() {
        assert_eq!(
            Finding::fingerprint_for("missing_fk_index", "fk on public.t", None),
            "missing_fk_index:fk on public.t"
        );
        assert_eq!(Finding::fingerprint_for("r", "o", Some("d")), "r:o:d");
    }
}
