-- Privileges on schemas in user schemas, explicit or default (acldefault when the ACL is
-- NULL); grantee 0 is PUBLIC. (Those on relations come with pg_class, read directly.)
SELECT n.oid::int8, a.grantee::int8, a.privilege_type
FROM pg_namespace n
CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) AS a
WHERE {user_schema}
