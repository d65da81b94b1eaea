//! Transaction-ID and multixact wraparound: a table (or this database) whose oldest
//! unfrozen ID is older than autovacuum's freeze limit. At 2^31 IDs PostgreSQL stops
//! assigning new ones: the database refuses every write until it is vacuumed.

use super::{tables, when};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Maintenance, Snapshot};
use serde_json::json;

pub const XID_WRAPAROUND_RISK: Rule = Rule {
    id: "xid_wraparound_risk",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Table or database whose oldest unfrozen transaction ID is past \
                  autovacuum_freeze_max_age: freezing is not keeping up, and at 2^31 the \
                  server stops accepting writes",
    check: xid_risk,
    parts: super::PARTS,
};

pub const MULTIXACT_WRAPAROUND_RISK: Rule = Rule {
    id: "multixact_wraparound_risk",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Table or database whose oldest multixact ID (shared row locks) is past \
                  autovacuum_multixact_freeze_max_age: at 2^31 the server stops accepting \
                  writes",
    check: multixact_risk,
    parts: super::PARTS,
};

/// Where PostgreSQL stops: 2^31 IDs (it refuses new ones 3 million before).
const LIMIT: i64 = 1 << 31;
/// An age past this is an `error` whatever the settings: ~950 million IDs are left.
const ERROR_AGE: i64 = 1_200_000_000;

struct Kind {
    rule: &'static Rule,
    /// "transaction ID" / "multixact ID"
    what: &'static str,
    setting: &'static str,
    server_limit: fn(&Snapshot) -> i64,
    table_age: fn(&Maintenance) -> i64,
    database_age: fn(&Snapshot) -> i64,
}

const XID: Kind = Kind {
    rule: &XID_WRAPAROUND_RISK,
    what: "transaction ID",
    setting: "autovacuum_freeze_max_age",
    server_limit: |s| s.server_maintenance.freeze_max_age,
    table_age: |m| m.xid_age,
    database_age: |s| s.server_maintenance.database_xid_age,
};

const MXID: Kind = Kind {
    rule: &MULTIXACT_WRAPAROUND_RISK,
    what: "multixact ID",
    setting: "autovacuum_multixact_freeze_max_age",
    server_limit: |s| s.server_maintenance.multixact_freeze_max_age,
    table_age: |m| m.mxid_age,
    database_age: |s| s.server_maintenance.database_mxid_age,
};

fn xid_risk(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    risk(&XID, snap, config)
}

fn multixact_risk(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    risk(&MXID, snap, config)
}

/// `info` past the freeze limit (an anti-wraparound vacuum is due), `warning` past twice
/// it, `error` past [`ERROR_AGE`].
fn level(age: i64, limit: i64) -> Option<Level> {
    if age >= ERROR_AGE {
        Some(Level::Error)
    } else if age >= limit.saturating_mul(2) {
        Some(Level::Warning)
    } else if age >= limit {
        Some(Level::Info)
    } else {
        None
    }
}

/// What keeps freezing from advancing past a horizon older than `limit`.
fn holders(snap: &Snapshot, limit: i64) -> String {
    let old: Vec<String> = snap
        .server_maintenance
        .xmin_holders
        .iter()
        .filter(|h| h.age >= limit / 2)
        .map(|h| format!("{} {} ({} transactions old)", h.kind, h.name, h.age))
        .collect();
    if old.is_empty() {
        String::new()
    } else {
        format!(
            " Vacuum cannot freeze rows newer than the oldest transaction still seen by {}: \
             end it first.",
            old.join(", ")
        )
    }
}

