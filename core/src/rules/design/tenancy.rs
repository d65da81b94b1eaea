//! Multi-tenant design. `tenant_column_missing`: in a schema where most tables carry the
//! tenant column (`database_advisor.tenant_column`), a table without it whose rows belong
//! to a tenant through its foreign keys. Its rows can only be isolated by joining to the
//! parent (a per-row subquery in every policy), and a bug in that join leaks them.
//! `tenant_index_not_leading`: an index of a table whose policies filter by the tenant
//! column that is not led by it.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::meta;
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Constraint, ConstraintKind, Oid, Parts, RelKind, Relation, Snapshot};
use serde_json::json;
use std::collections::{HashMap, HashSet, VecDeque};

pub const TENANT_COLUMN_MISSING: Rule = Rule {
    id: "tenant_column_missing",
    category: Category::Design,
    default_level: Level::Warning,
    description: "Table without the tenant column in a schema where most tables have it, \
                  whose rows belong to a tenant through its foreign keys",
    check: tenant_column_missing,
    parts: Parts::RELATIONS
        .union(Parts::ATTRIBUTES)
        .union(Parts::CONSTRAINTS),
};

/// A schema is multi-tenant when at least this many of its tables, and at least half,
/// have the tenant column.
const MIN_TENANT_TABLES: usize = 2;
/// Foreign keys followed from a table to find its tenant.
const MAX_HOPS: usize = 3;

fn tenant_column_missing(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let column = &config.tenant_column;
    let tables: Vec<&Relation> = snap
        .relations
        .values()
        .filter(|r| {
            matches!(r.kind, RelKind::Table | RelKind::PartitionedTable)
                && !r.is_partition
                && !r.extension_member
                && snap.in_scope(r, config)
        })
        .collect();
    let has_tenant = |oid: Oid| snap.attnum(oid, column).is_some();
    let mut per_schema: HashMap<Oid, (usize, usize)> = HashMap::new();
    for t in &tables {
        let e = per_schema.entry(t.namespace).or_default();
        e.0 += 1;
        e.1 += usize::from(has_tenant(t.oid));
    }
    let fks: HashMap<Oid, Vec<&Constraint>> = snap
        .constraints
        .iter()
        .filter(|c| c.kind == ConstraintKind::ForeignKey && c.parent == 0)
        .fold(HashMap::new(), |mut m, c| {
            m.entry(c.table).or_default().push(c);
            m
        });
    let mut out = Vec::new();
    for t in tables {
        let (all, with) = per_schema[&t.namespace];
        if has_tenant(t.oid) || with < MIN_TENANT_TABLES || with * 2 < all {
            continue;
        }
        let Some(path) = path_to_tenant(t.oid, &fks, &has_tenant) else {
            continue;
        };
        out.push(finding(snap, config, t, &path));
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

/// The shortest chain of foreign keys from `table` to a table with the tenant column.
fn path_to_tenant<'c>(
    table: Oid,
    fks: &HashMap<Oid, Vec<&'c Constraint>>,
    has_tenant: &dyn Fn(Oid) -> bool,
) -> Option<Vec<&'c Constraint>> {
    let mut seen = HashSet::from([table]);
    let mut queue = VecDeque::from([(table, Vec::new())]);
    while let Some((at, path)) = queue.pop_front() {
        if path.len() >= MAX_HOPS {
            continue;
        }
        for fk in fks.get(&at).into_iter().flatten() {
            let target = fk.foreign.as_ref().expect("a foreign key").ref_table;
            let mut next: Vec<&Constraint> = path.clone();
            next.push(fk);
            if has_tenant(target) {
                return Some(next);
            }
            if seen.insert(target) {
                queue.push_back((target, next));
            }
        }
    }
    None
}

