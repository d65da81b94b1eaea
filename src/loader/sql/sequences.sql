-- Sequences of user schemas: type, bounds, persistence, and the columns each feeds:
-- owned by (serial: 'a', identity: 'i') or named in a column default (nextval('s')).
-- Last values are read by the loader, one sequence at a time (pg_sequence_last_value
-- would keep a lock on every sequence until the end of the transaction).
SELECT s.seqrelid::int8, t.typname::text, s.seqmin, s.seqmax, s.seqincrement, s.seqcycle,
       c.relpersistence::text, f.tables, f.columns
FROM pg_sequence s
JOIN pg_class c ON c.oid = s.seqrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = s.seqtypid
CROSS JOIN LATERAL (
    SELECT array_agg(u.rel::int8 ORDER BY u.rel, u.col) AS tables,
           array_agg(u.col ORDER BY u.rel, u.col) AS columns
    FROM (
        SELECT d.refobjid AS rel, d.refobjsubid::int2 AS col
        FROM pg_depend d
        WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.objsubid = 0
          AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0
          AND d.deptype IN ('a', 'i')
        UNION
        SELECT ad.adrelid, ad.adnum
        FROM pg_depend d
        JOIN pg_attrdef ad ON ad.oid = d.objid
        WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = s.seqrelid
          AND d.refobjsubid = 0 AND d.classid = 'pg_attrdef'::regclass AND d.deptype = 'n'
    ) u
) f
WHERE {user_schema}
