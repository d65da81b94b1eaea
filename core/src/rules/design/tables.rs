//! Tables: without a primary key (`no_primary_key`), inheriting the old way
//! (`table_inheritance`), or rewritten by rules (`rule_on_table`).

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{ConstraintKind, Index, Parts, RelKind, Relation, Snapshot};
use serde_json::json;

pub const NO_PRIMARY_KEY: Rule = Rule {
    id: "no_primary_key",
    category: Category::Design,
    default_level: Level::Info,
    description: "Table without a primary key: its rows cannot be addressed, replicated \
                  logically or de-duplicated; a unique NOT NULL index can become one",
    check: no_primary_key,
    parts: Parts::RELATIONS
        .union(Parts::ATTRIBUTES)
        .union(Parts::CONSTRAINTS)
        .union(Parts::INDEXES),
};

pub const TABLE_INHERITANCE: Rule = Rule {
    id: "table_inheritance",
    category: Category::Design,
    default_level: Level::Info,
    description: "Table using legacy INHERITS: indexes, unique and foreign-key constraints \
                  do not span parent and children; declarative partitioning does this right",
    check: table_inheritance,
    parts: Parts::RELATIONS.union(Parts::PARTITIONS),
};

/// Tables the design rules look at: ordinary and partitioned tables in scope, not the
/// partitions (their key is their parent's).
fn tables<'s>(snap: &'s Snapshot, config: &'s Config) -> impl Iterator<Item = &'s Relation> + 's {
    snap.relations.values().filter(move |r| {
        matches!(r.kind, RelKind::Table | RelKind::PartitionedTable)
            && !r.is_partition
            && !r.extension_member
            && snap.in_scope(r, config)
    })
}

fn index_name<'s>(snap: &'s Snapshot, ix: &Index) -> &'s str {
    snap.relation(ix.oid).map_or("?", |r| r.name.as_str())
}

/// A unique index that `ADD PRIMARY KEY USING INDEX` accepts: valid, btree, not partial,
/// plain columns in default order, all NOT NULL.
fn key_candidate<'s>(snap: &'s Snapshot, rel: &Relation) -> Option<&'s Index> {
    let mut candidates: Vec<&Index> = snap
        .indexes_on(rel.oid)
        .filter(|ix| {
            ix.unique
                && ix.usable()
                && !ix.partial
                && &*ix.am == "btree"
                && ix.options.iter().all(|&o| o == 0)
                && ix.columns.len() == ix.n_key
                && ix.key_columns().iter().all(|&a| {
                    a > 0
                        && snap
                            .attributes
                            .get(&(rel.oid, a))
                            .is_some_and(|c| c.not_null)
                })
        })
        .collect();
    // the narrowest key, then by name
    candidates.sort_by(|a, b| (a.n_key, index_name(snap, a)).cmp(&(b.n_key, index_name(snap, b))));
    candidates.first().copied()
}

