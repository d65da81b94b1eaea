//! `invalid_index`: an index PostgreSQL marked invalid (`NOT indisvalid`), usually left by
//! a failed `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY`. Queries never use it,
//! yet writes may still maintain it. Builds still running are skipped; a partitioned index
//! that is invalid only because partitions lack their index is reported at those partitions.
//! The fix drops it: an invalid index serves no query, so that changes no plan; the detail
//! gives the rebuild for those who meant to have it (a rebuilt index would then show up as
//! unused for a whole statistics window).

use super::{choose_index_name, is_partitioned_index, key_column_names, undo_statement};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{human_bytes, Index, Oid, Snapshot};
use serde_json::json;
use std::collections::HashSet;

pub const RULE: Rule = Rule {
    id: "invalid_index",
    category: Category::Maintenance,
    default_level: Level::Warning,
    description: "Invalid index (a failed concurrent build or reindex): queries cannot use it \
                  but writes may still maintain it; rebuild or drop it",
    check,
    parts: super::PARTS,
};

/// What the rule looks at: invalid indexes in scope that are not being built right now.
fn invalid_indexes<'s>(
    snap: &'s Snapshot,
    config: &'s Config,
) -> impl Iterator<Item = &'s Index> + 's {
    snap.indexes.iter().filter(move |ix| {
        let rel = snap.relation(ix.oid);
        let table = snap.relation(ix.table);
        !ix.valid
            && !snap.indexes_in_progress.contains(&ix.oid)
            && rel.is_some_and(|r| !r.extension_member)
            && table.is_some_and(|t| snap.in_scope(t, config))
    })
}

/// Indexes whose definition this rule shows (recreate statements).
pub fn definitions_needed(snap: &Snapshot, config: &Config) -> Vec<Oid> {
    invalid_indexes(snap, config).map(|ix| ix.oid).collect()
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for ix in invalid_indexes(snap, config) {
        if is_partitioned_index(snap, ix) {
            out.extend(missing_partition_indexes(snap, ix));
        } else {
            out.push(plain_invalid(snap, ix));
        }
    }
    out
}

/// `_ccnew` / `_ccold` (with an optional number): left over by a failed REINDEX CONCURRENTLY.
fn reindex_leftover(name: &str) -> bool {
    ["_ccnew", "_ccold"].iter().any(|suffix| {
        name.rfind(suffix).is_some_and(|at| {
            name[at + suffix.len()..]
                .chars()
                .all(|c| c.is_ascii_digit())
        })
    })
}

fn plain_invalid(snap: &Snapshot, ix: &Index) -> Finding {
    let rel = &snap.relations[&ix.oid];
    let identity = snap.rel_identity(ix.oid);
    let table_identity = snap.rel_identity(ix.table);
    let maintained = if ix.ready {
        "every write still maintains it"
    } else {
        "it is not even maintained"
    };
    let undo = undo_statement(snap, ix);
    let (detail, remediation) = if reindex_leftover(&rel.name) {
        (
            format!(
                "Index {identity} on {table_identity} ({}) is invalid, left over by a failed \
                 REINDEX CONCURRENTLY (the original index still exists); {maintained}. Drop it.",
                human_bytes(rel.size_bytes)
            ),
            format!("DROP INDEX CONCURRENTLY IF EXISTS {identity};"),
        )
    } else if ix.unique {
        (
            format!(
                "Unique index {identity} on {table_identity} ({}) is invalid: its concurrent \
                 build failed, most often on duplicate values, so queries cannot use it and it \
                 does not guarantee uniqueness for existing rows; {maintained}. Drop it, remove \
                 the duplicates, then recreate it{}",
                human_bytes(rel.size_bytes),
                undo.as_deref()
                    .map(|u| format!(" with: {u}"))
                    .unwrap_or_else(|| ".".into())
            ),
            format!("DROP INDEX CONCURRENTLY IF EXISTS {identity};"),
        )
    } else {
        (
            format!(
                "Index {identity} on {table_identity} ({}) is invalid, probably from a failed \
                 CREATE INDEX CONCURRENTLY: queries cannot use it and {maintained}. Dropping it \
                 changes no query plan; if you meant to have it, rebuild it instead with: \
                 REINDEX INDEX CONCURRENTLY {identity};",
                human_bytes(rel.size_bytes)
            ),
            format!("DROP INDEX CONCURRENTLY IF EXISTS {identity};"),
        )
    };
    RULE.finding(
        RULE.default_level,
        "index",
        identity.into_owned(),
        None,
        detail,
        Some(remediation),
        json!({
            "schema": snap.schema_name(rel),
            "table": snap.relation(ix.table).map(|t| t.name.as_str()),
            "index": rel.name,
            "index_bytes": rel.size_bytes,
            "ready": ix.ready,
            "unique": ix.unique,
            "undo": undo,
        }),
    )
}

