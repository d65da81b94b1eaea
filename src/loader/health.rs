//! The health parts of a snapshot that are not per-table: the server's autovacuum
//! settings, this database's age and what holds the xmin horizon back (MAINTENANCE),
//! sequences with their last values (SEQUENCES), sessions, connections and replication
//! slots (SESSIONS). Per-table maintenance comes with the
//! `pg_class` scan (`catalog::relations`).

use super::{col, each_row, oid, text, Columns};
use database_advisor_core::quote::printable_sql;
use database_advisor_core::snapshot::health::parse_bool;
use database_advisor_core::snapshot::{
    Bloat, ColumnOrder, Oid, ReplicationSlot, Sequence, ServerMaintenance, ServerSettings, Session,
    Snapshot, XminHolder,
};
use pgrx::pg_sys;
use pgrx::spi::{SpiClient, SpiResult};

/// A setting's current value as `SHOW` prints it (`None` when the server has no such
/// setting).
fn setting(name: &str) -> Option<String> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: a GUC lookup by name; the value is copied at once
    unsafe {
        let value = pg_sys::GetConfigOption(name.as_ptr(), true, false);
        (!value.is_null()).then(|| {
            std::ffi::CStr::from_ptr(value)
                .to_string_lossy()
                .into_owned()
        })
    }
}

pub(super) fn load_maintenance(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    let defaults = ServerMaintenance::default();
    let number = |name: &str, default: f64| {
        setting(name)
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(default)
    };
    let on = |name: &str| setting(name).and_then(|v| parse_bool(&v)).unwrap_or(true);
    let mut server = ServerMaintenance {
        autovacuum: on("autovacuum"),
        track_counts: on("track_counts"),
        vacuum_threshold: number("autovacuum_vacuum_threshold", defaults.vacuum_threshold),
        vacuum_scale_factor: number(
            "autovacuum_vacuum_scale_factor",
            defaults.vacuum_scale_factor,
        ),
        analyze_threshold: number("autovacuum_analyze_threshold", defaults.analyze_threshold),
        analyze_scale_factor: number(
            "autovacuum_analyze_scale_factor",
            defaults.analyze_scale_factor,
        ),
        freeze_max_age: number("autovacuum_freeze_max_age", defaults.freeze_max_age as f64) as i64,
        multixact_freeze_max_age: number(
            "autovacuum_multixact_freeze_max_age",
            defaults.multixact_freeze_max_age as f64,
        ) as i64,
        ..defaults
    };
    each_row(client, include_str!("sql/database_age.sql"), |row| {
        server.database = text(row, 1)?;
        server.database_xid_age = col(row, 2)?;
        server.database_mxid_age = col(row, 3)?;
        Ok(())
    })?;
    each_row(client, include_str!("sql/xmin_holders.sql"), |row| {
        let kind = match text(row, 1)?.as_str() {
            "session" => "session",
            "prepared transaction" => "prepared transaction",
            _ => "replication slot",
        };
        let (name, user, application, database) =
            (text(row, 2)?, text(row, 3)?, text(row, 4)?, text(row, 5)?);
        let name = match kind {
            "session" => format!(
                "pid {name} (user {user}, application \"{application}\", database {database})"
            ),
            "prepared transaction" => format!("{name} (owner {user}, database {database})"),
            _ => format!("{name} ({application} slot, database {database})"),
        };
        server.xmin_holders.push(XminHolder {
            kind,
            name: printable_sql(&name),
            age: col(row, 6)?,
        });
        Ok(())
    })?;
    snap.server_maintenance = server;
    Ok(())
}

