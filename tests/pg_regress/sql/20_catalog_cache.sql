-- The table parts a backend keeps between runs (database_advisor.catalog_cache_size) never
-- show a catalog that changed: every change, made by this session or another, committed
-- or rolled back, is in the next run; statistics and extension membership, which change
-- without the catalogs changing, are read again every run.
SET client_min_messages = warning;
CREATE EXTENSION dblink;
SELECT current_setting('server_version_num')::int >= 150000 AS flush_on_demand \gset
CREATE SCHEMA "Cache Ü";
CREATE TABLE "Cache Ü".parent (id int PRIMARY KEY, code text);
CREATE TABLE "Cache Ü"."child Table" (id int PRIMARY KEY, "Parent Id" int REFERENCES "Cache Ü".parent);
CREATE INDEX parent_code_idx ON "Cache Ü".parent (code);
CREATE VIEW cache_fk AS
    SELECT table_name, columns, referenced_table, remediation
    FROM advisor_missing_fk_indexes WHERE schema_name LIKE 'Cache %';
CREATE VIEW cache_findings AS
    SELECT rule, object_identity FROM advisor_findings
    WHERE object_identity LIKE '%"Cache %' AND rule IN ('missing_fk_index', 'unused_index')
    ORDER BY 1, 2;
CREATE FUNCTION pg_temp.other(sql text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_exec(format('host=%s port=%s dbname=%s user=postgres',
        split_part(current_setting('unix_socket_directories'), ',', 1),
        current_setting('port'), current_database()), sql)
$$;
SET database_advisor.min_stats_age = 0;
SET database_advisor.unused_index_min_size = 0;

-- read, then kept: the same rows twice
SELECT * FROM cache_fk;
SELECT * FROM cache_fk;
SELECT * FROM cache_findings;
SELECT * FROM cache_findings;

-- this session's changes
CREATE INDEX child_parent_idx ON "Cache Ü"."child Table" ("Parent Id");
SELECT * FROM cache_fk;
SELECT * FROM cache_findings;
DROP INDEX "Cache Ü".child_parent_idx;
SELECT * FROM cache_fk;
ALTER TABLE "Cache Ü"."child Table" RENAME COLUMN "Parent Id" TO "Parent Ref";
SELECT * FROM cache_fk;
ALTER SCHEMA "Cache Ü" RENAME TO "Cache Ä";
SELECT * FROM cache_fk;
SELECT * FROM cache_findings;
ALTER SCHEMA "Cache Ä" RENAME TO "Cache Ü";
SELECT * FROM cache_findings;

-- rolled back: a transaction, then a subtransaction
BEGIN;
CREATE INDEX ON "Cache Ü"."child Table" ("Parent Ref");
SELECT count(*) AS inside FROM cache_fk;
ROLLBACK;
SELECT count(*) AS after_rollback FROM cache_fk;
BEGIN;
SAVEPOINT s;
ALTER TABLE "Cache Ü"."child Table" DROP CONSTRAINT "child Table_Parent Id_fkey";
SELECT count(*) AS inside FROM cache_fk;
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS after_rollback_to FROM cache_fk;
COMMIT;

-- another session's committed changes
SELECT pg_temp.other('CREATE INDEX other_idx ON "Cache Ü"."child Table" ("Parent Ref")');
SELECT * FROM cache_fk;
SELECT pg_temp.other('DROP INDEX "Cache Ü".other_idx');
SELECT * FROM cache_fk;
SELECT pg_temp.other('ALTER TABLE "Cache Ü".parent RENAME TO "Parent Ω"');
SELECT * FROM cache_fk;

-- statistics: the unused index, scanned, is unused no more (no catalog changed)
SELECT * FROM cache_findings;
SET enable_seqscan = off;
SELECT count(*) FROM "Cache Ü"."Parent Ω" WHERE code = 'x';
RESET enable_seqscan;
\if :flush_on_demand
SELECT pg_stat_force_next_flush() \gset
\else
\! sleep 0.6
SELECT pg_stat_clear_snapshot() \gset
\! sleep 0.6
\endif
SELECT * FROM cache_findings;

-- extension membership: a member table is not this database's to index (no catalog
-- cache is invalidated by ALTER EXTENSION ... ADD)
ALTER EXTENSION dblink ADD TABLE "Cache Ü"."child Table";
SELECT * FROM cache_fk;
ALTER EXTENSION dblink DROP TABLE "Cache Ü"."child Table";
SELECT * FROM cache_fk;

-- a policy's condition, as deparsed: after its column's rename, and after its change
ALTER TABLE "Cache Ü"."Parent Ω" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "per tenant" ON "Cache Ü"."Parent Ω" USING (code = current_setting('app.tenant'));
CREATE VIEW cache_policy AS
    SELECT metadata->>'using' AS using FROM advisor_findings
    WHERE rule = 'rls_per_row_function' AND object_identity LIKE '%"Cache %';
SELECT * FROM cache_policy;
SELECT * FROM cache_policy;
ALTER TABLE "Cache Ü"."Parent Ω" RENAME COLUMN code TO "Code Ω";
SELECT * FROM cache_policy;
ALTER POLICY "per tenant" ON "Cache Ü"."Parent Ω" USING ("Code Ω" = current_setting('app.other'));
SELECT * FROM cache_policy;
DROP VIEW cache_policy;

-- kept or not, the same findings
SELECT count(*) AS kept FROM advisor_findings \gset
SET database_advisor.catalog_cache_size = 0;
SELECT count(*) = :kept AS same_without_the_cache FROM advisor_findings;
RESET database_advisor.catalog_cache_size;
SHOW database_advisor.catalog_cache_size;

RESET database_advisor.min_stats_age;
RESET database_advisor.unused_index_min_size;
DROP VIEW cache_fk, cache_findings;
DROP SCHEMA "Cache Ü" CASCADE;
DROP EXTENSION dblink;
