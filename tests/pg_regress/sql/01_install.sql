-- The extension installs into the current schema and works right away.
CREATE EXTENSION database_advisor;
-- an empty database: only the note that pg_stat_statements is not created here
SELECT rule, level, object_identity FROM advisor_findings;
SELECT id, category, default_level FROM advisor_rules ORDER BY id;
-- levels are an ordered enum
SELECT 'info'::advisor_level < 'warning' AND 'warning'::advisor_level < 'error' AS ordered;
