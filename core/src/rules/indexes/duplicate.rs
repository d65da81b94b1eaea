//! `duplicate_index`: two or more indexes on one table with the same access method, key
//! columns and expressions, INCLUDE columns, predicate, operator classes, collations and
//! sort options — compared field by field from the catalog, never as definition strings.

use super::{
    candidate, drop_statement, rule_undo, scans_and_bytes, with_superseded_meta, Protections,
};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{human_bytes, human_count, Index, Oid, Snapshot};

pub const RULE: Rule = Rule {
    id: "duplicate_index",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Index identical to another on the same table (columns, expressions, \
                  predicate, operator classes, collations, sort order, INCLUDE, method): \
                  every write maintains both; drop the extra one",
    check,
    parts: super::PARTS,
};

/// Everything that makes two indexes serve the same queries the same way.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Signature<'a> {
    table: Oid,
    am: &'a str,
    n_key: usize,
    columns: &'a [i16],
    expressions: &'a [Option<String>],
    predicate: Option<&'a str>,
    opclasses: &'a [Oid],
    collations: &'a [Oid],
    options: &'a [i16],
}

impl<'a> Signature<'a> {
    fn of(ix: &'a Index) -> Signature<'a> {
        Signature {
            table: ix.table,
            am: &ix.am,
            n_key: ix.n_key,
            columns: &ix.columns,
            expressions: &ix.expressions,
            predicate: ix.predicate.as_deref(),
            opclasses: &ix.opclasses,
            collations: &ix.collations,
            options: &ix.options,
        }
    }
}

#[derive(Clone, Debug)]
pub struct DuplicateIndex {
    pub index: Oid,
    pub kept: Oid,
    pub undo: Option<String>,
    pub finding: Finding,
}

fn check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    analyze(snap, config)
        .into_iter()
        .map(|d| d.finding)
        .collect()
}

pub fn analyze(snap: &Snapshot, config: &Config) -> Vec<DuplicateIndex> {
    let protections = Protections::of(snap);
    // the candidates in signature order, then each run of equal signatures a group: no
    // map from signature to index (a run touched 20 MB for one on 83,000 indexes), and no
    // hash that names made to collide could slow
    let mut ordered: Vec<&Index> = snap
        .indexes
        .iter()
        .filter(|ix| candidate(snap, config, ix).is_some())
        .collect();
    ordered.sort_unstable_by(|a, b| Signature::of(a).cmp(&Signature::of(b)));
    let mut groups: Vec<Vec<&Index>> = ordered
        .chunk_by(|a, b| Signature::of(a) == Signature::of(b))
        .filter(|run| run.len() > 1)
        .map(<[&Index]>::to_vec)
        .collect();
    let mut out = Vec::new();
    groups.sort_by_key(|g| g.iter().map(|i| i.oid).min());
    for mut group in groups {
        // keep the one that backs a constraint, else the unique one, else the most used,
        // else the oldest
        group.sort_by_key(|ix| {
            (
                !protections.is_structural(ix.oid),
                !ix.unique,
                std::cmp::Reverse(scans_and_bytes(snap, ix).0.unwrap_or(0)),
                ix.oid,
            )
        });
        let kept = group[0];
        for &extra in &group[1..] {
            out.push(describe(snap, config, &protections, extra, kept));
        }
    }
    out
}

