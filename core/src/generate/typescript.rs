//! `advisor_typescript_types`: the schema as TypeScript, in the shape supabase-js and
//! postgres-meta use (`Database[schema]` with `Tables` — `Row`, `Insert`, `Update`,
//! `Relationships` —, `Views`, `Functions`, `Enums`, `CompositeTypes`), then a plain
//! `export type` per table row, view row and enum for other stacks.

use super::model::{Function, Model, Relation, Type};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

/// How `bigint` and `numeric` values arrive in the application.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NumberStyle {
    /// JSON numbers (PostgREST and supabase-js, which may lose precision past 2^53).
    Number,
    /// Strings (node-postgres and most drivers, for exactness).
    String,
    /// JavaScript `bigint` (drivers configured to parse int8 so); `bigint` only.
    BigInt,
}

impl NumberStyle {
    pub const CHOICES: &'static [&'static str] = &["number", "string", "bigint"];

    pub fn parse(text: &str) -> Option<NumberStyle> {
        match text.trim().to_ascii_lowercase().as_str() {
            "number" => Some(NumberStyle::Number),
            "string" => Some(NumberStyle::String),
            "bigint" => Some(NumberStyle::BigInt),
            _ => None,
        }
    }

    fn ts(self) -> &'static str {
        match self {
            NumberStyle::Number => "number",
            NumberStyle::String => "string",
            NumberStyle::BigInt => "bigint",
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub bigint: NumberStyle,
    pub numeric: NumberStyle,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            bigint: NumberStyle::Number,
            numeric: NumberStyle::Number,
        }
    }
}

/// A property key: bare when it is an identifier, else a string literal.
pub fn key(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_string()
    } else {
        literal(name)
    }
}

/// A string literal (JSON's escaping is TypeScript's).
pub fn literal(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// An enum's labels as a union of string literals (`never` when it has none).
fn labels_union(t: &Type) -> String {
    let labels = t.labels.as_deref().unwrap_or_default();
    if labels.is_empty() {
        return "never".into();
    }
    labels
        .iter()
        .map(|l| literal(l))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A JSDoc comment, indented, or nothing.
fn jsdoc(comment: Option<&str>, indent: &str) -> String {
    let Some(text) = comment.map(str::trim).filter(|c| !c.is_empty()) else {
        return String::new();
    };
    let text = text.replace("*/", "*\\/");
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0]);
    }
    let mut out = format!("{indent}/**\n");
    for l in lines {
        let _ = writeln!(out, "{indent} * {}", l.trim_end());
    }
    let _ = writeln!(out, "{indent} */");
    out
}

struct Ctx<'m> {
    model: &'m Model,
    types: HashMap<u32, &'m Type>,
    relations: HashMap<u32, &'m Relation>,
    schemas: HashSet<&'m str>,
    options: Options,
}