fn no_primary_key(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let with_key: std::collections::HashSet<u32> = snap
        .constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::PrimaryKey)
        .map(|c| c.table)
        .collect();
    let mut out: Vec<Finding> = tables(snap, config)
        .filter(|r| !with_key.contains(&r.oid))
        .map(|r| {
            let t = snap.rel_identity(r.oid);
            let candidate = key_candidate(snap, r);
            let (detail, remediation) = match (candidate, r.kind) {
                (Some(ix), RelKind::Table) => (
                    format!(
                        "{t} has no primary key, but its unique index {} on NOT NULL columns \
                         can become one without a scan or a rewrite.",
                        quote::ident(index_name(snap, ix))
                    ),
                    Some(format!(
                        "ALTER TABLE {t} ADD PRIMARY KEY USING INDEX {};",
                        quote::ident(index_name(snap, ix))
                    )),
                ),
                (_, RelKind::PartitionedTable) => (
                    format!(
                        "{t} has no primary key: its rows cannot be addressed one by one, \
                         UPDATE and DELETE fail on it under a logical-replication \
                         publication (unless REPLICA IDENTITY FULL), and duplicate rows \
                         cannot be told apart. A partitioned table's key must include its \
                         partition key columns: ALTER TABLE {t} ADD PRIMARY KEY (the \
                         partition key columns, then the columns that make a row unique)."
                    ),
                    None,
                ),
                _ => {
                    let column = free_column(snap, r);
                    (
                        format!(
                            "{t} has no primary key: its rows cannot be addressed one by one, \
                             UPDATE and DELETE fail on it under a logical-replication \
                             publication (unless REPLICA IDENTITY FULL), and duplicate rows \
                             cannot be told apart. Add a key (adding an identity column \
                             rewrites the table: on a large one, lint it with \
                             advisor_lint_migration first), or make an existing unique, NOT \
                             NULL column set the key."
                        ),
                        Some(format!(
                            "ALTER TABLE {t} ADD COLUMN {} bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
                            quote::ident(&column)
                        )),
                    )
                }
            };
            NO_PRIMARY_KEY.finding(
                Level::Info,
                "table",
                t.to_string(),
                None,
                detail,
                remediation,
                json!({
                    "table": t,
                    "rows": r.reltuples.max(0.0).round() as i64,
                    "key_candidate": candidate.map(|ix| index_name(snap, ix)),
                }),
            )
        })
        .collect();
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

/// `id`, or `row_id`, `row_id_2`, ...: the first name no column of `rel` has.
fn free_column(snap: &Snapshot, rel: &Relation) -> String {
    let taken = |name: &str| snap.attnum(rel.oid, name).is_some();
    ["id".to_string(), "row_id".to_string()]
        .into_iter()
        .chain((2..).map(|n| format!("row_id_{n}")))
        .find(|n| !taken(n))
        .expect("a free name")
}

