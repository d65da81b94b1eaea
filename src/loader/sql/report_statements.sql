-- The twenty statements of this database with the most execution time ({pss} is
-- pg_stat_statements' schema; version 1.8 or later): the report shows the first ten
-- that are not the advisor's own.
SELECT coalesce(s.query, '(hidden: another user''s statement)'), s.calls::int8,
       s.total_exec_time::float8, s.queryid
FROM {pss}.pg_stat_statements s
WHERE s.dbid = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
ORDER BY s.total_exec_time DESC
LIMIT 20
