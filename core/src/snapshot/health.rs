//! What the health rules read: how vacuum, analyze and freezing keep up with each table
//! (part MAINTENANCE), the server's autovacuum settings and what holds the xmin horizon
//! back, and sequences with the columns they feed (part SEQUENCES).

use super::Oid;

/// Vacuum, analyze and freezing of one table or materialized view (`pg_stat_all_tables`,
/// `pg_class.relfrozenxid`/`relminmxid`, `reloptions`). Times are seconds before the
/// snapshot was taken; `None` when it never happened in the statistics' memory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Maintenance {
    pub dead_tuples: i64,
    pub mod_since_analyze: i64,
    /// The last vacuum of either kind, and whether it was autovacuum's.
    pub vacuumed_ago: Option<f64>,
    pub autovacuumed: bool,
    pub vacuum_count: i64,
    pub analyzed_ago: Option<f64>,
    pub autoanalyzed: bool,
    /// `age(relfrozenxid)`, the larger of the table's and its TOAST table's.
    pub xid_age: i64,
    /// `mxid_age(relminmxid)`, likewise.
    pub mxid_age: i64,
    /// The table's `reloptions`, as stored (`autovacuum_enabled=false`), and its TOAST
    /// table's prefixed with `toast.`.
    pub options: Vec<String>,
}

impl Maintenance {
    /// A storage parameter's value as written (the last one set wins).
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options.iter().rev().find_map(|o| {
            let (k, v) = o.split_once('=')?;
            (k == name).then_some(v)
        })
    }

    pub fn option_f64(&self, name: &str) -> Option<f64> {
        self.option(name)?.trim().parse().ok()
    }

    /// A boolean storage parameter, read as PostgreSQL reads one (`parse_bool`).
    pub fn option_bool(&self, name: &str) -> Option<bool> {
        parse_bool(self.option(name)?)
    }
}

/// PostgreSQL's `parse_bool`: true/false, yes/no, on/off, 1/0, any unique prefix, any case.
pub fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    if v.is_empty() {
        return None;
    }
    let is_prefix = |word: &str, min: usize| v.len() >= min && word.starts_with(v.as_str());
    if is_prefix("true", 1) || is_prefix("yes", 1) || is_prefix("on", 2) || v == "1" {
        Some(true)
    } else if is_prefix("false", 1) || is_prefix("no", 1) || is_prefix("off", 2) || v == "0" {
        Some(false)
    } else {
        None
    }
}

/// The server's side of maintenance (part MAINTENANCE).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerMaintenance {
    /// `current_database()`
    pub database: String,
    /// `age(datfrozenxid)` and `mxid_age(datminmxid)` of this database.
    pub database_xid_age: i64,
    pub database_mxid_age: i64,
    /// `autovacuum` and `track_counts` (autovacuum needs both).
    pub autovacuum: bool,
    pub track_counts: bool,
    pub vacuum_threshold: f64,
    pub vacuum_scale_factor: f64,
    pub analyze_threshold: f64,
    pub analyze_scale_factor: f64,
    pub freeze_max_age: i64,
    pub multixact_freeze_max_age: i64,
    /// What keeps vacuum from freezing or removing rows: the oldest transactions,
    /// prepared transactions and replication slots, oldest first.
    pub xmin_holders: Vec<XminHolder>,
}

impl Default for ServerMaintenance {
    /// PostgreSQL's defaults.
    fn default() -> Self {
        ServerMaintenance {
            database: String::new(),
            database_xid_age: 0,
            database_mxid_age: 0,
            autovacuum: true,
            track_counts: true,
            vacuum_threshold: 50.0,
            vacuum_scale_factor: 0.2,
            analyze_threshold: 50.0,
            analyze_scale_factor: 0.1,
            freeze_max_age: 200_000_000,
            multixact_freeze_max_age: 400_000_000,
            xmin_holders: Vec::new(),
        }
    }
}

/// Something that holds the xmin horizon back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct XminHolder {
    /// `session`, `prepared transaction` or `replication slot`.
    pub kind: &'static str,
    /// "pid 4242 (app, user alice, database shop)", the transaction's gid, the slot's name.
    pub name: String,
    /// Transactions since its xmin.
    pub age: i64,
}

/// Sessions, connections and replication slots (part SESSIONS).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Activity {
    /// Client sessions of this database but the advisor's own.
    pub sessions: Vec<Session>,
    /// Client connections of the whole server, `max_connections`, and the connections
    /// reserved for superusers (and, from PostgreSQL 16, `reserved_connections`).
    pub connections: i64,
    pub max_connections: i64,
    pub reserved_connections: i64,
    pub slots: Vec<ReplicationSlot>,
    /// The database this runs in: logical slots of other databases are theirs to report.
    pub database: String,
}

/// The server settings `setting_review` weighs, as this session sees them (part SETTINGS).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerSettings {
    /// Whether they were read (a run without the part leaves the defaults).
    pub loaded: bool,
    /// `current_database()`
    pub database: String,
    pub block_size: i64,
    pub shared_buffers: i64,
    pub effective_cache_size: i64,
    pub random_page_cost: f64,
    pub seq_page_cost: f64,
    pub track_io_timing: bool,
    /// 0: off.
    pub idle_in_transaction_timeout_ms: i64,
    /// This database's buffer hits and reads since its statistics were reset.
    pub blks_hit: i64,
    pub blks_read: i64,
}

