-- Live columns of tables, views and the like in user schemas, with their type's name,
-- category and schema (typname and schema: cheap, and quoted by the rules for a cast).
SELECT a.attrelid::int8, a.attnum, a.attname::text, a.attcollation::int8,
       t.typname::text, t.typcategory::text, tn.nspname::text
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_namespace tn ON tn.oid = t.typnamespace
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {user_schema}
