-- The plain-SQL reference: the missing-FK-index check done directly over pg_catalog, the
-- way SQL-only linters do it (an FK is covered when some index's leading key columns
-- contain its columns).
SELECT c.conrelid::regclass AS table_name, c.conname
FROM pg_constraint c
JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'f'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (
      SELECT 1 FROM pg_index i
      WHERE i.indrelid = c.conrelid
        AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
  )
