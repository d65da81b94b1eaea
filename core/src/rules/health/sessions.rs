//! Sessions: transactions left open (`idle_in_transaction`), statements running for
//! long (`long_running_query`), sessions waiting on another's lock (`blocked_queries`), and
//! the server running out of connections (`connection_saturation`). Their remediations
//! name `pg_cancel_backend` / `pg_terminate_backend` in comments: ending a session is for a
//! person to judge, never for a script that runs the advice.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_duration, Parts, Session, Snapshot};
use serde_json::json;

pub const IDLE_IN_TRANSACTION: Rule = Rule {
    id: "idle_in_transaction",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Session idle inside an open transaction for longer than \
                  database_advisor.idle_in_transaction_min: it holds its locks and keeps \
                  vacuum from removing rows",
    check: idle_in_transaction,
    parts: Parts::SESSIONS,
};

pub const LONG_RUNNING_QUERY: Rule = Rule {
    id: "long_running_query",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Statement running for longer than database_advisor.long_running_query_min",
    check: long_running,
    parts: Parts::SESSIONS,
};

pub const BLOCKED_QUERIES: Rule = Rule {
    id: "blocked_queries",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Session waiting for a lock another session holds, for 5 seconds or more",
    check: blocked,
    parts: Parts::SESSIONS,
};

pub const CONNECTION_SATURATION: Rule = Rule {
    id: "connection_saturation",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Client connections at 80% (warning) or 95% (error) of max_connections \
                  less the reserved ones: new connections will be refused",
    check: saturation,
    parts: Parts::SESSIONS,
};

/// A statement waiting this long (seconds) on a lock is reported.
pub const BLOCKED_MIN_SECONDS: f64 = 5.0;

fn who(s: &Session) -> String {
    format!(
        "pid {} (user {}, application \"{}\", from {})",
        s.pid, s.user, s.application, s.client
    )
}

fn statement(s: &Session) -> String {
    match &s.query {
        Some(q) if !q.is_empty() => format!("`{q}`"),
        _ => "not visible to this role (pg_read_all_stats shows it)".into(),
    }
}

fn session_finding(
    rule: &Rule,
    s: &Session,
    detail: String,
    remediation: String,
    extra: serde_json::Value,
) -> Finding {
    let mut metadata = json!({
        "pid": s.pid, "user": s.user, "application": s.application, "client": s.client,
        "state": s.state, "transaction_seconds": s.transaction_seconds,
        "query_seconds": s.query_seconds, "state_seconds": s.state_seconds,
    });
    if let (Some(m), serde_json::Value::Object(e)) = (metadata.as_object_mut(), extra) {
        m.extend(e);
    }
    rule.finding(
        Level::Warning,
        "session",
        format!("pid {}", s.pid),
        None,
        detail,
        Some(remediation),
        metadata,
    )
}

fn idle_in_transaction(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let min = config.idle_in_transaction_seconds;
    snap.activity
        .sessions
        .iter()
        .filter(|s| s.state.starts_with("idle in transaction"))
        .filter(|s| s.state_seconds.is_some_and(|t| t >= min))
        .map(|s| {
            let idle = s.state_seconds.unwrap_or(0.0);
            let aborted = if s.state.ends_with("(aborted)") {
                " (one that failed: it can only roll back)"
            } else {
                ""
            };
            session_finding(
                &IDLE_IN_TRANSACTION,
                s,
                format!(
                    "Session {} has been idle in a transaction{aborted} for {}{}; its last \
                     statement: {}. It keeps its locks (DDL and other writers on the same \
                     rows wait behind it) and its snapshot (vacuum cannot remove rows deleted \
                     since it began). Usually an application that forgot to commit, or a \
                     connection pool that returned it mid-transaction.",
                    who(s),
                    human_duration(idle),
                    s.transaction_seconds
                        .map(|t| format!(" (the transaction began {} ago)", human_duration(t)))
                        .unwrap_or_default(),
                    statement(s),
                ),
                format!(
                    "-- end it once you know what it is (its transaction rolls back):\n\
                     -- SELECT pg_terminate_backend({});\n\
                     -- and let the server end such sessions by itself:\n\
                     -- ALTER DATABASE {} SET idle_in_transaction_session_timeout = '5min';",
                    s.pid,
                    crate::quote::ident(&snap.activity.database)
                ),
                json!({}),
            )
        })
        .collect()
}

fn long_running(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let min = config.long_running_query_seconds;
    snap.activity
        .sessions
        .iter()
        .filter(|s| s.state == "active" && s.query_seconds.is_some_and(|t| t >= min))
        .map(|s| {
            session_finding(
                &LONG_RUNNING_QUERY,
                s,
                format!(
                    "Session {} has been running its statement for {}{}: {}. A long \
                     statement holds its snapshot (vacuum cannot remove rows deleted since \
                     it began) and its locks.",
                    who(s),
                    human_duration(s.query_seconds.unwrap_or(0.0)),
                    s.wait
                        .as_deref()
                        .map(|w| format!(", waiting on {w}"))
                        .unwrap_or_default(),
                    statement(s),
                ),
                format!(
                    "-- cancel it once you know what it is (the statement fails, the session \
                     stays):\n-- SELECT pg_cancel_backend({});",
                    s.pid
                ),
                json!({}),
            )
        })
        .collect()
}

