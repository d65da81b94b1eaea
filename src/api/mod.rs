//! The SQL surface: thin `#[pg_extern]` functions and the views over them. Each one loads
//! a snapshot, runs pure rules from `database_advisor_core`, and turns findings into rows.

// TableIterator rows are tuples of name!() columns: long by nature.
#![allow(clippy::type_complexity)]

mod audit;
mod findings;
mod fk_indexes;
mod generate;
mod history;
mod indexes;
pub(crate) mod jsonb;
mod lint;
mod report;
mod rls;
mod srf;
mod whatif;
mod workload;

use crate::error::AdvisorError;
use database_advisor_core::config::Config;
use database_advisor_core::finding::{Finding, Packed, Ranked};
use database_advisor_core::rules::indexes::{fill_undo, lacks_undo, undo_wanted};
use database_advisor_core::rules::{self, Rule};
use database_advisor_core::snapshot::{Parts, Snapshot};
use database_advisor_core::suppress::{self, Outcome};
use pgrx::prelude::*;
use std::time::Instant;

// `advisor_level` is created in SQL, not with pgrx's PostgresEnum: pgrx converts enums by
// looking the type up by name at run time, which fails when the extension's schema is not
// on search_path. The Rust functions return the label as text; the SQL surface casts it
// with a schema-qualified type bound at CREATE time.
extension_sql!(
    r#"
CREATE TYPE advisor_level AS ENUM ('info', 'warning', 'error');
COMMENT ON TYPE advisor_level IS
'Severity of a database_advisor finding, ordered info < warning < error.';
"#,
    name = "advisor_level",
    bootstrap,
);

