-- Row level security policies on user tables: command, roles, deparsed conditions, the
-- node trees of USING and WITH CHECK (per-row function calls, tautologies) and the table
-- columns they reference.
SELECT p.oid::int8,
       p.polname::text,
       p.polrelid::int8,
       p.polcmd::text,
       p.polpermissive,
       p.polroles::int8[],
       pg_get_expr(p.polqual, p.polrelid),
       pg_get_expr(p.polwithcheck, p.polrelid),
       p.polqual::text,
       p.polwithcheck::text,
       ARRAY(SELECT DISTINCT d.refobjsubid::int2
             FROM pg_depend d
             WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
               AND d.refclassid = 'pg_class'::regclass AND d.refobjid = p.polrelid
               AND d.refobjsubid > 0
             ORDER BY 1)
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
