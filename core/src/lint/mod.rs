//! The migration linter (`advisor_lint_migration`): each statement of a script judged
//! against the live catalog with the script's own earlier effects on top. Which lock it
//! takes, what that lock blocks, for how long given the table's real size, and the safe
//! rewrite. Rules are pure: they read the statements (built from PostgreSQL's own parse
//! tree by the extension) and ask a [`Catalog`] for facts.

pub mod catalog;
pub mod dry_run;
pub mod ir;
pub mod locks;
mod rules;
pub mod state;

#[cfg(test)]
mod tests;

use crate::finding::{Category, Finding, Level};
pub use catalog::Catalog;
use ir::Statement;
use locks::Lock;
use state::{Key, State};

/// How the script will run.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `search_path` at the start of the script.
    pub search_path: String,
    /// The role that runs it (`$user` in the path).
    pub user: String,
    /// A non-zero `lock_timeout` is in effect at the start.
    pub lock_timeout: bool,
    /// The tool that runs the script wraps it in one transaction.
    pub in_transaction: bool,
}

/// A finding about one statement of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct LintFinding {
    pub finding: Finding,
    pub statement: usize,
    pub line: usize,
    pub text: String,
}

/// One lint rule: its id, default level and category, and a line of what it catches.
pub struct LintRule {
    pub id: &'static str,
    pub level: Level,
    pub category: Category,
    pub summary: &'static str,
}

/// Every rule of the linter (docs/rules/migrations.md has a section per rule).
pub const RULES: &[LintRule] = rules::RULES;

/// Whether a timeout setting's value (`0`, `'0ms'`, `5s`, ...) means no timeout.
pub use rules::session::is_zero as timeout_is_off;

/// The findings of a script: by statement, worst first within one.
pub fn lint(
    statements: &[Statement],
    catalog: &dyn Catalog,
    settings: &Settings,
) -> Vec<LintFinding> {
    let mut state = State::new(
        catalog,
        &settings.search_path,
        &settings.user,
        settings.lock_timeout,
    );
    if settings.in_transaction {
        state.begin();
    }
    let mut ctx = Ctx::new(
        settings.in_transaction,
        &settings.search_path,
        settings.lock_timeout,
    );
    for stmt in statements {
        let first = ctx.out.len();
        let held = rules::check(&mut ctx, &mut state, stmt);
        rules::session::lock_timeout(&mut ctx, &state, stmt, held, first);
    }
    rules::indexes::unindexed_foreign_keys(&mut ctx, &mut state);
    let mut out = ctx.out;
    sort(&mut out);
    out
}

/// By statement, worst first within one.
fn sort(findings: &mut [LintFinding]) {
    findings.sort_by(|a, b| {
        (
            a.statement,
            std::cmp::Reverse(a.finding.level),
            a.finding.rule,
        )
            .cmp(&(
                b.statement,
                std::cmp::Reverse(b.finding.level),
                b.finding.rule,
            ))
    });
}

/// A foreign key the script adds, checked for an index once the whole script has run.
pub(crate) struct AddedForeignKey {
    pub table: Key,
    pub name: String,
    pub columns: Vec<String>,
    pub statement: Statement,
}

/// The strongest lock a statement takes on an existing populated table.
pub(crate) type Held = Option<LockOn>;

pub(crate) struct LockOn {
    pub lock: Lock,
    pub identity: String,
    pub size: String,
    pub metadata: serde_json::Value,
}

pub(crate) struct Ctx {
    out: Vec<LintFinding>,
    foreign_keys: Vec<AddedForeignKey>,
    initial_path: String,
    initial_lock_timeout: bool,
    wrapped: bool,
}

/// A finding before it is tied to its statement.
pub(crate) struct Report {
    pub rule: &'static str,
    pub level: Level,
    pub object_type: &'static str,
    pub identity: String,
    pub discriminator: Option<String>,
    pub detail: String,
    pub remediation: Option<String>,
    pub metadata: serde_json::Value,
}

impl Ctx {
    pub fn new(wrapped: bool, initial_path: &str, initial_lock_timeout: bool) -> Self {
        Ctx {
            out: Vec::new(),
            foreign_keys: Vec::new(),
            initial_path: initial_path.to_string(),
            initial_lock_timeout,
            wrapped,
        }
    }

    pub fn add(&mut self, stmt: &Statement, r: Report) {
        let rule = RULES
            .iter()
            .find(|x| x.id == r.rule)
            .expect("every lint rule is in RULES");
        let mut metadata = r.metadata;
        if let serde_json::Value::Object(m) = &mut metadata {
            m.insert("statement_number".into(), stmt.number.into());
        }
        let fingerprint = Finding::fingerprint_for(r.rule, &r.identity, r.discriminator.as_deref());
        self.out.push(LintFinding {
            finding: Finding {
                rule: rule.id,
                level: r.level,
                category: rule.category,
                object_type: r.object_type,
                object_identity: r.identity,
                detail: r.detail,
                remediation: r.remediation,
                metadata,
                metadata_encoded: None,
                fingerprint,
            },
            statement: stmt.number,
            line: stmt.line,
            text: stmt.text.clone(),
        });
    }

    /// Whether the statement's findings so far (from index `first`) hold an error.
    pub fn has_error_since(&self, first: usize) -> bool {
        self.out[first..]
            .iter()
            .any(|f| f.finding.level == Level::Error)
    }
}

/// The statement with `insert` put in at byte offset `at`.
pub(crate) fn spliced(text: &str, at: usize, insert: &str) -> Option<String> {
    text.is_char_boundary(at)
        .then(|| format!("{}{insert}{}", &text[..at], &text[at..]))
}
