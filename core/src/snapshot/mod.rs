//! The snapshot: everything the rules need, read from the catalogs once per run into plain
//! structs. Loaded by the extension (read-only SPI) or built by hand in tests.

pub mod builder;
pub mod fast_hash;
pub mod health;
mod human;
pub mod node_tree;
pub mod parts;
mod shared;

pub use builder::SnapshotBuilder;
pub use health::{
    Activity, Bloat, ColumnOrder, Maintenance, ReplicationSlot, Sequence, ServerMaintenance,
    ServerSettings, Session, XminHolder,
};
pub use human::{human_bytes, human_count, human_duration};
pub use parts::Parts;

use crate::config::Config;
use crate::quote;
use fast_hash::{Map as HashMap, Set as HashSet};
use std::borrow::Cow;
use std::sync::Arc;

pub type Oid = u32;

/// `pg_class.relkind`, as far as the rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelKind {
    Table,
    PartitionedTable,
    Index,
    PartitionedIndex,
    View,
    MaterializedView,
    ForeignTable,
    Sequence,
    Other,
}

impl RelKind {
    pub fn from_relkind(c: char) -> RelKind {
        match c {
            'r' => RelKind::Table,
            'p' => RelKind::PartitionedTable,
            'i' => RelKind::Index,
            'I' => RelKind::PartitionedIndex,
            'v' => RelKind::View,
            'm' => RelKind::MaterializedView,
            'f' => RelKind::ForeignTable,
            'S' => RelKind::Sequence,
            _ => RelKind::Other,
        }
    }
}

/// Where the statistics behind stats-based advice start.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsWindow {
    /// `pg_stat_database.stats_reset`, or the server start when never reset (text form).
    pub since: String,
    /// True when `since` is a stats reset, false when it is the server start.
    pub from_reset: bool,
    /// Length of the window in seconds.
    pub seconds: f64,
}

impl StatsWindow {
    /// "since stats reset at 2026-11-01 10:00:00+00 (3 days)"
    pub fn describe(&self) -> String {
        let what = if self.from_reset {
            "stats reset"
        } else {
            "server start"
        };
        format!(
            "since {what} at {} ({})",
            self.since,
            human_duration(self.seconds)
        )
    }
}

