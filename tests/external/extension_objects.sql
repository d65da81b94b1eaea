-- Every member object of database_advisor, described so that two installs can be
-- compared line by line (tests/external/upgrade.sh): what it is, and for functions their
-- signature, result, language, volatility, strictness, SECURITY DEFINER, settings, grants
-- and body; for relations their columns, constraints, indexes, grants and view
-- definition; comments of everything. OIDs never appear.
WITH members AS (
    SELECT d.classid, d.objid, d.objsubid
    FROM pg_depend d
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'database_advisor')
)
SELECT line FROM (
    SELECT 'member ' || pg_describe_object(m.classid, m.objid, m.objsubid) AS line
    FROM members m
    UNION ALL
    SELECT format('function %s returns %s language %s volatility %s strict %s definer %s '
                  'parallel %s config %s acl %s', p.oid::regprocedure,
                  pg_get_function_result(p.oid), l.lanname, p.provolatile, p.proisstrict,
                  p.prosecdef, p.proparallel, p.proconfig, p.proacl)
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('function %s arguments %s', p.oid::regprocedure, pg_get_function_arguments(p.oid))
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    SELECT format('function %s body %s', p.oid::regprocedure, md5(p.prosrc))
    FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    UNION ALL
    SELECT format('relation %s kind %s acl %s', c.oid::regclass, c.relkind, c.relacl)
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    UNION ALL
    SELECT format('column %s.%s %s not null %s default %s identity %s', c.oid::regclass,
                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity)
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT format('constraint %s on %s: %s', co.conname, co.conrelid::regclass,
                  pg_get_constraintdef(co.oid))
    FROM members m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
    UNION ALL
    SELECT format('index on %s: %s', i.indrelid::regclass,
                  regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON'))
    FROM members m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
    UNION ALL
    SELECT format('view %s: %s', c.oid::regclass, pg_get_viewdef(c.oid))
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    WHERE c.relkind = 'v'
    UNION ALL
    SELECT format('comment on %s: %s', pg_describe_object(m.classid, m.objid, m.objsubid),
                  obj_description(m.objid, m.classid::regclass::name))
    FROM members m
    UNION ALL
    SELECT format('column comment %s.%s: %s', c.oid::regclass, a.attname,
                  col_description(c.oid, a.attnum))
    FROM members m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE col_description(c.oid, a.attnum) IS NOT NULL
    UNION ALL
    SELECT format('event trigger %s on %s tags %s function %s enabled %s', e.evtname,
                  e.evtevent, e.evttags, e.evtfoid::regprocedure, e.evtenabled)
    FROM members m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass
                                          AND e.oid = m.objid
    UNION ALL
    SELECT format('type %s enum %s', t.oid::regtype,
                  (SELECT string_agg(enumlabel::text, ',' ORDER BY enumsortorder)
                   FROM pg_enum WHERE enumtypid = t.oid))
    FROM members m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
    UNION ALL
    SELECT format('config dump %s %s', x.cfg::regclass, x.cond)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS x(cfg, cond)
    WHERE e.extname = 'database_advisor'
) lines
ORDER BY line;
