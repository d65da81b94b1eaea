-- Indexes on tables in user schemas: key and INCLUDE columns (0 = expression), operator
-- classes, collations and sort options per key column, state flags and scans. Expressions
-- and predicates are deparsed by PostgreSQL itself, and only for the indexes that have them.
-- Scans only when a rule reads them (the loader writes true or false for index_stats).
SELECT i.indexrelid::int8,
       i.indrelid::int8,
       am.amname::text,
       i.indkey::int2[],
       i.indnkeyatts::int8,
       i.indclass::oid[]::int8[],
       i.indcollation::oid[]::int8[],
       i.indisvalid,
       i.indisready,
       i.indislive,
       i.indpred IS NOT NULL,
       i.indisunique,
       i.indisprimary,
       i.indoption::int2[],
       CASE WHEN i.indexprs IS NOT NULL THEN
           ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                             THEN pg_get_indexdef(i.indexrelid, k, true) END
                 FROM generate_series(1, i.indnatts) AS k ORDER BY k)
       END,
       CASE WHEN i.indpred IS NOT NULL THEN pg_get_expr(i.indpred, i.indrelid, true) END,
       i.indisexclusion,
       i.indisreplident,
       CASE WHEN {index_stats} AND c.relkind = 'i' THEN pg_stat_get_numscans(i.indexrelid) END,
       CASE WHEN {index_stats} AND c.relkind = 'i' THEN pg_stat_get_tuples_fetched(i.indexrelid) END
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
