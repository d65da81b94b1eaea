//! The database as the script leaves it, statement by statement: the live catalog with the
//! script's own effects on top (tables created, dropped and renamed, columns, indexes and
//! constraints added, settings, transaction blocks).

use super::catalog::{
    Catalog, ColumnFact, ConstraintFact, IndexFact, RelKind, TypeInfo, Volatility,
};
use super::ir::{Expr, QualName, TypeRef};
use crate::quote;
use crate::snapshot::{human_bytes, human_count};
use std::collections::HashMap;

pub type Key = (String, String);

/// A table (or other relation) as the script has left it so far.
#[derive(Clone, Debug)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub kind: RelKind,
    /// Created by the script: empty, and no one else uses it yet.
    pub new: bool,
    pub rows: f64,
    pub bytes: i64,
    pub columns: Vec<ColumnFact>,
    pub indexes: Vec<IndexFact>,
    pub constraints: Vec<ConstraintFact>,
}

impl Table {
    pub fn identity(&self) -> String {
        quote::qualified(&self.schema, &self.name)
    }

    /// An existing table holding rows: where locks and scans hurt.
    pub fn populated(&self) -> bool {
        !self.new && (self.rows >= 1.0 || self.bytes > 0)
    }

    /// "300,000 rows, 42 MB"
    pub fn size(&self) -> String {
        let rows = self.rows.max(0.0).round() as i64;
        format!(
            "{} row{}, {}",
            human_count(rows),
            if rows == 1 { "" } else { "s" },
            human_bytes(self.bytes)
        )
    }

    pub fn column(&self, name: &str) -> Option<&ColumnFact> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut ColumnFact> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// A validated `CHECK (col IS NOT NULL)` proves the column has no NULL.
    pub fn not_null_proven(&self, column: &str) -> bool {
        self.constraints
            .iter()
            .any(|c| c.kind == 'c' && c.validated && c.not_null_of.as_deref() == Some(column))
    }

    pub fn metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "schema": self.schema,
            "table": self.name,
            "rows": self.rows.max(0.0).round() as i64,
            "bytes": self.bytes,
            "new_in_script": self.new,
        })
    }
}

pub struct State<'c> {
    pub catalog: &'c dyn Catalog,
    user: String,
    path: Vec<String>,
    /// `SET LOCAL` values to restore at the end of the transaction block.
    saved_path: Option<Vec<String>>,
    pub lock_timeout: bool,
    saved_lock_timeout: Option<bool>,
    pub in_transaction: bool,
    tables: HashMap<Key, Option<Table>>,
    /// Indexes created or dropped by the script: index → its table (`None` once dropped).
    indexes: HashMap<Key, Option<Key>>,
    schemas: Vec<String>,
}

impl<'c> State<'c> {
    pub fn new(
        catalog: &'c dyn Catalog,
        search_path: &str,
        user: &str,
        lock_timeout: bool,
    ) -> Self {
        State {
            catalog,
            user: user.to_string(),
            path: crate::config::Config::parse_name_list(search_path),
            saved_path: None,
            lock_timeout,
            saved_lock_timeout: None,
            in_transaction: false,
            tables: HashMap::new(),
            indexes: HashMap::new(),
            schemas: Vec::new(),
        }
    }