impl Default for StatsWindow {
    fn default() -> Self {
        StatsWindow {
            since: "unknown".into(),
            from_reset: false,
            seconds: 0.0,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Namespace {
    pub oid: Oid,
    pub name: String,
    pub owner: Oid,
    /// Explicit and default privileges (`aclexplode`); grantee 0 is PUBLIC.
    pub grants: Vec<Grant>,
}

/// PUBLIC as a grantee.
pub const PUBLIC: Oid = 0;

/// One privilege granted to one role (0 = PUBLIC), from `aclexplode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub grantee: Oid,
    /// `SELECT`, `INSERT`, `UPDATE`, `DELETE`, `CREATE`, `EXECUTE`, ...: one of
    /// [`PRIVILEGES`] (each table's seven default ones, 140,000 on 20,000 tables, need no
    /// string of their own).
    pub privilege: &'static str,
}

/// Every privilege, as `aclexplode` spells it, in the order of their bits in an ACL item
/// (`ACL_INSERT` is bit 0, ... `ACL_MAINTAIN` bit 14 on PostgreSQL 17+).
pub const PRIVILEGES: [&str; 15] = [
    "INSERT",
    "SELECT",
    "UPDATE",
    "DELETE",
    "TRUNCATE",
    "REFERENCES",
    "TRIGGER",
    "EXECUTE",
    "USAGE",
    "CREATE",
    "TEMPORARY",
    "CONNECT",
    "SET",
    "ALTER SYSTEM",
    "MAINTAIN",
];

impl Grant {
    pub fn new(grantee: Oid, privilege: &'static str) -> Grant {
        Grant { grantee, privilege }
    }

    /// A grant of the privilege `aclexplode` names `name`; `None` for a name no
    /// PostgreSQL this build knows prints (no rule could check it).
    pub fn parse(grantee: Oid, name: &str) -> Option<Grant> {
        let privilege = PRIVILEGES.iter().find(|p| **p == name)?;
        Some(Grant::new(grantee, privilege))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Role {
    pub oid: Oid,
    pub name: String,
    pub login: bool,
    pub superuser: bool,
    pub bypass_rls: bool,
}

/// A row-level security policy (`pg_policy`).
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub oid: Oid,
    pub name: String,
    pub table: Oid,
    /// `r` SELECT, `a` INSERT, `w` UPDATE, `d` DELETE, `*` ALL.
    pub command: char,
    pub permissive: bool,
    /// Roles it applies to; 0 is PUBLIC.
    pub roles: Vec<Oid>,
    /// Deparsed USING and WITH CHECK expressions.
    pub using: Option<String>,
    pub check: Option<String>,
    /// Their `pg_node_tree` text (`polqual`, `polwithcheck`): what the rules analyse.
    pub using_tree: Option<String>,
    pub check_tree: Option<String>,
    /// Functions called per row: outside any sub-select, in USING or WITH CHECK.
    pub per_row_functions: Vec<Oid>,
    /// Columns of its own table the policy references (what `pg_depend` records, read from
    /// the node trees: [`node_tree::own_columns`]).
    pub columns: Vec<i16>,
    /// Whether USING and WITH CHECK fold to TRUE, once computed (several rules ask).
    pub folded: std::sync::OnceLock<(bool, bool)>,
}

impl Policy {
    pub fn command_name(&self) -> &'static str {
        match self.command {
            'r' => "SELECT",
            'a' => "INSERT",
            'w' => "UPDATE",
            'd' => "DELETE",
            _ => "ALL",
        }
    }

    /// Whether the policy applies to `command` (`r`, `a`, `w`, `d`).
    pub fn applies_to(&self, command: char) -> bool {
        self.command == '*' || self.command == command
    }

    /// USING is TRUE for every row (folded from its node tree: `true`, `1 = 1`,
    /// `id IS NULL OR id IS NOT NULL`, ...; see [`node_tree::always_true`]).
    pub fn using_always_true(&self) -> bool {
        self.folded().0
    }

    /// WITH CHECK is TRUE for every row.
    pub fn check_always_true(&self) -> bool {
        self.folded().1
    }

    fn folded(&self) -> (bool, bool) {
        *self.folded.get_or_init(|| {
            let fold = |tree: &Option<String>| tree.as_deref().is_some_and(node_tree::always_true);
            (fold(&self.using_tree), fold(&self.check_tree))
        })
    }
}

/// A function (`pg_proc`); the security fields are filled for user schemas only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Function {
    pub oid: Oid,
    pub namespace: Oid,
    pub schema: String,
    pub name: String,
    /// `pg_identify_object(...).identity`, e.g. `app.tenant_revenue(bigint)`.
    pub identity: String,
    /// `f` function, `p` procedure, `a` aggregate, `w` window.
    pub kind: char,
    /// `i`, `s` or `v`
    pub volatility: char,
    pub security_definer: bool,
    /// `proconfig` entries, e.g. `search_path=pg_catalog, pg_temp`
    pub config: Vec<String>,
    pub owner: Oid,
    pub grants: Vec<Grant>,
    pub extension_member: bool,
}

/// A trigger that calls one of the audit functions `advisor_audit_enable` generated.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditTrigger {
    pub table: Oid,
    pub name: String,
    /// `tgenabled`: `O` fires normally, `D` disabled, `R` only in replica sessions, `A` always.
    pub enabled: char,
    /// FOR EACH ROW (else the statement-level TRUNCATE trigger)
    pub row_level: bool,
    /// Cloned from the partitioned table's trigger onto a partition.
    pub cloned: bool,
}

impl AuditTrigger {
    /// Does it record changes in normal (non-replica) sessions?
    pub fn fires(&self) -> bool {
        matches!(self.enabled, 'O' | 'A')
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Extension {
    pub name: String,
    pub namespace: Oid,
    pub relocatable: bool,
    /// `extversion`, and the version `CREATE EXTENSION` would install now (`None` when its
    /// control file is gone).
    pub version: String,
    pub default_version: Option<String>,
}

/// A rewrite rule on a table (`CREATE RULE`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TableRule {
    pub table: Oid,
    pub name: String,
    /// `SELECT`, `UPDATE`, `INSERT` or `DELETE`.
    pub event: &'static str,
    pub instead: bool,
    /// `ev_enabled` is not `D`.
    pub enabled: bool,
}

/// Cumulative statistics of a table (`pg_stat_user_tables`) in the stats window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TableStats {
    pub seq_scan: i64,
    pub seq_tup_read: i64,
    pub idx_scan: i64,
    pub idx_tup_fetch: i64,
    pub n_tup_ins: i64,
    pub n_tup_upd: i64,
    pub n_tup_del: i64,
    pub n_live_tup: i64,
}

