-- Estimated bloat of tables (and materialized views) and btree indexes of at least $1
-- pages, from the planner's statistics: how many pages the live rows would fill at the
-- relation's fillfactor, from each column's average width and share of NULLs in pg_stats,
-- against the pages it has (the estimate PgHero's and the well-known bloat queries make;
-- no pgstattuple needed). A relation with a column pg_stats has no row for (never
-- analyzed, or not readable by the caller) is left out: its estimate would be wrong.
-- Expression and partial indexes are left out for the same reason.
WITH bs AS (
    SELECT current_setting('block_size')::int AS bs
), tables AS (
    SELECT c.oid, c.relpages, c.reltuples, n.nspname, c.relname,
           coalesce((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o
                     WHERE o.option_name = 'fillfactor'), 100) AS fillfactor
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm') AND c.relpages >= $1 AND c.reltuples > 0 AND {user_schema}
), columns AS (
    SELECT t.oid, a.attnum, s.avg_width, s.null_frac
    FROM tables t
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_stats s ON s.schemaname = t.nspname AND s.tablename = t.relname
                        AND s.attname = a.attname AND NOT s.inherited
), table_rows AS (
    SELECT t.oid, t.oid AS table_oid, 'table'::text AS kind, t.relpages, t.reltuples,
           t.fillfactor,
           -- the heap tuple header (23 bytes, a NULL bitmap when a column has NULLs),
           -- aligned, then the data, aligned
           ceil((23 + CASE WHEN bool_or(c.null_frac > 0) THEN ceil(count(*) / 8.0) ELSE 0 END)
                / 8.0) * 8
           + ceil(sum((1 - c.null_frac) * c.avg_width) / 8.0) * 8 AS tuple_bytes,
           24 AS page_overhead
    FROM tables t
    JOIN columns c ON c.oid = t.oid
    GROUP BY t.oid, t.relpages, t.reltuples, t.fillfactor
    HAVING count(c.avg_width) = count(*)
), index_rows AS (
    SELECT i.indexrelid AS oid, i.indrelid AS table_oid, 'index'::text AS kind,
           ic.relpages, ic.reltuples,
           coalesce((SELECT o.option_value::int FROM pg_options_to_table(ic.reloptions) o
                     WHERE o.option_name = 'fillfactor'), 90) AS fillfactor,
           -- the index tuple header (8 bytes), then the key and included columns, aligned
           8 + ceil(sum((1 - c.null_frac) * c.avg_width) / 8.0) * 8 AS tuple_bytes,
           -- the page header, and btree's special space
           24 + 16 AS page_overhead
    FROM tables t
    JOIN pg_index i ON i.indrelid = t.oid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
    CROSS JOIN LATERAL unnest(i.indkey::int2[]) AS k(attnum)
    LEFT JOIN columns c ON c.oid = t.oid AND c.attnum = k.attnum
    WHERE ic.relpages >= $1 AND ic.reltuples > 0 AND i.indpred IS NULL AND i.indexprs IS NULL
      AND i.indisvalid
    GROUP BY i.indexrelid, i.indrelid, ic.relpages, ic.reltuples, ic.reloptions
    HAVING count(c.avg_width) = count(*)
)
SELECT r.oid::int8, r.table_oid::int8, r.kind, r.relpages::int8 * bs.bs,
       -- pages the rows need: rows per page at the fillfactor, each with its 4-byte line
       -- pointer (and an index's metapage)
       (ceil(r.reltuples / greatest(floor((bs.bs - r.page_overhead) * r.fillfactor / 100.0
                                           / (r.tuple_bytes + 4)), 1))
        + CASE WHEN r.kind = 'index' THEN 1 ELSE 0 END)::int8 * bs.bs,
       r.reltuples::float8
FROM (SELECT * FROM table_rows UNION ALL SELECT * FROM index_rows) r, bs
ORDER BY 1
