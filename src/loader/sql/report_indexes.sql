-- The fifteen largest indexes of the user schemas (not on an extension's tables), with
-- their scans.
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), pg_relation_size(c.oid),
       coalesce(pg_stat_get_numscans(c.oid), 0)
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = i.indrelid AND d.deptype = 'e')
ORDER BY pg_relation_size(c.oid) DESC, 1
LIMIT 15
