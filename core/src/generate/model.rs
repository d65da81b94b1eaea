//! The schema as the generators describe it: relations with their columns, constraints
//! and indexes, the types their columns and functions use, and the functions. Read by the
//! extension's loader in one query that returns it as JSON (`sql/schema_model.sql`).

use serde::Deserialize;
use std::collections::HashMap;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Model {
    /// The schemas described, sorted.
    pub schemas: Vec<String>,
    pub relations: Vec<Relation>,
    pub types: Vec<Type>,
    #[serde(default)]
    pub functions: Vec<Function>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Relation {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// `relkind`: `r` table, `p` partitioned table, `v` view, `m` materialized view, `f`
    /// foreign table.
    pub kind: String,
    pub comment: Option<String>,
    /// `reltuples` (negative: never analyzed) and `pg_total_relation_size`.
    pub rows: f64,
    pub bytes: i64,
    /// `pg_relation_is_updatable` bits: 4 UPDATE, 8 INSERT, 16 DELETE.
    pub updatable: i32,
    pub columns: Vec<Column>,
    #[serde(default)]
    pub constraints: Vec<Constraint>,
    #[serde(default)]
    pub indexes: Vec<Index>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Column {
    pub name: String,
    /// The column's type (OID into [`Model::types`]).
    #[serde(rename = "type")]
    pub type_oid: u32,
    /// `format_type`: `character varying(20)`, `app.status[]`.
    pub type_sql: String,
    pub not_null: bool,
    /// `attndims`: the dimensions declared (`int[][]`: 2), 0 when not an array.
    #[serde(default)]
    pub dims: i32,
    /// The default expression (`pg_get_expr`), `None` when there is none.
    pub default: Option<String>,
    /// `attidentity`: `a` ALWAYS, `d` BY DEFAULT, empty when not an identity.
    pub identity: String,
    /// `attgenerated`: `s` for a stored generated column.
    pub generated: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Constraint {
    pub name: String,
    /// `contype`: `p`, `u`, `f`, `c`, `x`.
    pub kind: String,
    pub columns: Vec<String>,
    pub ref_schema: Option<String>,
    pub ref_table: Option<String>,
    #[serde(default)]
    pub ref_columns: Vec<String>,
    /// `pg_get_constraintdef`
    pub definition: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Index {
    pub name: String,
    /// `pg_get_indexdef`
    pub definition: String,
    pub bytes: i64,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Type {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// `typtype`: `b` base, `c` composite, `d` domain, `e` enum, `p` pseudo, `r` range,
    /// `m` multirange.
    pub kind: String,
    /// `typcategory`: `A` array, `S` string, `N` numeric...
    pub category: String,
    /// `typelem` (an array's element) and `typbasetype` (a domain's base), 0 when none.
    pub element: u32,
    pub base: u32,
    /// `typrelid`: the relation a composite type is the row of.
    pub relation: u32,
    /// An enum's labels in order.
    pub labels: Option<Vec<String>>,
    /// A free-standing composite type's fields.
    pub fields: Option<Vec<Field>>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub type_oid: u32,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Function {
    pub schema: String,
    pub name: String,
    pub args: Vec<Argument>,
    /// `pronargdefaults`: the last this many input arguments have defaults.
    pub defaults: usize,
    pub returns: u32,
    /// Returns a set (`SETOF`, `RETURNS TABLE`).
    pub retset: bool,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Argument {
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub type_oid: u32,
    /// `proargmodes`: `i` in, `o` out, `b` inout, `v` variadic, `t` a RETURNS TABLE column.
    pub mode: String,
}

impl Argument {
    pub fn is_input(&self) -> bool {
        matches!(self.mode.as_str(), "i" | "b" | "v")
    }

    pub fn is_output(&self) -> bool {
        matches!(self.mode.as_str(), "o" | "b" | "t")
    }
}

impl Relation {
    pub fn is_table(&self) -> bool {
        matches!(self.kind.as_str(), "r" | "p" | "f")
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.kind == "p")
    }

    pub fn foreign_keys(&self) -> impl Iterator<Item = &Constraint> {
        self.constraints.iter().filter(|c| c.kind == "f")
    }

    /// Whether these columns are exactly the primary key's or a unique constraint's.
    pub fn is_unique(&self, columns: &[String]) -> bool {
        let mut wanted: Vec<&String> = columns.iter().collect();
        wanted.sort();
        self.constraints
            .iter()
            .filter(|c| c.kind == "p" || c.kind == "u")
            .any(|c| {
                let mut have: Vec<&String> = c.columns.iter().collect();
                have.sort();
                have == wanted
            })
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

impl Model {
    /// Parse what the loader's query returns.
    pub fn from_json(text: &str) -> Result<Model, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn types_by_oid(&self) -> HashMap<u32, &Type> {
        self.types.iter().map(|t| (t.oid, t)).collect()
    }

    pub fn relations_by_oid(&self) -> HashMap<u32, &Relation> {
        self.relations.iter().map(|r| (r.oid, r)).collect()
    }
}