impl Ctx<'_> {
    fn path(&self, schema: &str, section: &str, name: &str) -> String {
        format!(
            "Database[{}][{}][{}]",
            literal(schema),
            literal(section),
            literal(name)
        )
    }

    /// The TypeScript type of values of PostgreSQL type `oid`.
    fn ts(&self, oid: u32) -> String {
        self.ts_depth(oid, 0)
    }

    fn ts_depth(&self, oid: u32, depth: usize) -> String {
        let Some(t) = self.types.get(&oid) else {
            return "unknown".into();
        };
        if depth > 16 {
            return "unknown".into();
        }
        match t.kind.as_str() {
            "d" => return self.ts_depth(t.base, depth + 1),
            "e" if self.schemas.contains(t.schema.as_str()) => {
                return self.path(&t.schema, "Enums", &t.name)
            }
            "e" => return labels_union(t),
            "c" => {
                if let Some(r) = self.relations.get(&t.relation) {
                    let section = if r.is_table() { "Tables" } else { "Views" };
                    return format!("{}[\"Row\"]", self.path(&r.schema, section, &r.name));
                }
                if self.schemas.contains(t.schema.as_str()) && t.fields.is_some() {
                    return self.path(&t.schema, "CompositeTypes", &t.name);
                }
                return "Record<string, unknown>".into();
            }
            _ => {}
        }
        if t.category == "A" && t.element != 0 {
            let inner = self.ts_depth(t.element, depth + 1);
            return if inner.contains(' ') {
                format!("({inner})[]")
            } else {
                format!("{inner}[]")
            };
        }
        if t.schema == "pg_catalog" {
            match t.name.as_str() {
                "bool" => return "boolean".into(),
                "int2" | "int4" | "float4" | "float8" | "oid" | "xid" | "cid" => {
                    return "number".into()
                }
                "int8" => return self.options.bigint.ts().into(),
                "numeric" => return self.options.numeric.ts().into(),
                "json" | "jsonb" => return "Json".into(),
                "void" => return "undefined".into(),
                "record" => return "Record<string, unknown>".into(),
                _ => {}
            }
        }
        match t.category.as_str() {
            // strings, dates, times, intervals, network, bit strings, geometry, uuid and
            // the like, ranges: text in JSON and in drivers
            "S" | "D" | "T" | "I" | "V" | "G" | "U" | "R" => "string".into(),
            "B" => "boolean".into(),
            "N" => "number".into(),
            _ if matches!(t.kind.as_str(), "r" | "m") => "string".into(),
            _ => "unknown".into(),
        }
    }

    /// Whether a function can be called through the API: no pseudo-type argument or
    /// result (trigger, internal, polymorphic) but `void` and `record`, named inputs.
    fn callable(&self, f: &Function) -> bool {
        let plain = |oid: u32| {
            self.types
                .get(&oid)
                .is_some_and(|t| t.kind != "p" || matches!(t.name.as_str(), "void" | "record"))
        };
        plain(f.returns)
            && f.args.iter().all(|a| plain(a.type_oid))
            && f.args
                .iter()
                .filter(|a| a.is_input())
                .all(|a| a.name.as_deref().is_some_and(|n| !n.is_empty()))
    }
}

/// A column's type: an array declared with several dimensions (`int[][]`) nests.
fn column_ts(ctx: &Ctx, c: &super::model::Column) -> String {
    let ts = ctx.ts(c.type_oid);
    if c.dims > 1 && ts.ends_with("[]") {
        ts + &"[]".repeat(c.dims as usize - 1)
    } else {
        ts
    }
}

fn nullable(ts: String, not_null: bool) -> String {
    if not_null {
        ts
    } else {
        format!("{ts} | null")
    }
}

