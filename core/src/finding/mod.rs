//! The finding contract shared by every advisor (shared/DESIGN.md §3).

use crate::config::Config;
use crate::output::jsonb;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;

mod meta;
mod packed;
pub use meta::Meta;
pub use packed::{Packed, Rank, Ranked, Shown};

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
        // sized once (format! would grow it several times: a finding each)
        let extra = discriminator.map_or(0, |d| d.len() + 1);
        let mut out = String::with_capacity(rule.len() + 1 + identity.len() + extra);
        out.push_str(rule);
        out.push(':');
        out.push_str(identity);
        if let Some(d) = discriminator {
            out.push(':');
            out.push_str(d);
        }
        out
    }

    /// Set the metadata to `meta`: as jsonb bytes when the run asks for them
    /// ([`Config::metadata_jsonb`], the tree never made), as a value otherwise, and also
    /// when its `undo` is left null for the run to fill in once it deparsed the index
    /// ([`Config::index_undo`], `rules::indexes::fill_undo`).
    pub fn with_meta(mut self, config: &Config, meta: Meta) -> Finding {
        let undo_pending = config.index_undo && matches!(meta.get("undo"), Some(Meta::Null));
        if config.metadata_jsonb && !undo_pending {
            thread_local! {
                static JSONB: RefCell<jsonb::Builder> = RefCell::new(jsonb::Builder::new());
            }
            let bytes = JSONB.with(|b| Box::from(b.borrow_mut().encode_meta(&meta)));
            self.metadata = serde_json::Value::Null;
            self.metadata_encoded = Some(bytes);
        } else {
            self.metadata = meta.to_value();
            self.metadata_encoded = None;
        }
        self
    }
}

/// Worst first, then by category, rule and object, so output is deterministic.
pub fn sort_findings<F: Ranked>(findings: &mut [F]) {
    // sort positions, then move each finding once: a finding is large (sorting the findings
    // themselves moved 121,000 of them ~17 times each), and a key per finding would take
    // 64 bytes of each, made while every finding of the run is held
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (findings[a].rank(), findings[b].rank());
        b.level.cmp(&a.level).then_with(|| {
            (a.category, a.rule, a.identity, a.fingerprint).cmp(&(
                b.category,
                b.rule,
                b.identity,
                b.fingerprint,
            ))
        })
    });
    // order[i]: where the finding that goes to position i is now; applied in place, one
    // cycle of swaps at a time (no second vector of 100,000 findings)
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != usize::MAX {
            let from = std::mem::replace(&mut order[at], usize::MAX);
            if from == start {
                break;
            }
            findings.swap(at, from);
            at = from;
        }
    }
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
    fn sorting_moves_each_finding_to_its_place() {
        let f = |level, rule: &'static str, id: &str| Finding {
            rule,
            level,
            category: Category::Performance,
            object_type: "table",
            object_identity: id.into(),
            detail: String::new(),
            remediation: None,
            metadata: serde_json::Value::Null,
            metadata_encoded: None,
            fingerprint: Finding::fingerprint_for(rule, id, None),
        };
        // several cycles of the permutation, one finding already in place
        let mut found = vec![
            f(Level::Info, "b", "x"),
            f(Level::Error, "z", "c"),
            f(Level::Warning, "a", "b"),
            f(Level::Error, "a", "b"),
            f(Level::Info, "a", "a"),
            f(Level::Error, "z", "a"),
            f(Level::Warning, "a", "a"),
        ];
        sort_findings(&mut found);
        let order: Vec<String> = found
            .iter()
            .map(|f| format!("{} {} {}", f.level, f.rule, f.object_identity))
            .collect();
        assert_eq!(
            order,
            [
                "error a b",
                "error z a",
                "error z c",
                "warning a a",
                "warning a b",
                "info a a",
                "info b x"
            ]
        );
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