impl std::ops::AddAssign for TableStats {
    fn add_assign(&mut self, o: TableStats) {
        self.seq_scan += o.seq_scan;
        self.seq_tup_read += o.seq_tup_read;
        self.idx_scan += o.idx_scan;
        self.idx_tup_fetch += o.idx_tup_fetch;
        self.n_tup_ins += o.n_tup_ins;
        self.n_tup_upd += o.n_tup_upd;
        self.n_tup_del += o.n_tup_del;
        self.n_live_tup += o.n_live_tup;
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Relation {
    pub oid: Oid,
    pub namespace: Oid,
    pub name: String,
    pub kind: RelKind,
    /// `relispartition`
    pub is_partition: bool,
    /// `reltuples`; negative when never vacuumed or analyzed.
    pub reltuples: f64,
    /// Main fork size in bytes.
    pub size_bytes: i64,
    /// Owned by an extension (`pg_depend.deptype = 'e'`).
    pub extension_member: bool,
    /// Cumulative statistics (tables, materialized views; boxed: 83,000 of 105,000
    /// relations on 20,000 tables are indexes, which have none).
    pub stats: Option<Box<TableStats>>,
    pub owner: Oid,
    /// `relrowsecurity` / `relforcerowsecurity`
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// A view with `security_invoker = true`.
    pub security_invoker: bool,
    /// Explicit and default privileges; grantee 0 is PUBLIC.
    pub grants: Vec<Grant>,
    /// Its identity, once made ([`Snapshot::rel_identity`]: many findings name it).
    pub identity: std::sync::OnceLock<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    /// `atttypid`
    pub type_oid: Oid,
    /// `attcollation` (0 when the type is not collatable).
    pub collation: Oid,
    /// The column type's `typname`, its schema, and its `typcategory` (`S` string, `N`
    /// numeric...). Shared by every column of the type.
    pub type_name: Arc<str>,
    pub type_schema: Arc<str>,
    pub type_category: char,
    /// `attnotnull`
    pub not_null: bool,
    /// `atttypmod`: the length of `char(n)` and `varchar(n)` (n + 4), -1 when none.
    pub typmod: i32,
}

impl Attribute {
    /// The column's type as people read it: built-in types by their SQL name, others
    /// schema-qualified.
    pub fn type_display(&self) -> String {
        let sql = self.type_sql();
        sql.strip_prefix("pg_catalog.")
            .map(str::to_string)
            .unwrap_or(sql)
    }

    /// The column's type as generated SQL writes it (in a cast, say): built-in types by
    /// their SQL name (`int8` -> `bigint`), others schema-qualified and quoted, so neither
    /// a weird type name nor the caller's search_path changes what it means.
    pub fn type_sql(&self) -> String {
        if &*self.type_schema != "pg_catalog" {
            return quote::qualified(&self.type_schema, &self.type_name);
        }
        match &*self.type_name {
            "int2" => "smallint".into(),
            "int4" => "integer".into(),
            "int8" => "bigint".into(),
            "bool" => "boolean".into(),
            "varchar" => "character varying".into(),
            "bpchar" => "character".into(),
            other => format!("pg_catalog.{}", quote::ident(other)),
        }
    }
}

/// An index (`pg_index` joined with its `pg_class` row and access method).
#[derive(Clone, Debug, PartialEq)]
pub struct Index {
    pub oid: Oid,
    pub table: Oid,
    /// Access method name: `btree`, `hash`, `gin`, ...
    /// The access method's name (one shared string per method).
    pub am: Arc<str>,
    /// `indkey`: key columns first, then INCLUDE columns; 0 marks an expression.
    pub columns: Vec<i16>,
    /// `indnkeyatts`
    pub n_key: usize,
    /// Operator class of each key column.
    pub opclasses: Vec<Oid>,
    /// Operator family of each key column.
    pub opfamilies: Vec<Oid>,
    /// `indoption` of each key column (DESC, NULLS FIRST bits).
    pub options: Vec<i16>,
    /// Deparsed expression of each column (keys and INCLUDE) that is an expression,
    /// `None` for plain columns (`pg_get_indexdef(index, column, true)`); empty when no
    /// column is one (most indexes: read it through [`Index::expression`]).
    pub expressions: Vec<Option<String>>,
    /// Deparsed WHERE predicate of a partial index (`pg_get_expr(indpred, indrelid)`).
    pub predicate: Option<String>,
    /// `indcollation` of each key column.
    pub collations: Vec<Oid>,
    pub valid: bool,
    pub ready: bool,
    pub live: bool,
    /// Has a WHERE predicate.
    pub partial: bool,
    pub unique: bool,
    pub primary: bool,
    pub exclusion: bool,
    /// `indisreplident`: the table's replica identity.
    pub replica_identity: bool,
    /// `idx_scan` in the stats window (`None`: no statistics, e.g. a partitioned index).
    pub scans: Option<i64>,
    /// Its definition is its name, table, method and columns alone: each key column of its
    /// table in its type's default operator class, collation and order; no expression,
    /// predicate, storage or operator class parameters, NULLS NOT DISTINCT, partitions or
    /// exclusion (what [`Index::plain_definition`] writes as `pg_get_indexdef` would).
    pub plain: bool,
}

impl Index {
    /// `pg_get_indexdef` of a [`Index::plain`] index, written here; `None` for any other
    /// (or when a name is missing from the snapshot).
    pub fn plain_definition(&self, snap: &Snapshot) -> Option<String> {
        if !self.plain {
            return None;
        }
        let rel = snap.relation(self.oid)?;
        snap.relation(self.table)?;
        // one string, written in place (every index an index rule reports has one)
        let mut def = String::with_capacity(96);
        def.push_str(if self.unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        quote::push_ident(&mut def, &rel.name);
        def.push_str(" ON ");
        def.push_str(&snap.rel_identity(self.table));
        def.push_str(" USING ");
        quote::push_ident(&mut def, &self.am);
        let columns = |def: &mut String, cols: &[i16]| -> Option<()> {
            def.push_str(" (");
            for (i, &c) in cols.iter().enumerate() {
                if i > 0 {
                    def.push_str(", ");
                }
                quote::push_ident(def, snap.column_name(self.table, c)?);
            }
            def.push(')');
            Some(())
        };
        columns(&mut def, self.key_columns())?;
        if !self.include_columns().is_empty() {
            def.push_str(" INCLUDE");
            columns(&mut def, self.include_columns())?;
        }
        Some(def)
    }

    pub fn key_columns(&self) -> &[i16] {
        &self.columns[..self.n_key.min(self.columns.len())]
    }

    /// INCLUDE columns (non-key).
    pub fn include_columns(&self) -> &[i16] {
        &self.columns[self.n_key.min(self.columns.len())..]
    }

    /// The deparsed expression at column position `pos`, if it is an expression.
    pub fn expression(&self, pos: usize) -> Option<&str> {
        self.expressions.get(pos).and_then(|e| e.as_deref())
    }

    /// Valid, ready and not being dropped: usable by the planner.
    pub fn usable(&self) -> bool {
        self.valid && self.ready && self.live
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
    Exclusion,
    Other,
}

impl ConstraintKind {
    pub fn from_contype(c: char) -> ConstraintKind {
        match c {
            'p' => ConstraintKind::PrimaryKey,
            'u' => ConstraintKind::Unique,
            'f' => ConstraintKind::ForeignKey,
            'c' => ConstraintKind::Check,
            'x' => ConstraintKind::Exclusion,
            _ => ConstraintKind::Other,
        }
    }
}

/// The referencing side's view of a foreign key.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeignKey {
    pub ref_table: Oid,
    pub ref_columns: Vec<i16>,
    /// `conpfeqop`: the equality operator the referential check uses for each column.
    pub eq_ops: Vec<Oid>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub oid: Oid,
    pub name: String,
    pub table: Oid,
    pub kind: ConstraintKind,
    /// `conkey`
    pub columns: Vec<i16>,
    /// `conparentid`: non-zero for a constraint cloned onto a partition.
    pub parent: Oid,
    /// `conindid`: the index behind a PK/unique/exclusion constraint, or for a foreign
    /// key the referenced table's unique index it depends on.
    pub index: Oid,
    pub foreign: Option<ForeignKey>,
    /// `convalidated`: false for a constraint added `NOT VALID` and not validated since.
    pub validated: bool,
    /// A CHECK's expression: its node tree (`conbin`) without the source positions, so
    /// that two checks of the same expression compare equal ([`node_tree_key`]).
    pub check: Option<String>,
    /// `NOT conislocal`: a CHECK that comes only from a parent (dropped there).
    pub inherited: bool,
}

/// A node tree as `pg_node_tree` prints it, without the `:location` of each node (where
/// its text began in the statement that created it).
pub fn node_tree_key(tree: &str) -> String {
    let mut out = String::with_capacity(tree.len());
    let mut rest = tree;
    while let Some(at) = rest.find(" :location ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " :location ".len()..];
        let digits = after
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
            .map_or(after.len(), |(i, _)| i);
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// Is pg_stat_statements there to read?
#[derive(Clone, Debug, Default, PartialEq)]
pub enum WorkloadSource {
    /// Not looked at (hand-built snapshots).
    #[default]
    Unknown,
    /// The extension is not created in this database.
    NotInstalled {
        preloaded: bool,
        preload_setting: String,
    },
    /// Created, but the library is not in shared_preload_libraries.
    NotPreloaded { preload_setting: String },
    /// Created at a version older than 1.8, whose columns (`total_time`, no `plans`) the
    /// advisors do not read.
    TooOld { version: String },
    /// Readable, from this schema.
    Installed { schema: String },
}

/// One statement of pg_stat_statements for this database (all users).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Statement {
    pub queryid: i64,
    pub role: String,
    /// Normalized text; `None` when another user's text is hidden from the caller.
    pub query: Option<String>,
    /// Run by a client (not from inside a function or DO block).
    pub toplevel: bool,
    pub calls: i64,
    pub total_exec_ms: f64,
    pub mean_exec_ms: f64,
    pub rows: i64,
    pub plans: i64,
    pub total_plan_ms: f64,
    pub shared_blks_hit: i64,
    pub shared_blks_read: i64,
    pub temp_blks_written: i64,
    /// What PostgreSQL's parser says a SELECT reads and filters on (`None`: not a plain
    /// SELECT, hidden, or not parsed).
    pub shape: Option<QueryShape>,
}

/// A SELECT's relations (FROM and JOIN) and its key filters: columns compared with `=` to
/// a parameter, a PL/pgSQL variable or an expression of them, not to another column of
/// the query.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryShape {
    pub relations: Vec<RelationRef>,
    /// (qualifier as written, column)
    pub keys: Vec<(Option<String>, String)>,
}

/// A relation as a statement names it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RelationRef {
    pub schema: Option<String>,
    pub name: String,
    pub alias: Option<String>,
}

impl Statement {
    pub fn rows_per_call(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.rows as f64 / self.calls as f64
        }
    }

    /// Shared-buffer hit ratio, `None` when it read no block at all.
    pub fn hit_ratio(&self) -> Option<f64> {
        let total = self.shared_blks_hit + self.shared_blks_read;
        (total > 0).then(|| self.shared_blks_hit as f64 / total as f64)
    }

    pub fn mean_plan_ms(&self) -> f64 {
        if self.plans == 0 {
            0.0
        } else {
            self.total_plan_ms / self.plans as f64
        }
    }
}

/// pg_stat_statements as seen by this run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Workload {
    pub source: WorkloadSource,
    /// `pg_stat_statements_info.stats_reset` and the window's length in seconds.
    pub since: Option<String>,
    pub seconds: f64,
    /// `pg_stat_statements_info.dealloc` and `pg_stat_statements.max`.
    pub dealloc: i64,
    pub max: i64,
    pub statements: Vec<Statement>,
}

