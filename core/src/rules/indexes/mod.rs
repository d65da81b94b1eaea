//! Index rules: foreign keys without a covering index, unused, duplicate, redundant and
//! invalid indexes. Shared here: which indexes must never be dropped, and the DROP / undo
//! statements every "drop this index" finding suggests.

pub mod coverage;
pub mod duplicate;
pub mod invalid;
pub mod missing_fk;
pub mod missing_index;
pub mod plan;
pub mod redundant;
pub mod unused;

use crate::config::Config;
use crate::finding::{Finding, Meta};
use crate::quote;
use crate::snapshot::fast_hash::Map as FastMap;
use crate::snapshot::{ConstraintKind, Index, Oid, Parts, RelKind, Relation, Snapshot};
use std::collections::{HashMap, HashSet};

/// The other index rules read the relations, columns, indexes with their scans,
/// constraints and partitions, and keep an index a policy filters on (`Protections`).
pub const PARTS: Parts = Parts::FOREIGN_KEYS_IN_FULL
    .union(Parts::INDEX_STATS)
    .union(Parts::POLICY_COLUMNS);

/// Why an index must not be dropped. Computed once per run for all indexes; the reason's
/// text is made only for the findings that show it.
pub struct Protections {
    reasons: FastMap<Oid, Reason>,
}

/// Why an index is kept (positions in the snapshot's constraints and policies).
#[derive(Clone, Copy)]
enum Reason {
    /// Backs a primary key, unique or exclusion constraint, or a foreign key depends on it.
    Constraint(usize),
    ReplicaIdentity,
    Unique,
    Exclusion,
    /// The only index serving this foreign key.
    OnlyForForeignKey(usize),
    /// The only index leading with a column this policy filters on.
    OnlyForPolicy(usize),
}

impl Protections {
    /// The protections of this snapshot's indexes, computed once for all index rules.
    pub fn of(snap: &Snapshot) -> std::sync::Arc<Protections> {
        snap.shared(|| Protections::new(snap))
    }

    pub fn new(snap: &Snapshot) -> Protections {
        let mut reasons: FastMap<Oid, Reason> = FastMap::default();
        for (i, c) in snap.constraints.iter().enumerate() {
            let backs = matches!(
                c.kind,
                ConstraintKind::PrimaryKey
                    | ConstraintKind::Unique
                    | ConstraintKind::Exclusion
                    | ConstraintKind::ForeignKey
            );
            if c.index != 0 && backs {
                reasons.entry(c.index).or_insert(Reason::Constraint(i));
            }
        }
        for ix in &snap.indexes {
            if reasons.contains_key(&ix.oid) {
                continue;
            }
            if ix.replica_identity {
                reasons.insert(ix.oid, Reason::ReplicaIdentity);
            } else if ix.unique {
                reasons.insert(ix.oid, Reason::Unique);
            } else if ix.exclusion {
                reasons.insert(ix.oid, Reason::Exclusion);
            }
        }
        // the only index that serves a foreign key's referential check
        for (i, fk) in snap.constraints.iter().enumerate() {
            let Some(foreign) = &fk.foreign else {
                continue;
            };
            let mut covering =
                coverage::covering_indexes(snap, fk.table, &fk.columns, &foreign.eq_ops);
            if let (Some(only), None) = (covering.next(), covering.next()) {
                reasons
                    .entry(only.oid)
                    .or_insert(Reason::OnlyForForeignKey(i));
            }
        }
        // the only index leading with a column a policy filters on
        for (i, p) in snap.policies.iter().enumerate() {
            for &col in &p.columns {
                let mut leading = indexes_leading_with(snap, p.table, col);
                if let (Some(only), None) = (leading.next(), leading.next()) {
                    reasons.entry(only.oid).or_insert(Reason::OnlyForPolicy(i));
                }
            }
        }
        Protections { reasons }
    }

    /// Whether `index` must be kept.
    pub fn is_protected(&self, index: Oid) -> bool {
        self.reasons.contains_key(&index)
    }

