-- Each role's own search_path setting (ALTER ROLE ... [IN DATABASE ...] SET search_path),
-- for this database or all; the database-specific one last, so that it wins.
SELECT r.rolname::text, substr(c.setting, length('search_path=') + 1)
FROM pg_db_role_setting s
JOIN pg_roles r ON r.oid = s.setrole
CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting)
WHERE s.setdatabase IN (0, (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))
  AND c.setting LIKE 'search\_path=%'
ORDER BY s.setdatabase