impl Workload {
    /// "since pg_stat_statements was reset at ... (3 days)"
    pub fn describe_window(&self) -> String {
        match &self.since {
            Some(s) => format!(
                "since pg_stat_statements was reset at {s} ({})",
                human_duration(self.seconds)
            ),
            None => "since pg_stat_statements started counting".into(),
        }
    }

    /// Execution time of all top-level statements (nested statements run inside them).
    pub fn total_exec_ms(&self) -> f64 {
        self.statements
            .iter()
            .filter(|s| s.toplevel)
            .map(|s| s.total_exec_ms)
            .sum()
    }
}

/// What the what-if index advisor found for the workload: computed by the loader, which
/// plans the workload's statements with hypothetical indexes (src/whatif).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexAdvice {
    pub suggestions: Vec<IndexSuggestion>,
    /// Statements planned, and the workload's cost (ms of execution over the statistics
    /// window, as the planner's costs scale it) without and with every suggestion.
    pub statements: usize,
    pub cost_before_ms: f64,
    pub cost_after_ms: f64,
    /// Statements left out, by queryid, and why (no plan for them).
    pub skipped: Vec<(i64, String)>,
}

/// One index to build.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IndexSuggestion {
    /// The table's identity (`schema.table`, quoted).
    pub table: String,
    pub name: String,
    /// `CREATE INDEX CONCURRENTLY IF NOT EXISTS ...`, every identifier quoted.
    pub definition: String,
    /// Key columns (or expressions) as written in the definition.
    pub columns: Vec<String>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    pub estimated_bytes: i64,
    /// The statements whose plans use it (queryids).
    pub queryids: Vec<i64>,
    /// The workload's cost (ms over the window) without this index (the others built),
    /// and with every suggestion: their difference is what it saves.
    pub cost_without_ms: f64,
    pub cost_with_ms: f64,
}

