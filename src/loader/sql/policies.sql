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
-- each policy's table by its OID (OFFSET 0 keeps the planner from hashing all of pg_class
-- instead: 52 against 25 ms for 6,000 policies among 145,000 relations)
CROSS JOIN LATERAL (SELECT c.relname, c.relnamespace FROM pg_class c
                    WHERE c.oid = p.polrelid OFFSET 0) c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {user_schema}