pub(super) fn load_sequences(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    let sequences = &mut snap.sequences;
    each_row(client, include_str!("sql/sequences.sql"), |row| {
        let oid = oid(row, 1)?;
        if sequences.last().is_none_or(|s| s.oid != oid) {
            let unlogged = text(row, 7)? == "u";
            sequences.push(Sequence {
                oid,
                type_name: text(row, 2)?,
                min: col(row, 3)?,
                max: col(row, 4)?,
                increment: col(row, 5)?,
                cycle: col(row, 6)?,
                last_value: last_value(oid, unlogged),
                columns: Vec::new(),
                serial_of: None,
            });
        }
        if let (Some(table), Some(column)) = (row.get::<i64>(8)?, row.get::<i16>(9)?) {
            if let Some(s) = sequences.last_mut() {
                if !s.columns.contains(&(table as Oid, column)) {
                    s.columns.push((table as Oid, column));
                }
                if col::<bool>(row, 10)? {
                    s.serial_of = Some((table as Oid, column));
                }
            }
        }
        Ok(())
    })
}

/// The sequence's last value as `pg_sequence_last_value` gives it (`None` when it was
/// never called, or the caller may neither select nor use it), read from its page under
/// a lock released at once: held to the end of the run, a lock per sequence could fill
/// the lock table on a database of thousands.
fn last_value(oid: Oid, unlogged: bool) -> Option<i64> {
    /// `FormData_pg_sequence_data` (commands/sequence.h), the same on every version
    /// (`is_called` a C bool: read as a byte, any byte is a valid one).
    #[repr(C)]
    struct SequenceData {
        last_value: i64,
        log_cnt: i64,
        is_called: u8,
    }
    const SEQ_MAGIC: u32 = 0x1717;
    let relid = pg_sys::Oid::from(oid);
    // SAFETY: the privilege check and the open go by OID (no name resolved); the page is
    // read pinned and share-locked, checked to be a sequence page with one tuple, as
    // read_seq_tuple does; lock, pin and relation are released before returning.
    unsafe {
        let mode = pg_sys::ACL_SELECT | pg_sys::ACL_USAGE;
        if pg_sys::pg_class_aclcheck(relid, pg_sys::GetUserId(), mode as _)
            != pg_sys::AclResult::ACLCHECK_OK
        {
            return None;
        }
        // an unlogged sequence has no data on a standby
        if unlogged && pg_sys::RecoveryInProgress() {
            return None;
        }
        let rel = pg_sys::try_relation_open(relid, pg_sys::AccessShareLock as _);
        if rel.is_null() {
            return None; // dropped since the query read it
        }
        let mut out = None;
        if (*(*rel).rd_rel).relkind as u8 == b'S' {
            let buf = pg_sys::ReadBuffer(rel, 0);
            pg_sys::LockBuffer(buf, pg_sys::BUFFER_LOCK_SHARE as _);
            let page = pg_sys::BufferGetPage(buf) as *const u8;
            let header = page as *const pg_sys::PageHeaderData;
            let special = (*header).pd_special as usize;
            let lower = (*header).pd_lower as usize;
            let first_line = std::mem::offset_of!(pg_sys::PageHeaderData, pd_linp);
            if special + 4 <= pg_sys::BLCKSZ as usize
                && std::ptr::read_unaligned(page.add(special) as *const u32) == SEQ_MAGIC
                && lower > first_line
            {
                // the one tuple, and its data, inside the page's item space
                let item = (*header).pd_linp.as_ptr();
                let offset = (*item).lp_off() as usize;
                let header_size = std::mem::size_of::<pg_sys::HeapTupleHeaderData>();
                if offset >= lower && offset + header_size <= special {
                    let tuple = page.add(offset) as *const pg_sys::HeapTupleHeaderData;
                    let start = offset + (*tuple).t_hoff as usize;
                    if start + std::mem::size_of::<SequenceData>() <= special {
                        let data = std::ptr::read_unaligned(page.add(start) as *const SequenceData);
                        out = (data.is_called != 0).then_some(data.last_value);
                    }
                }
            }
            pg_sys::UnlockReleaseBuffer(buf);
        }
        pg_sys::relation_close(rel, pg_sys::AccessShareLock as _);
        out
    }
}

