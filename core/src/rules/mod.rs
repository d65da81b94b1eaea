//! The rule catalogue: each rule is a pure function over a [`Snapshot`], one module per
//! rule family. `select` picks the rules, `run` / `run_on_threads` run them.

pub mod audit;
pub mod design;
pub mod health;
pub mod indexes;
pub mod rls;
pub mod security;
pub mod workload;

use crate::config::Config;
use crate::finding::{sort_findings, Category, Finding, Level};
use crate::snapshot::{Parts, Snapshot};
use crate::suppress::RuleSetting;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A rule: stable id, what it is about, and the pure function that checks it.
pub struct Rule {
    pub id: &'static str,
    pub category: Category,
    pub default_level: Level,
    pub description: &'static str,
    pub check: fn(&Snapshot, &Config) -> Vec<Finding>,
    /// The catalog families `check` reads: a run loads only those of its rules.
    pub parts: Parts,
}

impl Rule {
    /// A finding of this rule about one object (`discriminator` when one object can carry
    /// several findings of the rule).
    #[allow(clippy::too_many_arguments)]
    pub fn finding(
        &self,
        level: Level,
        object_type: &'static str,
        identity: String,
        discriminator: Option<&str>,
        detail: String,
        remediation: Option<String>,
        metadata: serde_json::Value,
    ) -> Finding {
        Finding {
            rule: self.id,
            level,
            category: self.category,
            object_type,
            fingerprint: Finding::fingerprint_for(self.id, &identity, discriminator),
            object_identity: identity,
            detail,
            remediation,
            metadata,
            metadata_encoded: None,
        }
    }
}

/// Every rule, in catalogue order.
pub fn all() -> &'static [Rule] {
    &[
        indexes::missing_fk::RULE,
        indexes::missing_index::RULE,
        indexes::unused::RULE,
        indexes::duplicate::RULE,
        indexes::redundant::RULE,
        indexes::invalid::RULE,
        rls::tables::DISABLED_EXPOSED,
        rls::tables::POLICY_WITHOUT_RLS,
        rls::tables::ENABLED_NO_POLICY,
        rls::tables::NOT_FORCED,
        rls::policies::ALWAYS_TRUE,
        rls::policies::WRITE_WITHOUT_CHECK,
        rls::policies::MULTIPLE_PERMISSIVE,
        rls::policies::PER_ROW_FUNCTION,
        rls::policies::COLUMN_UNINDEXED,
        rls::policies::TENANT_UNPROTECTED,
        rls::tables::PARTITION_UNPROTECTED,
        rls::tables::BYPASS_ROLE,
        rls::tables::VIEW_BYPASS,
        security::functions::DEFINER_SEARCH_PATH,
        security::functions::DEFINER_PUBLIC_EXECUTE,
        security::schemas::PUBLIC_SCHEMA_CREATE,
        security::schemas::EXTENSION_IN_PUBLIC,
        security::sensitive::SENSITIVE_PLAINTEXT,
        audit::TRIGGER_DISABLED,
        audit::MISSING_SENSITIVE,
        design::tables::NO_PRIMARY_KEY,
        design::types::FK_TYPE_MISMATCH,
        design::constraints::DUPLICATE,
        design::constraints::NOT_VALIDATED,
        design::types::UPGRADE_BLOCKING_TYPE,
        design::tables::TABLE_INHERITANCE,
        design::discouraged::DISCOURAGED_COLUMN_TYPE,
        design::tables::RULE_ON_TABLE,
        design::tenancy::TENANT_COLUMN_MISSING,
        design::tenancy::TENANT_INDEX_NOT_LEADING,
        design::layout::BRIN_CANDIDATE,
        design::layout::PARTITION_CANDIDATE,
        design::naming::IDENTIFIER_NEEDS_QUOTING,
        design::comments::MISSING_COMMENT,
        health::wraparound::XID_WRAPAROUND_RISK,
        health::wraparound::MULTIXACT_WRAPAROUND_RISK,
        health::sequences::SEQUENCE_EXHAUSTION,
        health::vacuum::AUTOVACUUM_DISABLED,
        health::vacuum::VACUUM_OVERDUE,
        health::vacuum::STALE_STATISTICS,
        health::bloat::TABLE_BLOAT,
        health::bloat::INDEX_BLOAT,
        health::extensions::EXTENSION_OUTDATED,
        health::sessions::IDLE_IN_TRANSACTION,
        health::sessions::LONG_RUNNING_QUERY,
        health::sessions::BLOCKED_QUERIES,
        health::sessions::CONNECTION_SATURATION,
        health::replication::REPLICATION_SLOT_INACTIVE,
        health::settings::SETTING_REVIEW,
        workload::statements::SLOW,
        workload::statements::HEAVY,
        workload::statements::N_PLUS_ONE,
        workload::statements::TEMP_SPILL,
        workload::statements::LOW_CACHE_HIT,
        workload::statements::HIGH_PLANNING,
        workload::tables::SEQ_SCAN_HEAVY,
        workload::source::MISSING,
        workload::source::TOO_SMALL,
    ]
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().find(|r| r.id == id)
}

