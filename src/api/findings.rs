//! `advisor_run`, the `advisor_findings` and `advisor_rules` views.

use super::{advisor_level, or_raise, prepare};
use crate::error::AdvisorError;
use database_advisor_core::finding::Finding;
use database_advisor_core::rules;
use pgrx::prelude::*;
use pgrx::JsonB;

#[allow(clippy::type_complexity)]
fn to_row(
    f: Finding,
) -> (
    name!(rule, String),
    name!(level, advisor_level),
    name!(category, String),
    name!(object_type, String),
    name!(object_identity, String),
    name!(detail, String),
    name!(remediation, Option<String>),
    name!(metadata, JsonB),
    name!(fingerprint, String),
) {
    (
        f.rule.to_string(),
        f.level.into(),
        f.category.as_str().to_string(),
        f.object_type.to_string(),
        f.object_identity,
        f.detail,
        f.remediation,
        JsonB(f.metadata),
        f.fingerprint,
    )
}

/// Run the named rules (all when NULL) over one fresh snapshot, worst findings first.
pub(super) fn run_rules(rule_ids: Option<Vec<String>>) -> Vec<Finding> {
    let selected = or_raise(rules::select(rule_ids.as_deref()).map_err(AdvisorError::UnknownRule));
    let (snap, config) = prepare();
    rules::run(&selected, &snap, &config)
}

#[pg_extern(stable)]
fn advisor_run(
    rules: default!(Option<Vec<String>>, "NULL"),
) -> TableIterator<
    'static,
    (
        name!(rule, String),
        name!(level, advisor_level),
        name!(category, String),
        name!(object_type, String),
        name!(object_identity, String),
        name!(detail, String),
        name!(remediation, Option<String>),
        name!(metadata, JsonB),
        name!(fingerprint, String),
    ),
> {
    TableIterator::new(run_rules(rules).into_iter().map(to_row))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_run(text[]) IS
'Runs the named database_advisor rules (all when NULL) over one catalog snapshot and returns their findings, worst first. An unknown rule id raises SQLSTATE 22023.';

CREATE VIEW advisor_findings AS
SELECT * FROM advisor_run();
COMMENT ON VIEW advisor_findings IS
'Every finding of every database_advisor rule, worst first (level, category, rule, object). Filter with WHERE level >= ''warning''.';
"#,
    name = "advisor_findings_view",
    requires = [advisor_run, "comment_advisor_level"],
);

#[pg_extern(immutable, parallel_safe)]
fn advisor_rule_list() -> TableIterator<
    'static,
    (
        name!(id, String),
        name!(category, String),
        name!(default_level, advisor_level),
        name!(description, String),
    ),
> {
    TableIterator::new(rules::all().iter().map(|r| {
        (
            r.id.to_string(),
            r.category.as_str().to_string(),
            r.default_level.into(),
            r.description.to_string(),
        )
    }))
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_rule_list() IS
'The database_advisor rule catalogue; the advisor_rules view shows it.';

CREATE VIEW advisor_rules AS
SELECT * FROM advisor_rule_list();
COMMENT ON VIEW advisor_rules IS
'Every database_advisor rule: its stable id, category, default level and what it checks.';
"#,
    name = "advisor_rules_view",
    requires = [advisor_rule_list, "comment_advisor_level"],
);
