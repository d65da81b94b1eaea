//! `advisor_erd`: the schema as a Mermaid `erDiagram`. Tables (and materialized views)
//! with their columns or only their key columns, and one relationship per foreign key,
//! its cardinality from the constraints: the parent side is exactly one when every FK
//! column is NOT NULL, else zero or one; the child side is zero or one when the FK columns
//! are unique, else zero or more; identifying (solid) when they are part of the child's
//! primary key. Large schemas stay readable: `around` keeps the tables within `depth`
//! foreign keys of the ones named.

use super::model::{Column, Model, Relation};
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt::Write;

/// Which columns each entity lists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColumnsShown {
    All,
    /// Primary key, unique and foreign key columns.
    Keys,
    None,
}

impl ColumnsShown {
    pub const CHOICES: &'static [&'static str] = &["all", "keys", "none"];

    pub fn parse(text: &str) -> Option<ColumnsShown> {
        match text.trim().to_ascii_lowercase().as_str() {
            "all" => Some(ColumnsShown::All),
            "keys" => Some(ColumnsShown::Keys),
            "none" => Some(ColumnsShown::None),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub columns: ColumnsShown,
    /// Only the tables within `depth` foreign keys (either way) of these relations.
    pub around: Option<Vec<u32>>,
    pub depth: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            columns: ColumnsShown::All,
            around: None,
            depth: 1,
        }
    }
}

/// A word Mermaid reads as an attribute's type or name: letters, digits, `_` and `-`,
/// (and `[]()` for types), starting with a letter or `_`; whatever else is `_`.
fn word(text: &str, brackets: bool) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            let ok = c.is_ascii_alphanumeric()
                || c == '_'
                || c == '-'
                || (brackets && matches!(c, '[' | ']' | '(' | ')'));
            if ok {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Text inside a Mermaid string (`"..."`), which cannot hold a double quote.
fn text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// The entity's label: `schema.name` as written (a double quote shows as `'`).
fn label(r: &Relation) -> String {
    text(&format!("{}.{}", r.schema, r.name))
}

/// The relations drawn: tables and materialized views, all or those near `around`.
fn drawn<'m>(model: &'m Model, options: &Options) -> Vec<&'m Relation> {
    let entities: Vec<&Relation> = model
        .relations
        .iter()
        .filter(|r| r.is_table() || r.kind == "m")
        .collect();
    let Some(around) = &options.around else {
        return entities;
    };
    let by_name: HashMap<(&str, &str), &Relation> = entities
        .iter()
        .map(|r| ((r.schema.as_str(), r.name.as_str()), *r))
        .collect();
    let mut neighbours: HashMap<u32, Vec<u32>> = HashMap::new();
    for r in &entities {
        for fk in r.foreign_keys() {
            let key = (
                fk.ref_schema.as_deref().unwrap_or(""),
                fk.ref_table.as_deref().unwrap_or(""),
            );
            if let Some(p) = by_name.get(&key) {
                neighbours.entry(r.oid).or_default().push(p.oid);
                neighbours.entry(p.oid).or_default().push(r.oid);
            }
        }
    }
    let mut seen: HashSet<u32> = around.iter().copied().collect();
    let mut queue: VecDeque<(u32, usize)> = around.iter().map(|&o| (o, 0)).collect();
    while let Some((oid, d)) = queue.pop_front() {
        if d == options.depth {
            continue;
        }
        for &n in neighbours.get(&oid).into_iter().flatten() {
            if seen.insert(n) {
                queue.push_back((n, d + 1));
            }
        }
    }
    entities
        .into_iter()
        .filter(|r| seen.contains(&r.oid))
        .collect()
}

fn attribute(model_types: &HashMap<u32, &super::model::Type>, r: &Relation, c: &Column) -> String {
    let type_name = match model_types.get(&c.type_oid) {
        Some(t) if t.category == "A" && t.element != 0 => model_types
            .get(&t.element)
            .map_or("array".to_string(), |e| format!("{}[]", e.name)),
        Some(t) => t.name.clone(),
        None => "unknown".into(),
    };
    let pk = r.primary_key().is_some_and(|k| k.columns.contains(&c.name));
    let uk = r
        .constraints
        .iter()
        .any(|k| k.kind == "u" && k.columns.contains(&c.name));
    let fk = r.foreign_keys().any(|k| k.columns.contains(&c.name));
    let keys: Vec<&str> = [(pk, "PK"), (fk, "FK"), (uk && !pk, "UK")]
        .into_iter()
        .filter_map(|(on, k)| on.then_some(k))
        .collect();
    let name = word(&c.name, false);
    let mut comment = Vec::new();
    if name != c.name {
        comment.push(c.name.clone());
    }
    if !c.not_null && !pk {
        comment.push("null".into());
    }
    let mut line = format!("{} {name}", word(&type_name, true));
    if !keys.is_empty() {
        let _ = write!(line, " {}", keys.join(", "));
    }
    if !comment.is_empty() {
        let _ = write!(line, " \"{}\"", text(&comment.join(", ")));
    }
    line
}

