//! `advisor_run`, the `advisor_findings`, `advisor_suppressed_findings` and `advisor_rules`
//! views.

use super::srf::{materialized, Rows};
use super::{run_packed, run_with_undo};
use crate::error::{no_null_elements, required};
use database_advisor_core::finding::Shown;
use database_advisor_core::rules;
use database_advisor_core::suppress::Outcome;
use pgrx::prelude::*;

materialized!(
    _advisor_run_wrapper,
    pg_finfo__advisor_run_wrapper,
    |fcinfo, out| {
        // SAFETY: the arguments of _advisor_run(text[], boolean, boolean)
        let (rules, include_suppressed, with_undo) = unsafe {
            (
                pgrx::fcinfo::pg_getarg::<Vec<Option<String>>>(fcinfo, 0),
                pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 1),
                pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 2),
            )
        };
        let rules = rules.map(|r| no_null_elements(r, "rules"));
        let include_suppressed = required(include_suppressed, "include_suppressed");
        if required(with_undo, "with_undo") {
            rows(out, run_with_undo(rules), include_suppressed);
        } else {
            rows(out, run_packed(rules), include_suppressed);
        }
    }
);

/// The rows of `_advisor_run`: the findings, then the suppressed ones if asked.
fn rows<F: Shown>(out: &mut Rows, outcome: Outcome<F>, include_suppressed: bool) {
    let active = outcome.findings.into_iter().map(|f| (f, None, None));
    let suppressed = outcome
        .suppressed
        .into_iter()
        .filter(|_| include_suppressed)
        .map(|s| (s.finding, Some(s.reason), s.until));
    let mut jsonb = super::jsonb::Builder::new();
    for (f, reason, until) in active.chain(suppressed) {
        let rank = f.rank();
        out.push(|row| {
            row.text(rank.rule);
            row.text(rank.level.as_str());
            row.text(rank.category.as_str());
            row.text(f.object_type());
            row.text(rank.identity);
            row.text(f.detail());
            row.text_opt(f.remediation());
            row.varlena(f.jsonb(&mut jsonb));
            row.text(rank.fingerprint);
            row.text_opt(reason.as_deref());
            row.text_opt(until.as_deref());
        });
    }
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
CREATE FUNCTION "_advisor_run"(
	"rules" TEXT[] DEFAULT NULL,
	"include_suppressed" bool DEFAULT false,
	"with_undo" bool DEFAULT false
) RETURNS TABLE (
	"rule" TEXT,
	"level" TEXT,
	"category" TEXT,
	"object_type" TEXT,
	"object_identity" TEXT,
	"detail" TEXT,
	"remediation" TEXT,
	"metadata" jsonb,
	"fingerprint" TEXT,
	"suppressed" TEXT,
	"suppressed_until" TEXT
)
STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', '_advisor_run_wrapper';
COMMENT ON FUNCTION _advisor_run(text[], boolean, boolean) IS
'Internal: rows of advisor_run() with the level as text (with_undo: also load the undo statements of indexes to drop). Use advisor_run() or advisor_findings.';
COMMENT ON FUNCTION _advisor_rules() IS
'Internal: rows of the advisor_rules view.';

CREATE TABLE advisor_rule_settings (
    rule text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT true,
    level advisor_level,
    reason text,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE advisor_rule_settings IS
'Per-rule settings: a disabled rule does not run (unless named in advisor_run), a level overrides the rule''s own. Change with advisor_configure_rule(). Kept by pg_dump.';
SELECT pg_catalog.pg_extension_config_dump('advisor_rule_settings', '');

CREATE TABLE advisor_suppressions (
    rule text NOT NULL,
    object_identity text NOT NULL,
    reason text NOT NULL CHECK (reason ~ '\S'),
    until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT current_user,
    PRIMARY KEY (rule, object_identity)
);
COMMENT ON TABLE advisor_suppressions IS
'Accepted findings: a rule and an object identity (or a fingerprint), why, and until when. Suppressed findings leave advisor_findings but are counted in reports and listed in advisor_suppressed_findings; expired ones apply no more. Change with advisor_suppress() / advisor_unsuppress(). Kept by pg_dump.';
SELECT pg_catalog.pg_extension_config_dump('advisor_suppressions', '');
-- every role may run the advisors, which read these; changing them stays with the owner
GRANT SELECT ON advisor_rule_settings, advisor_suppressions TO PUBLIC;

CREATE FUNCTION advisor_run(rules text[] DEFAULT NULL, include_suppressed boolean DEFAULT false)
RETURNS TABLE (rule text, level @extschema@.advisor_level, category text, object_type text,
               object_identity text, detail text, remediation text, metadata jsonb,
               fingerprint text, suppressed text)
LANGUAGE sql STABLE
AS $$
    SELECT r.rule, r.level::@extschema@.advisor_level, r.category, r.object_type,
           r.object_identity, r.detail, r.remediation, r.metadata, r.fingerprint, r.suppressed
    FROM @extschema@._advisor_run(rules, include_suppressed, false) AS r
$$;
COMMENT ON FUNCTION advisor_run(text[], boolean) IS
'Runs the named database_advisor rules (all enabled ones when NULL) over one catalog snapshot and returns their findings, worst first; suppressed findings too when include_suppressed (suppressed = the reason). An unknown rule id raises SQLSTATE 22023.';

-- The views call _advisor_run directly: advisor_run, like every function of the extension,
-- has a pinned search_path, so PostgreSQL cannot inline it and would copy every row once
-- more (121,000 findings on 20,000 tables: ~0.4 s).
CREATE VIEW advisor_findings AS
SELECT r.rule, r.level::@extschema@.advisor_level AS level, r.category, r.object_type,
       r.object_identity, r.detail, r.remediation, r.metadata, r.fingerprint
FROM @extschema@._advisor_run(NULL::text[], false, false) AS r;
COMMENT ON VIEW advisor_findings IS
'Every finding of every enabled database_advisor rule that is not suppressed, worst first (level, category, rule, object). Filter with WHERE level >= ''warning''.';

CREATE VIEW advisor_suppressed_findings AS
SELECT r.rule, r.level::@extschema@.advisor_level AS level, r.object_type, r.object_identity,
       r.detail, r.suppressed AS reason, s.until, s.created_by, r.fingerprint
FROM @extschema@._advisor_run(NULL::text[], true, false) r
LEFT JOIN @extschema@.advisor_suppressions s
       ON s.rule = r.rule AND s.object_identity IN (r.object_identity, r.fingerprint)
WHERE r.suppressed IS NOT NULL;
COMMENT ON VIEW advisor_suppressed_findings IS
'Findings set aside by advisor_suppressions, with the reason and until when.';

CREATE VIEW advisor_rules AS
SELECT id, category, default_level::@extschema@.advisor_level AS default_level, description
FROM @extschema@._advisor_rules();
COMMENT ON VIEW advisor_rules IS
'Every database_advisor rule: its stable id, category, default level and what it checks.';
"#,
    name = "advisor_findings_views",
    requires = ["advisor_level", _advisor_rules],
);
