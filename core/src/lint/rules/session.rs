//! The script's session: `SET lock_timeout`, `SET search_path`, transaction blocks, and
//! the `lock_timeout` a strong lock on a busy table needs.

use super::super::ir::{Set, SetValue, Statement, Transaction};
use super::super::state::State;
use super::super::{Ctx, Held, Report};
use crate::config::Config;
use crate::finding::Level;

pub fn set(ctx: &mut Ctx, state: &mut State, s: &Set) {
    let reset_all = s.name.is_empty();
    if reset_all || s.name == "lock_timeout" {
        let on = match &s.value {
            SetValue::Values(v) => v.first().is_some_and(|v| !is_zero(v)),
            SetValue::Default => ctx.initial_lock_timeout,
        };
        state.set_lock_timeout(on, s.local);
    }
    if reset_all || s.name == "search_path" {
        let path = match &s.value {
            SetValue::Values(v) => v.clone(),
            SetValue::Default => Config::parse_name_list(&ctx.initial_path),
        };
        state.set_path(path, s.local);
    }
}

/// `0`, `0ms`, `'0s'`: no timeout.
pub fn is_zero(value: &str) -> bool {
    let digits: String = value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits.parse::<f64>().is_ok_and(|v| v == 0.0)
}

pub fn transaction(ctx: &mut Ctx, state: &mut State, stmt: &Statement, t: Transaction) {
    match t {
        Transaction::Begin => {
            if state.in_transaction {
                ctx.add(
                    stmt,
                    Report {
                        rule: "transaction_nesting",
                        level: Level::Warning,
                        object_type: "statement",
                        identity: format!("statement {}", stmt.number),
                        discriminator: None,
                        detail: "BEGIN inside a transaction block only warns \"there is already \
                                 a transaction in progress\"; the next COMMIT ends the outer \
                                 block, and what follows runs outside any transaction. Remove \
                                 the inner BEGIN (or the tool's wrapping transaction)."
                            .into(),
                        remediation: None,
                        metadata: serde_json::json!({}),
                    },
                );
            }
            state.begin();
        }
        Transaction::Commit | Transaction::Rollback => state.end_transaction(),
        Transaction::Other => {}
    }
}

/// A strong lock on an existing populated table with no `lock_timeout` in effect, for
/// statements whose other findings are not errors already (an error's rewrite removes the
/// lock or changes the statement).
pub fn lock_timeout(ctx: &mut Ctx, state: &State, stmt: &Statement, held: Held, first: usize) {
    let Some(on) = held else { return };
    let lock = on.lock;
    if state.lock_timeout || !lock.strong() || ctx.has_error_since(first) {
        return;
    }
    ctx.add(
        stmt,
        Report {
            rule: "lock_timeout_missing",
            level: Level::Warning,
            object_type: "table",
            identity: on.identity.clone(),
            discriminator: Some(format!("statement {}", stmt.number)),
            detail: format!(
                "This statement takes an {} lock on {} ({}) with no lock_timeout set: if a \
                 long transaction holds any lock on it, the statement waits for it, and \
                 meanwhile {}. Set lock_timeout so it gives up instead, and retry.",
                lock.name(),
                on.identity,
                on.size,
                lock.blocks(),
            ),
            remediation: Some("SET lock_timeout = '5s';".into()),
            metadata: on.metadata,
        },
    );
}
