-- advisor_lint_migration: a migration judged against the real tables, never run.
SELECT id, category, default_level FROM advisor_lint_rules ORDER BY id;
CREATE SCHEMA "Lint ""Δ""";
SET search_path = "Lint ""Δ""", public;
CREATE TABLE "Customers" (id bigint PRIMARY KEY, email text);
CREATE TABLE "Order Lines" (
    id bigint PRIMARY KEY,
    "Customer" bigint,
    status varchar(20),
    note text NOT NULL,
    "select" int,
    "naïve" text
);
INSERT INTO "Customers" SELECT g, 'c' || g FROM generate_series(1, 1000) g;
INSERT INTO "Order Lines"
SELECT g, g % 1000 + 1, 'new', 'n' || g, g % 7, CASE WHEN g % 2 = 0 THEN 'x' END
FROM generate_series(1, 50000) g;
-- proves "select" IS NOT NULL, so SET NOT NULL needs no scan
ALTER TABLE "Order Lines" ADD CONSTRAINT "select set" CHECK ("select" IS NOT NULL);
CREATE TABLE "Empty" (id int, v varchar(10));
VACUUM ANALYZE "Customers", "Order Lines", "Empty";

-- the findings without the long columns; sizes masked (they differ between versions)
CREATE FUNCTION pg_temp.lint(m text, in_transaction boolean DEFAULT false)
RETURNS TABLE (n int, line int, rule text, level text, object text)
LANGUAGE sql AS $$
    SELECT statement_number, line, rule, level::text, object_identity
    FROM public.advisor_lint_migration(m, pg_catalog.current_setting('search_path'), in_transaction)
$$;

-- a realistic migration: each dangerous statement, its lock and the table's size
SELECT * FROM pg_temp.lint($m$
-- orders: status index, customer FK, a new column
BEGIN;
CREATE INDEX "Order Lines status" ON "Order Lines" (status);
ALTER TABLE "Order Lines" ADD CONSTRAINT "Order Lines customer"
    FOREIGN KEY ("Customer") REFERENCES "Customers" (id) ON DELETE CASCADE;
ALTER TABLE "Order Lines" ADD COLUMN "ref" uuid DEFAULT gen_random_uuid();
ALTER TABLE "Order Lines" ALTER COLUMN "select" TYPE bigint;
ALTER TABLE "Order Lines" ALTER COLUMN "naïve" SET NOT NULL;
UPDATE "Order Lines" SET status = 'old';
CREATE INDEX CONCURRENTLY ON "Customers" (email);
COMMIT;
VACUUM FULL "Customers";
$m$);
SELECT rule, regexp_replace(detail, '[0-9.]+ (bytes|kB|MB)', 'SIZE', 'g') AS detail
FROM advisor_lint_migration($m$CREATE UNIQUE INDEX ON "Order Lines" ("select", id)$m$);
SELECT metadata - 'bytes' AS metadata
FROM advisor_lint_migration($m$CREATE INDEX ON "Order Lines" ("Customer")$m$);

-- what is harmless given the catalog gets nothing above info (squawk flags all of these)
SELECT * FROM pg_temp.lint($m$
SET lock_timeout = '2s';
CREATE INDEX ON "Empty" (v);
CREATE TABLE "New" (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "Customer" bigint REFERENCES "Customers");
CREATE INDEX ON "New" ("Customer");
ALTER TABLE "Order Lines" ALTER COLUMN status TYPE varchar(50);
ALTER TABLE "Order Lines" ALTER COLUMN status TYPE text;
ALTER TABLE "Order Lines" ALTER COLUMN "select" SET NOT NULL;
ALTER TABLE "Empty" ALTER COLUMN id TYPE bigint;
ALTER TABLE "Order Lines" ADD COLUMN "at" timestamptz DEFAULT now() NOT NULL;
$m$);

-- the script's own effects: a NOT VALID check validated later proves NOT NULL; SET LOCAL
-- ends with its transaction; an index built later serves the new foreign key
SELECT * FROM pg_temp.lint($m$
SET lock_timeout = 0;
BEGIN;
SET LOCAL lock_timeout = '1s';
ALTER TABLE "Order Lines" ADD CONSTRAINT "naïve set" CHECK ("naïve" IS NOT NULL) NOT VALID;
ALTER TABLE "Order Lines" VALIDATE CONSTRAINT "naïve set";
ALTER TABLE "Order Lines" ALTER COLUMN "naïve" SET NOT NULL;
ALTER TABLE "Order Lines" ADD FOREIGN KEY ("Customer") REFERENCES "Customers" NOT VALID;
COMMIT;
CREATE INDEX CONCURRENTLY ON "Order Lines" ("Customer");
ALTER TABLE "Order Lines" RENAME COLUMN note TO "Note";
ALTER TABLE "Order Lines" DROP COLUMN "Note";
$m$);
-- constraints written on a new column: a CHECK scans every row, a foreign key on a column
-- without a default does not (all NULL), but wants its index
SELECT rule, level, remediation FROM advisor_lint_migration($m$
SET lock_timeout = '1s';
ALTER TABLE "Order Lines" ADD COLUMN pct numeric CHECK (pct BETWEEN 0 AND 100) NOT NULL DEFAULT 0,
    ADD COLUMN "Referrer" bigint REFERENCES "Customers";
$m$);
-- a tool that wraps the file in one transaction: CONCURRENTLY fails
SELECT * FROM pg_temp.lint($m$CREATE INDEX CONCURRENTLY ON "Customers" (email)$m$, true);
-- names resolve through the script's search_path
SELECT * FROM pg_temp.lint($m$
SET search_path = public;
CREATE INDEX ON "Order Lines" (status);
SET search_path = "Lint ""Δ""";
CREATE INDEX ON "Order Lines" (status);
$m$);