fn finding(snap: &Snapshot, config: &Config, t: &Relation, path: &[&Constraint]) -> Finding {
    let id = snap.rel_identity(t.oid);
    let column = quote::ident(&config.tenant_column);
    let owner = path
        .last()
        .expect("a path")
        .foreign
        .as_ref()
        .expect("a foreign key")
        .ref_table;
    let parent = snap.rel_identity(owner);
    let chain: Vec<String> = path
        .iter()
        .map(|fk| {
            format!(
                "{} ({})",
                snap.rel_identity(fk.foreign.as_ref().expect("a foreign key").ref_table),
                quote::ident(&fk.name)
            )
        })
        .collect();
    // one hop: add the column and fill it from the parent through the foreign key
    let remediation = (path.len() == 1).then(|| {
        let fk = path[0];
        let f = fk.foreign.as_ref().expect("a foreign key");
        let type_sql = snap
            .attnum(owner, &config.tenant_column)
            .and_then(|a| snap.attributes.get(&(owner, a)))
            .map_or_else(|| "text".to_string(), |a| a.type_sql());
        let on: Vec<String> = fk
            .columns
            .iter()
            .zip(&f.ref_columns)
            .map(|(&c, &r)| {
                format!(
                    "p.{} = t.{}",
                    quote::ident(snap.column_name(owner, r).unwrap_or("?")),
                    quote::ident(snap.column_name(t.oid, c).unwrap_or("?"))
                )
            })
            .collect();
        format!(
            "ALTER TABLE {id} ADD COLUMN {column} {type_sql};\n\
             UPDATE {id} AS t SET {column} = p.{column} FROM {parent} AS p WHERE {};",
            on.join(" AND ")
        )
    });
    TENANT_COLUMN_MISSING.finding(
        Level::Warning,
        "table",
        id.to_string(),
        None,
        format!(
            "Most tables of schema {} have the tenant column {column}, but {id} does not: its \
             rows belong to a tenant through {}. Without the column, isolating them takes a \
             join to the parent in every policy and every query (a per-row subquery), and \
             one wrong join leaks another tenant's rows; with it, the same policy as the \
             other tables applies. {}",
            quote::ident(
                snap.namespaces
                    .get(&t.namespace)
                    .map_or("?", |n| n.name.as_str())
            ),
            chain.join(" → "),
            if remediation.is_some() {
                "The remediation adds it and fills it from the parent (on a large table, fill \
                 it in batches); then make it NOT NULL, index it, and protect the table as \
                 its parent is."
            } else {
                "Add it to the tables of the chain nearest the tenant first: each then gets \
                 this finding's one-step fix."
            }
        ),
        remediation,
        json!({ "table": id, "tenant_table": parent, "path": chain }),
    )
}

pub const TENANT_INDEX_NOT_LEADING: Rule = Rule {
    id: "tenant_index_not_leading",
    category: Category::Design,
    default_level: Level::Info,
    description: "Index of a tenant table whose policies filter by the tenant column, not \
                  led by that column: each tenant's queries read every tenant's entries",
    check: tenant_index_not_leading,
    parts: crate::rules::indexes::PARTS,
};

/// A key column as an index definition writes it, with its sort options.
fn key_sql(snap: &Snapshot, table: Oid, attnum: i16, option: i16) -> String {
    let name = quote::ident(snap.column_name(table, attnum).unwrap_or("?"));
    let (desc, nulls_first) = (option & 1 != 0, option & 2 != 0);
    match (desc, nulls_first) {
        (false, false) => name,
        (false, true) => format!("{name} NULLS FIRST"),
        (true, true) => format!("{name} DESC"),
        (true, false) => format!("{name} DESC NULLS LAST"),
    }
}