    /// Why `index` must be kept ("backs the primary key ..."), or `None` when it may be
    /// dropped.
    pub fn reason(&self, snap: &Snapshot, index: Oid) -> Option<String> {
        Some(match *self.reasons.get(&index)? {
            Reason::Constraint(i) => {
                let c = &snap.constraints[i];
                let name = quote::ident(&c.name);
                match c.kind {
                    ConstraintKind::PrimaryKey => format!("backs the primary key {name}"),
                    ConstraintKind::Unique => format!("backs the unique constraint {name}"),
                    ConstraintKind::Exclusion => {
                        format!("backs the exclusion constraint {name}")
                    }
                    _ => format!("foreign key {} depends on it", snap.constraint_identity(c)),
                }
            }
            Reason::ReplicaIdentity => "is the table's replica identity".into(),
            Reason::Unique => "enforces uniqueness".into(),
            Reason::Exclusion => "enforces an exclusion constraint".into(),
            Reason::OnlyForForeignKey(i) => format!(
                "is the only index serving foreign key {}",
                snap.constraint_identity(&snap.constraints[i])
            ),
            Reason::OnlyForPolicy(i) => format!(
                "is the only index on the column policy {} filters on",
                quote::ident(&snap.policies[i].name)
            ),
        })
    }

    /// Kept for integrity (a constraint, uniqueness, replica identity), not only for an FK
    /// or a policy.
    pub fn is_structural(&self, index: Oid) -> bool {
        self.reasons
            .get(&index)
            .is_some_and(|r| !matches!(r, Reason::OnlyForForeignKey(_) | Reason::OnlyForPolicy(_)))
    }
}

/// An index the index rules look at: usable, in scope, not owned by an extension, not a
/// build in progress, and not a partition of a partitioned index (judged at the parent).
pub fn candidate<'s>(
    snap: &'s Snapshot,
    config: &Config,
    ix: &'s Index,
) -> Option<(&'s Relation, &'s Relation)> {
    let rel = snap.relation(ix.oid)?;
    let table = snap.relation(ix.table)?;
    let ok = ix.usable()
        && !rel.extension_member
        && !rel.is_partition
        && !snap.indexes_in_progress.contains(&ix.oid)
        && snap.in_scope(table, config);
    ok.then_some((rel, table))
}

/// Scans and bytes of an index, summed over the leaf indexes of a partitioned index.
pub fn scans_and_bytes(snap: &Snapshot, ix: &Index) -> (Option<i64>, i64) {
    let is_partitioned = snap
        .relation(ix.oid)
        .is_some_and(|r| r.kind == RelKind::PartitionedIndex);
    if !is_partitioned {
        return (ix.scans, snap.relation(ix.oid).map_or(0, |r| r.size_bytes));
    }
    let leaves = snap.leaf_partitions(ix.oid);
    let scans = leaves
        .iter()
        .filter_map(|&o| snap.index(o).and_then(|i| i.scans))
        .reduce(|a, b| a + b);
    let bytes = leaves
        .iter()
        .filter_map(|&o| snap.relation(o))
        .map(|r| r.size_bytes)
        .sum();
    (scans.or(Some(0)), bytes)
}

/// `finding` with the metadata of an index that `other` (named under `other_key`) makes
/// unneeded: where it is, its size and scans ([`scans_and_bytes`]), the other index and the
/// statement that recreates it.
pub fn with_superseded_meta(
    finding: Finding,
    snap: &Snapshot,
    config: &Config,
    ix: &Index,
    (scans, bytes): (Option<i64>, i64),
    (other_key, other): (&str, &str),
    undo: &Option<String>,
) -> Finding {
    let name = |oid| snap.relation(oid).map(|r| r.name.as_str());
    let meta = [
        (
            "schema",
            snap.relation(ix.oid).map(|r| snap.schema_name(r)).into(),
        ),
        ("table", name(ix.table).into()),
        ("index", name(ix.oid).into()),
        ("index_bytes", bytes.into()),
        ("scans", scans.into()),
        (other_key, Meta::Str(other)),
        ("undo", undo.into()),
    ];
    finding.with_meta(config, Meta::Object(&meta))
}

