-- Roles (cluster-wide).
SELECT r.oid::int8, r.rolname::text, r.rolcanlogin, r.rolsuper, r.rolbypassrls
FROM pg_roles r
