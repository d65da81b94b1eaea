-- Privileges on relations and schemas in user schemas, explicit or default
-- (acldefault when the ACL is NULL); grantee 0 is PUBLIC.
SELECT 'r', c.oid::int8, a.grantee::int8, a.privilege_type
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) AS a
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {user_schema}
UNION ALL
SELECT 'n', n.oid::int8, a.grantee::int8, a.privilege_type
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) AS a
WHERE {user_schema}