fn blocked(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let sessions = &snap.activity.sessions;
    sessions
        .iter()
        .filter(|s| {
            !s.blocked_by.is_empty() && s.query_seconds.is_some_and(|t| t >= BLOCKED_MIN_SECONDS)
        })
        .map(|s| {
            let blockers: Vec<String> = s
                .blocked_by
                .iter()
                .map(|pid| match sessions.iter().find(|b| b.pid == *pid) {
                    Some(b) => format!(
                        "{} ({}{}, last statement {})",
                        who(b),
                        b.state,
                        b.state_seconds
                            .map(|t| format!(" for {}", human_duration(t)))
                            .unwrap_or_default(),
                        statement(b)
                    ),
                    None => format!("pid {pid} (in another database, or not a client)"),
                })
                .collect();
            let cancel: Vec<String> = s
                .blocked_by
                .iter()
                .map(|pid| {
                    format!("-- SELECT pg_cancel_backend({pid});  -- or pg_terminate_backend")
                })
                .collect();
            session_finding(
                &BLOCKED_QUERIES,
                s,
                format!(
                    "Session {} has waited {} for a lock ({}) held by {}; its statement: {}. \
                     Every session that needs the same lock queues behind it.",
                    who(s),
                    human_duration(s.query_seconds.unwrap_or(0.0)),
                    s.wait.as_deref().unwrap_or("Lock"),
                    blockers.join("; "),
                    statement(s),
                ),
                format!(
                    "-- end what blocks it, once you know what it is:\n{}",
                    cancel.join("\n")
                ),
                json!({ "blocked_by": s.blocked_by }),
            )
        })
        .collect()
}

fn saturation(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let a = &snap.activity;
    let available = a.max_connections - a.reserved_connections;
    if !config.cluster_scope || available <= 0 {
        return Vec::new();
    }
    let share = a.connections as f64 / available as f64;
    let level = if share >= 0.95 {
        Level::Error
    } else if share >= 0.8 {
        Level::Warning
    } else {
        return Vec::new();
    };
    let idle = a
        .sessions
        .iter()
        .filter(|s| s.state == "idle" || s.state.starts_with("idle in transaction"))
        .count();
    vec![CONNECTION_SATURATION.finding(
        level,
        "setting",
        "max_connections".into(),
        None,
        format!(
            "{} client connections are open, {:.0}% of the {available} that max_connections \
             ({}) leaves to clients ({} reserved): once they are all taken, new connections \
             are refused. {idle} of this database's sessions are idle: a connection pool \
             (PgBouncer, or the application's) serves many clients with few connections; \
             raising max_connections needs a restart and memory per connection.",
            a.connections,
            share * 100.0,
            a.max_connections,
            a.reserved_connections,
        ),
        None,
        json!({ "connections": a.connections, "max_connections": a.max_connections,
                "reserved": a.reserved_connections, "idle_here": idle }),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(pid: i32, state: &str, seconds: f64) -> Session {
        Session {
            pid,
            user: "app".into(),
            application: "web".into(),
            client: "10.0.0.5".into(),
            state: state.into(),
            transaction_seconds: Some(seconds),
            query_seconds: Some(seconds),
            state_seconds: Some(seconds),
            query: Some("UPDATE accounts SET balance = balance - $1 WHERE id = $2".into()),
            ..Session::default()
        }
    }

    fn snap(sessions: Vec<Session>) -> Snapshot {
        let mut s = Snapshot::default();
        s.activity.sessions = sessions;
        s.activity.database = "shop".into();
        s
    }

    #[test]
    fn idle_in_transaction_past_the_threshold() {
        let s = snap(vec![
            session(1, "idle in transaction", 120.0),
            session(2, "idle in transaction (aborted)", 61.0),
            session(3, "idle in transaction", 30.0),
            session(4, "idle", 3600.0),
        ]);
        let f = idle_in_transaction(&s, &Config::default());
        let pids: Vec<&str> = f.iter().map(|f| f.object_identity.as_str()).collect();
        assert_eq!(pids, ["pid 1", "pid 2"]);
        assert!(f[1].detail.contains("can only roll back"));
        let fix = f[0].remediation.as_deref().unwrap();
        assert!(fix.lines().all(|l| l.starts_with("--")), "{fix}");
        assert!(fix.contains("pg_terminate_backend(1)"));
    }

    #[test]
    fn long_running_and_blocked() {
        let mut waiting = session(7, "active", 400.0);
        waiting.blocked_by = vec![1, 99];
        waiting.wait = Some("Lock:relation".into());
        let s = snap(vec![
            session(1, "idle in transaction", 500.0),
            waiting,
            session(8, "active", 10.0),
        ]);
        let long = long_running(&s, &Config::default());
        assert_eq!(long.len(), 1);
        assert!(long[0].detail.contains("waiting on Lock:relation"));
        let b = blocked(&s, &Config::default());
        assert_eq!(b.len(), 1);
        assert!(
            b[0].detail.contains("held by pid 1 (user app"),
            "{}",
            b[0].detail
        );
        assert!(
            b[0].detail.contains("pid 99 (in another database"),
            "{}",
            b[0].detail
        );
        assert!(b[0]
            .remediation
            .as_deref()
            .unwrap()
            .contains("-- SELECT pg_cancel_backend(99);"));
    }

    #[test]
    fn saturation_against_what_clients_may_use() {
        let mut s = snap(vec![session(1, "idle", 10.0)]);
        s.activity.max_connections = 100;
        s.activity.reserved_connections = 3;
        s.activity.connections = 80;
        assert_eq!(saturation(&s, &Config::default())[0].level, Level::Warning);
        s.activity.connections = 93;
        assert_eq!(saturation(&s, &Config::default())[0].level, Level::Error);
        s.activity.connections = 70;
        assert!(saturation(&s, &Config::default()).is_empty());
        // another database reports what is the server's
        s.activity.connections = 93;
        let elsewhere = Config {
            cluster_scope: false,
            ..Config::default()
        };
        assert!(saturation(&s, &elsewhere).is_empty());
    }
}