impl IndexSuggestion {
    pub fn benefit_ms(&self) -> f64 {
        (self.cost_without_ms - self.cost_with_ms).max(0.0)
    }
}

/// Everything the rules read. Build with [`SnapshotBuilder`] or the extension's loader,
/// then call [`Snapshot::finish`] to build the lookup indexes.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The server's `server_version_num` (150004 for 15.4): what its SQL can do.
    pub server_version_num: u32,
    pub stats_window: StatsWindow,
    pub namespaces: HashMap<Oid, Namespace>,
    pub relations: HashMap<Oid, Relation>,
    pub attributes: HashMap<(Oid, i16), Attribute>,
    pub indexes: Vec<Index>,
    pub constraints: Vec<Constraint>,
    /// partition -> its parent (`pg_inherits` for partitions)
    pub partition_parent: HashMap<Oid, Oid>,
    /// A table that inherits the old way (`INHERITS`, not a partition) -> its parents.
    pub inherits: HashMap<Oid, Vec<Oid>>,
    /// (operator family, operator) pairs of btree and hash families (`pg_amop`).
    pub opfamily_ops: HashSet<(Oid, Oid)>,
    /// Indexes whose `CREATE INDEX CONCURRENTLY` is running (`pg_stat_progress_create_index`).
    pub indexes_in_progress: HashSet<Oid>,
    /// `pg_get_indexdef` of the indexes a rule may suggest dropping, loaded on demand
    /// (see `rules::indexes::definitions_needed`).
    pub index_defs: HashMap<Oid, String>,
    pub roles: HashMap<Oid, Role>,
    pub policies: Vec<Policy>,
    pub functions: HashMap<Oid, Function>,
    pub extensions: Vec<Extension>,
    /// Vacuum, analyze and freezing of each table and materialized view (part MAINTENANCE).
    pub maintenance: HashMap<Oid, Maintenance>,
    /// The server's autovacuum settings, this database's age, what holds the xmin horizon.
    pub server_maintenance: ServerMaintenance,
    /// Sequences with the columns they feed (part SEQUENCES).
    pub sequences: Vec<Sequence>,
    /// Sessions, connections and replication slots (part SESSIONS).
    pub activity: Activity,
    /// The server settings `setting_review` weighs (part SETTINGS).
    pub server_settings: ServerSettings,
    /// Estimated bloat of tables and btree indexes above a size floor (part BLOAT).
    pub bloat: Vec<Bloat>,
    /// Physical order of the columns large tables could be ranged by, by table and
    /// attnum (part COLUMN_ORDER).
    pub column_order: Vec<ColumnOrder>,
    /// Rewrite rules on tables (part TABLE_RULES).
    pub table_rules: Vec<TableRule>,
    /// (relation, 0) and (relation, attnum) of what has a comment (part COMMENTS).
    pub comments: HashSet<(Oid, i32)>,
    /// view -> the relations its query reads (`pg_rewrite` dependencies)
    pub view_sources: HashMap<Oid, Vec<Oid>>,
    /// Triggers of the audit trail (`advisor_audit_enable`).
    pub audit_triggers: Vec<AuditTrigger>,
    pub workload: Workload,
    /// Indexes the what-if planner suggests for the workload (part INDEX_ADVICE).
    pub index_advice: IndexAdvice,
    // lookup indexes built by finish()
    indexes_by_table: HashMap<Oid, Vec<usize>>,
    index_by_oid: HashMap<Oid, usize>,
    children: HashMap<Oid, Vec<Oid>>,
    /// (relation, hash of a column name) -> attnum ([`name_key`]; checked on lookup).
    attnum_by_name: HashMap<(Oid, u64), i16>,
    policies_by_table: HashMap<Oid, Vec<usize>>,
    /// (namespace, hash of the name) of every relation: finish() adds the loaded ones, the
    /// loader those it read only the name of ([`Snapshot::add_relation_name`]).
    relation_names: HashSet<(Oid, u64)>,
    /// Inputs several rules derive from this snapshot, made once (see [`Snapshot::shared`]).
    shared: shared::Shared,
}