-- a script that does not parse: one finding with the server's message and line
SELECT rule, level, line, detail, statement FROM advisor_lint_migration($m$
CREATE INDEX ON "Order Lines" (status);
ALTER TABLE "Order Lines" ADD COLUM x int;
$m$);
SELECT count(*) AS findings FROM advisor_lint_migration('');
SELECT count(*) AS findings FROM advisor_lint_migration('-- only a comment');

-- design advice on new columns (info)
SELECT * FROM pg_temp.lint($m$
CREATE TABLE "Events" (id serial PRIMARY KEY, at timestamp, code char(3), amount money, body json, tag varchar(40));
$m$);

-- Round trips: each remediation runs on the server as is (statement by statement, as a
-- migration tool would), and the linted remediation has no finding left (with
-- lock_timeout set, its own advice). The advisors find nothing new on the schema.
SELECT rule, object_identity FROM advisor_findings
WHERE object_identity LIKE '%Lint%' ORDER BY rule, object_identity;
CREATE TEMP TABLE fixes AS
SELECT rule, object_identity, remediation FROM advisor_lint_migration($m$
CREATE INDEX "Order Lines status" ON "Order Lines" (status);
ALTER TABLE "Order Lines" ADD CONSTRAINT "Order Lines customer" FOREIGN KEY ("Customer") REFERENCES "Customers" (id);
ALTER TABLE "Order Lines" ADD CONSTRAINT "Order Lines email" UNIQUE (id, "select");
ALTER TABLE "Order Lines" ADD COLUMN "ref" uuid DEFAULT gen_random_uuid();
ALTER TABLE "Order Lines" ALTER COLUMN "naïve" SET NOT NULL;
$m$) WHERE remediation IS NOT NULL AND rule <> 'lock_timeout_missing';
SELECT rule, object_identity FROM fixes ORDER BY rule;
-- the remediations, linted as one script: nothing left at warning or above
SELECT l.statement_number, l.rule, l.level
FROM advisor_lint_migration((SELECT 'SET lock_timeout = ''5s'';' || string_agg(remediation, E';\n' ORDER BY rule) FROM fixes)) l
WHERE l.level >= 'warning';
UPDATE "Order Lines" SET "naïve" = 'y' WHERE "naïve" IS NULL;
SELECT s FROM fixes, regexp_split_to_table(remediation, E';\n') WITH ORDINALITY AS r(s, i)
ORDER BY rule, i \gexec
-- the fixes did what the findings asked: indexes built, constraint validated, NOT NULL set
SELECT indexrelid::regclass::text AS index, indisvalid FROM pg_index
WHERE indrelid = '"Order Lines"'::regclass ORDER BY 1;
-- (contype n: PostgreSQL 18 records NOT NULL as constraints too)
SELECT conname, convalidated FROM pg_constraint
WHERE conrelid = '"Order Lines"'::regclass AND contype <> 'n' ORDER BY 1;
SELECT attname, attnotnull, atthasdef FROM pg_attribute
WHERE attrelid = '"Order Lines"'::regclass AND attname IN ('naïve', 'ref') ORDER BY 1;
-- the same migration now: nothing left but a lock timeout
SELECT * FROM pg_temp.lint($m$
CREATE INDEX IF NOT EXISTS "Order Lines status" ON "Order Lines" (status);
ALTER TABLE "Order Lines" ALTER COLUMN "naïve" SET NOT NULL;
$m$);
-- (unused_index: the index the first fix built has had no scan yet, which is that rule's
-- business, not a fault of the fix)
SELECT rule, object_identity FROM advisor_findings
WHERE object_identity LIKE '%Lint%' AND rule <> 'unused_index' ORDER BY rule, object_identity;

-- the migration never runs, and a hostile name or type runs nothing either
CREATE FUNCTION public.noisy(text) RETURNS boolean IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN RAISE NOTICE 'noisy(%) ran', $1; RETURN true; END $$;
CREATE DOMAIN public.watched AS text CHECK (public.noisy('domain check'));
SELECT * FROM pg_temp.lint($m$
DROP TABLE "Customers" CASCADE;
CREATE TABLE "Never" ();
ALTER TABLE "Order Lines" ALTER COLUMN "naïve" TYPE public.watched;
ALTER TABLE "Order Lines" ADD COLUMN "z; DROP TABLE x" text DEFAULT public.noisy('default')::text;
$m$);
SELECT to_regclass('"Customers"') IS NOT NULL AS customers_kept, to_regclass('"Never"') IS NULL AS never_created;

