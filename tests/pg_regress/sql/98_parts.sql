-- Each rule declares the catalog parts it reads, and a run loads only those: a view of
-- one advisor does not pay for the catalogs of the others. Proof: every rule run alone
-- gives exactly the findings it gives in a run of all rules (which loads every part), on
-- what the earlier tests left here, then on the demo schema (a plant for every rule
-- family) in a database of its own. The comparison: tests/pg_regress/include/parts_compare.sql.
SET client_min_messages = warning;
\set ECHO none
\i tests/pg_regress/include/parts_compare.sql
\set ECHO all
CREATE DATABASE advisor_parts;
\c advisor_parts
SET client_min_messages = warning;
\set ECHO none
\o /dev/null
\i examples/demo_schema.sql
\o
-- the demo's dead rows and changes (its staging table) must be counted before the runs
-- compare: a new session sends the load's counts, which arrive asynchronously
\c advisor_parts
SET client_min_messages = warning;
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN (SELECT n_dead_tup = 3000 AND n_mod_since_analyze = 7000
                   FROM pg_stat_all_tables WHERE relid = 'app.import_staging'::regclass);
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
CREATE EXTENSION database_advisor;
\i tests/pg_regress/include/parts_compare.sql
\set ECHO all
\c advisor_regress
DROP DATABASE advisor_parts;
-- the demo's roles are cluster-wide: they go too
DROP ROLE app_owner, app_user, app_admin, reporting;
