-- Sequences of user schemas: type, bounds, persistence, and the columns each feeds: owned
-- by (serial: 'a', identity: 'i') or named in a column default (nextval('s'), 'n'); a row per
-- sequence and column fed (NULLs when it feeds none), in sequence order. Hash joins over
-- pg_depend, not a probe per sequence: a schema-per-tenant database has tens of thousands.
-- Last values are read by the loader, one sequence at a time (pg_sequence_last_value
-- would keep a lock on every sequence until the end of the transaction).
SELECT s.seqrelid::int8, t.typname::text, s.seqmin, s.seqmax, s.seqincrement, s.seqcycle,
       c.relpersistence::text, f.rel::int8, f.col, f.deptype = 'a'
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = s.seqtypid
LEFT JOIN (
    SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid::int2 AS col, d.deptype
    FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
      AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
      AND d.deptype IN ('a', 'i')
      -- (every index column depends on its table column the same way: 100,000s of rows)
      AND d.objid IN (SELECT seqrelid FROM pg_sequence)
    UNION
    SELECT d.refobjid, ad.adrelid, ad.adnum, d.deptype
    FROM pg_depend d
    JOIN pg_attrdef ad ON ad.oid = d.objid
    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.refobjsubid = 0 AND d.deptype = 'n'
) f ON f.seq = s.seqrelid
WHERE {user_schema}
ORDER BY 1, 8, 9
