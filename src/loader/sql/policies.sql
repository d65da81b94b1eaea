-- Row level security policies on user tables: command, roles, and the node trees of USING
-- and WITH CHECK (per-row function calls, tautologies, the table's columns they read: the
-- loader reads those from the trees, not from pg_depend, which cost a probe per policy;
-- it deparses them itself, keeping what it deparsed while the catalogs do not change).
SELECT p.oid::int8,
       p.polname::text,
       p.polrelid::int8,
       p.polcmd::text,
       p.polpermissive,
       p.polroles::int8[],
       p.polqual::text,
       p.polwithcheck::text,
       c.relname::text
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