/// A rule id that is not in the catalogue.
#[derive(Debug, PartialEq)]
pub struct UnknownRule(pub String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<&str> = all().iter().map(|r| r.id).collect();
        write!(
            f,
            "unknown rule \"{}\"; valid rules are: {}",
            self.0,
            valid.join(", ")
        )
    }
}

/// Rules that run only once a setting enables them (`advisor_configure_rule(id)`) or when
/// named: advice a team adopts as a convention, noisy on a schema that has its own.
pub const OFF_BY_DEFAULT: &[&str] = &["identifier_needs_quoting", "missing_comment"];

/// Whether a rule runs in a run of all rules, by its setting, else by its default.
pub fn is_enabled(id: &str, settings: &HashMap<String, RuleSetting>) -> bool {
    settings
        .get(id)
        .map_or(!OFF_BY_DEFAULT.contains(&id), |s| s.enabled)
}

/// Resolve rule ids (all enabled rules when `None`), rejecting unknown ones. A rule named
/// explicitly runs even when its setting disables it (or it is off by default).
pub fn select(
    ids: Option<&[String]>,
    settings: &HashMap<String, RuleSetting>,
) -> Result<Vec<&'static Rule>, UnknownRule> {
    match ids {
        None => Ok(all()
            .iter()
            .filter(|r| is_enabled(r.id, settings))
            .collect()),
        Some(ids) => {
            let mut picked: Vec<&'static Rule> = Vec::new();
            for id in ids {
                let rule = find(id.trim()).ok_or_else(|| UnknownRule(id.clone()))?;
                if !picked.iter().any(|r| r.id == rule.id) {
                    picked.push(rule);
                }
            }
            Ok(picked)
        }
    }
}

/// Run the given rules over one snapshot; findings sorted worst first.
pub fn run(rules: &[&Rule], snapshot: &Snapshot, config: &Config) -> Vec<Finding> {
    let checked = run_on_threads(rules, snapshot, config, 1, || {}, |f| f, || false);
    let mut findings: Vec<Finding> = checked
        .into_iter()
        .flat_map(|c| c.expect("never interrupted").findings)
        .collect();
    sort_findings(&mut findings);
    findings
}

/// What one rule found (as `finish` made it: [`Finding`]s, or [`crate::finding::Packed`]
/// ones), and how long it took.
pub struct Checked<F = Finding> {
    pub findings: Vec<F>,
    pub took: Duration,
}

