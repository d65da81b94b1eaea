//! The table parts of a snapshot: relations, columns, indexes, constraints, partitions —
//! in full, or only the slice foreign keys need ([`Parts::FOREIGN_KEYS`]: what
//! `advisor_missing_fk_indexes` reads). The big catalogs are read directly (`catalog`),
//! the small ones with a query.

use super::{catalog, each_row, oid, rows, text};
use database_advisor_core::snapshot::fast_hash::{Map as HashMap, Set as HashSet};
use database_advisor_core::snapshot::{Oid, Parts, Snapshot};
use pgrx::spi::{SpiClient, SpiResult};

/// What a run keeps besides the snapshot's table parts to reuse them (see `cache`).
#[derive(Default)]
pub(super) struct Kept {
    frozen: HashMap<Oid, catalog::Frozen>,
    /// Whether the table parts are whole (not read only to filter others, then dropped).
    pub reusable: bool,
}

/// The table parts into `snap`: read from the catalogs, or, with `reuse`, already in it
/// (kept from an earlier run while the catalogs did not change: see `cache`). Either way
/// what changes without the catalogs changing is read now: partitions, extension
/// membership, indexes being built, statistics and ages.
pub(super) fn load(
    client: &SpiClient<'_>,
    snap: &mut Snapshot,
    parts: Parts,
    reuse: Option<Kept>,
) -> SpiResult<Kept> {
    let wants = |p: Parts| parts.contains(p);
    let fk_slice = wants(Parts::FOREIGN_KEYS);
    if !fk_slice && !parts.intersects(Parts::FOREIGN_KEYS_IN_FULL.union(Parts::MAINTENANCE)) {
        return Ok(Kept::default());
    }
    if wants(Parts::PARTITIONS) || fk_slice {
        each_row(client, include_str!("sql/partitions.sql"), |row| {
            let (child, parent) = (oid(row, 1)?, oid(row, 2)?);
            if super::col::<bool>(row, 3)? {
                snap.partition_parent.insert(child, parent);
            } else {
                snap.inherits.entry(child).or_default().push(parent);
            }
            Ok(())
        })?;
    }
    let mut members = HashSet::default();
    each_row(client, include_str!("sql/extension_members.sql"), |row| {
        members.insert(oid(row, 1)?);
        Ok(())
    })?;
    let opclasses = if wants(Parts::INDEXES) || fk_slice {
        index_support(client, snap)?
    } else {
        HashMap::default()
    };
    let kept = match reuse {
        Some(kept) => {
            // membership changes with ALTER EXTENSION ... ADD, which invalidates no cache
            for rel in snap.relations.values_mut() {
                rel.extension_member = members.contains(&rel.oid);
            }
            kept
        }
        None if fk_slice => foreign_keys(snap, &members, &opclasses),
        None => read(snap, parts, &members, &opclasses),
    };
    catalog::refresh(snap, &kept.frozen, wants(Parts::INDEX_STATS));
    if !kept.reusable {
        // read only to filter the parts asked for
        snap.relations.clear();
    }
    Ok(kept)
}

/// The table parts in full, read from the catalogs.
fn read(
    snap: &mut Snapshot,
    parts: Parts,
    members: &HashSet<Oid>,
    opclasses: &HashMap<Oid, catalog::OpClass>,
) -> Kept {
    let wants = |p: Parts| parts.contains(p);
    // every other part filters by the user relations, read first (also for the parts alone)
    let class = rows::catalog_read("pg_class", || {
        let (grants, maintenance) = (wants(Parts::GRANTS), wants(Parts::MAINTENANCE));
        catalog::relations(snap, members, grants, maintenance, |_| true, None)
    });
    let with_options = if wants(Parts::ATTRIBUTES) {
        rows::catalog_read("pg_attribute", || {
            catalog::attributes(snap, |_, _| true, class.columns)
        })
    } else {
        HashSet::default()
    };
    if wants(Parts::INDEXES) {
        rows::catalog_read("pg_index", || {
            catalog::indexes(snap, &class.indexes, opclasses, &with_options, |_, _| true)
        });
    }
    if wants(Parts::CONSTRAINTS) {
        let relations = &snap.relations;
        let constraints = rows::catalog_read("pg_constraint", || {
            catalog::constraints(|_, table, _| relations.contains_key(&table))
        });
        snap.constraints = constraints;
    }
    Kept {
        frozen: class.frozen,
        reusable: wants(Parts::RELATIONS),
    }
}

