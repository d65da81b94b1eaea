-- Client connections of the whole server against what max_connections leaves to them
-- (reserved_connections exists from PostgreSQL 16).
SELECT (SELECT count(*) FROM pg_stat_activity a WHERE a.backend_type = 'client backend')::int8,
       current_setting('max_connections')::int8,
       current_setting('superuser_reserved_connections')::int8
       + coalesce(current_setting('reserved_connections', true)::int8, 0),
       current_database()::text
