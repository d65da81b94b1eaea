//! A migration script as the linter sees it: each statement PostgreSQL's parser found,
//! reduced to the facts the rules judge. Built from `raw_parser` output by the extension;
//! built by hand in unit tests.

/// A relation name as written: `schema.name` or a bare `name` resolved through the
/// script's `search_path`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QualName {
    pub schema: Option<String>,
    pub name: String,
}

impl QualName {
    pub fn bare(name: &str) -> Self {
        QualName {
            schema: None,
            name: name.to_string(),
        }
    }

    pub fn qualified(schema: &str, name: &str) -> Self {
        QualName {
            schema: Some(schema.to_string()),
            name: name.to_string(),
        }
    }
}

/// One statement of the script.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// 1-based position in the script.
    pub number: usize,
    /// 1-based line of the statement's first character.
    pub line: usize,
    /// The statement's own text (without the terminating semicolon).
    pub text: String,
    pub kind: Kind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    CreateTable(CreateTable),
    CreateIndex(CreateIndex),
    AlterTable(AlterTable),
    Drop(Drop),
    Reindex(Reindex),
    Rename(Rename),
    Vacuum {
        full: bool,
        tables: Vec<QualName>,
    },
    Cluster {
        table: Option<QualName>,
    },
    /// `UPDATE` / `DELETE`; `filtered` when it has a `WHERE` clause.
    Write {
        verb: Verb,
        table: QualName,
        filtered: bool,
    },
    Truncate {
        tables: Vec<QualName>,
    },
    /// `LOCK TABLE ... IN <mode> MODE [NOWAIT]`
    Lock {
        tables: Vec<QualName>,
        mode: super::locks::Lock,
        nowait: bool,
    },
    Set(Set),
    Transaction(Transaction),
    CreateSchema {
        name: String,
    },
    /// Anything else, by its command tag (`CREATE FUNCTION`, `GRANT`, ...): no rule reads it.
    Other {
        tag: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verb {
    Update,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Update => "UPDATE",
            Verb::Delete => "DELETE",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub table: QualName,
    pub columns: Vec<ColumnDef>,
    /// Table constraints, and the key/check/FK constraints written on columns.
    pub constraints: Vec<ConstraintDef>,
    pub partitioned: bool,
    pub temporary: bool,
}

/// A column of `CREATE TABLE` or `ADD COLUMN`.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: TypeRef,
    pub not_null: bool,
    pub default: Option<Expr>,
    /// `GENERATED ... AS IDENTITY`
    pub identity: bool,
    /// `GENERATED ALWAYS AS (...) STORED`
    pub generated: bool,
}

/// A type as written. `handle` lets the extension find its parse node again when the
/// rules ask for the type it names.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeRef {
    pub names: Vec<String>,
    pub array: bool,
    pub handle: usize,
}

impl TypeRef {
    /// `serial`, `bigserial`, `smallserial` (and their `serial4/8/2` spellings), which are
    /// no types but an integer column with a sequence default.
    pub fn serial(&self) -> Option<&'static str> {
        let unqualified =
            self.names.len() == 1 || (self.names.len() == 2 && self.names[0] == "pg_catalog");
        if !unqualified || self.array {
            return None;
        }
        match self.names.last().map(String::as_str) {
            Some("serial" | "serial4") => Some("integer"),
            Some("bigserial" | "serial8") => Some("bigint"),
            Some("smallserial" | "serial2") => Some("smallint"),
            _ => None,
        }
    }
}

/// An expression as written: the functions it calls and its text.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Expr {
    pub calls: Vec<QualName>,
    /// It holds something whose volatility the linter does not judge (a sub-select, an
    /// operator on a user type, ...).
    pub opaque: bool,
    /// Its text in the statement, when it could be delimited.
    pub text: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintDef {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    /// Written `NOT VALID`.
    pub not_valid: bool,
    /// Byte offsets of the constraint's text in the statement (start, end), when known.
    pub span: Option<(usize, usize)>,
    /// Written on a column that the same `ALTER TABLE ... ADD COLUMN` creates.
    pub on_new_column: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConstraintKind {
    PrimaryKey(KeyDef),
    Unique(KeyDef),
    Exclusion,
    ForeignKey(ForeignKeyDef),
    /// `CHECK (...)`; `not_null_of` names the column when the check is `col IS NOT NULL`.
    Check {
        not_null_of: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct KeyDef {
    pub columns: Vec<String>,
    pub include: Vec<String>,
    /// `... USING INDEX name`
    pub using_index: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKeyDef {
    pub columns: Vec<String>,
    pub references: QualName,
    pub ref_columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateIndex {
    pub table: QualName,
    pub name: Option<String>,
    pub unique: bool,
    pub concurrent: bool,
    /// Key columns in order; `None` for an expression.
    pub keys: Vec<Option<String>>,
    pub partial: bool,
    pub method: String,
    /// `ON ONLY`: the index of a partitioned table alone, not of its partitions.
    pub only: bool,
    /// `IF NOT EXISTS`: a no-op when an index of that name exists.
    pub if_not_exists: bool,
    /// Where `CONCURRENTLY` goes in the text (after the `INDEX` keyword).
    pub concurrently_at: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlterTable {
    pub table: QualName,
    pub object: ObjectKind,
    pub cmds: Vec<AlterCmd>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AlterCmd {
    AddColumn(ColumnDef),
    DropColumn(String),
    AlterType {
        column: String,
        ty: TypeRef,
        using: bool,
    },
    SetNotNull(String),
    DropNotNull(String),
    SetDefault(String),
    AddConstraint(ConstraintDef),
    ValidateConstraint(String),
    DropConstraint(String),
    /// `SET LOGGED` (true) / `SET UNLOGGED` (false)
    SetLogged(bool),
    SetTablespace,
    SetAccessMethod,
    /// Any other subcommand, by what it does: `SET STATISTICS`, `ENABLE TRIGGER`, ...
    Other {
        what: String,
        /// Takes less than `ACCESS EXCLUSIVE` (`SHARE UPDATE EXCLUSIVE` and weaker).
        weak_lock: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectKind {
    Table,
    Index,
    View,
    MaterializedView,
    Sequence,
    Schema,
    Column,
    Other,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Drop {
    pub kind: ObjectKind,
    pub objects: Vec<QualName>,
    pub concurrent: bool,
    pub cascade: bool,
    /// Where `CONCURRENTLY` goes in the text (after the `INDEX` keyword).
    pub concurrently_at: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reindex {
    /// `Index` or `Table`; `Other` for `SCHEMA`, `DATABASE`, `SYSTEM`.
    pub kind: ObjectKind,
    pub target: Option<QualName>,
    pub concurrent: bool,
    /// Where `CONCURRENTLY` goes in the text (after `INDEX`/`TABLE`/...).
    pub concurrently_at: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rename {
    pub kind: ObjectKind,
    pub relation: Option<QualName>,
    /// The column renamed (`kind == Column`).
    pub column: Option<String>,
    pub new_name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// The setting, lower case (`lock_timeout`, `search_path`, ...); empty for `RESET ALL`.
    pub name: String,
    pub value: SetValue,
    pub local: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    /// The values as the server flattens them: one element per list item.
    Values(Vec<String>),
    /// `SET x TO DEFAULT`, `RESET x`, `RESET ALL`
    Default,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transaction {
    Begin,
    Commit,
    Rollback,
    Other,
}