fn describe(
    snap: &Snapshot,
    config: &Config,
    protections: &Protections,
    extra: &Index,
    kept: &Index,
) -> DuplicateIndex {
    let identity = snap.rel_identity(extra.oid);
    let kept_identity = snap.rel_identity(kept.oid);
    let table_identity = snap.rel_identity(extra.table);
    let (extra_scans, bytes) = scans_and_bytes(snap, extra);
    let (kept_scans, _) = scans_and_bytes(snap, kept);
    let why_kept = match protections.reason(snap, kept.oid) {
        Some(r) if protections.is_structural(kept.oid) => format!("it {r}"),
        _ if kept.unique && !extra.unique => "it is unique".to_string(),
        _ => format!(
            "it has more scans or is older ({} scans against {})",
            human_count(kept_scans.unwrap_or(0)),
            human_count(extra_scans.unwrap_or(0))
        ),
    };
    let mut detail = format!(
        "Index {identity} on {table_identity} ({}) is identical to {kept_identity}: every write \
         to {table_identity} maintains both and queries use only one; keep {kept_identity} \
         because {why_kept}",
        human_bytes(bytes)
    );
    // an extra index that itself backs a constraint cannot simply be dropped
    let remediation = match protections.reason(snap, extra.oid) {
        Some(r) if protections.is_structural(extra.oid) => {
            detail.push_str(&format!(
                "; {identity} {r}, so dropping it means changing that first (no SQL is \
                 suggested)"
            ));
            None
        }
        _ => Some(drop_statement(snap, extra)),
    };
    detail.push('.');
    let undo = rule_undo(snap, config, extra);
    let finding = RULE.finding(
        RULE.default_level,
        "index",
        identity.into_owned(),
        None,
        detail,
        remediation,
        serde_json::Value::Null,
    );
    let finding = with_superseded_meta(
        finding,
        snap,
        config,
        extra,
        (extra_scans, bytes),
        ("duplicate_of", &kept_identity),
        &undo,
    );
    DuplicateIndex {
        index: extra.oid,
        kept: kept.oid,
        undo,
        finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{ConstraintKind, SnapshotBuilder};

    fn reported(b: SnapshotBuilder) -> Vec<String> {
        let snap = b.build();
        analyze(&snap, &Config::default())
            .iter()
            .map(|d| d.finding.object_identity.clone())
            .collect()
    }

    #[test]
    fn identical_indexes_report_all_but_one() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a", "b"]);
        b.index_named(t, "one", &["a", "b"]);
        b.index_named(t, "two", &["a", "b"]);
        b.index_named(t, "three", &["a", "b"]);
        assert_eq!(reported(b), ["public.two", "public.three"]);
    }

    #[test]
    fn the_unique_or_constraint_index_is_kept() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "users", &["id", "email"]);
        b.index_named(t, "users_email_idx", &["email"]);
        b.key_constraint(t, "users_email_key", &["email"], ConstraintKind::Unique);
        let snap = b.build();
        let found = analyze(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.object_identity, "public.users_email_idx");
        assert!(found[0]
            .finding
            .detail
            .contains("backs the unique constraint users_email_key"));
        assert!(found[0].finding.remediation.is_some());
    }

    #[test]
    fn two_constraints_on_the_same_columns_get_no_sql() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["id"]);
        b.primary_key(t, &["id"]);
        b.key_constraint(t, "t_id_key", &["id"], ConstraintKind::Unique);
        let found = analyze(&b.build(), &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].finding.object_identity, "public.t_id_key");
        assert_eq!(found[0].finding.remediation, None);
    }

    #[test]
    fn any_difference_means_not_a_duplicate() {
        type Tweak = fn(&mut Index);
        let tweaks: [Tweak; 8] = [
            |i| i.am = "hash".into(),
            |i| i.columns = vec![2, 1],
            |i| i.n_key = 1,
            |i| i.predicate = Some("(a > 0)".into()),
            |i| i.opclasses = vec![1, 2],
            |i| i.collations = vec![950, 0],
            |i| i.options = vec![3, 0],
            |i| i.partial = false, // same as before: control case below
        ];
        for (n, tweak) in tweaks.iter().enumerate() {
            let mut b = SnapshotBuilder::new();
            let t = b.table("public", "t", &["a", "b"]);
            b.index_named(t, "one", &["a", "b"]);
            tweak(b.index_named(t, "two", &["a", "b"]));
            let expected = if n == 7 { 1 } else { 0 };
            assert_eq!(reported(b).len(), expected, "tweak {n}");
        }
    }

    #[test]
    fn expressions_compare_by_their_deparsed_form() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index_named(t, "one", &["(lower(a))"]);
        b.index_named(t, "two", &["(lower(a))"]);
        b.index_named(t, "three", &["(upper(a))"]);
        assert_eq!(reported(b), ["public.two"]);
    }

    #[test]
    fn different_tables_or_invalid_indexes_are_not_duplicates() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        let u = b.table("public", "u", &["a"]);
        b.index_named(t, "one", &["a"]);
        b.index_named(u, "two", &["a"]);
        b.index_named(t, "three", &["a"]).valid = false;
        assert!(reported(b).is_empty());
    }

    #[test]
    fn the_most_scanned_is_kept() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("public", "t", &["a"]);
        b.index_named(t, "old", &["a"]).scans = Some(1);
        b.index_named(t, "busy", &["a"]).scans = Some(500);
        assert_eq!(reported(b), ["public.old"]);
    }
}
