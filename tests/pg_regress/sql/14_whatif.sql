-- advisor_whatif: plans as if indexes existed (hypothetical, never built) or were gone.
-- Costs differ between PostgreSQL versions: the test shows what the planner chose and
-- compares costs, never prints them.
CREATE SCHEMA "Shop ""Δ""";
SET search_path = "Shop ""Δ""", public;
CREATE TABLE "Order Lines" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "Customer" int NOT NULL,
    "créé le" timestamptz NOT NULL,
    status text NOT NULL,
    email text NOT NULL,
    "select" int NOT NULL
);
INSERT INTO "Order Lines" ("Customer", "créé le", status, email, "select")
SELECT g % 2000, timestamptz '2026-01-01' + g * interval '1 minute',
       CASE WHEN g % 100 = 0 THEN 'pending' ELSE 'done' END,
       'User' || g || '@Example.com', g % 7
FROM generate_series(1, 20000) g;
VACUUM ANALYZE "Order Lines";
-- a plan's shape: nodes and indexes, no costs
SET check_function_bodies = off;
CREATE FUNCTION pg_temp.shape(p jsonb) RETURNS text LANGUAGE sql AS $$
    SELECT (p->>'Node Type')
           || coalesce(' using ' || (p->>'Index Name')
                       || CASE WHEN (p->>'Hypothetical')::boolean THEN ' (hypothetical)' ELSE '' END, '')
           || coalesce(' -> ' || (SELECT string_agg(pg_temp.shape(c), ' + ')
                                  FROM jsonb_array_elements(p->'Plans') c), '')
$$;
RESET check_function_bodies;

-- the statement as pg_stat_statements writes it ($1), and the composite index it wants
SELECT cost_after < cost_before / 10 AS much_cheaper, indexes_used,
       pg_temp.shape(plan_before) AS before, pg_temp.shape(plan) AS after
FROM advisor_whatif(
    'SELECT * FROM "Order Lines" WHERE "Customer" = $1 ORDER BY "créé le" DESC LIMIT 10',
    ARRAY['CREATE INDEX ON "Order Lines" ("Customer", "créé le")']);

-- a single-column index serves the filter but leaves a sort: the composite one wins
SELECT indexes_used
FROM advisor_whatif(
    'SELECT * FROM "Order Lines" WHERE "Customer" = $1 ORDER BY "créé le" DESC LIMIT 10',
    ARRAY['CREATE INDEX single ON "Order Lines" ("Customer")',
          'CREATE INDEX composite ON "Order Lines" ("Customer", "créé le" DESC)']);

-- an expression index for lower(email), not a plain one
SELECT indexes_used, hypothetical_indexes->0->>'used' AS plain_used
FROM advisor_whatif(
    'SELECT id FROM "Order Lines" WHERE lower(email) = lower($1)',
    ARRAY['CREATE INDEX plain_email ON "Order Lines" (email)',
          'CREATE INDEX lower_email ON "Order Lines" (lower(email))']);

-- a partial index for the rare value; its estimated rows are the predicate's
SELECT indexes_used, (hypothetical_indexes->0->>'estimated_rows')::numeric AS partial_rows
FROM advisor_whatif(
    'SELECT id FROM "Order Lines" WHERE status = ''pending''',
    ARRAY['CREATE INDEX pending ON "Order Lines" (id) WHERE status = ''pending''']);

-- INCLUDE turns the scan into an index-only scan
SELECT pg_temp.shape(plan) AS plan
FROM advisor_whatif(
    'SELECT "select" FROM "Order Lines" WHERE "Customer" = 42',
    ARRAY['CREATE INDEX covering ON "Order Lines" ("Customer") INCLUDE ("select")']);

-- hide an existing index: the plan as if it were dropped
SELECT cost_after > cost_before AS dearer, plan_before->>'Index Name' AS before,
       plan->>'Node Type' AS after
FROM advisor_whatif('SELECT * FROM "Order Lines" WHERE id = $1', '{}',
                    ARRAY['"Order Lines_pkey"'::regclass]);

