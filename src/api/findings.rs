//! `advisor_run`, the `advisor_findings` and `advisor_rules` views.

use super::{or_raise, prepare};
use crate::error::AdvisorError;
use database_advisor_core::finding::Finding;
use database_advisor_core::rules;
use pgrx::prelude::*;
use pgrx::JsonB;

/// Run the named rules (all when NULL) over one fresh snapshot, worst findings first.
pub(super) fn run_rules(rule_ids: Option<Vec<String>>) -> Vec<Finding> {
    let selected = or_raise(rules::select(rule_ids.as_deref()).map_err(AdvisorError::UnknownRule));
    let (snap, config) = prepare();
    rules::run(&selected, &snap, &config)
}

#[pg_extern(stable)]
fn _advisor_run(
    rules: default!(Option<Vec<String>>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(rule, String),
        name!(level, &'static str),
        name!(category, String),
        name!(object_type, String),
        name!(object_identity, String),
        name!(detail, String),
        name!(remediation, Option<String>),
        name!(metadata, JsonB),
        name!(fingerprint, String),
    ),
> {
    TableIterator::new(run_rules(rules).into_iter().map(|f| {
        (
            f.rule.to_string(),
            f.level.as_str(),
            f.category.as_str().to_string(),
            f.object_type.to_string(),
            f.object_identity,
            f.detail,
            f.remediation,
            JsonB(f.metadata),
            f.fingerprint,
        )
    }))
}

#[pg_extern(immutable, parallel_safe)]
fn _advisor_rules() -> TableIterator<
    'static,
    (
        name!(id, String),
        name!(category, String),
        name!(default_level, &'static str),
        name!(description, String),
    ),
> {
    TableIterator::new(rules::all().iter().map(|r| {
        (
            r.id.to_string(),
            r.category.as_str().to_string(),
            r.default_level.as_str(),
            r.description.to_string(),
        )
    }))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION _advisor_run(text[]) IS
'Internal: rows of advisor_run() with the level as text. Use advisor_run() or advisor_findings.';
COMMENT ON FUNCTION _advisor_rules() IS
'Internal: rows of the advisor_rules view.';

CREATE FUNCTION advisor_run(rules text[] DEFAULT NULL)
RETURNS TABLE (rule text, level @extschema@.advisor_level, category text, object_type text,
               object_identity text, detail text, remediation text, metadata jsonb,
               fingerprint text)
LANGUAGE sql STABLE
AS $$
    SELECT r.rule, r.level::@extschema@.advisor_level, r.category, r.object_type,
           r.object_identity, r.detail, r.remediation, r.metadata, r.fingerprint
    FROM @extschema@._advisor_run(rules) AS r
$$;
COMMENT ON FUNCTION advisor_run(text[]) IS
'Runs the named database_advisor rules (all when NULL) over one catalog snapshot and returns their findings, worst first. An unknown rule id raises SQLSTATE 22023.';

CREATE VIEW advisor_findings AS
SELECT * FROM advisor_run();
COMMENT ON VIEW advisor_findings IS
'Every finding of every database_advisor rule, worst first (level, category, rule, object). Filter with WHERE level >= ''warning''.';

CREATE VIEW advisor_rules AS
SELECT id, category, default_level::advisor_level AS default_level, description
FROM _advisor_rules();
COMMENT ON VIEW advisor_rules IS
'Every database_advisor rule: its stable id, category, default level and what it checks.';
"#,
    name = "advisor_findings_views",
    requires = ["advisor_level", _advisor_run, _advisor_rules],
);