/// Usable, non-partial btree or hash indexes on `table` whose first key column is `attnum`.
pub fn indexes_leading_with(
    snap: &Snapshot,
    table: Oid,
    attnum: i16,
) -> impl Iterator<Item = &Index> {
    snap.indexes_on(table).filter(move |ix| {
        ix.usable()
            && !ix.partial
            && matches!(&*ix.am, "btree" | "hash")
            && ix.key_columns().first() == Some(&attnum)
    })
}

pub(crate) fn is_partitioned_index(snap: &Snapshot, ix: &Index) -> bool {
    snap.relation(ix.oid)
        .is_some_and(|r| r.kind == RelKind::PartitionedIndex)
}

/// `DROP INDEX CONCURRENTLY IF EXISTS ...;` (no CONCURRENTLY for a partitioned index,
/// where PostgreSQL does not support it).
pub fn drop_statement(snap: &Snapshot, ix: &Index) -> String {
    let concurrently = if is_partitioned_index(snap, ix) {
        ""
    } else {
        "CONCURRENTLY "
    };
    format!(
        "DROP INDEX {concurrently}IF EXISTS {};",
        snap.rel_identity(ix.oid)
    )
}

/// The statement that recreates `ix` exactly as it is (from `pg_get_indexdef`), built
/// concurrently where PostgreSQL allows it; `None` when the definition was not loaded.
pub fn undo_statement(snap: &Snapshot, ix: &Index) -> Option<String> {
    Some(undo_of(snap, ix, snap.index_defs.get(&ix.oid)?))
}

/// [`undo_statement`] in a rule: with `config.index_undo`, a plain index's is written even
/// when its definition was not loaded.
pub fn rule_undo(snap: &Snapshot, config: &Config, ix: &Index) -> Option<String> {
    match snap.index_defs.get(&ix.oid) {
        Some(def) => Some(undo_of(snap, ix, def)),
        None if config.index_undo => Some(undo_of(snap, ix, &ix.plain_definition(snap)?)),
        None => None,
    }
}

/// The statement that recreates `ix` from its definition `def` (see [`undo_statement`]).
pub fn undo_of(snap: &Snapshot, ix: &Index, def: &str) -> String {
    let (from, to) = if is_partitioned_index(snap, ix) {
        // pg_get_indexdef says ON ONLY for a partitioned index; recreate on every partition
        (" ON ONLY ", " ON ")
    } else {
        ("INDEX ", "INDEX CONCURRENTLY ")
    };
    // the first `from` replaced and a semicolon added, in one string
    let mut undo = String::with_capacity(def.len() + to.len() + 1);
    match def.split_once(from) {
        Some((before, after)) => {
            undo.push_str(before);
            undo.push_str(to);
            undo.push_str(after);
        }
        None => undo.push_str(def),
    }
    undo.push(';');
    undo
}

/// The rules whose findings carry the `undo` that recreates the index they suggest
/// dropping (the finding's object).
const UNDO_RULES: [&str; 3] = ["unused_index", "duplicate_index", "redundant_index"];

/// A finding of a rule with an `undo` whose undo is not in yet (see [`fill_undo`]).
pub fn lacks_undo(f: &Finding) -> bool {
    UNDO_RULES.contains(&f.rule) && f.metadata.get("undo").is_some_and(|u| u.is_null())
}

/// The indexes whose `undo` these findings lack because their definition was not loaded:
/// what the loader deparses (`pg_get_indexdef`) after the rules ran, for those alone.
pub fn undo_wanted(snap: &Snapshot, findings: &[&Finding]) -> Vec<Oid> {
    let wanted: HashSet<&str> = findings
        .iter()
        .filter(|f| lacks_undo(f))
        .map(|f| f.object_identity.as_str())
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    snap.indexes
        .iter()
        .filter(|ix| wanted.contains(snap.rel_identity(ix.oid).as_ref()))
        .map(|ix| ix.oid)
        .collect()
}

/// Give these findings the `undo` of their index, from the definitions loaded since.
pub fn fill_undo<'f>(snap: &Snapshot, findings: impl IntoIterator<Item = &'f mut Finding>) {
    let by_identity: HashMap<std::borrow::Cow<str>, &Index> = snap
        .index_defs
        .keys()
        .filter_map(|&oid| snap.index(oid))
        .map(|ix| (snap.rel_identity(ix.oid), ix))
        .collect();
    for f in findings {
        if !lacks_undo(f) {
            continue;
        }
        if let Some(undo) = by_identity
            .get(f.object_identity.as_str())
            .and_then(|ix| undo_statement(snap, ix))
        {
            f.metadata["undo"] = serde_json::Value::String(undo);
        }
    }
}

