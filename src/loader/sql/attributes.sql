-- Live columns of tables, views and the like in user schemas.
SELECT a.attrelid::int8, a.attnum, a.attname::text, a.attcollation::int8
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {user_schema}
