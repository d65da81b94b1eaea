-- pg_stat_statements' own window and evictions ({pgss} is its schema).
SELECT i.dealloc, date_trunc('second', i.stats_reset)::text,
       extract(epoch FROM now() - i.stats_reset)::float8
FROM {pgss}.pg_stat_statements_info i