fn relationships(r: &Relation, out: &mut String) {
    let fks: Vec<_> = r.foreign_keys().collect();
    if fks.is_empty() {
        out.push_str("        Relationships: []\n");
        return;
    }
    out.push_str("        Relationships: [\n");
    for fk in fks {
        let list = |cols: &[String]| {
            cols.iter()
                .map(|c| literal(c))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = write!(
            out,
            "          {{\n            foreignKeyName: {}\n            columns: [{}]\n            \
             isOneToOne: {}\n            referencedRelation: {}\n            \
             referencedColumns: [{}]\n          }},\n",
            literal(&fk.name),
            list(&fk.columns),
            r.is_unique(&fk.columns),
            literal(fk.ref_table.as_deref().unwrap_or("")),
            list(&fk.ref_columns),
        );
    }
    out.push_str("        ]\n");
}

fn table(ctx: &Ctx, r: &Relation, out: &mut String) {
    let mut columns: Vec<_> = r.columns.iter().collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    out.push_str(&jsdoc(r.comment.as_deref(), "      "));
    let _ = writeln!(out, "      {}: {{", key(&r.name));
    out.push_str("        Row: {\n");
    for c in &columns {
        out.push_str(&jsdoc(c.comment.as_deref(), "          "));
        let _ = writeln!(
            out,
            "          {}: {}",
            key(&c.name),
            nullable(column_ts(ctx, c), c.not_null)
        );
    }
    out.push_str("        }\n");
    let view = !r.is_table();
    let insertable = !view || r.updatable & 8 != 0;
    let updatable = !view || r.updatable & 4 != 0;
    for (section, wanted) in [("Insert", insertable), ("Update", updatable)] {
        if !wanted {
            continue;
        }
        let _ = writeln!(out, "        {section}: {{");
        for c in &columns {
            let ts = nullable(column_ts(ctx, c), c.not_null);
            let always = c.identity == "a" || c.generated == "s";
            let optional = section == "Update"
                || !c.not_null
                || c.default.is_some()
                || c.identity == "d"
                || view;
            let line = if always {
                format!("{}?: never", key(&c.name))
            } else if optional {
                format!("{}?: {ts}", key(&c.name))
            } else {
                format!("{}: {ts}", key(&c.name))
            };
            let _ = writeln!(out, "          {line}");
        }
        out.push_str("        }\n");
    }
    relationships(r, out);
    out.push_str("      }\n");
}

fn function_signature(ctx: &Ctx, f: &Function) -> String {
    let inputs: Vec<_> = f.args.iter().filter(|a| a.is_input()).collect();
    let first_default = inputs.len().saturating_sub(f.defaults);
    let args = if inputs.is_empty() {
        "Record<PropertyKey, never>".to_string()
    } else {
        let fields: Vec<String> = inputs
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let opt = if i >= first_default { "?" } else { "" };
                format!(
                    "{}{opt}: {}",
                    key(a.name.as_deref().unwrap_or("")),
                    ctx.ts(a.type_oid)
                )
            })
            .collect();
        format!("{{ {} }}", fields.join("; "))
    };
    let outputs: Vec<_> = f.args.iter().filter(|a| a.is_output()).collect();
    let one = if outputs.len() > 1 || outputs.iter().any(|a| a.mode == "t") {
        let fields: Vec<String> = outputs
            .iter()
            .map(|a| {
                format!(
                    "{}: {}",
                    key(a.name.as_deref().unwrap_or("")),
                    nullable(ctx.ts(a.type_oid), false)
                )
            })
            .collect();
        format!("{{ {} }}", fields.join("; "))
    } else if let [single] = outputs.as_slice() {
        ctx.ts(single.type_oid)
    } else {
        ctx.ts(f.returns)
    };
    let returns = if f.retset {
        if one.contains(' ') && !one.starts_with('{') && !one.starts_with("Database[") {
            format!("({one})[]")
        } else {
            format!("{one}[]")
        }
    } else {
        one
    };
    format!("{{ Args: {args}; Returns: {returns} }}")
}

/// One section of a schema (`Tables`, `Enums`...): its entries, or `[_ in never]: never`
/// when it has none (as postgres-meta writes an empty section).
fn section<T>(out: &mut String, name: &str, items: Vec<T>, mut entry: impl FnMut(&mut String, T)) {
    if items.is_empty() {
        let _ = writeln!(out, "    {name}: {{\n      [_ in never]: never\n    }}");
        return;
    }
    let _ = writeln!(out, "    {name}: {{");
    for item in items {
        entry(out, item);
    }
    out.push_str("    }\n");
}

fn schema(ctx: &Ctx, name: &str, out: &mut String) {
    let rels: Vec<&Relation> = ctx
        .model
        .relations
        .iter()
        .filter(|r| r.schema == name)
        .collect();
    let _ = writeln!(out, "  {}: {{", key(name));
    for (title, tables) in [("Tables", true), ("Views", false)] {
        let list: Vec<&Relation> = rels
            .iter()
            .copied()
            .filter(|r| r.is_table() == tables)
            .collect();
        section(out, title, list, |out, r| table(ctx, r, out));
    }
    let mut functions: BTreeMap<&str, Vec<&Function>> = BTreeMap::new();
    for f in ctx
        .model
        .functions
        .iter()
        .filter(|f| f.schema == name && ctx.callable(f))
    {
        functions.entry(f.name.as_str()).or_default().push(f);
    }
    section(
        out,
        "Functions",
        functions.into_iter().collect(),
        |out, (fname, overloads)| {
            out.push_str(&jsdoc(overloads[0].comment.as_deref(), "      "));
            let sigs: Vec<String> = overloads
                .iter()
                .map(|f| function_signature(ctx, f))
                .collect();
            let _ = writeln!(out, "      {}: {}", key(fname), sigs.join(" | "));
        },
    );
    let of_kind = |kind: &str| {
        let mut types: Vec<&Type> = ctx
            .model
            .types
            .iter()
            .filter(|t| t.schema == name && t.kind == kind && (kind != "c" || t.fields.is_some()))
            .collect();
        types.sort_by(|a, b| a.name.cmp(&b.name));
        types
    };
    section(out, "Enums", of_kind("e"), |out, t| {
        out.push_str(&jsdoc(t.comment.as_deref(), "      "));
        let _ = writeln!(out, "      {}: {}", key(&t.name), labels_union(t));
    });
    section(out, "CompositeTypes", of_kind("c"), |out, t| {
        out.push_str(&jsdoc(t.comment.as_deref(), "      "));
        let _ = writeln!(out, "      {}: {{", key(&t.name));
        for f in t.fields.as_deref().unwrap_or_default() {
            let _ = writeln!(
                out,
                "        {}: {}",
                key(&f.name),
                nullable(ctx.ts(f.type_oid), false)
            );
        }
        out.push_str("      }\n");
    });
    out.push_str("  }\n");
}