impl Default for ServerSettings {
    /// PostgreSQL's defaults.
    fn default() -> Self {
        ServerSettings {
            loaded: false,
            database: String::new(),
            block_size: 8192,
            shared_buffers: 128 << 20,
            effective_cache_size: 4 << 30,
            random_page_cost: 4.0,
            seq_page_cost: 1.0,
            track_io_timing: false,
            idle_in_transaction_timeout_ms: 0,
            blks_hit: 0,
            blks_read: 0,
        }
    }
}

/// One client session (`pg_stat_activity`). Durations in seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    pub pid: i32,
    pub user: String,
    pub application: String,
    /// The client's address, or `local`.
    pub client: String,
    /// `active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`, ...
    pub state: String,
    pub transaction_seconds: Option<f64>,
    pub query_seconds: Option<f64>,
    pub state_seconds: Option<f64>,
    /// `wait_event_type:wait_event` while it waits.
    pub wait: Option<String>,
    /// The sessions holding the lock it waits for (`pg_blocking_pids`).
    pub blocked_by: Vec<i32>,
    /// Its current or last statement, shortened; `None` when the caller may not see it.
    pub query: Option<String>,
}

/// A replication slot (`pg_replication_slots`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReplicationSlot {
    pub name: String,
    /// `physical` or `logical`.
    pub kind: String,
    /// A logical slot's database.
    pub database: Option<String>,
    pub active: bool,
    /// WAL kept for it: from its `restart_lsn` to the current position.
    pub retained_bytes: Option<i64>,
    /// `reserved`, `extended`, `unreserved` or `lost`.
    pub wal_status: Option<String>,
}

/// Estimated bloat of a table or btree index (part BLOAT).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bloat {
    pub oid: Oid,
    /// The table (the index's table, for an index).
    pub table: Oid,
    pub index: bool,
    /// Its size, and the size its live rows would need at its fillfactor.
    pub bytes: i64,
    pub expected_bytes: i64,
    pub rows: f64,
}

impl Bloat {
    pub fn wasted_bytes(&self) -> i64 {
        (self.bytes - self.expected_bytes).max(0)
    }

    pub fn wasted_share(&self) -> f64 {
        self.wasted_bytes() as f64 / self.bytes.max(1) as f64
    }
}

/// How one column of a large table follows the rows' order on disk (part COLUMN_ORDER):
/// the leading columns of btree indexes, date/time columns and columns fed by a sequence.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnOrder {
    pub table: Oid,
    pub attnum: i16,
    /// `pg_stats.correlation`: 1 when the values rise with the rows' place on disk, -1
    /// when they fall, about 0 when unrelated.
    pub correlation: f64,
    /// Fed by an identity or a default drawing from a sequence.
    pub sequential: bool,
    /// A default BRIN operator class takes its type.
    pub brin: bool,
}

/// A sequence and the columns it feeds (part SEQUENCES).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sequence {
    pub oid: Oid,
    /// `int2`, `int4` or `int8`.
    pub type_name: String,
    pub min: i64,
    pub max: i64,
    pub increment: i64,
    pub cycle: bool,
    /// `pg_sequence_last_value`: `None` when never used, or not readable by the caller.
    pub last_value: Option<i64>,
    /// (table, column) it feeds: owned by (serial, identity) or named in a default.
    pub columns: Vec<(Oid, i16)>,
    /// The column whose `serial` (or `bigserial`) made it: owned by it, not an identity.
    pub serial_of: Option<(Oid, i16)>,
}

/// The largest value a column of this integer type holds, `None` for another type.
pub fn integer_type_max(type_name: &str) -> Option<i64> {
    match type_name {
        "int2" => Some(i16::MAX as i64),
        "int4" => Some(i32::MAX as i64),
        "int8" => Some(i64::MAX),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_as_postgres_reads_them() {
        for v in ["false", "OFF", "no", "0", "f", "n", " False "] {
            assert_eq!(parse_bool(v), Some(false), "{v}");
        }
        for v in ["true", "on", "YES", "1", "t", "y"] {
            assert_eq!(parse_bool(v), Some(true), "{v}");
        }
        for v in ["", "o", "maybe", "2"] {
            assert_eq!(parse_bool(v), None, "{v}");
        }
    }

    #[test]
    fn options_last_wins() {
        let m = Maintenance {
            options: vec![
                "fillfactor=90".into(),
                "autovacuum_enabled=false".into(),
                "autovacuum_vacuum_scale_factor=0.01".into(),
            ],
            ..Maintenance::default()
        };
        assert_eq!(m.option_bool("autovacuum_enabled"), Some(false));
        assert_eq!(m.option_f64("autovacuum_vacuum_scale_factor"), Some(0.01));
        assert_eq!(m.option("toast.autovacuum_enabled"), None);
    }
}
