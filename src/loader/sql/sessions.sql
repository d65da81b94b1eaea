-- Client sessions of this database but the advisor's own: state, how long the
-- transaction, the statement and the state have lasted (seconds), what each waits on and,
-- when it waits for a lock, who holds it. Another role's statement is hidden unless the
-- caller has pg_read_all_stats (pg_stat_activity then shows a placeholder, left out here).
SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, ''),
       coalesce(host(a.client_addr), 'local'), coalesce(a.state, ''),
       extract(epoch FROM clock_timestamp() - a.xact_start)::float8,
       extract(epoch FROM clock_timestamp() - a.query_start)::float8,
       extract(epoch FROM clock_timestamp() - a.state_change)::float8,
       a.wait_event_type || ':' || a.wait_event,
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END,
       CASE WHEN a.query <> '<insufficient privilege>' THEN left(a.query, 300) END
FROM pg_stat_activity a
WHERE a.datname = current_database() AND a.backend_type = 'client backend'
  AND a.pid <> pg_backend_pid()
ORDER BY a.pid
