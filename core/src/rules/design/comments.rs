//! `missing_comment` (off by default): tables, views and materialized views without a
//! `COMMENT ON`, or with columns without one — what the data dictionary shows empty.
//! One finding per relation, naming its columns without a comment.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Parts, RelKind, Snapshot};
use serde_json::json;
use std::collections::BTreeMap;

pub const MISSING_COMMENT: Rule = Rule {
    id: "missing_comment",
    category: Category::Design,
    default_level: Level::Info,
    description: "Off by default. Table, view or materialized view without a COMMENT ON, or \
                  with columns without one: the data dictionary has nothing to say of them",
    check: missing_comment,
    parts: Parts::RELATIONS
        .union(Parts::ATTRIBUTES)
        .union(Parts::COMMENTS),
};

fn missing_comment(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    // per relation: its column count, and its columns without a comment (one pass)
    let mut uncommented: BTreeMap<u32, (usize, Vec<i16>)> = BTreeMap::new();
    for &(oid, attnum) in snap.attributes.keys() {
        let entry = uncommented.entry(oid).or_default();
        entry.0 += 1;
        if !snap.comments.contains(&(oid, i32::from(attnum))) {
            entry.1.push(attnum);
        }
    }
    let mut out = Vec::new();
    for rel in snap.relations.values() {
        let kind = match rel.kind {
            RelKind::Table | RelKind::PartitionedTable => ("table", "TABLE"),
            RelKind::View => ("view", "VIEW"),
            RelKind::MaterializedView => ("materialized view", "MATERIALIZED VIEW"),
            _ => continue,
        };
        if rel.is_partition || !snap.in_scope(rel, config) {
            continue;
        }
        let own = snap.comments.contains(&(rel.oid, 0));
        let (all, mut columns) = uncommented.get(&rel.oid).cloned().unwrap_or_default();
        columns.sort_unstable();
        if own && columns.is_empty() {
            continue;
        }
        let raw: Vec<&str> = columns
            .iter()
            .map(|&a| snap.column_name(rel.oid, a).unwrap_or("?"))
            .collect();
        let names: Vec<String> = raw.iter().map(|n| quote::ident(n)).collect();
        let t = snap.rel_identity(rel.oid);
        let mut said = Vec::new();
        if !own {
            said.push(format!("{} {t} has no comment", capitalized(kind.0)));
        }
        if !names.is_empty() {
            said.push(format!(
                "{} of its {all} columns have none: {}",
                names.len(),
                names.join(", ")
            ));
        }
        let example = if own {
            format!("COMMENT ON COLUMN {t}.{} IS '...'", names[0])
        } else {
            format!("COMMENT ON {} {t} IS '...'", kind.1)
        };
        out.push(MISSING_COMMENT.finding(
            Level::Info,
            kind.0,
            t.to_string(),
            None,
            format!(
                "{}. The data dictionary (advisor_data_dictionary), the TypeScript types \
                 (JSDoc) and tools reading the catalog show nothing for them: say what a row \
                 is and what each column holds with {example} (no remediation: only you \
                 know the words).",
                said.join("; ")
            ),
            None,
            json!({ "relation": t, "commented": own, "columns": raw }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

fn capitalized(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn relations_and_columns_without_a_comment() {
        let mut b = SnapshotBuilder::new();
        let done = b.table("app", "done", &["id"]);
        let half = b.table("app", "Half Done", &["id", "note", "select"]);
        b.table("app", "bare", &["id"]); // nothing commented
        let mut snap = b.build();
        snap.comments
            .extend([(done, 0), (done, 1), (half, 0), (half, 2)]);
        let f = missing_comment(&snap, &Config::default());
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| {
                (
                    f.object_identity.as_str(),
                    f.detail.split('.').next().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "app.\"Half Done\"",
                    "2 of its 3 columns have none: id, \"select\""
                ),
                ("app.bare", "Table app"),
            ]
        );
        assert!(f[1]
            .detail
            .starts_with("Table app.bare has no comment; 1 of its 1 columns"));
    }
}
