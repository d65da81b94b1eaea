-- The physical order of the columns large tables could be ranged by (brin_candidate,
-- partition_candidate): in tables of at least $1 pages, the leading column of each btree
-- index, each date/time column and each column fed by an identity or a sequence default,
-- with pg_stats' correlation of its values with their place on disk (columns pg_stats
-- has no row for, never analyzed or not readable by the caller, are left out), whether it
-- is fed by a sequence, and whether a default BRIN operator class takes its type (or a
-- type it is binary-coercible to, as varchar is to text).
SELECT c.oid::int8, a.attnum::int4, s.correlation::float8,
       (a.attidentity <> '' OR EXISTS (
            SELECT FROM pg_attrdef d
            JOIN pg_depend dep ON dep.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND dep.objid = d.oid
                              AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
            JOIN pg_class seq ON seq.oid = dep.refobjid AND seq.relkind = 'S'
            WHERE d.adrelid = c.oid AND d.adnum = a.attnum)) AS sequential,
       EXISTS (
            SELECT FROM pg_opclass oc
            JOIN pg_am am ON am.oid = oc.opcmethod AND am.amname = 'brin'
            WHERE oc.opcdefault
              AND (oc.opcintype = a.atttypid
                   OR EXISTS (SELECT FROM pg_cast k
                              WHERE k.castsource = a.atttypid AND k.casttarget = oc.opcintype
                                AND k.castmethod = 'b'))) AS brin
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname
               AND s.attname = a.attname AND NOT s.inherited
WHERE c.relkind = 'r' AND c.relpages >= $1 AND {user_schema}
  AND s.correlation IS NOT NULL
  AND (a.atttypid IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                       'pg_catalog.timestamptz'::pg_catalog.regtype)
       OR a.attidentity <> ''
       OR EXISTS (SELECT FROM pg_attrdef d WHERE d.adrelid = c.oid AND d.adnum = a.attnum)
       OR EXISTS (SELECT FROM pg_index i
                  JOIN pg_class ic ON ic.oid = i.indexrelid
                  JOIN pg_am am ON am.oid = ic.relam AND am.amname = 'btree'
                  WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum))
ORDER BY 1, 2