/// The Mermaid source for `model`.
pub fn render(model: &Model, options: &Options) -> String {
    let relations = drawn(model, options);
    let ids: HashMap<(&str, &str), String> = relations
        .iter()
        .enumerate()
        .map(|(i, r)| ((r.schema.as_str(), r.name.as_str()), format!("t{}", i + 1)))
        .collect();
    let types = model.types_by_oid();
    let mut out = String::from("erDiagram\n");
    for r in &relations {
        let id = &ids[&(r.schema.as_str(), r.name.as_str())];
        let label = label(r);
        let shown: Vec<&Column> = r
            .columns
            .iter()
            .filter(|c| match options.columns {
                ColumnsShown::All => true,
                ColumnsShown::None => false,
                ColumnsShown::Keys => r.constraints.iter().any(|k| {
                    matches!(k.kind.as_str(), "p" | "u" | "f") && k.columns.contains(&c.name)
                }),
            })
            .collect();
        if shown.is_empty() {
            let _ = writeln!(out, "    {id}[\"{label}\"]");
            continue;
        }
        let _ = writeln!(out, "    {id}[\"{label}\"] {{");
        for c in shown {
            let _ = writeln!(out, "        {}", attribute(&types, r, c));
        }
        out.push_str("    }\n");
    }
    for r in &relations {
        let child = &ids[&(r.schema.as_str(), r.name.as_str())];
        for fk in r.foreign_keys() {
            let key = (
                fk.ref_schema.as_deref().unwrap_or(""),
                fk.ref_table.as_deref().unwrap_or(""),
            );
            let Some(parent) = ids.get(&key) else {
                continue; // a table not drawn
            };
            let required = fk
                .columns
                .iter()
                .all(|c| r.column(c).is_some_and(|c| c.not_null));
            let parent_end = if required { "||" } else { "|o" };
            let child_end = if r.is_unique(&fk.columns) { "o|" } else { "o{" };
            let identifying = r
                .primary_key()
                .is_some_and(|pk| fk.columns.iter().all(|c| pk.columns.contains(c)));
            let line = if identifying { "--" } else { ".." };
            let _ = writeln!(
                out,
                "    {parent} {parent_end}{line}{child_end} {child} : \"{}\"",
                text(&fk.name)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::{Constraint, Type};

    fn model() -> Model {
        let col = |name: &str, not_null: bool| Column {
            name: name.into(),
            type_oid: 20,
            not_null,
            ..Column::default()
        };
        let pk = |cols: &[&str]| Constraint {
            name: "pk".into(),
            kind: "p".into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            ..Constraint::default()
        };
        let fk = |name: &str, cols: &[&str], table: &str| Constraint {
            name: name.into(),
            kind: "f".into(),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            ref_schema: Some("app".into()),
            ref_table: Some(table.into()),
            ref_columns: vec!["id".into()],
            ..Constraint::default()
        };
        let table = |oid, name: &str, columns, constraints| Relation {
            oid,
            schema: "app".into(),
            name: name.into(),
            kind: "r".into(),
            columns,
            constraints,
            ..Relation::default()
        };
        let unique = Constraint {
            name: "uq".into(),
            kind: "u".into(),
            columns: vec!["user id".into()],
            ..Constraint::default()
        };
        Model {
            schemas: vec!["app".into()],
            types: vec![Type {
                oid: 20,
                schema: "pg_catalog".into(),
                name: "int8".into(),
                ..Type::default()
            }],
            relations: vec![
                table(1, "Users", vec![col("id", true)], vec![pk(&["id"])]),
                table(
                    2,
                    "profile \"x\"",
                    vec![col("user id", true), col("bio", false)],
                    vec![fk("profile_user", &["user id"], "Users"), unique],
                ),
                table(
                    3,
                    "lines",
                    vec![col("order", true), col("n", true), col("by", false)],
                    vec![
                        pk(&["order", "n"]),
                        fk("lines_order", &["order"], "orders"),
                        fk("lines_by", &["by"], "Users"),
                    ],
                ),
                table(4, "orders", vec![col("id", true)], vec![pk(&["id"])]),
                table(
                    5,
                    "far",
                    vec![col("id", true)],
                    vec![fk("far_order", &["id"], "orders")],
                ),
            ],
            functions: Vec::new(),
        }
    }

    #[test]
    fn entities_and_cardinalities() {
        let erd = render(&model(), &Options::default());
        for expected in [
            "erDiagram\n    t1[\"app.Users\"] {\n        int8 id PK\n    }\n",
            "    t2[\"app.profile 'x'\"] {\n        int8 user_id FK, UK \"user id\"\n        int8 bio \"null\"\n    }\n",
            "        int8 order PK, FK\n",
            // a unique FK: one to zero-or-one; NOT NULL: exactly one parent
            "    t1 ||..o| t2 : \"profile_user\"\n",
            // part of the primary key: identifying
            "    t4 ||--o{ t3 : \"lines_order\"\n",
            // nullable: zero or one parent
            "    t1 |o..o{ t3 : \"lines_by\"\n",
        ] {
            assert!(erd.contains(expected), "missing {expected:?} in\n{erd}");
        }
    }

    #[test]
    fn around_a_table_keys_only() {
        let options = Options {
            columns: ColumnsShown::Keys,
            around: Some(vec![1]),
            depth: 1,
        };
        let erd = render(&model(), &options);
        // Users and its neighbours (profile, lines), not orders or far
        assert_eq!(erd.matches("[\"").count(), 3, "{erd}");
        assert!(!erd.contains("orders") && !erd.contains("bio"), "{erd}");
        let deeper = Options {
            depth: 2,
            ..options
        };
        assert_eq!(render(&model(), &deeper).matches("[\"").count(), 4);
        assert_eq!(ColumnsShown::parse("KEYS"), Some(ColumnsShown::Keys));
    }
}