fn tenant_index_not_leading(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let protections = crate::rules::indexes::Protections::of(snap);
    let mut out = Vec::new();
    for ix in &snap.indexes {
        let Some((_, table)) = crate::rules::indexes::candidate(snap, config, ix) else {
            continue;
        };
        let Some(tenant) = snap.attnum(table.oid, &config.tenant_column) else {
            continue;
        };
        let keys = ix.key_columns();
        let plain = &*ix.am == "btree"
            && !ix.unique
            && !ix.partial
            && !ix.exclusion
            && keys.iter().all(|&a| a > 0)
            && ix.include_columns().iter().all(|&a| a > 0);
        if !plain || keys.first() == Some(&tenant) || protections.is_protected(ix.oid) {
            continue;
        }
        let filtered: Vec<String> = snap
            .policies_on(table.oid)
            .filter(|p| p.columns.contains(&tenant))
            .map(|p| quote::ident(&p.name))
            .collect();
        if filtered.is_empty() {
            continue;
        }
        let t = snap.rel_identity(table.oid);
        let i = snap.rel_identity(ix.oid);
        let option = |pos: usize| ix.options.get(pos).copied().unwrap_or(0);
        let mut new_keys = vec![quote::ident(&config.tenant_column)];
        let mut names = vec![config.tenant_column.clone()];
        for (pos, &a) in keys.iter().enumerate() {
            if a != tenant {
                new_keys.push(key_sql(snap, table.oid, a, option(pos)));
                names.push(snap.column_name(table.oid, a).unwrap_or("?").to_string());
            }
        }
        let include: Vec<String> = ix
            .include_columns()
            .iter()
            .map(|&a| quote::ident(snap.column_name(table.oid, a).unwrap_or("?")))
            .collect();
        let name = crate::rules::indexes::choose_index_name(
            table.namespace,
            &table.name,
            &names,
            |ns, n| snap.relation_name_taken(ns, n),
        );
        let partitioned = crate::rules::indexes::is_partitioned_index(snap, ix);
        let create = format!(
            "CREATE INDEX {}IF NOT EXISTS {} ON {t} ({}){};",
            if partitioned { "" } else { "CONCURRENTLY " },
            quote::ident(&name),
            new_keys.join(", "),
            if include.is_empty() {
                String::new()
            } else {
                format!(" INCLUDE ({})", include.join(", "))
            }
        );
        out.push(
            TENANT_INDEX_NOT_LEADING
                .finding(
                    Level::Info,
                    "index",
                    i.to_string(),
                    None,
                    format!(
                        "Index {i} on {t} does not start with the tenant column {}, which the \
                 policies {} filter every query by: a tenant's query reads the entries of \
                 every tenant and filters them row by row, and the index grows with all \
                 tenants' data. Led by the tenant column, it reads only that tenant's part. \
                 The remediation builds ({}) with the default operator classes (copy any \
                 other from the old index's definition) and drops the old one.",
                        quote::ident(&config.tenant_column),
                        filtered.join(", "),
                        new_keys.join(", "),
                    ),
                    Some(format!(
                        "{create}\n{}",
                        crate::rules::indexes::drop_statement(snap, ix)
                    )),
                    serde_json::Value::Null,
                )
                .with_meta(
                    config,
                    meta!({ "index": &i, "table": &t, "policies": &filtered, "suggested": &name }),
                ),
        );
    }
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    fn saas() -> SnapshotBuilder {
        let mut b = SnapshotBuilder::new();
        let orders = b.table("app", "Orders", &["id", "tenant_id"]);
        b.attribute_mut(orders, "tenant_id").type_name = "int8".into();
        b.table("app", "customers", &["id", "tenant_id"]);
        b.table("app", "invoices", &["id", "tenant_id"]);
        let lines = b.table("app", "order lines", &["id", "order_id"]);
        let notes = b.table("app", "notes", &["id", "line_id"]);
        b.table("app", "countries", &["code"]);
        b.foreign_key("lines_order", lines, &["order_id"], orders, &["id"]);
        b.foreign_key("notes_line", notes, &["line_id"], lines, &["id"]);
        b
    }

    #[test]
    fn tables_that_belong_to_a_tenant_through_foreign_keys() {
        let f = tenant_column_missing(&saas().build(), &Config::default());
        let got: Vec<(&str, bool)> = f
            .iter()
            .map(|f| (f.object_identity.as_str(), f.remediation.is_some()))
            .collect();
        // the lookup table references no tenant's table: shared data, not reported
        assert_eq!(got, [("app.\"order lines\"", true), ("app.notes", false)]);
        assert_eq!(
            f[0].remediation.as_deref(),
            Some(
                "ALTER TABLE app.\"order lines\" ADD COLUMN tenant_id bigint;\n\
                 UPDATE app.\"order lines\" AS t SET tenant_id = p.tenant_id FROM app.\"Orders\" AS p WHERE p.id = t.order_id;"
            )
        );
        let chain = "app.\"order lines\" (notes_line) → app.\"Orders\" (lines_order)";
        assert!(f[1].detail.contains(chain), "{}", f[1].detail);
    }

    #[test]
    fn not_in_a_schema_that_is_not_multi_tenant() {
        let mut b = saas();
        for i in 0..4 {
            b.table("app", &format!("other {i}"), &["id"]);
        }
        assert!(tenant_column_missing(&b.build(), &Config::default()).is_empty());
    }

    #[test]
    fn indexes_not_led_by_the_tenant_column() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "Tasks", &["id", "tenant_id", "status", "due"]);
        let other = b.table("app", "plain", &["id", "tenant_id", "status"]);
        b.primary_key(t, &["id"]);
        b.index(t, &["status", "due"]).options = vec![0, 1];
        b.index(t, &["tenant_id", "status"]);
        b.index(other, &["status"]);
        b.policy(
            t,
            "tenant isolation",
            '*',
            Some("(tenant_id = 1)"),
            None,
            &["tenant_id"],
        );
        let snap = b.build();
        let f = tenant_index_not_leading(&snap, &Config::default());
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].remediation.as_deref(),
            Some(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Tasks_tenant_id_status_due_idx\" ON app.\"Tasks\" (tenant_id, status, due DESC NULLS LAST);\n\
                 DROP INDEX CONCURRENTLY IF EXISTS app.\"Tasks_status_due_idx\";"
            )
        );
    }
}