/// A relation name as [`Snapshot::relation_name_taken`] keeps it (SipHash; a collision,
/// chosen or not, only makes a suggested name take a number it did not need).
fn name_key(name: impl AsRef<[u8]>) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one(name.as_ref())
}

/// Schemas that are never reported, whatever the configuration says.
pub fn is_system_schema(name: &str) -> bool {
    matches!(name, "pg_catalog" | "information_schema" | "pg_toast")
        || name.starts_with("pg_temp_")
        || name.starts_with("pg_toast_temp_")
}

impl Snapshot {
    /// Build the lookup indexes. Call once after filling the public fields.
    pub fn finish(mut self) -> Snapshot {
        self.finish_catalog();
        self.finish_run()
    }

    /// The lookups over the table parts (relations, columns, indexes): what
    /// [`Snapshot::catalog_only`] keeps.
    fn finish_catalog(&mut self) {
        self.indexes_by_table.clear();
        self.index_by_oid.clear();
        for (i, ix) in self.indexes.iter().enumerate() {
            self.indexes_by_table.entry(ix.table).or_default().push(i);
            self.index_by_oid.insert(ix.oid, i);
        }
        let names: Vec<(Oid, u64)> = self
            .relations
            .values()
            .map(|r| (r.namespace, name_key(&r.name)))
            .collect();
        self.relation_names.extend(names);
        self.attnum_by_name = self
            .attributes
            .iter()
            .map(|(&(rel, num), a)| ((rel, name_key(&a.name)), num))
            .collect();
    }

    /// The lookups over what every run loads again, after [`Snapshot::catalog_only`].
    pub fn finish_run(mut self) -> Snapshot {
        self.shared.clear();
        self.children.clear();
        for (&child, &parent) in &self.partition_parent {
            self.children.entry(parent).or_default().push(child);
        }
        for kids in self.children.values_mut() {
            kids.sort_unstable();
        }
        self.policies_by_table.clear();
        for (i, p) in self.policies.iter().enumerate() {
            self.policies_by_table.entry(p.table).or_default().push(i);
        }
        self
    }

    /// Only the table parts read from the catalogs (relations, columns, indexes,
    /// constraints, the names of other relations, each table's maintenance options) and
    /// their lookups: what a loader may keep for the next run while the catalogs do not
    /// change. Everything else is left empty, to be loaded again, then
    /// [`Snapshot::finish_run`]. (The statistics inside the relations, indexes and
    /// maintenance entries are the loader's to refresh.)
    pub fn catalog_only(self) -> Snapshot {
        Snapshot {
            server_version_num: self.server_version_num,
            relations: self.relations,
            attributes: self.attributes,
            indexes: self.indexes,
            constraints: self.constraints,
            maintenance: self.maintenance,
            indexes_by_table: self.indexes_by_table,
            index_by_oid: self.index_by_oid,
            attnum_by_name: self.attnum_by_name,
            relation_names: self.relation_names,
            ..Snapshot::default()
        }
    }