/// Run the rules over one snapshot on up to `threads` threads (the calling one included),
/// each rule whole on one thread, the next free thread taking the next rule. Rules are
/// pure functions of the snapshot: the threads share nothing else.
///
/// `thread_start` runs first on each thread started here; `finish` runs on a rule's thread
/// after the rule, on its findings, and gives what the run keeps of them. `interrupted` is
/// asked on the calling thread only, before each of its rules and while it waits for the
/// others: once it says yes no rule starts, and the rules not run come back as `None` (the
/// caller handles the interrupt and runs them again). Results are in the order of `rules`;
/// a rule that panics panics the caller once every thread has stopped. Rules read the
/// snapshot only: what they derive and share goes through `OnceLock`s and
/// [`Snapshot::shared`], which are `Sync`.
pub fn run_on_threads<F: Send>(
    rules: &[&Rule],
    snapshot: &Snapshot,
    config: &Config,
    threads: usize,
    thread_start: fn(),
    finish: impl Fn(Vec<Finding>) -> Vec<F> + Sync,
    mut interrupted: impl FnMut() -> bool,
) -> Vec<Option<Checked<F>>> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Checked<F>>>> = rules.iter().map(|_| Mutex::new(None)).collect();
    // the next rule for this thread, checked into its slot; false once none is left
    let check_next = || -> bool {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(rule) = rules.get(i) else {
            return false;
        };
        // a panicking rule stops the others from starting new ones
        let guard = StopOnUnwind(&stop);
        let started = Instant::now();
        let findings = finish((rule.check)(snapshot, config));
        let took = started.elapsed();
        std::mem::forget(guard);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(Checked { findings, took });
        true
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads.clamp(1, rules.len().max(1)))
            .map(|_| {
                scope.spawn(|| {
                    thread_start();
                    while check_next() {}
                })
            })
            .collect();
        loop {
            if interrupted() {
                stop.store(true, Ordering::Relaxed);
                break;
            }
            if !check_next() {
                break;
            }
        }
        // the others finish the rules they are running; no new one starts once interrupted
        while helpers.iter().any(|h| !h.is_finished()) {
            if interrupted() {
                stop.store(true, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        for helper in helpers {
            if let Err(panic) = helper.join() {
                std::panic::resume_unwind(panic);
            }
        }
    });
    slots
        .into_iter()
        .map(|s| s.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// Sets the flag when dropped during a panic (it is forgotten otherwise).
struct StopOnUnwind<'a>(&'a AtomicBool);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_its_doc_section() {
        let docs = [
            include_str!("../../../docs/rules/audit.md"),
            include_str!("../../../docs/rules/design.md"),
            include_str!("../../../docs/rules/health.md"),
            include_str!("../../../docs/rules/index-advisor.md"),
            include_str!("../../../docs/rules/indexes.md"),
            include_str!("../../../docs/rules/rls.md"),
            include_str!("../../../docs/rules/security.md"),
            include_str!("../../../docs/rules/workload.md"),
        ]
        .concat();
        for r in all() {
            assert!(
                docs.contains(&format!("`{}`", r.id)),
                "no docs/rules section names {}",
                r.id
            );
        }
    }

    #[test]
    fn rule_ids_are_unique_snake_case() {
        let mut ids: Vec<&str> = all().iter().map(|r| r.id).collect();
        for id in &ids {
            assert!(
                id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id}"
            );
        }
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all().len());
    }

    #[test]
    fn selecting_rules() {
        let none = HashMap::new();
        let by_default = all().len() - OFF_BY_DEFAULT.len();
        assert_eq!(select(None, &none).unwrap().len(), by_default);
        let on: HashMap<String, RuleSetting> = OFF_BY_DEFAULT
            .iter()
            .map(|id| {
                let enabled = RuleSetting {
                    enabled: true,
                    level: None,
                };
                (id.to_string(), enabled)
            })
            .collect();
        assert_eq!(select(None, &on).unwrap().len(), all().len());
        let twice = [
            "missing_fk_index".to_string(),
            "missing_fk_index".to_string(),
        ];
        assert_eq!(select(Some(&twice), &none).unwrap().len(), 1);
        let off = HashMap::from([("unused_index".to_string(), RuleSetting::default())]);
        assert_eq!(select(None, &off).unwrap().len(), by_default - 1);
        let named = ["unused_index".to_string()];
        assert_eq!(select(Some(&named), &off).unwrap().len(), 1);
        let err = select(Some(&["nope".into()]), &none).err().unwrap();
        assert!(err.to_string().contains("unknown rule \"nope\""));
        assert!(err.to_string().contains("missing_fk_index"));
    }

    fn sample() -> Snapshot {
        let mut b = crate::snapshot::SnapshotBuilder::new();
        let c = b.table("Sales", "customers", &["id", "email"]);
        b.primary_key(c, &["id"]);
        let o = b.table("Sales", "order", &["id", "customer_id", "card_number"]);
        b.index(o, &["id"]);
        b.index(o, &["id"]);
        b.foreign_key("order_customer_fk", o, &["customer_id"], c, &["id"]);
        b.build()
    }

    fn on_threads(
        rules: &[&Rule],
        snap: &Snapshot,
        threads: usize,
        interrupted: impl FnMut() -> bool,
    ) -> Vec<Option<Checked>> {
        run_on_threads(
            rules,
            snap,
            &Config::default(),
            threads,
            || {},
            |f| f,
            interrupted,
        )
    }

    #[test]
    fn threads_find_what_one_thread_finds() {
        let snap = sample();
        let rules: Vec<&Rule> = all().iter().collect();
        let one = run(&rules, &snap, &Config::default());
        assert!(one.len() >= 3, "{one:?}");
        for threads in [2, 3, 200] {
            let checked = on_threads(&rules, &snap, threads, || false);
            let mut found: Vec<Finding> = checked
                .into_iter()
                .flat_map(|c| c.unwrap().findings)
                .collect();
            sort_findings(&mut found);
            assert_eq!(found, one, "{threads} threads");
        }
    }

    #[test]
    fn an_interrupt_stops_new_rules_and_says_which_did_not_run() {
        let snap = sample();
        let rules: Vec<&Rule> = all().iter().collect();
        let mut asked = 0;
        let checked = on_threads(&rules, &snap, 1, || {
            asked += 1;
            asked > 2
        });
        let ran: Vec<bool> = checked.iter().map(Option::is_some).collect();
        assert_eq!(ran.iter().filter(|r| **r).count(), 2);
        assert!(ran[0] && ran[1] && !ran[2]);
    }

    #[test]
    fn a_panicking_rule_panics_the_caller_after_the_others_stop() {
        fn boom(_: &Snapshot, _: &Config) -> Vec<Finding> {
            panic!("boom")
        }
        let bad = Rule {
            id: "boom",
            check: boom,
            ..all()[0]
        };
        let snap = sample();
        let mut rules: Vec<&Rule> = all().iter().collect();
        rules.insert(1, &bad);
        for threads in [1, 2] {
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                on_threads(&rules, &snap, threads, || false)
            }));
            assert!(run.is_err(), "{threads} threads");
        }
    }
}