-- a typed literal as pg_stat_statements writes it (interval $1) plans as $1::interval
SELECT indexes_used FROM advisor_whatif(
    'SELECT count(*) FROM "Order Lines" WHERE "Customer" = $1 AND "créé le" > now() - interval $2',
    ARRAY['CREATE INDEX ON "Order Lines" ("Customer", "créé le")']);

-- DML and joins plan too; parameter types come from the statement
SELECT cost_after < cost_before AS cheaper, indexes_used
FROM advisor_whatif('UPDATE "Order Lines" SET status = $2 WHERE "Customer" = $1 AND status = ''pending''',
                    ARRAY['CREATE INDEX ON "Order Lines" ("Customer")']);

-- the planner costs a hypothetical index as it costs the real one: build it and compare
-- with the generic plan of the same statement
CREATE TEMP TABLE hypothetical AS
SELECT cost_after, pg_temp.shape(plan) AS plan
FROM advisor_whatif('SELECT * FROM "Order Lines" WHERE "Customer" = $1 AND "créé le" > $2',
                    ARRAY['CREATE INDEX real_one ON "Order Lines" ("Customer", "créé le")']);
CREATE INDEX real_one ON "Order Lines" ("Customer", "créé le");
PREPARE generic(int, timestamptz) AS
    SELECT * FROM "Order Lines" WHERE "Customer" = $1 AND "créé le" > $2;
SET plan_cache_mode = force_generic_plan;
CREATE TEMP TABLE real_plan AS SELECT NULL::jsonb AS plan;
DO $$
DECLARE p json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) EXECUTE generic(1, now())' INTO p;
    UPDATE real_plan SET plan = p->0->'Plan';
END
$$;
RESET plan_cache_mode;
SELECT h.plan AS hypothetical, pg_temp.shape(r.plan) AS real,
       abs(h.cost_after - (r.plan->>'Total Cost')::float8) <= 0.02 * h.cost_after AS same_cost
FROM hypothetical h, real_plan r;
DEALLOCATE generic;
DROP INDEX real_one;

-- the estimated size is within 20 % of the real index, which is then built
CREATE TEMP TABLE estimates AS
SELECT h->>'name' AS name, (h->>'estimated_bytes')::bigint AS estimated
FROM advisor_whatif('SELECT 1',
         ARRAY['CREATE INDEX e_customer ON "Order Lines" ("Customer", "créé le")',
               'CREATE INDEX e_email ON "Order Lines" (lower(email))',
               'CREATE INDEX e_status ON "Order Lines" (status)',
               'CREATE INDEX e_pending ON "Order Lines" (id) WHERE status = ''pending''']) w,
     jsonb_array_elements(w.hypothetical_indexes) h;
CREATE INDEX e_customer ON "Order Lines" ("Customer", "créé le");
CREATE INDEX e_email ON "Order Lines" (lower(email));
CREATE INDEX e_status ON "Order Lines" (status);
CREATE INDEX e_pending ON "Order Lines" (id) WHERE status = 'pending';
SELECT e.name, abs(e.estimated - pg_relation_size(c.oid)) <= 0.2 * pg_relation_size(c.oid) AS within_20_percent
FROM estimates e JOIN pg_class c ON c.relname = e.name
ORDER BY e.name;
DROP INDEX e_customer, e_email, e_status, e_pending;

-- nothing is left behind: the next plan of this session sees no hypothetical index
EXPLAIN (COSTS OFF) SELECT * FROM "Order Lines" WHERE "Customer" = 42 ORDER BY "créé le" DESC LIMIT 10;

-- SQL the planner runs on the way (an immutable function folded at plan time) is planned
-- with the real indexes only, and runs: it would fail on a hypothetical one
-- (EXECUTE: planned at every call, where plpgsql would cache a plan of the first)
CREATE FUNCTION pg_temp.pending_count() RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE n bigint;
BEGIN
    EXECUTE $q$SELECT count(*) FROM "Shop ""Δ"""."Order Lines" WHERE status = 'pending' AND "select" = 3$q$ INTO n;
    RETURN n;
