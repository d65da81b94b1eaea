-- CREATE EXTENSION ... SCHEMA works, and DROP EXTENSION leaves nothing behind.
DROP EXTENSION database_advisor;
SELECT count(*) AS leftovers FROM pg_proc WHERE proname LIKE 'advisor%';
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'advisor%';
SELECT count(*) AS leftovers FROM pg_type WHERE typname LIKE '%advisor%';
CREATE SCHEMA advisor;
CREATE EXTENSION database_advisor SCHEMA advisor;
SELECT count(*) > 0 AS works_qualified FROM advisor.advisor_findings;
SELECT n.nspname, count(*) FROM pg_depend d
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'database_advisor'
JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
JOIN pg_namespace n ON n.oid = p.pronamespace
GROUP BY 1;
SET search_path = advisor, public;
SELECT count(*) > 0 AS works_on_search_path FROM advisor_findings;
RESET search_path;
DROP EXTENSION database_advisor;
DROP SCHEMA advisor;
SELECT count(*) AS leftovers FROM pg_proc WHERE proname LIKE 'advisor%';