pub(super) fn load_sessions(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    let a = &mut snap.activity;
    each_row(client, include_str!("sql/connections.sql"), |row| {
        a.connections = col(row, 1)?;
        a.max_connections = col(row, 2)?;
        a.reserved_connections = col(row, 3)?;
        a.database = text(row, 4)?;
        Ok(())
    })?;
    // names and statements are anyone's text: kept printable (they go into details)
    let shown = |row: &super::Row, i| -> SpiResult<String> { Ok(printable_sql(&text(row, i)?)) };
    each_row(client, include_str!("sql/sessions.sql"), |row| {
        a.sessions.push(Session {
            pid: col(row, 1)?,
            user: shown(row, 2)?,
            application: shown(row, 3)?,
            client: text(row, 4)?,
            state: text(row, 5)?,
            transaction_seconds: row.get(6)?,
            query_seconds: row.get(7)?,
            state_seconds: row.get(8)?,
            wait: row.text(9)?,
            blocked_by: col(row, 10)?,
            query: row.text(11)?.map(|q| printable_sql(q.trim())),
        });
        Ok(())
    })?;
    each_row(client, include_str!("sql/replication_slots.sql"), |row| {
        a.slots.push(ReplicationSlot {
            name: text(row, 1)?,
            kind: text(row, 2)?,
            database: row.text(3)?,
            active: col(row, 4)?,
            retained_bytes: row.get(5)?,
            wal_status: row.text(6)?,
        });
        Ok(())
    })
}

/// The server settings setting_review weighs.
pub(super) fn load_settings(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    let s = &mut snap.server_settings;
    each_row(client, include_str!("sql/server_settings.sql"), |row| {
        *s = ServerSettings {
            loaded: true,
            database: text(row, 1)?,
            block_size: col(row, 2)?,
            shared_buffers: col(row, 3)?,
            effective_cache_size: col(row, 4)?,
            random_page_cost: col(row, 5)?,
            seq_page_cost: col(row, 6)?,
            track_io_timing: col(row, 7)?,
            idle_in_transaction_timeout_ms: col(row, 8)?,
            blks_hit: col(row, 9)?,
            blks_read: col(row, 10)?,
        };
        Ok(())
    })
}

/// How the columns large tables could be ranged by follow the rows' order on disk.
pub(super) fn load_column_order(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    use database_advisor_core::rules::design::layout::MIN_BYTES;
    let min_pages = (MIN_BYTES / i64::from(pg_sys::BLCKSZ)) as i32;
    let query = super::sql(include_str!("sql/column_order.sql"));
    super::own_queries::remember(&query, &[pg_sys::INT4OID]);
    for row in client.select(&query, None, &[min_pages.into()])? {
        let attnum: i32 = col(&row, 2)?;
        snap.column_order.push(ColumnOrder {
            table: oid(&row, 1)?,
            attnum: attnum as i16,
            correlation: col(&row, 3)?,
            sequential: col(&row, 4)?,
            brin: col(&row, 5)?,
        });
    }
    Ok(())
}

/// Estimated bloat of the tables and btree indexes of at least `rules::health::bloat::MIN_BYTES`.
pub(super) fn load_bloat(client: &SpiClient<'_>, snap: &mut Snapshot) -> SpiResult<()> {
    use database_advisor_core::rules::health::bloat::MIN_BYTES;
    let min_pages = (MIN_BYTES / i64::from(pg_sys::BLCKSZ)) as i32;
    let query = super::sql(include_str!("sql/bloat.sql"));
    super::own_queries::remember(&query, &[pg_sys::INT4OID]);
    for row in client.select(&query, None, &[min_pages.into()])? {
        snap.bloat.push(Bloat {
            oid: oid(&row, 1)?,
            table: oid(&row, 2)?,
            index: text(&row, 3)? == "index",
            bytes: col(&row, 4)?,
            expected_bytes: col(&row, 5)?,
            rows: col(&row, 6)?,
        });
    }
    Ok(())
}
