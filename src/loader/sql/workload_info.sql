-- pg_stat_statements' own window and evictions ({pgss} is its schema).
SELECT i.dealloc, to_char(i.stats_reset, 'YYYY-MM-DD HH24:MI:SSOF'),
       extract(epoch FROM now() - i.stats_reset)::float8
FROM {pgss}.pg_stat_statements_info i