/// A partitioned index is invalid until every partition has an index attached to it:
/// report each partition that lacks one, with the statements that build and attach it.
fn missing_partition_indexes(snap: &Snapshot, parent: &Index) -> Vec<Finding> {
    let attached: HashSet<Oid> = snap
        .partitions(parent.oid)
        .iter()
        .filter_map(|&child| snap.index(child).map(|i| i.table))
        .collect();
    let parent_identity = snap.rel_identity(parent.oid);
    let def = snap.index_defs.get(&parent.oid);
    let mut out = Vec::new();
    for &partition in snap.partitions(parent.table) {
        if attached.contains(&partition) {
            continue;
        }
        let Some(prel) = snap.relation(partition) else {
            continue;
        };
        let identity = snap.rel_identity(partition);
        let name = choose_index_name(
            prel.namespace,
            &prel.name,
            &key_column_names(snap, parent),
            |ns, n| snap.relation_name_taken(ns, n),
        );
        let index_identity = quote::qualified(snap.schema_name(prel), &name);
        // the parent's definition from USING on, applied to the partition
        let remediation = def
            .and_then(|d| d.find(" USING ").map(|at| &d[at..]))
            .map(|rest| {
                format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {identity}{rest};\n\
                 ALTER INDEX {parent_identity} ATTACH PARTITION {index_identity};",
                    quote::ident(&name)
                )
            });
        let detail = format!(
            "Partitioned index {parent_identity} is invalid because partition {identity} has no \
             index attached to it: the index does not exist for that partition's rows; build \
             one on the partition and attach it (the parent becomes valid once every partition \
             has one)."
        );
        out.push(RULE.finding(
            RULE.default_level,
            "table",
            identity.into_owned(),
            Some(parent_identity.as_ref()),
            detail,
            remediation,
            json!({
                "schema": snap.schema_name(prel),
                "partition": prel.name,
                "partitioned_index": parent_identity,
                "suggested_index": name,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn run(snap: &Snapshot) -> Vec<Finding> {
        (RULE.check)(snap, &Config::default())
    }

    #[test]
    fn invalid_plain_index_is_dropped_and_the_rebuild_is_offered() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index(t, &["a"]).valid = false;
        b.index(t, &["a"]); // a valid twin is not reported here
        let found = run(&b.build());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.t_a_idx;")
        );
        assert!(found[0]
            .detail
            .contains("rebuild it instead with: REINDEX INDEX CONCURRENTLY public.t_a_idx;"));
    }

    #[test]
    fn invalid_unique_index_is_dropped_and_the_detail_says_why() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "tags", &["tenant_id"]);
        let ix = b.index_named(t, "tags_tenant_key", &["tenant_id"]);
        ix.valid = false;
        ix.unique = true;
        let ix = ix.oid;
        let mut snap = b.build();
        snap.index_defs.insert(
            ix,
            "CREATE UNIQUE INDEX tags_tenant_key ON public.tags USING btree (tenant_id)".into(),
        );
        let f = &run(&snap)[0];
        assert_eq!(
            f.remediation.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.tags_tenant_key;")
        );
        assert!(f.detail.contains("duplicate values"));
        assert!(f
            .detail
            .contains("CREATE UNIQUE INDEX CONCURRENTLY tags_tenant_key"));
    }

    #[test]
    fn reindex_leftovers_are_dropped() {
        assert!(reindex_leftover("t_a_idx_ccnew"));
        assert!(reindex_leftover("t_a_idx_ccold2"));
        assert!(!reindex_leftover("t_ccnew_x"));
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index_named(t, "t_a_idx_ccnew", &["a"]).valid = false;
        assert_eq!(
            run(&b.build())[0].remediation.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.t_a_idx_ccnew;")
        );
    }

    #[test]
    fn builds_in_progress_and_valid_indexes_are_skipped() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        let building = b.index(t, &["a"]);
        building.valid = false;
        let building = building.oid;
        let mut snap = b.build();
        snap.indexes_in_progress.insert(building);
        assert!(run(&snap).is_empty());
    }

    #[test]
    fn partitioned_index_reports_the_partitions_without_an_index() {
        let mut b = SnapshotBuilder::new();
        let e = b.partitioned_table("app", "events", &["id", "kind"]);
        let p1 = b.partition(e, "events_1", &["id", "kind"], true);
        b.partition(e, "events 2", &["id", "kind"], true);
        let parent = b.index(e, &["kind"]);
        parent.valid = false;
        let parent = parent.oid;
        let child = b.index(p1, &["kind"]).oid;
        b.attach_index(child, parent);
        let mut snap = b.build();
        snap.index_defs.insert(
            parent,
            "CREATE INDEX events_kind_idx ON ONLY app.events USING btree (kind)".into(),
        );
        let found = run(&snap);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_type, "table");
        assert_eq!(found[0].object_identity, "app.\"events 2\"");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some(
                "CREATE INDEX IF NOT EXISTS \"events 2_kind_idx\" ON app.\"events 2\" USING btree (kind);\n\
                 ALTER INDEX app.events_kind_idx ATTACH PARTITION app.\"events 2_kind_idx\";"
            )
        );
    }
}