/// Operator classes → families, the search operators of btree and hash families (enough
/// to tell whether an index serves an equality lookup), and the indexes being built.
fn index_support(
    client: &SpiClient<'_>,
    snap: &mut Snapshot,
) -> SpiResult<HashMap<Oid, catalog::OpClass>> {
    let mut opclasses = HashMap::default();
    each_row(client, include_str!("sql/operators.sql"), |row| {
        if text(row, 1)? == "c" {
            let class = catalog::OpClass {
                family: oid(row, 3)?,
                input_type: oid(row, 4)?,
                default: super::col(row, 5)?,
            };
            opclasses.insert(oid(row, 2)?, class);
        } else {
            snap.opfamily_ops.insert((oid(row, 2)?, oid(row, 3)?));
        }
        Ok(())
    })?;
    each_row(client, include_str!("sql/indexes_in_progress.sql"), |row| {
        snap.indexes_in_progress.insert(oid(row, 1)?);
        Ok(())
    })?;
    Ok(opclasses)
}

/// The foreign-key slice: FK constraints of user schemas; the tables on both sides and
/// every partition below them; the FK columns on both sides (all columns of partitions,
/// which may number them differently); the indexes whose leading column is an FK column
/// of their table (only those can serve a foreign key or be made redundant by the index
/// suggested for one; all indexes of partitions); the names of all other relations.
fn foreign_keys(
    snap: &mut Snapshot,
    members: &HashSet<Oid>,
    opclasses: &HashMap<Oid, catalog::OpClass>,
) -> Kept {
    let namespaces = &snap.namespaces;
    let fks = rows::catalog_read("pg_constraint", || {
        catalog::constraints(|kind, _, namespace| {
            kind == 'f' && namespaces.contains_key(&namespace)
        })
    });
    let mut columns: HashSet<(Oid, i16)> = HashSet::default();
    let mut tables: HashSet<Oid> = HashSet::default();
    columns.reserve(2 * fks.len());
    tables.reserve(2 * fks.len());
    for fk in &fks {
        let foreign = fk.foreign.as_ref().expect("a foreign key");
        columns.extend(fk.columns.iter().map(|&c| (fk.table, c)));
        columns.extend(foreign.ref_columns.iter().map(|&c| (foreign.ref_table, c)));
        tables.extend([fk.table, foreign.ref_table]);
    }
    let mut children: HashMap<Oid, Vec<Oid>> = HashMap::default();
    for (&child, &parent) in &snap.partition_parent {
        children.entry(parent).or_default().push(child);
    }
    let mut partitions: HashSet<Oid> = HashSet::default();
    let mut stack: Vec<Oid> = tables.iter().copied().collect();
    while let Some(parent) = stack.pop() {
        for &child in children.get(&parent).into_iter().flatten() {
            if partitions.insert(child) {
                stack.push(child);
            }
        }
    }
    let class = rows::catalog_read("pg_class", || {
        let expected = tables.len() + partitions.len();
        catalog::relations(
            snap,
            members,
            false,
            false,
            |rel| tables.contains(&rel) || partitions.contains(&rel),
            Some(expected),
        )
    });
    // as in full: constraints of the user relations read
    snap.constraints = fks
        .into_iter()
        .filter(|fk| snap.relations.contains_key(&fk.table))
        .collect();
    let wanted =
        |rel: Oid, attnum: i16| columns.contains(&(rel, attnum)) || partitions.contains(&rel);
    let with_options = rows::catalog_read("pg_attribute", || {
        catalog::attributes(snap, wanted, columns.len())
    });
    rows::catalog_read("pg_index", || {
        catalog::indexes(snap, &class.indexes, opclasses, &with_options, wanted)
    });
    Kept {
        frozen: class.frozen,
        reusable: true,
    }
}
