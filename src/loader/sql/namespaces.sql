-- User schemas: never pg_catalog, information_schema, pg_toast or temporary schemas.
SELECT n.oid::int8, n.nspname::text, n.nspowner::int8
FROM pg_namespace n
WHERE {user_schema}