    /// `CREATE VIEW ... WITH (security_invoker = true)` exists from PostgreSQL 15 on.
    pub fn has_security_invoker_views(&self) -> bool {
        self.server_version_num >= 150000
    }

    /// A value derived from this snapshot that several rules use, made on first use and
    /// shared by the rules of a run (one value per type).
    pub fn shared<T: std::any::Any + Send + Sync>(&self, make: impl FnOnce() -> T) -> Arc<T> {
        self.shared.get(make)
    }

    /// [`Snapshot::shared`] for a value that depends on which schemas are in scope: made
    /// again, not shared, for a configuration that excludes other schemas (tests run one
    /// snapshot under several).
    pub fn shared_in_scope<T: std::any::Any + Send + Sync>(
        &self,
        config: &Config,
        make: impl Fn() -> T,
    ) -> Arc<T> {
        struct InScope<T>(Vec<String>, Arc<T>);
        let shared = self.shared(|| InScope(config.exclude_schemas.clone(), Arc::new(make())));
        if shared.0 == config.exclude_schemas {
            shared.1.clone()
        } else {
            Arc::new(make())
        }
    }

    pub fn relation(&self, oid: Oid) -> Option<&Relation> {
        self.relations.get(&oid)
    }

    pub fn schema_name(&self, rel: &Relation) -> &str {
        self.namespaces
            .get(&rel.namespace)
            .map(|n| n.name.as_str())
            .unwrap_or("?")
    }