END $$;
SELECT indexes_used FROM advisor_whatif(
    'SELECT * FROM "Order Lines" WHERE "Customer" = pg_temp.pending_count()::int',
    ARRAY['CREATE INDEX ON "Order Lines" ("Customer")',
          'CREATE INDEX inner_one ON "Order Lines" ("select") WHERE status = ''pending''']);

-- a cancel while planning (statement_timeout) stops it; the session plans on with the
-- real indexes (a join of 18 tables on a column that is no key: no join is removed,
-- and every join order is searched)
SET join_collapse_limit = 20;
SET from_collapse_limit = 20;
SET geqo = off;
SET statement_timeout = '200ms';
\set VERBOSITY sqlstate
SELECT * FROM advisor_whatif(
    'SELECT 1 FROM "Order Lines" a JOIN "Order Lines" b USING ("Customer") JOIN "Order Lines" c USING ("Customer")
       JOIN "Order Lines" d USING ("Customer") JOIN "Order Lines" e USING ("Customer") JOIN "Order Lines" f USING ("Customer")
       JOIN "Order Lines" g USING ("Customer") JOIN "Order Lines" h USING ("Customer") JOIN "Order Lines" i USING ("Customer")
       JOIN "Order Lines" j USING ("Customer") JOIN "Order Lines" k USING ("Customer") JOIN "Order Lines" l USING ("Customer")
       JOIN "Order Lines" m USING ("Customer") JOIN "Order Lines" n USING ("Customer") JOIN "Order Lines" o USING ("Customer")
       JOIN "Order Lines" p USING ("Customer") JOIN "Order Lines" q USING ("Customer") JOIN "Order Lines" r USING ("Customer")',
    ARRAY['CREATE INDEX ON "Order Lines" ("Customer")']);
\set VERBOSITY default
RESET statement_timeout;
RESET geqo;
RESET from_collapse_limit;
RESET join_collapse_limit;
EXPLAIN (COSTS OFF) SELECT * FROM "Order Lines" WHERE "Customer" = 42;

-- the caller's search_path names the tables, as in EXPLAIN
RESET search_path;
SELECT indexes_used FROM advisor_whatif(
    'SELECT * FROM "Shop ""Δ"""."Order Lines" WHERE "Customer" = 1',
    ARRAY['CREATE INDEX ON "Shop ""Δ"""."Order Lines" ("Customer")']);
SET search_path = "Shop ""Δ""", public;

-- bad input: an ERROR with a SQLSTATE that says what to fix, and the session goes on
\set VERBOSITY sqlstate
SELECT * FROM advisor_whatif('SELECT FROM nowhere');
SELECT * FROM advisor_whatif('SELEC 1');
SELECT * FROM advisor_whatif('SELECT 1; SELECT 2');
SELECT * FROM advisor_whatif('CREATE TABLE t (a int)');
SELECT * FROM advisor_whatif('SELECT FROM "Order Lines" WHERE $1 IS NULL');
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['SELECT 1']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" (nope)']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" USING hash (id)']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" (now())']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON missing (a)']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY[NULL]);
SELECT * FROM advisor_whatif(NULL);
\set VERBOSITY default
\set SHOW_CONTEXT never
-- what the messages say
SELECT * FROM advisor_whatif('SELECT 1; SELECT 2');
SELECT * FROM advisor_whatif('VACUUM "Order Lines"');
SELECT * FROM advisor_whatif('SELECT FROM "Order Lines" WHERE $1 IS NULL');
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" USING gin (id)']);
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" (id); SELECT 1']);
\set SHOW_CONTEXT errors
SELECT count(*) AS still_usable FROM "Order Lines";

-- a role without SELECT on the table may not plan it
CREATE ROLE whatif_nobody;
GRANT USAGE ON SCHEMA "Shop ""Δ""" TO whatif_nobody;
SET ROLE whatif_nobody;
\set VERBOSITY sqlstate
SELECT * FROM advisor_whatif('SELECT * FROM "Order Lines"');
SELECT * FROM advisor_whatif('SELECT 1', ARRAY['CREATE INDEX ON "Order Lines" (id)']);
\set VERBOSITY default
RESET ROLE;
DROP SCHEMA "Shop ""Δ""" CASCADE;
DROP ROLE whatif_nobody;
RESET search_path;