// Every role may read the advisors (what they show, anyone can read in the catalogs;
// pg_stat_statements hides other users' texts itself). Changing settings stays with the
// owner.
extension_sql!(
    r#"
GRANT SELECT ON advisor_findings, advisor_rules, advisor_suppressed_findings,
                advisor_missing_fk_indexes, advisor_unused_indexes, advisor_index_findings,
                advisor_rls_gaps, advisor_slow_queries, advisor_runs, advisor_run_findings,
                advisor_index_suggestions
TO PUBLIC;

-- The extension's owner administers it: suppressions, rule settings, the history, audits.
-- Installed by a superuser, that is the superuser, who owns all this anyway. Installed as
-- a trusted extension by a database owner (docs/MANAGED.md), the objects belong to the
-- bootstrap superuser and these grants give the installing role what administering takes.
-- Never TRIGGER or REFERENCES: a trigger on these tables would run as whoever writes them
-- (a superuser's advisor_snapshot, an audit trigger function a superuser created).
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE
ON advisor_suppressions, advisor_rule_settings, advisor_runs, advisor_run_findings,
   advisor_audit_tables, advisor_audit_log
TO @extowner@;
GRANT EXECUTE ON FUNCTION advisor_audit_enable(regclass, text[], boolean, boolean),
                          advisor_audit_disable(regclass),
                          advisor_audit_purge(interval)
TO @extowner@;

-- The catalog queries of a run cost more than jit_above_cost on large catalogs, and
-- compiling them costs more than running them (1.6 s of 4.3 s at 20,000 tables).
ALTER FUNCTION _advisor_run(text[], boolean, boolean) SET jit = off;
ALTER FUNCTION _advisor_missing_fk_indexes() SET jit = off;
ALTER FUNCTION _advisor_unused_indexes() SET jit = off;
ALTER FUNCTION _advisor_slow_queries() SET jit = off;
ALTER FUNCTION _advisor_index_suggestions() SET jit = off;
ALTER FUNCTION advisor_report(text) SET jit = off;

-- Every function of the extension runs with search_path = pg_catalog, pg_temp, whatever
-- the caller's path: a role that can create objects in a schema on that path (public, the
-- extension's own schema) could otherwise plant an exact-type operator or function that
-- beats pg_catalog's polymorphic or variadic one and runs as the superuser calling us.
-- The extension's own objects are always named with their schema (docs/SECURITY.md).
-- (Only the extension's schema: `cargo pgrx test` adds test functions in schema tests.)
-- Exceptions: advisor_whatif and advisor_suggest_indexes plan the caller's statement, which
-- names the caller's tables through the caller's path, as EXPLAIN does (they run no SQL of
-- their own).
DO $pin$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT d.objid FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.objid
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e
                            WHERE e.extname OPERATOR(pg_catalog.=) 'database_advisor')
          AND d.deptype OPERATOR(pg_catalog.=) 'e'
          AND p.proname OPERATOR(pg_catalog.<>) ALL (ARRAY['advisor_whatif', 'advisor_suggest_indexes']::pg_catalog.name[])
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END
$pin$;

-- The runs read the statistics of every table and index: as one snapshot (PostgreSQL 15+,
-- stats_fetch_consistency), which costs one copy instead of a shared-memory lookup per
-- relation (~70 ms of a run on 20,000 tables), and is consistent.
DO $stats$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
        ALTER FUNCTION @extschema@._advisor_run(text[], boolean, boolean) SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_missing_fk_indexes() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_unused_indexes() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_index_suggestions() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@.advisor_report(text) SET stats_fetch_consistency = snapshot;
    END IF;
END
$stats$;
"#,
    name = "advisor_grants",
    requires = [
        "advisor_findings_views",
        "advisor_missing_fk_indexes_view",
        "advisor_index_views",
        "advisor_rls_gaps_view",
        "advisor_slow_queries_view",
        "advisor_index_suggestions_view",
        "advisor_history"
    ],
    finalize,
);

/// The snapshot (of the catalog `parts` its rules read) and configuration of one run, or
/// the error that stops it. `index_defs`: the definitions of invalid indexes too (see
/// `loader::load`; the undo statements of other findings are deparsed after the rules).
fn prepare(parts: Parts, index_defs: bool) -> (crate::loader::Loaded, Config) {
    let config = crate::gucs::config();
    let started = Instant::now();
    crate::loader::take_cost();
    let snap = or_raise(crate::loader::load(&config, parts, index_defs));
    if crate::gucs::trace() {
        let cost = crate::loader::take_cost();
        let total = started.elapsed();
        notice!(
            "database_advisor: snapshot of {:?} in {} ms: {} catalog queries, {} rows; \
             SQL {} ms, decoding {} ms, catalog reads {} ms, the rest {} ms; {}; {} relations, \
             {} columns, {} indexes, {} constraints",
            parts.resolved(),
            total.as_millis(),
            cost.queries,
            cost.rows,
            cost.sql.as_millis(),
            cost.decode.as_millis(),
            cost.catalog.as_millis(),
            total
                .saturating_sub(cost.sql + cost.decode + cost.catalog)
                .as_millis(),
            memory(),
            snap.relations.len(),
            snap.attributes.len(),
            snap.indexes.len(),
            snap.constraints.len()
        );
    }
    (snap, config)
}

/// With `database_advisor.trace`: what the rules of a run cost.
fn trace_rules(started: Instant, findings: usize) {
    if crate::gucs::trace() {
        notice!(
            "database_advisor: rules in {} ms, {findings} findings; {}",
            started.elapsed().as_millis(),
            memory()
        );
    }
}

/// The backend's memory now, for the trace: resident, and of it the private part (what
/// the run and the backend allocated) apart from the shared buffers and files it touched.
pub(crate) fn memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    format!(
        "resident {} MB, {} MB of it private (peak resident {} MB)",
        kb("VmRSS:") >> 10,
        kb("RssAnon:") >> 10,
        kb("VmHWM:") >> 10
    )
}

/// Run the named rules (all enabled ones when `None`) over one fresh snapshot, then apply
/// rule settings and suppressions: the findings as values (for the reports).
fn run_rules(rule_ids: Option<Vec<String>>) -> Outcome {
    let (settings, selected) = select_rules(rule_ids);
    let (snap, config) = prepare(Parts::of(selected.iter().copied()), false);
    let started = Instant::now();
    let findings = check_rules(&selected, &snap, &config, &settings, |f| f);
    let outcome = suppress::apply(findings, &settings.rules, &settings.suppressions);
    trace_rules(started, outcome.findings.len());
    outcome
}

