//! `identifier_needs_quoting` (off by default): schemas, tables, views and columns whose
//! names must be double-quoted in every statement (upper case, spaces, punctuation, a
//! leading digit, a reserved word). Remediation: a rename to the name unquoted SQL would
//! have written (snake case), free in its schema or table.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{is_system_schema, Oid, Parts, RelKind, Relation, Snapshot};
use serde_json::json;
use std::collections::{HashMap, HashSet};

pub const IDENTIFIER_NEEDS_QUOTING: Rule = Rule {
    id: "identifier_needs_quoting",
    category: Category::Design,
    default_level: Level::Info,
    description: "Off by default. Schema, table, view or column whose name must be \
                  double-quoted in every statement (upper case, spaces, a reserved word)",
    check: identifier_needs_quoting,
    parts: Parts::RELATIONS.union(Parts::ATTRIBUTES),
};

/// Whether `name` must be double-quoted to be read as written: ASCII upper case (folded
/// to lower case unquoted), a character that is not a letter, digit, `_` or `$`, a
/// leading digit or `$`, or a keyword PostgreSQL reserves (as `quote_ident` has them).
/// Letters beyond ASCII are read as written unquoted.
pub fn needs_quotes(name: &str) -> bool {
    let bad_char =
        |c: char| c.is_ascii_uppercase() || !(c.is_alphanumeric() || c == '_' || c == '$');
    let bad_start = name
        .chars()
        .next()
        .is_none_or(|c| c.is_ascii_digit() || c == '$');
    bad_start || name.chars().any(bad_char) || quote::is_quoted_keyword(name)
}

/// The name unquoted SQL would use: snake case (`OrderItems` → `order_items`, `Order
/// Lines` → `order_lines`), other characters as `_`, a `_` before a leading digit, a `_`
/// after a reserved word; `taken` names get `_2`, `_3`...
pub fn plain_name(name: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let trimmed = out.trim_matches('_');
    let mut base = if trimmed.is_empty() {
        "unnamed".to_string()
    } else {
        trimmed.to_string()
    };
    if base.starts_with(|c: char| c.is_ascii_digit() || c == '$') {
        base.insert(0, '_');
    }
    if needs_quotes(&base) {
        base.push('_');
    }
    let base = quote::object_name(&base, "");
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| quote::object_name(&base, &format!("_{n}")))
        .find(|c| !taken(c))
        .unwrap_or(base)
}

fn kind_words(kind: RelKind) -> Option<(&'static str, &'static str)> {
    match kind {
        RelKind::Table | RelKind::PartitionedTable => Some(("table", "TABLE")),
        RelKind::View => Some(("view", "VIEW")),
        RelKind::MaterializedView => Some(("materialized view", "MATERIALIZED VIEW")),
        _ => None,
    }
}

fn finding(
    object_type: &'static str,
    identity: String,
    name: &str,
    new_name: &str,
    rename: String,
) -> Finding {
    IDENTIFIER_NEEDS_QUOTING.finding(
        Level::Info,
        object_type,
        identity.clone(),
        None,
        format!(
            "The {object_type} {identity} must be written {} in every statement: unquoted, \
             {} reads as another name (or not at all), so each query, ORM mapping and tool \
             has to quote it. Renaming it to {new_name} frees them; the rename breaks the \
             code that names it (views and foreign keys follow it, function bodies and \
             the application do not), so do it with a migration of that code.",
            quote::ident(name),
            name,
        ),
        Some(rename),
        json!({ "name": name, "suggested": new_name }),
    )
}