    /// The schemas a bare name is looked up in, in order: `pg_catalog` first unless the
    /// path places it, `$user` as the current user.
    pub fn lookup_path(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.path.iter().any(|s| s == "pg_catalog") {
            out.push("pg_catalog".to_string());
        }
        for s in &self.path {
            let s = if s == "$user" { &self.user } else { s };
            if !s.starts_with("pg_temp") && !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    fn schema_exists(&self, schema: &str) -> bool {
        self.schemas.iter().any(|s| s == schema) || self.catalog.schema_exists(schema)
    }

    /// The schema `CREATE` puts a bare name in: the first existing schema of the path.
    pub fn creation_schema(&self, name: &QualName) -> String {
        if let Some(s) = &name.schema {
            return s.clone();
        }
        self.path
            .iter()
            .map(|s| if s == "$user" { &self.user } else { s })
            .find(|s| !s.starts_with("pg_temp") && *s != "pg_catalog" && self.schema_exists(s))
            .cloned()
            .unwrap_or_else(|| "public".to_string())
    }

    fn candidates(&self, name: &QualName) -> Vec<String> {
        match &name.schema {
            Some(s) => vec![s.clone()],
            None => self.lookup_path(),
        }
    }

    /// The relation a name refers to at this point of the script.
    pub fn resolve(&mut self, name: &QualName) -> Option<Key> {
        for schema in self.candidates(name) {
            let key = (schema, name.name.clone());
            match self.tables.get(&key) {
                Some(Some(_)) => return Some(key),
                Some(None) => continue, // dropped (or renamed away) by the script
                None => {}
            }
            if let Some(rel) = self.catalog.relation(&key.0, &key.1) {
                let table = Table {
                    schema: rel.schema,
                    name: rel.name,
                    kind: rel.kind,
                    new: false,
                    rows: rel.rows,
                    bytes: rel.bytes,
                    columns: rel.columns,
                    indexes: rel.indexes,
                    constraints: rel.constraints,
                };
                if let Some(of) = rel.index_of {
                    self.indexes.entry(key.clone()).or_insert(Some(of));
                }
                self.tables.insert(key.clone(), Some(table));
                return Some(key);
            }
        }
        None
    }

    pub fn table(&self, key: &Key) -> &Table {
        self.tables[key].as_ref().expect("a resolved relation")
    }

    pub fn table_mut(&mut self, key: &Key) -> &mut Table {
        self.tables
            .get_mut(key)
            .and_then(Option::as_mut)
            .expect("a resolved relation")
    }

    /// An index by name and its table, as the script has left them.
    pub fn resolve_index(&mut self, name: &QualName) -> Option<(Key, Key)> {
        for schema in self.candidates(name) {
            let key = (schema, name.name.clone());
            match self.indexes.get(&key) {
                Some(Some(table)) => return Some((key.clone(), table.clone())),
                Some(None) => continue,
                None => {}
            }
            if let Some(rel) = self.catalog.relation(&key.0, &key.1) {
                let Some(of) = rel.index_of else { continue };
                let table = QualName::qualified(&of.0, &of.1);
                let table = self.resolve(&table)?;
                self.indexes.insert(key.clone(), Some(table.clone()));
                return Some((key, table));
            }
        }
        None
    }

    pub fn create_table(&mut self, table: Table) -> Key {
        let key = (table.schema.clone(), table.name.clone());
        self.tables.insert(key.clone(), Some(table));
        key
    }

    pub fn drop_table(&mut self, key: &Key) {
        self.tables.insert(key.clone(), None);
    }

    pub fn rename_table(&mut self, key: &Key, new_name: &str) {
        let mut table = self
            .tables
            .insert(key.clone(), None)
            .flatten()
            .expect("resolved");
        table.name = new_name.to_string();
        self.tables
            .insert((key.0.clone(), new_name.to_string()), Some(table));
    }

    pub fn add_index(&mut self, table: &Key, index: IndexFact) {
        self.indexes
            .insert((table.0.clone(), index.name.clone()), Some(table.clone()));
        self.table_mut(table).indexes.push(index);
    }

    pub fn drop_index(&mut self, index: &Key, table: &Key) {
        self.indexes.insert(index.clone(), None);
        if let Some(Some(t)) = self.tables.get_mut(table) {
            t.indexes.retain(|i| i.name != index.1);
        }
    }

    pub fn create_schema(&mut self, name: &str) {
        self.schemas.push(name.to_string());
    }

    pub fn resolve_type(&self, ty: &TypeRef) -> Option<TypeInfo> {
        self.catalog.resolve_type(&self.lookup_path(), ty)
    }

    /// The worst volatility of the functions `expr` calls; `None` when the linter cannot
    /// tell (a function it does not find, a construct it does not judge).
    pub fn volatility(&self, expr: &Expr) -> Option<Volatility> {
        if expr.opaque {
            return None;
        }
        let path = self.lookup_path();
        let mut worst = Volatility::Immutable;
        for call in &expr.calls {
            worst = worst.max(self.catalog.volatility(&path, call)?);
        }
        Some(worst)
    }

    /// `SET [LOCAL] search_path`. (`SET LOCAL` outside a transaction block only warns:
    /// it changes nothing.)
    pub fn set_path(&mut self, path: Vec<String>, local: bool) {
        if local && !self.in_transaction {
            return;
        }
        if local && self.saved_path.is_none() {
            self.saved_path = Some(self.path.clone());
        }
        self.path = path;
    }

    /// `SET [LOCAL] lock_timeout`, as `set_path`.
    pub fn set_lock_timeout(&mut self, on: bool, local: bool) {
        if local && !self.in_transaction {
            return;
        }
        if local && self.saved_lock_timeout.is_none() {
            self.saved_lock_timeout = Some(self.lock_timeout);
        }
        self.lock_timeout = on;
    }

    pub fn begin(&mut self) {
        self.in_transaction = true;
    }

    /// `COMMIT` or `ROLLBACK`: `SET LOCAL` values end with the block.
    pub fn end_transaction(&mut self) {
        self.in_transaction = false;
        if let Some(p) = self.saved_path.take() {
            self.path = p;
        }
        if let Some(l) = self.saved_lock_timeout.take() {
            self.lock_timeout = l;
        }
    }
}