/// [`run_rules`] for rows: the findings packed, their metadata jsonb (the run holds every
/// finding until the last rule ends: packed, 134,001 of them take ~110 MB instead of ~200).
fn run_packed(rule_ids: Option<Vec<String>>) -> Outcome<Packed> {
    let (settings, selected) = select_rules(rule_ids);
    let (snap, mut config) = prepare(Parts::of(selected.iter().copied()), false);
    let started = Instant::now();
    config.metadata_jsonb = true;
    let packed = check_rules(&selected, &snap, &config, &settings, crate::threads::pack);
    let outcome = suppress::apply(packed, &settings.rules, &settings.suppressions);
    trace_rules(started, outcome.findings.len());
    outcome
}

/// [`run_rules`] for the rows of `advisor_index_findings`: with the undo statements of the
/// indexes to drop (deparsed after the rules, for the findings that want them), the
/// metadata jsonb.
fn run_with_undo(rule_ids: Option<Vec<String>>) -> Outcome {
    let (settings, selected) = select_rules(rule_ids);
    let (mut snap, mut config) = prepare(Parts::of(selected.iter().copied()), true);
    let started = Instant::now();
    // the metadata made jsonb on the rules' threads, but where an undo statement still
    // goes into it
    config.index_undo = true;
    config.metadata_jsonb = true;
    let ready = |findings| crate::threads::encode_ready(findings, |f| !lacks_undo(f));
    let findings = check_rules(&selected, &snap, &config, &settings, ready);
    let mut outcome = suppress::apply(findings, &settings.rules, &settings.suppressions);
    trace_rules(started, outcome.findings.len());
    let all: Vec<_> = outcome
        .findings
        .iter()
        .chain(outcome.suppressed.iter().map(|s| &s.finding))
        .collect();
    let wanted = undo_wanted(&snap, &all);
    or_raise(crate::loader::load_index_defs(&mut snap, &wanted));
    let suppressed = outcome.suppressed.iter_mut().map(|s| &mut s.finding);
    fill_undo(&snap, outcome.findings.iter_mut().chain(suppressed));
    // now that the undo statements are in, on the threads too
    crate::threads::encode(&mut outcome.findings, crate::gucs::rule_threads());
    outcome
}

/// The settings of a run and the rules it runs: the named ones (all enabled ones when
/// `None`).
fn select_rules(rule_ids: Option<Vec<String>>) -> (suppress::Settings, Vec<&'static Rule>) {
    if rule_ids.as_ref().is_some_and(|ids| ids.is_empty()) {
        // no rule at all would report nothing, which reads like a clean bill of health
        AdvisorError::User {
            code: pgrx::PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            message: "rules is an empty array: no rule would run".into(),
            hint: "Pass NULL for every enabled rule, or name rules from advisor_rules.".into(),
        }
        .raise()
    }
    let settings = or_raise(crate::loader::settings::load());
    let selected = or_raise(
        rules::select(rule_ids.as_deref(), &settings.rules).map_err(AdvisorError::UnknownRule),
    );
    (settings, selected)
}

/// The findings of `selected` over `snap`, on the rules' threads, each rule's as `finish`
/// makes them there, given their level and sorted there too (what
/// [`suppress::apply`] then merges); with `database_advisor.trace`, what each rule cost.
fn check_rules<F: Ranked + Send>(
    selected: &[&Rule],
    snap: &Snapshot,
    config: &Config,
    settings: &suppress::Settings,
    finish: impl Fn(Vec<Finding>) -> Vec<F> + Sync,
) -> Vec<F> {
    let finish = |findings| {
        let mut findings = finish(findings);
        suppress::relevel_and_sort(&mut findings, &settings.rules);
        findings
    };
    let checked =
        crate::threads::check(selected, snap, config, crate::gucs::rule_threads(), finish);
    if crate::gucs::trace() {
        for (rule, c) in selected.iter().zip(&checked) {
            notice!(
                "database_advisor: rule {} in {} ms",
                rule.id,
                c.took.as_millis()
            );
        }
    }
    let mut findings = Vec::with_capacity(checked.iter().map(|c| c.findings.len()).sum());
    for c in checked {
        findings.extend(c.findings);
    }
    findings
}

/// Unwrap or raise the error as a PostgreSQL ERROR.
fn or_raise<T>(result: Result<T, AdvisorError>) -> T {
    result.unwrap_or_else(|e| e.raise())
}
