-- Indexes on tables in user schemas: key and INCLUDE columns (0 = expression), operator
-- classes and collations per key column, state flags.
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
       i.indisprimary
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am am ON am.oid = c.relam
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