/// `OrderItems` for `order_items`, `AppOrderItems` outside `public`: a type name for the
/// plain aliases, unique among `taken`.
fn alias_name(schema: &str, name: &str, taken: &mut HashSet<String>) -> String {
    let pascal = |s: &str| -> String {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|p| !p.is_empty())
            .map(|p| {
                let mut cs = p.chars();
                let first = cs.next().map(|c| c.to_uppercase().collect::<String>());
                first.unwrap_or_default() + cs.as_str()
            })
            .collect()
    };
    let mut base = if schema == "public" {
        pascal(name)
    } else {
        pascal(schema) + &pascal(name)
    };
    if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
        base.insert(0, 'T');
    }
    let mut candidate = base.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{base}{n}");
        n += 1;
    }
    candidate
}

/// The TypeScript source for `model`.
pub fn render(model: &Model, options: Options) -> String {
    let ctx = Ctx {
        model,
        types: model.types_by_oid(),
        relations: model.relations_by_oid(),
        schemas: model.schemas.iter().map(String::as_str).collect(),
        options,
    };
    let mut out = String::from(
        "// Generated by database_advisor: SELECT advisor_typescript_types();\n\
         // Do not edit: generate again after each migration.\n\n\
         export type Json =\n  | string\n  | number\n  | boolean\n  | null\n  \
         | { [key: string]: Json | undefined }\n  | Json[]\n\n\
         export type Database = {\n",
    );
    for s in &model.schemas {
        schema(&ctx, s, &mut out);
    }
    out.push_str("}\n");
    let mut taken: HashSet<String> = ["Database", "Json"].map(String::from).into();
    let mut aliases = String::new();
    for r in &model.relations {
        let section = if r.is_table() { "Tables" } else { "Views" };
        let base = ctx.path(&r.schema, section, &r.name);
        let name = alias_name(&r.schema, &r.name, &mut taken);
        let _ = writeln!(aliases, "export type {name} = {base}[\"Row\"]");
        if r.is_table() {
            for part in ["Insert", "Update"] {
                let n = alias_name(&r.schema, &format!("{} {part}", r.name), &mut taken);
                let _ = writeln!(aliases, "export type {n} = {base}[\"{part}\"]");
            }
        }
    }
    for t in model
        .types
        .iter()
        .filter(|t| t.kind == "e" && ctx.schemas.contains(t.schema.as_str()))
    {
        let name = alias_name(&t.schema, &t.name, &mut taken);
        let _ = writeln!(
            aliases,
            "export type {name} = {}",
            ctx.path(&t.schema, "Enums", &t.name)
        );
    }
    if !aliases.is_empty() {
        out.push('\n');
        out.push_str(&aliases);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::model::{Argument, Column, Constraint, Field};

    fn ty(oid: u32, schema: &str, name: &str, kind: &str, category: &str) -> Type {
        Type {
            oid,
            schema: schema.into(),
            name: name.into(),
            kind: kind.into(),
            category: category.into(),
            ..Type::default()
        }
    }

    fn col(name: &str, type_oid: u32, not_null: bool) -> Column {
        Column {
            name: name.into(),
            type_oid,
            not_null,
            ..Column::default()
        }
    }

    fn model() -> Model {
        let mut types = vec![
            ty(16, "pg_catalog", "bool", "b", "B"),
            ty(20, "pg_catalog", "int8", "b", "N"),
            ty(23, "pg_catalog", "int4", "b", "N"),
            ty(25, "pg_catalog", "text", "b", "S"),
            ty(1700, "pg_catalog", "numeric", "b", "N"),
            ty(3802, "pg_catalog", "jsonb", "b", "U"),
            ty(1184, "pg_catalog", "timestamptz", "b", "D"),
            ty(2249, "pg_catalog", "record", "p", "P"),
            ty(2278, "pg_catalog", "void", "p", "P"),
            ty(2279, "pg_catalog", "trigger", "p", "P"),
            Type {
                element: 25,
                ..ty(1009, "pg_catalog", "_text", "b", "A")
            },
            Type {
                labels: Some(vec!["open".into(), "it's \"done\"".into()]),
                comment: Some("Where an order is */ now".into()),
                ..ty(50000, "Shop Δ", "Order Status", "e", "E")
            },
            Type {
                base: 25,
                ..ty(50001, "Shop Δ", "email", "d", "S")
            },
            Type {
                fields: Some(vec![
                    Field {
                        name: "street".into(),
                        type_oid: 25,
                    },
                    Field {
                        name: "zip code".into(),
                        type_oid: 23,
                    },
                ]),
                relation: 50100,
                ..ty(50002, "Shop Δ", "address", "c", "C")
            },
            Type {
                relation: 60000,
                ..ty(50003, "Shop Δ", "Orders", "c", "C")
            },
        ];
        types.sort_by_key(|t| t.oid);
        let orders = Relation {
            oid: 60000,
            schema: "Shop Δ".into(),
            name: "Orders".into(),
            kind: "r".into(),
            comment: Some("One row per order.\nKept forever.".into()),
            columns: vec![
                Column {
                    identity: "a".into(),
                    ..col("id", 20, true)
                },
                Column {
                    default: Some("now()".into()),
                    ..col("placed at", 1184, true)
                },
                col("status", 50000, true),
                Column {
                    comment: Some("who to write to".into()),
                    ..col("contact", 50001, false)
                },
                col("tags", 1009, false),
                col("total", 1700, true),
                col("extra", 3802, false),
                col("ship to", 50002, false),
            ],
            ..Relation::default()
        };
        let lines = Relation {
            oid: 60001,
            schema: "Shop Δ".into(),
            name: "order lines".into(),
            kind: "r".into(),
            columns: vec![col("order", 20, true), col("n", 23, true)],
            constraints: vec![
                Constraint {
                    name: "lines_order_fkey".into(),
                    kind: "f".into(),
                    columns: vec!["order".into()],
                    ref_schema: Some("Shop Δ".into()),
                    ref_table: Some("Orders".into()),
                    ref_columns: vec!["id".into()],
                    ..Constraint::default()
                },
                Constraint {
                    name: "lines_pkey".into(),
                    kind: "p".into(),
                    columns: vec!["order".into(), "n".into()],
                    ..Constraint::default()
                },
            ],
            ..Relation::default()
        };
        let view = Relation {
            oid: 60002,
            schema: "Shop Δ".into(),
            name: "open orders".into(),
            kind: "v".into(),
            updatable: 0,
            columns: vec![col("id", 20, false)],
            ..Relation::default()
        };
        let f = |name: &str, args: Vec<Argument>, returns: u32, retset: bool| Function {
            schema: "Shop Δ".into(),
            name: name.into(),
            args,
            returns,
            retset,
            ..Function::default()
        };
        let arg = |name: &str, type_oid: u32, mode: &str| Argument {
            name: Some(name.into()),
            type_oid,
            mode: mode.into(),
        };
        Model {
            schemas: vec!["Shop Δ".into()],
            relations: vec![orders, lines, view],
            types,
            functions: vec![
                Function {
                    defaults: 1,
                    ..f(
                        "orders of",
                        vec![arg("who", 25, "i"), arg("limit", 23, "i")],
                        50003,
                        true,
                    )
                },
                f(
                    "totals",
                    vec![arg("day", 1184, "t"), arg("sum", 1700, "t")],
                    2249,
                    true,
                ),
                f("nothing", vec![], 2278, false),
                f("audit", vec![], 2279, false),
            ],
        }
    }

    #[test]
    fn tables_rows_inserts_updates_relationships() {
        let ts = render(&model(), Options::default());
        for expected in [
            "  \"Shop Δ\": {\n    Tables: {\n      /**\n       * One row per order.\n       * Kept forever.\n       */\n      Orders: {",
            "          /** who to write to */\n          contact: string | null\n",
            "          extra: Json | null\n",
            "          id: number\n",
            "          \"placed at\": string\n",
            "          \"ship to\": Database[\"Shop Δ\"][\"CompositeTypes\"][\"address\"] | null\n",
            "          status: Database[\"Shop Δ\"][\"Enums\"][\"Order Status\"]\n",
            "          tags: string[] | null\n",
            // Insert: identity ALWAYS never, a default optional, NOT NULL required
            "        Insert: {\n          contact?: string | null\n          extra?: Json | null\n          id?: never\n          \"placed at\"?: string\n          \"ship to\"?: Database[\"Shop Δ\"][\"CompositeTypes\"][\"address\"] | null\n          status: Database",
            "            foreignKeyName: \"lines_order_fkey\"\n            columns: [\"order\"]\n            isOneToOne: false\n            referencedRelation: \"Orders\"\n            referencedColumns: [\"id\"]\n",
            "      \"Order Status\": \"open\" | \"it's \\\"done\\\"\"\n",
            "      /** Where an order is *\\/ now */\n",
            "        \"zip code\": number | null\n",
            "export type ShopΔOrders = Database[\"Shop Δ\"][\"Tables\"][\"Orders\"][\"Row\"]\n",
            "export type ShopΔOrderStatus = Database[\"Shop Δ\"][\"Enums\"][\"Order Status\"]\n",
        ] {
            assert!(ts.contains(expected), "missing {expected:?} in\n{ts}");
        }
        // a view that is not updatable has a Row only
        let view = &ts[ts.find("    Views: {").unwrap()..];
        assert!(view.contains("      \"open orders\": {\n        Row: {\n          id: number | null\n        }\n        Relationships: []"), "{view}");
    }

    #[test]
    fn functions_and_number_styles() {
        let ts = render(&model(), Options::default());
        assert!(ts.contains(
            "      \"orders of\": { Args: { who: string; limit?: number }; Returns: Database[\"Shop Δ\"][\"Tables\"][\"Orders\"][\"Row\"][] }\n"
        ), "{ts}");
        assert!(ts
            .contains("      nothing: { Args: Record<PropertyKey, never>; Returns: undefined }\n"));
        assert!(ts.contains(
            "      totals: { Args: Record<PropertyKey, never>; Returns: { day: string | null; sum: number | null }[] }\n"
        ), "{ts}");
        assert!(!ts.contains("audit"), "a trigger function is not callable");
        let strings = render(
            &model(),
            Options {
                bigint: NumberStyle::String,
                numeric: NumberStyle::String,
            },
        );
        assert!(strings.contains("          id: string\n"));
        assert!(strings.contains("          total: string\n"));
        assert_eq!(NumberStyle::parse(" BigInt "), Some(NumberStyle::BigInt));
        assert_eq!(NumberStyle::parse("float"), None);
    }

    #[test]
    fn keys_and_aliases() {
        assert_eq!(key("order_id"), "order_id");
        assert_eq!(key("Order Lines"), "\"Order Lines\"");
        assert_eq!(key("1st"), "\"1st\"");
        assert_eq!(key("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
        let mut taken = HashSet::from(["Database".to_string()]);
        assert_eq!(
            alias_name("public", "order_items", &mut taken),
            "OrderItems"
        );
        assert_eq!(
            alias_name("public", "order items", &mut taken),
            "OrderItems2"
        );
        assert_eq!(alias_name("public", "database", &mut taken), "Database2");
        assert_eq!(alias_name("public", "2024", &mut taken), "T2024");
    }
}
