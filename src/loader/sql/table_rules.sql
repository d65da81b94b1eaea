-- Rewrite rules on tables (CREATE RULE), not the _RETURN rule that makes a view a view:
-- the event (1 SELECT, 2 UPDATE, 3 INSERT, 4 DELETE), INSTEAD or ALSO, enabled or not.
SELECT r.ev_class::int8, r.rulename::text, r.ev_type::text, r.is_instead, r.ev_enabled::text
FROM pg_rewrite r
JOIN pg_class c ON c.oid = r.ev_class
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND c.relkind IN ('r', 'p') AND {user_schema}
ORDER BY 1, 2
