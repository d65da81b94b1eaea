//! What a dry run saw each statement do (`advisor_lint_migration(..., dry_run => true)`):
//! the statements ran one by one in a subtransaction that was rolled back, and these
//! observations go into the metadata of the statement's findings. A statement that failed
//! gets a `dry_run_failed` finding of its own: the migration would stop there.

use super::ir::Statement;
use super::{Ctx, LintFinding, Report};
use crate::finding::Level;
use serde::Serialize;
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LockTaken {
    pub relation: String,
    pub mode: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Ran {
        /// Rows the statement inserted, updated or deleted.
        rows: u64,
        /// Relations whose file the statement replaced (a rewrite).
        rewritten: Vec<String>,
    },
    Failed {
        sqlstate: String,
        message: String,
    },
    /// Not run: it cannot run inside the dry run's transaction (judged statically).
    NotRun {
        why: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub statement: usize,
    pub milliseconds: f64,
    /// Table and index locks the statement took that the script did not hold before it
    /// (a lock an earlier statement took is held to the end of the transaction, and not
    /// repeated here), sorted.
    pub locks: Vec<LockTaken>,
    pub outcome: Outcome,
}

impl Observation {
    pub fn metadata(&self) -> serde_json::Value {
        let mut m = json!({
            "milliseconds": (self.milliseconds * 1000.0).round() / 1000.0,
            "new_locks": self.locks,
        });
        match &self.outcome {
            Outcome::Ran { rows, rewritten } => {
                m["ran"] = true.into();
                m["rows"] = (*rows).into();
                m["rewritten"] = json!(rewritten);
            }
            Outcome::Failed { sqlstate, message } => {
                m["ran"] = false.into();
                m["sqlstate"] = sqlstate.as_str().into();
                m["error"] = message.as_str().into();
            }
            Outcome::NotRun { why } => {
                m["ran"] = false.into();
                m["not_run"] = why.as_str().into();
            }
        }
        m
    }
}

/// Put each observation into the metadata (`dry_run`) of its statement's findings, and a
/// `dry_run_failed` finding for each statement that failed.
pub fn attach(
    findings: &mut Vec<LintFinding>,
    statements: &[Statement],
    observations: &[Observation],
) {
    let mut ctx = Ctx::new(false, "", false);
    for o in observations {
        if let Outcome::Failed { sqlstate, message } = &o.outcome {
            let Some(stmt) = statements.iter().find(|s| s.number == o.statement) else {
                continue;
            };
            ctx.add(
                stmt,
                Report {
                    rule: "dry_run_failed",
                    level: Level::Error,
                    object_type: "statement",
                    identity: format!("statement {}", stmt.number),
                    discriminator: None,
                    detail: format!(
                        "In the dry run this statement failed: {message} (SQLSTATE {sqlstate}). \
                         The migration would stop here and roll back (or leave the statements \
                         before it done, if it runs without one transaction)."
                    ),
                    remediation: None,
                    metadata: json!({}),
                },
            );
        }
    }
    findings.extend(ctx.out);
    for f in findings.iter_mut() {
        if let Some(o) = observations.iter().find(|o| o.statement == f.statement) {
            if let serde_json::Value::Object(m) = &mut f.finding.metadata {
                m.insert("dry_run".into(), o.metadata());
            }
        }
    }
    super::sort(findings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::ir::Kind;

    #[test]
    fn failures_become_findings_and_every_finding_carries_its_statement_s_run() {
        let stmts: Vec<Statement> = (1..=2)
            .map(|n| Statement {
                number: n,
                line: n,
                text: "x".into(),
                kind: Kind::Other { tag: "x".into() },
            })
            .collect();
        let observations = vec![
            Observation {
                statement: 1,
                milliseconds: 12.3456,
                locks: vec![LockTaken {
                    relation: "public.t".into(),
                    mode: "AccessExclusiveLock".into(),
                }],
                outcome: Outcome::Ran {
                    rows: 0,
                    rewritten: vec!["public.t".into()],
                },
            },
            Observation {
                statement: 2,
                milliseconds: 1.0,
                locks: vec![],
                outcome: Outcome::Failed {
                    sqlstate: "23502".into(),
                    message: "column \"c\" contains null values".into(),
                },
            },
        ];
        let mut findings = Vec::new();
        attach(&mut findings, &stmts, &observations);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!((f.statement, f.finding.rule), (2, "dry_run_failed"));
        assert!(f
            .finding
            .detail
            .contains("contains null values (SQLSTATE 23502)"));
        assert_eq!(f.finding.metadata["dry_run"]["sqlstate"], "23502");
        assert_eq!(observations[0].metadata()["rewritten"][0], "public.t");
        assert_eq!(observations[0].metadata()["milliseconds"], 12.346);
    }
}
