-- Is pg_stat_statements preloaded (its settings exist only then), created in this
-- database (where), and how big? shared_preload_libraries itself is visible only to
-- superusers and pg_read_all_settings: NULL for others. Its version 1.9 (PostgreSQL 14)
-- added pg_stat_statements_info and the toplevel column; the advisors read 1.8 and later
-- (total_exec_time and plans, PostgreSQL 13).
SELECT (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'),
       (SELECT n.nspname::text FROM pg_extension e
        JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_stat_statements'),
       coalesce(current_setting('pg_stat_statements.max', true), '0')::int8,
       EXISTS (SELECT 1 FROM pg_settings WHERE name = 'pg_stat_statements.max'),
       (SELECT string_to_array(e.extversion, '.')::int[] >= '{1,9}' FROM pg_extension e
        WHERE e.extname = 'pg_stat_statements'),
       (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pg_stat_statements'),
       (SELECT string_to_array(e.extversion, '.')::int[] >= '{1,8}' FROM pg_extension e
        WHERE e.extname = 'pg_stat_statements')
