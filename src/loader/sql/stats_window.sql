-- Where cumulative statistics start: the last stats reset of this database, or the
-- server start when they were never reset (ISO text whatever the DateStyle).
SELECT to_char(coalesce(d.stats_reset, pg_postmaster_start_time()), 'YYYY-MM-DD HH24:MI:SSOF'),
       d.stats_reset IS NOT NULL,
       extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8
FROM pg_stat_database d
WHERE d.datname = current_database()
