-- Replication slots: active or not, and the WAL each keeps (from its restart point to the
-- current position; on a standby, to the last position received).
SELECT s.slot_name::text, s.slot_type, s.database::text, s.active,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                            ELSE pg_current_wal_lsn() END, s.restart_lsn)::int8,
       s.wal_status
FROM pg_replication_slots s
ORDER BY s.slot_name