fn identifier_needs_quoting(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    let schemas: HashSet<&str> = snap.namespaces.values().map(|n| n.name.as_str()).collect();
    for ns in snap.namespaces.values() {
        if is_system_schema(&ns.name)
            || config.is_schema_excluded(&ns.name)
            || !needs_quotes(&ns.name)
        {
            continue;
        }
        let new = plain_name(&ns.name, |n| schemas.contains(n));
        out.push(finding(
            "schema",
            quote::ident(&ns.name),
            &ns.name,
            &new,
            format!("ALTER SCHEMA {} RENAME TO {new};", quote::ident(&ns.name)),
        ));
    }
    let relations: HashMap<Oid, (&Relation, &str)> = snap
        .relations
        .values()
        .filter(|r| !r.is_partition && snap.in_scope(r, config))
        .filter_map(|r| Some((r.oid, (r, kind_words(r.kind)?.1))))
        .collect();
    for &(rel, keyword) in relations.values() {
        if !needs_quotes(&rel.name) {
            continue;
        }
        let identity = snap.rel_identity(rel.oid);
        let new = plain_name(&rel.name, |n| snap.relation_name_taken(rel.namespace, n));
        out.push(finding(
            kind_words(rel.kind).map_or("table", |k| k.0),
            identity.to_string(),
            &rel.name,
            &new,
            format!("ALTER {keyword} {identity} RENAME TO {new};"),
        ));
    }
    for (&(oid, _), a) in &snap.attributes {
        let Some(&(rel, keyword)) = relations.get(&oid) else {
            continue;
        };
        if !needs_quotes(&a.name) {
            continue;
        }
        let identity = snap.rel_identity(rel.oid);
        let new = plain_name(&a.name, |n| snap.attnum(rel.oid, n).is_some());
        out.push(finding(
            "column",
            format!("{identity}.{}", quote::ident(&a.name)),
            &a.name,
            &new,
            format!(
                "ALTER {keyword} {identity} RENAME COLUMN {} TO {new};",
                quote::ident(&a.name)
            ),
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
    fn names_that_need_quotes() {
        for name in [
            "Orders",
            "order lines",
            "select",
            "user",
            "1st",
            "a-b",
            "$x",
            "",
        ] {
            assert!(needs_quotes(name), "{name}");
        }
        for name in [
            "orders",
            "order_lines",
            "café",
            "δέλτα",
            "x$1",
            "_tmp",
            "name",
        ] {
            assert!(!needs_quotes(name), "{name}");
        }
    }

    #[test]
    fn plain_names() {
        let free = |_: &str| false;
        assert_eq!(plain_name("OrderItems", free), "order_items");
        assert_eq!(plain_name("Order Lines", free), "order_lines");
        assert_eq!(plain_name("select", free), "select_");
        assert_eq!(plain_name("2024 Sales!", free), "_2024_sales");
        assert_eq!(plain_name("Δ \"x\"", free), "Δ_x");
        assert_eq!(plain_name("???", free), "unnamed");
        assert_eq!(plain_name("Orders", |n| n == "orders"), "orders_2");
    }

    #[test]
    fn every_kind_of_name() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("Sales Δ", "OrderItems", &["id", "Unit Price", "order"]);
        b.table("Sales Δ", "order_items", &["id"]);
        b.view("Sales Δ", "ok_view", &["Total"], &[t]);
        b.table("public", "fine", &["id", "name"]);
        let f = identifier_needs_quoting(&b.build(), &Config::default());
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.object_type, f.remediation.as_deref().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("schema", "ALTER SCHEMA \"Sales Δ\" RENAME TO sales_Δ;"),
                (
                    "table",
                    "ALTER TABLE \"Sales Δ\".\"OrderItems\" RENAME TO order_items_2;"
                ),
                (
                    "column",
                    "ALTER TABLE \"Sales Δ\".\"OrderItems\" RENAME COLUMN \"Unit Price\" TO \
                     unit_price;"
                ),
                (
                    "column",
                    "ALTER TABLE \"Sales Δ\".\"OrderItems\" RENAME COLUMN \"order\" TO order_;"
                ),
                (
                    "column",
                    "ALTER VIEW \"Sales Δ\".ok_view RENAME COLUMN \"Total\" TO total;"
                ),
            ]
        );
    }
}