fn table_inheritance(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for (&child, parents) in &snap.inherits {
        let Some(rel) = snap.relation(child) else {
            continue;
        };
        if rel.extension_member || !snap.in_scope(rel, config) {
            continue;
        }
        let t = snap.rel_identity(child);
        let names: Vec<String> = parents
            .iter()
            .map(|&p| snap.rel_identity(p).into_owned())
            .collect();
        out.push(TABLE_INHERITANCE.finding(
            Level::Info,
            "table",
            t.to_string(),
            None,
            format!(
                "{t} INHERITS {}: indexes, primary keys, unique constraints and foreign keys \
                 of a parent do not apply to its children (a unique key is unique per table, \
                 and no foreign key can reference the rows of the whole hierarchy). If this \
                 is partitioning, declarative partitioning (PARTITION BY, ATTACH PARTITION) \
                 does it right; if not, ALTER TABLE {t} NO INHERIT ... detaches it (queries \
                 on the parent then stop reading its rows).",
                names.join(", ")
            ),
            None,
            json!({ "table": t, "parents": names }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

pub const RULE_ON_TABLE: Rule = Rule {
    id: "rule_on_table",
    category: Category::Design,
    default_level: Level::Warning,
    description: "Rewrite rule on a table (CREATE RULE): it rewrites queries in ways a \
                  trigger does not (COPY skips it, volatile expressions run twice, RETURNING \
                  breaks); a trigger does the same job predictably",
    check: rule_on_table,
    parts: Parts::RELATIONS.union(Parts::TABLE_RULES),
};

fn rule_on_table(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in &snap.table_rules {
        let Some(rel) = snap.relation(r.table) else {
            continue;
        };
        if rel.extension_member || !snap.in_scope(rel, config) {
            continue;
        }
        let t = snap.rel_identity(r.table);
        let name = quote::ident(&r.name);
        out.push(RULE_ON_TABLE.finding(
            if r.enabled {
                Level::Warning
            } else {
                Level::Info
            },
            "rule",
            format!("{name} on {t}"),
            None,
            format!(
                "Rule {name} on {t} rewrites every {} into {} its actions{}. Rules act on the \
                 query, not on rows: COPY and logical replication do not see them, an \
                 expression such as nextval() or random() in the query runs again in each \
                 action, and INSTEAD rules change what RETURNING and the row count report. \
                 A trigger (BEFORE or INSTEAD OF, per row) does the same job predictably: \
                 write it, then DROP RULE {name} ON {t}.",
                r.event,
                if r.instead {
                    "(INSTEAD)"
                } else {
                    "itself and (ALSO)"
                },
                if r.enabled { "" } else { " (it is disabled)" },
            ),
            None,
            json!({ "table": t, "rule": r.name, "event": r.event, "instead": r.instead,
                    "enabled": r.enabled }),
        ));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn tables_without_a_key() {
        let mut b = SnapshotBuilder::new();
        let keyed = b.table("app", "keyed", &["id"]);
        b.primary_key(keyed, &["id"]);
        b.table("app", "Event Log", &["id", "at"]);
        let with_unique = b.table("app", "tags", &["name"]);
        b.attribute_mut(with_unique, "name").not_null = true;
        b.index(with_unique, &["name"]).unique = true;
        let nullable_unique = b.table("app", "emails", &["address"]);
        b.index(nullable_unique, &["address"]).unique = true;
        let parent = b.partitioned_table("app", "events", &["at"]);
        b.partition(parent, "events_2026", &["at"], true);
        let snap = b.build();
        let found = no_primary_key(&snap, &Config::default());
        let ids: Vec<&str> = found.iter().map(|f| f.object_identity.as_str()).collect();
        // the partition is not reported, the keyed table not either
        assert_eq!(
            ids,
            ["app.\"Event Log\"", "app.emails", "app.events", "app.tags"]
        );
        let fix = |id: &str| {
            found
                .iter()
                .find(|f| f.object_identity == id)
                .and_then(|f| f.remediation.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            fix("app.tags"),
            "ALTER TABLE app.tags ADD PRIMARY KEY USING INDEX tags_name_idx;"
        );
        assert_eq!(
            fix("app.\"Event Log\""),
            "ALTER TABLE app.\"Event Log\" ADD COLUMN row_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;"
        );
        assert!(
            fix("app.emails").contains("ADD COLUMN id bigint"),
            "a nullable unique column is no key"
        );
        let events = found
            .iter()
            .find(|f| f.object_identity == "app.events")
            .unwrap();
        assert!(events.remediation.is_none() && events.detail.contains("partition key"));
    }

    #[test]
    fn legacy_inheritance_not_partitions() {
        let mut b = SnapshotBuilder::new();
        let parent = b.table("app", "measurements", &["at"]);
        let child = b.table("app", "measurements 2020", &["at"]);
        let partitioned = b.partitioned_table("app", "events", &["at"]);
        b.partition(partitioned, "events_2026", &["at"], true);
        let mut snap = b.build();
        snap.inherits.insert(child, vec![parent]);
        let found = table_inheritance(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "app.\"measurements 2020\"");
        assert!(found[0].detail.contains("INHERITS app.measurements"));
    }

    #[test]
    fn rules_on_tables() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Log", &["id"]);
        let mut snap = b.build();
        snap.table_rules = vec![
            crate::snapshot::TableRule {
                table: t,
                name: "no delete".into(),
                event: "DELETE",
                instead: true,
                enabled: true,
            },
            crate::snapshot::TableRule {
                table: t,
                name: "audit".into(),
                event: "UPDATE",
                instead: false,
                enabled: false,
            },
        ];
        let f = rule_on_table(&snap, &Config::default());
        let got: Vec<(&str, Level)> = f
            .iter()
            .map(|f| (f.object_identity.as_str(), f.level))
            .collect();
        assert_eq!(
            got,
            [
                ("\"no delete\" on app.\"Log\"", Level::Warning),
                ("audit on app.\"Log\"", Level::Info)
            ]
        );
        assert!(f[0]
            .detail
            .contains("every DELETE into (INSTEAD) its actions"));
        assert!(f[0].remediation.is_none());
    }
}