fn risk(kind: &Kind, snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let server_limit = (kind.server_limit)(snap);
    let mut out = Vec::new();
    let database_age = (kind.database_age)(snap);
    if let Some(level) = level(database_age, server_limit) {
        let db = quote::ident(&snap.server_maintenance.database);
        out.push(kind.rule.finding(
            level,
            "database",
            db.clone(),
            None,
            format!(
                "Database {db}'s oldest unfrozen {} is {database_age} {}s old, past {} \
                 ({server_limit}); {} are left before the server stops accepting writes.{} \
                 VACUUM (FREEZE) of the oldest tables (listed by this rule, and by \
                 age(relfrozenxid) in pg_class, system catalogs included) moves it forward.",
                kind.what,
                kind.what,
                kind.setting,
                LIMIT - database_age,
                holders(snap, server_limit),
            ),
            Some("VACUUM (FREEZE);".into()),
            json!({ "database": snap.server_maintenance.database, "age": database_age,
                    "limit": server_limit }),
        ));
    }
    for (rel, m) in tables(snap, config) {
        // a table's own setting applies only when lower than the server's
        let limit = m
            .option_f64(kind.setting)
            .map_or(server_limit, |v| (v as i64).min(server_limit));
        let age = (kind.table_age)(m);
        let Some(level) = level(age, limit) else {
            continue;
        };
        let t = snap.rel_identity(rel.oid);
        out.push(kind.rule.finding(
            level,
            "table",
            t.to_string(),
            None,
            format!(
                "{t}'s oldest unfrozen {} is {age} {}s old, past {} ({limit}): autovacuum \
                 should have frozen it by now; {} are left before the server stops accepting \
                 writes. Last vacuumed {}.{}",
                kind.what,
                kind.what,
                kind.setting,
                LIMIT - age,
                when(snap, m.vacuumed_ago, m.autovacuumed),
                holders(snap, limit),
            ),
            Some(format!("VACUUM (FREEZE) {t};")),
            json!({ "table": t, "age": age, "limit": limit }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{SnapshotBuilder, XminHolder};

    #[test]
    fn levels_by_age() {
        assert_eq!(level(100, 200), None);
        assert_eq!(level(200, 200), Some(Level::Info));
        assert_eq!(level(400, 200), Some(Level::Warning));
        assert_eq!(level(1_300_000_000, 2_000_000_000), Some(Level::Error));
    }

    #[test]
    fn a_table_past_its_freeze_limit() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "events", &["id"]);
        let young = b.table("app", "young", &["id"]);
        b.maintenance_mut(t).xid_age = 450_000_000;
        b.maintenance_mut(young).xid_age = 150_000_000;
        b.server_maintenance_mut().xmin_holders.push(XminHolder {
            kind: "prepared transaction",
            name: "forgotten".into(),
            age: 440_000_000,
        });
        let snap = b.build();
        let f = xid_risk(&snap, &Config::default());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].object_identity, "app.events");
        assert_eq!(f[0].level, Level::Warning);
        assert!(
            f[0].detail.contains("prepared transaction forgotten"),
            "{}",
            f[0].detail
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("VACUUM (FREEZE) app.events;")
        );
        // multixacts are young
        assert!(multixact_risk(&snap, &Config::default()).is_empty());
    }

    #[test]
    fn a_table_setting_lowers_the_limit_never_raises_it() {
        let mut b = SnapshotBuilder::new();
        let low = b.table("app", "low", &["id"]);
        let high = b.table("app", "high", &["id"]);
        b.maintenance_mut(low).xid_age = 150_000;
        b.maintenance_mut(low).options = vec!["autovacuum_freeze_max_age=100000".into()];
        b.maintenance_mut(high).xid_age = 250_000_000;
        b.maintenance_mut(high).options = vec!["autovacuum_freeze_max_age=1000000000".into()];
        let f = xid_risk(&b.build(), &Config::default());
        let got: Vec<(&str, Level)> = f
            .iter()
            .map(|f| (f.object_identity.as_str(), f.level))
            .collect();
        assert_eq!(got, [("app.low", Level::Info), ("app.high", Level::Info)]);
    }

    #[test]
    fn the_database_and_multixacts() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "locks", &["id"]);
        b.maintenance_mut(t).mxid_age = 1_250_000_000;
        let server = b.server_maintenance_mut();
        server.database = "Shop DB".into();
        server.database_mxid_age = 900_000_000;
        let f = multixact_risk(&b.build(), &Config::default());
        let got: Vec<(&str, &str, Level)> = f
            .iter()
            .map(|f| (f.object_type, f.object_identity.as_str(), f.level))
            .collect();
        assert_eq!(
            got,
            [
                ("database", "\"Shop DB\"", Level::Warning),
                ("table", "app.locks", Level::Error)
            ]
        );
    }
}
