-- pg_get_indexdef for the few indexes a rule suggests dropping or rebuilding ($1).
SELECT o::int8, pg_get_indexdef(o)
FROM unnest($1::oid[]) AS o
WHERE EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = o)
