-- Functions: volatility for all (policies call built-ins), and for user schemas what the
-- security rules need: SECURITY DEFINER, settings, owner, EXECUTE grants, identity.
SELECT p.oid::int8,
       p.pronamespace::int8,
       n.nspname::text,
       p.proname::text,
       p.provolatile::text,
       p.prokind::text,
       p.prosecdef,
       coalesce(p.proconfig, '{}'),
       p.proowner::int8,
       e.objid IS NOT NULL,
       CASE WHEN {user_schema} THEN
           (pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity END,
       CASE WHEN {user_schema} THEN
           ARRAY(SELECT a.grantee::int8 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                 WHERE a.privilege_type = 'EXECUTE') END
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN (SELECT DISTINCT d.objid FROM pg_depend d
           WHERE d.refclassid = 'pg_extension'::regclass
             AND d.refobjid IN (SELECT x.oid FROM pg_extension x)
             AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e') e ON e.objid = p.oid
WHERE {user_schema} OR p.provolatile <> 'i'
