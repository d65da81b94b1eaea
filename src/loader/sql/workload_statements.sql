-- Statements of this database from pg_stat_statements ({pgss} is its schema), all users;
-- another user's text is hidden unless the caller has pg_read_all_stats (queryid NULL).
-- The loader's own statements are left out afterwards, by queryid. {toplevel} is
-- s.toplevel, or true before pg_stat_statements 1.9 (which cannot tell).
SELECT s.queryid, coalesce(r.rolname::text, s.userid::text),
       CASE WHEN s.queryid IS NULL THEN NULL ELSE s.query END,
       s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.plans, s.total_plan_time,
       s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written, {toplevel}
FROM {pgss}.pg_stat_statements s
LEFT JOIN pg_roles r ON r.oid = s.userid
WHERE s.dbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