    /// `pg_identify_object` identity of a relation: `schema.name`, quoted where needed.
    pub fn rel_identity(&self, oid: Oid) -> Cow<'_, str> {
        match self.relations.get(&oid) {
            Some(rel) => Cow::Borrowed(
                rel.identity
                    .get_or_init(|| quote::qualified(self.schema_name(rel), &rel.name)),
            ),
            None => Cow::Owned(format!("{oid}")),
        }
    }

    /// `pg_identify_object` identity of a table constraint: `name on schema.table`.
    pub fn constraint_identity(&self, c: &Constraint) -> String {
        format!(
            "{} on {}",
            quote::ident(&c.name),
            self.rel_identity(c.table)
        )
    }

    pub fn column_name(&self, rel: Oid, attnum: i16) -> Option<&str> {
        self.attributes.get(&(rel, attnum)).map(|a| a.name.as_str())
    }

    pub fn attnum(&self, rel: Oid, name: &str) -> Option<i16> {
        let num = *self.attnum_by_name.get(&(rel, name_key(name)))?;
        if self.column_name(rel, num) == Some(name) {
            return Some(num);
        }
        // two names of one table with the same 64-bit hash (never seen): look it up in full
        self.attributes
            .iter()
            .find(|(&(r, _), a)| r == rel && a.name == name)
            .map(|(&(_, n), _)| n)
    }

    pub fn indexes_on(&self, table: Oid) -> impl Iterator<Item = &Index> {
        self.indexes_by_table
            .get(&table)
            .into_iter()
            .flatten()
            .map(|&i| &self.indexes[i])
    }

    /// Whether the schema has a relation of this name (or, once in 2^64, another name of
    /// the same hash: a new name then takes a number it did not need).
    pub fn relation_name_taken(&self, namespace: Oid, name: &str) -> bool {
        self.relation_names.contains(&(namespace, name_key(name)))
    }

    /// Room for `n` more [`Snapshot::add_relation_name`]s.
    pub fn reserve_relation_names(&mut self, n: usize) {
        self.relation_names.reserve(n);
    }

    /// A relation that was not loaded, named so that new names avoid it.
    pub fn add_relation_name(&mut self, namespace: Oid, name: &str) {
        self.relation_names.insert((namespace, name_key(name)));
    }

    pub fn policies_on(&self, table: Oid) -> impl Iterator<Item = &Policy> {
        self.policies_by_table
            .get(&table)
            .into_iter()
            .flatten()
            .map(|&i| &self.policies[i])
    }

    /// A role's name, `PUBLIC` for 0, or the OID when unknown.
    pub fn role_name(&self, oid: Oid) -> String {
        if oid == PUBLIC {
            return "PUBLIC".into();
        }
        self.roles
            .get(&oid)
            .map_or_else(|| oid.to_string(), |r| r.name.clone())
    }

    /// A grantee as it is written in GRANT/REVOKE: `PUBLIC` or the quoted role name.
    pub fn grantee_sql(&self, oid: Oid) -> String {
        if oid == PUBLIC {
            "PUBLIC".into()
        } else {
            quote::ident(&self.role_name(oid))
        }
    }

    pub fn index(&self, oid: Oid) -> Option<&Index> {
        self.index_by_oid.get(&oid).map(|&i| &self.indexes[i])
    }

    /// Direct partitions of a partitioned table (or index), in OID order.
    pub fn partitions(&self, parent: Oid) -> &[Oid] {
        self.children.get(&parent).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All leaf partitions below `parent` (tables that hold rows, or for a partitioned
    /// index the leaf indexes attached below it), depth first.
    pub fn leaf_partitions(&self, parent: Oid) -> Vec<Oid> {
        let mut leaves = Vec::new();
        let mut stack: Vec<Oid> = self.partitions(parent).iter().rev().copied().collect();
        while let Some(oid) = stack.pop() {
            let kids = self.partitions(oid);
            if kids.is_empty() {
                if self
                    .relation(oid)
                    .is_some_and(|r| matches!(r.kind, RelKind::Table | RelKind::Index))
                {
                    leaves.push(oid);
                }
            } else {
                stack.extend(kids.iter().rev());
            }
        }
        leaves
    }

    /// The relation itself, or for a partitioned table all its leaf partitions:
    /// where its rows, bytes and DML counters actually live.
    pub fn storage_relations(&self, oid: Oid) -> Vec<&Relation> {
        match self.relation(oid) {
            Some(r) if r.kind == RelKind::PartitionedTable => self
                .leaf_partitions(oid)
                .into_iter()
                .filter_map(|o| self.relation(o))
                .collect(),
            Some(r) => vec![r],
            None => Vec::new(),
        }
    }

    /// Estimated rows (`reltuples`, else live tuples from the stats), summed over partitions.
    pub fn estimated_rows(&self, oid: Oid) -> f64 {
        self.rows_and_bytes(oid).0
    }

    pub fn total_bytes(&self, oid: Oid) -> i64 {
        self.rows_and_bytes(oid).1
    }

    /// [`Snapshot::estimated_rows`] and [`Snapshot::total_bytes`] at once.
    pub fn rows_and_bytes(&self, oid: Oid) -> (f64, i64) {
        self.storage_relations(oid)
            .iter()
            .fold((0.0, 0), |(rows, bytes), r| {
                let r_rows = if r.reltuples >= 0.0 {
                    r.reltuples
                } else {
                    r.stats.as_ref().map(|s| s.n_live_tup as f64).unwrap_or(0.0)
                };
                (rows + r_rows, bytes + r.size_bytes)
            })
    }

    /// DML counters summed over the relation and its partitions; `None` when none has stats.
    pub fn table_stats(&self, oid: Oid) -> Option<TableStats> {
        let mut rels = self.storage_relations(oid);
        if let Some(r) = self.relation(oid) {
            if r.kind == RelKind::PartitionedTable {
                rels.push(r);
            }
        }
        let mut total: Option<TableStats> = None;
        for s in rels.iter().filter_map(|r| r.stats.as_deref()) {
            *total.get_or_insert_with(TableStats::default) += *s;
        }
        total
    }

    /// Whether findings about this relation may be reported: not in a system or excluded
    /// schema, not owned by an extension.
    pub fn in_scope(&self, rel: &Relation, config: &Config) -> bool {
        let schema = self.schema_name(rel);
        !rel.extension_member && !is_system_schema(schema) && !config.is_schema_excluded(schema)
    }

    /// Whether the btree/hash operator family `opfamily` contains `operator`.
    pub fn opfamily_has(&self, opfamily: Oid, operator: Oid) -> bool {
        self.opfamily_ops.contains(&(opfamily, operator))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_index_definitions_read_like_pg_get_indexdef() {
        let mut b = SnapshotBuilder::new();
        let t = b.table(
            "Sales Dept",
            "order",
            &["id", "Customer \"Id\"", "select", "note"],
        );
        let i = b.index_named(t, "Order Idx", &["Customer \"Id\"", "select", "note"]);
        i.plain = true;
        i.unique = true;
        i.n_key = 2;
        let plain = i.oid;
        let e = b.index(t, &["id"]);
        let not_plain = e.oid;
        let snap = b.build();
        assert_eq!(
            snap.index(plain)
                .unwrap()
                .plain_definition(&snap)
                .as_deref(),
            Some(
                "CREATE UNIQUE INDEX \"Order Idx\" ON \"Sales Dept\".\"order\" USING btree \
                 (\"Customer \"\"Id\"\"\", \"select\") INCLUDE (note)"
            )
        );
        assert_eq!(snap.index(not_plain).unwrap().plain_definition(&snap), None);
    }

    #[test]
    fn system_schemas() {
        assert!(is_system_schema("pg_catalog"));
        assert!(is_system_schema("pg_temp_3"));
        assert!(!is_system_schema("public"));
        assert!(!is_system_schema("pg_tempest"));
    }
}
