-- The index advisor: which indexes the workload in pg_stat_statements needs, found with
-- what-if plans; the suggestions built for real make them go away. Costs and times are
-- never printed (they vary by version and machine): what is chosen, and for what.
SET client_min_messages = warning;
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA "Shop ""Δ""";
CREATE TABLE "Shop ""Δ""".customers (id int PRIMARY KEY, "E-mail" text NOT NULL, region text);
CREATE TABLE "Shop ""Δ"""."Order" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Customer" int NOT NULL REFERENCES "Shop ""Δ""".customers,
    "créé le" timestamptz NOT NULL,
    total numeric NOT NULL
);
INSERT INTO "Shop ""Δ""".customers SELECT g, 'User' || g || '@Example.com', 'r' || g % 10
FROM generate_series(1, 5000) g;
INSERT INTO "Shop ""Δ"""."Order" ("Customer", "créé le", total)
SELECT 1 + g % 5000, timestamptz '2026-01-01' + g * interval '1 minute', g % 100
FROM generate_series(1, 60000) g;
-- the window starts here, for both the statements and the tables' writes: the load's
-- 65,000 inserted rows would otherwise count against every new index (2 µs per row and
-- index), weighing more or less depending on when they reach the statistics. A new
-- session sends them; once they are in, pg_stat_reset() clears them (asynchronously
-- before PostgreSQL 15: both are awaited)
\c
SET client_min_messages = warning;
VACUUM ANALYZE "Shop ""Δ""".customers, "Shop ""Δ"""."Order";
CREATE FUNCTION pg_temp.await_inserts(want bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        SELECT sum(n_tup_ins) INTO n FROM pg_stat_user_tables WHERE schemaname = 'Shop "Δ"';
        EXIT WHEN n = want;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RETURN n;
END $$;
SELECT pg_temp.await_inserts(65000) AS loaded;
SELECT pg_stat_reset() IS NOT NULL AS tables_reset;
SELECT pg_temp.await_inserts(0) AS counted;
SELECT pg_stat_statements_reset() IS NOT NULL AS statements_reset;
-- the workload, as an application sends it (each a top-level statement, normalised by
-- pg_stat_statements into one entry with $1; \o keeps the results out of this file)
\set ECHO none
\o /dev/null
SELECT format('SELECT id, total FROM "Shop ""Δ"""."Order" WHERE "Customer" = %s ORDER BY "créé le" DESC LIMIT 10', g)
FROM generate_series(1, 60) g \gexec
SELECT format('SELECT id FROM "Shop ""Δ""".customers WHERE lower("E-mail") = lower(%L)', 'user' || g || '@example.com')
FROM generate_series(1, 60) g \gexec
\o
\set ECHO all
-- pg_stat_statements does not keep the search_path a statement ran with: a statement is
-- planned with its role's own setting, else the server's default; when its names do not
-- resolve there, it is left out and listed with the reason
SET search_path = "Shop ""Δ""", public;
\set ECHO none
\o /dev/null
SELECT format('SELECT total FROM "Order" WHERE "Customer" = %s AND total > 50', g)
FROM generate_series(1, 20) g \gexec
\o
\set ECHO all
RESET search_path;
-- (and a typed literal, which pg_stat_statements writes as `interval $1`: that does not
-- parse as written, and is planned as `$1::interval`)
\set ECHO none
\o /dev/null
SELECT format('SELECT total FROM "Shop ""Δ"""."Order" WHERE "créé le" > now() - interval %L', g || ' days')
FROM generate_series(1, 20) g \gexec
\o
\set ECHO all

-- one suggestion per statement that needs one, with the statement it serves (the weights
-- are the statements' real times, which vary: a low step threshold keeps the choice stable)
SET database_advisor.index_min_gain = 0.001;
SELECT table_identity, index_definition, cardinality(statements) AS statements,
       benefit > 0 AS saves, cost_after < cost_before AS cheaper, estimated_bytes > 0 AS sized
FROM advisor_index_suggestions ORDER BY table_identity;
SELECT DISTINCT r->>'reason' AS skipped
FROM advisor_index_suggestions, jsonb_array_elements(metadata->'skipped') r;
-- each is a finding of rule missing_index, with the CREATE INDEX to run
SELECT rule, object_type, object_identity, remediation
FROM advisor_findings WHERE rule = 'missing_index' ORDER BY object_identity;

-- the round trip: build them as given, run the same workload, nothing is left to suggest
SELECT remediation FROM advisor_findings WHERE rule = 'missing_index' \gexec
SELECT pg_stat_statements_reset() IS NOT NULL AS reset;
\set ECHO none
\o /dev/null
SELECT format('SELECT id, total FROM "Shop ""Δ"""."Order" WHERE "Customer" = %s ORDER BY "créé le" DESC LIMIT 10', g)
FROM generate_series(1, 60) g \gexec
SELECT format('SELECT id FROM "Shop ""Δ""".customers WHERE lower("E-mail") = lower(%L)', 'user' || g || '@example.com')
FROM generate_series(1, 60) g \gexec
\o
\set ECHO all
SELECT count(*) AS suggestions_left FROM advisor_index_suggestions;
SELECT count(*) AS findings_left FROM advisor_findings WHERE rule = 'missing_index';
SELECT indexname FROM pg_indexes WHERE schemaname = 'Shop "Δ"' ORDER BY indexname;

-- one statement, with or without $n
SELECT index_definition, cost_after < cost_before AS cheaper
FROM advisor_suggest_indexes('SELECT id, "E-mail" FROM "Shop ""Δ""".customers WHERE region = $1 ORDER BY id LIMIT 20');
-- a set of statements, each weighing its planner cost (a test suite, TPC-H): which
-- statements (by position) each suggestion serves
SELECT index_definition, statements, cost_after < cost_before AS cheaper
FROM advisor_suggest_indexes(ARRAY[
    'SELECT id, "E-mail" FROM "Shop ""Δ""".customers WHERE region = $1 ORDER BY id LIMIT 20',
    'SELECT count(*) FROM "Shop ""Δ""".customers WHERE region = ''r3''',
    'SELECT * FROM "Shop ""Δ"""."Order" WHERE id = 42']);
SELECT count(*) AS nothing_to_add
FROM advisor_suggest_indexes('SELECT * FROM "Shop ""Δ"""."Order" WHERE id = 42');

-- a hostile author: the statement calls an IMMUTABLE function that the planner folds, so
-- planning runs it. Run as the caller (a superuser) it could take over the caller's rights;
-- it runs as its author, in a security-restricted operation, where even SET ROLE fails
-- (the author's own run, in a session of its own, goes unseen: its notices are hidden)
CREATE ROLE whatif_mallory LOGIN;
CREATE SCHEMA whatif_m AUTHORIZATION whatif_mallory;
GRANT USAGE ON SCHEMA "Shop ""Δ""" TO whatif_mallory;
GRANT SELECT ON "Shop ""Δ"""."Order" TO whatif_mallory;
\c - whatif_mallory
CREATE FUNCTION whatif_m.whatif_trap() RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RAISE NOTICE 'planned as %', current_user;
    BEGIN
        PERFORM pg_catalog.set_config('role', 'postgres', true);
        RAISE NOTICE 'took over: now %', current_user;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'refused: %', SQLERRM;
    END;
    RETURN 1;
END $$;
\o /dev/null
SELECT count(*) FROM "Shop ""Δ"""."Order" WHERE "Customer" = whatif_m.whatif_trap() + 0;
\o
\c - postgres
SET client_min_messages = notice;
SELECT count(*) >= 0 AS read FROM advisor_index_suggestions;
SET client_min_messages = warning;
SELECT rolsuper FROM pg_roles WHERE rolname = 'whatif_mallory';

DROP SCHEMA whatif_m CASCADE;
DROP SCHEMA "Shop ""Δ""" CASCADE;
DROP ROLE whatif_mallory;
DROP EXTENSION pg_stat_statements;
