//! Replication slots nobody reads (`replication_slot_inactive`): an inactive slot keeps
//! every WAL segment from its restart point on, until the disk fills.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, Parts, Snapshot};
use serde_json::json;

pub const REPLICATION_SLOT_INACTIVE: Rule = Rule {
    id: "replication_slot_inactive",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Replication slot with no client that retains WAL (warning from 1 GB, error \
                  once max_slot_wal_keep_size made it lost)",
    check: inactive_slots,
    parts: Parts::SESSIONS,
};

const WARNING_BYTES: i64 = 1 << 30;

fn inactive_slots(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let a = &snap.activity;
    let mut out = Vec::new();
    for s in &a.slots {
        // a logical slot belongs to its database; a physical one to the server
        let ours = match &s.database {
            Some(db) => *db == a.database,
            None => config.cluster_scope,
        };
        if !ours || s.active {
            continue;
        }
        let retained = s.retained_bytes.unwrap_or(0);
        let lost = s.wal_status.as_deref() == Some("lost");
        let level = if lost {
            Level::Error
        } else if retained >= WARNING_BYTES
            || matches!(s.wal_status.as_deref(), Some("extended" | "unreserved"))
        {
            Level::Warning
        } else if retained > 0 {
            Level::Info
        } else {
            continue;
        };
        let what = if lost {
            "It has lost WAL it needed (max_slot_wal_keep_size): its client can no longer \
             resume from it."
                .to_string()
        } else {
            format!(
                "It keeps {} of WAL (status {}) and will keep more until a client reads it: \
                 on a busy server the WAL disk fills, and the server stops.{}",
                human_bytes(retained),
                s.wal_status.as_deref().unwrap_or("unknown"),
                if s.kind == "logical" {
                    " A logical slot also holds back the catalog rows vacuum may remove."
                } else {
                    ""
                }
            )
        };
        out.push(REPLICATION_SLOT_INACTIVE.finding(
            level,
            "replication slot",
            quote::ident(&s.name),
            None,
            format!(
                "Replication slot {} ({}) has no client connected. {what} Drop it if \
                 nothing will read it again (a standby or a change-data-capture tool that \
                 is gone); a standby that is only down for a while needs it.",
                quote::ident(&s.name),
                s.kind
            ),
            Some(format!(
                "SELECT pg_drop_replication_slot({});",
                quote::literal(&s.name)
            )),
            json!({ "slot": s.name, "type": s.kind, "database": s.database,
                    "retained_bytes": s.retained_bytes, "wal_status": s.wal_status }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ReplicationSlot;

    fn slot(
        name: &str,
        database: Option<&str>,
        active: bool,
        bytes: i64,
        status: &str,
    ) -> ReplicationSlot {
        ReplicationSlot {
            name: name.into(),
            kind: if database.is_some() {
                "logical"
            } else {
                "physical"
            }
            .into(),
            database: database.map(Into::into),
            active,
            retained_bytes: Some(bytes),
            wal_status: Some(status.into()),
        }
    }

    #[test]
    fn inactive_slots_by_what_they_keep() {
        let mut s = Snapshot::default();
        s.activity.database = "shop".into();
        s.activity.slots = vec![
            slot("old standby", None, false, 5 << 30, "extended"),
            slot("cdc", Some("shop"), false, 1 << 20, "reserved"),
            slot("gone", None, false, 0, "lost"),
            slot("live", None, true, 5 << 30, "reserved"),
            slot("theirs", Some("billing"), false, 5 << 30, "reserved"),
        ];
        let f = inactive_slots(&s, &Config::default());
        let got: Vec<(&str, Level)> = f
            .iter()
            .map(|f| (f.object_identity.as_str(), f.level))
            .collect();
        assert_eq!(
            got,
            [
                ("\"old standby\"", Level::Warning),
                ("cdc", Level::Info),
                ("gone", Level::Error)
            ]
        );
        assert_eq!(
            f[0].remediation.as_deref(),
            Some("SELECT pg_drop_replication_slot('old standby');")
        );
        // physical slots are the server's: another database does not report them
        let elsewhere = Config {
            cluster_scope: false,
            ..Config::default()
        };
        assert_eq!(inactive_slots(&s, &elsewhere).len(), 1);
    }
}