/// Key column names of an index for naming and messages (`expr` for an expression).
pub fn key_column_names(snap: &Snapshot, ix: &Index) -> Vec<String> {
    ix.key_columns()
        .iter()
        .map(|&a| match a {
            0 => "expr".to_string(),
            a => snap.column_name(ix.table, a).unwrap_or("?").to_string(),
        })
        .collect()
}

/// PostgreSQL's own style, `<table>_<col>_<col>_idx`, cut to 63 bytes on a character
/// boundary, with a number appended when `taken(namespace, name)` says the schema already
/// has a relation of that name (`Snapshot::relation_name_taken`).
pub fn choose_index_name<S: AsRef<str>>(
    namespace: Oid,
    table: &str,
    columns: &[S],
    taken: impl Fn(Oid, &str) -> bool,
) -> String {
    let mut stem = table.to_string();
    for column in columns {
        stem.push('_');
        stem.push_str(column.as_ref());
    }
    for n in 0.. {
        let suffix = if n == 0 {
            "_idx".to_string()
        } else {
            format!("_idx{n}")
        };
        let name = crate::quote::object_name(&stem, &suffix);
        if !taken(namespace, &name) {
            return name;
        }
    }
    unreachable!()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn protections() {
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "p", &["id", "code"]);
        b.primary_key(p, &["id"]);
        let uq = b.index(p, &["code"]);
        uq.unique = true;
        let uq = uq.oid;
        let c = b.table("public", "c", &["id", "p_id", "x"]);
        let only = b.index(c, &["p_id"]).oid;
        let free = b.index(c, &["x"]).oid;
        b.foreign_key("c_p_fk", c, &["p_id"], p, &["id"]);
        let snap = b.build();
        let prot = Protections::new(&snap);
        let pk = snap.indexes_on(p).find(|i| i.primary).unwrap().oid;
        assert_eq!(
            prot.reason(&snap, pk).as_deref(),
            Some("backs the primary key p_pkey")
        );
        assert_eq!(
            prot.reason(&snap, uq).as_deref(),
            Some("enforces uniqueness")
        );
        assert!(prot
            .reason(&snap, only)
            .unwrap()
            .contains("only index serving foreign key c_p_fk"));
        assert!(!prot.is_structural(only));
        assert_eq!(prot.reason(&snap, free), None);
    }

    #[test]
    fn two_covering_indexes_protect_neither() {
        let mut b = SnapshotBuilder::new();
        let p = b.table("public", "p", &["id"]);
        b.primary_key(p, &["id"]);
        let c = b.table("public", "c", &["p_id", "x"]);
        let one = b.index(c, &["p_id"]).oid;
        let two = b.index(c, &["p_id", "x"]).oid;
        b.foreign_key("c_p_fk", c, &["p_id"], p, &["id"]);
        let snap = b.build();
        let prot = Protections::new(&snap);
        assert_eq!(prot.reason(&snap, one), None);
        assert_eq!(prot.reason(&snap, two), None);
    }

    #[test]
    fn drop_and_undo_statements() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("Sales", "order", &["id"]);
        let ix = b.index(t, &["id"]).oid;
        let mut snap = b.build();
        let index = snap.index(ix).unwrap().clone();
        assert_eq!(
            drop_statement(&snap, &index),
            "DROP INDEX CONCURRENTLY IF EXISTS \"Sales\".order_id_idx;"
        );
        assert_eq!(undo_statement(&snap, &index), None);
        snap.index_defs.insert(
            ix,
            "CREATE UNIQUE INDEX order_id_idx ON \"Sales\".\"order\" USING btree (id)".into(),
        );
        assert_eq!(
            undo_statement(&snap, &index).unwrap(),
            "CREATE UNIQUE INDEX CONCURRENTLY order_id_idx ON \"Sales\".\"order\" USING btree (id);"
        );
    }
}