-- dry run: the statements really run, in a subtransaction that is always rolled back;
-- what each did goes into metadata->'dry_run' (time left out: it varies)
CREATE TEMP TABLE before AS
SELECT c.relname, c.relfilenode, c.relnatts, (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid) AS constraints
FROM pg_class c WHERE c.relnamespace = '"Lint ""Δ"""'::regnamespace;
SELECT statement_number AS n, rule, level, (metadata->'dry_run') - 'milliseconds'::text AS dry_run
FROM advisor_lint_migration($m$
ALTER TABLE "Order Lines" ALTER COLUMN "select" TYPE bigint;
ALTER TABLE "Order Lines" ALTER COLUMN status TYPE varchar(80);
UPDATE "Order Lines" SET note = note || '!';
ALTER TABLE "Order Lines" ADD COLUMN "Required" int NOT NULL;
CREATE INDEX CONCURRENTLY ON "Customers" (email);
$m$, dry_run => true);
-- nothing remains: the same relations, files, columns and constraints, the same data
SELECT c.relname, c.relfilenode = b.relfilenode AS same_file, c.relnatts = b.relnatts AS same_columns,
       (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid) = b.constraints AS same_constraints
FROM pg_class c FULL JOIN before b USING (relname)
WHERE c.relnamespace = '"Lint ""Δ"""'::regnamespace OR c.oid IS NULL ORDER BY 1;
SELECT count(*) FILTER (WHERE note LIKE '%!') AS changed_notes FROM "Order Lines";
BEGIN READ ONLY;
SELECT * FROM advisor_lint_migration('SELECT 1', dry_run => true);
ROLLBACK;

-- read-only transactions (a hot standby) lint too
BEGIN READ ONLY;
SELECT count(*) AS findings FROM advisor_lint_migration('CREATE INDEX ON "Order Lines" (note)');
COMMIT;

-- the CI gate: DA002 listing each finding at or above the level, quiet otherwise
\set VERBOSITY default
SELECT advisor_assert_migration($m$
SET lock_timeout = '1s';
CREATE INDEX ON "Order Lines" (note);
ALTER TABLE "Order Lines" RENAME TO "Lines";
$m$);
SELECT advisor_assert_migration($m$ALTER TABLE "Order Lines" RENAME TO "Lines"$m$, 'error');
SELECT advisor_assert_migration('CREATE TABLE "Fine" (id bigint)');
-- the same findings as a pull-request comment, and as SARIF with file and line
\pset format unaligned
SELECT regexp_replace(advisor_lint_report($m$
SET lock_timeout = '1s';
CREATE INDEX ON "Order Lines" (note);
$m$, 'markdown', 'db/0042 note index.sql'), '[0-9.]+ (bytes|kB|MB)', 'SIZE', 'g') AS markdown;
\pset format aligned
SELECT r->>'ruleId' AS rule, r->>'level' AS level,
       r#>>'{locations,0,physicalLocation,artifactLocation,uri}' AS file,
       r#>>'{locations,0,physicalLocation,region,startLine}' AS line
FROM jsonb_array_elements((advisor_lint_report($m$
SET lock_timeout = '1s';
CREATE INDEX ON "Order Lines" (note);
ALTER TABLE "Order Lines" RENAME TO "Lines";
$m$, 'sarif', 'db/0042.sql')::jsonb)#>'{runs,0,results}') r;
SELECT advisor_lint_report('SELECT 1', 'html');
-- more round trips: DROP INDEX, REINDEX, a whole-table DELETE, a missing lock_timeout;
-- each remediation runs as given, and linted again it has nothing left
CREATE TEMP TABLE more_fixes AS
SELECT rule, remediation FROM advisor_lint_migration($m$
DROP INDEX "Order Lines status";
REINDEX INDEX "Order Lines_pkey";
DELETE FROM "Order Lines";
ALTER TABLE "Order Lines" ALTER COLUMN note SET DEFAULT '';
$m$) WHERE remediation IS NOT NULL;
SELECT rule, remediation FROM more_fixes ORDER BY rule, remediation;
SELECT l.statement_number, l.rule, l.level
FROM advisor_lint_migration((SELECT 'SET lock_timeout = ''5s'';' || string_agg(remediation, E';\n' ORDER BY rule)
                             FROM more_fixes WHERE rule <> 'lock_timeout_missing')) l
WHERE l.level >= 'warning';
SELECT DISTINCT s FROM more_fixes, regexp_split_to_table(remediation, E';\n') s ORDER BY s \gexec
RESET lock_timeout;
SELECT to_regclass('"Order Lines status"') IS NULL AS index_dropped, count(*) AS rows_left FROM "Order Lines";
-- NULL arguments: 22004
SELECT * FROM advisor_lint_migration(NULL);
SELECT advisor_assert_migration(NULL);
RESET search_path;
-- leave the database as it was for the tests that follow
DROP SCHEMA "Lint ""Δ""" CASCADE;
DROP DOMAIN public.watched;
DROP FUNCTION public.noisy(text);
