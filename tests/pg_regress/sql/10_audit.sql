-- Audit trail generator end to end: what a careful DBA needs to trust it. Writes by an
-- application role without rights on the log, ROLLBACK, DDL, partitions, TRUNCATE, weird
-- names, the options, append-only, the status view, the two audit rules and their fixes.
SET client_min_messages = warning;
CREATE ROLE audit_owner LOGIN;   -- owns the application's tables
CREATE ROLE audit_app LOGIN;     -- the application: writes, no rights on the log
GRANT audit_app TO audit_owner;
CREATE SCHEMA "Shop Ünï" AUTHORIZATION audit_owner;
GRANT USAGE ON SCHEMA "Shop Ünï" TO audit_app;
SET ROLE audit_owner;
CREATE TABLE "Shop Ünï"."Order Lines" (
    "Id" int PRIMARY KEY,
    "select" text,
    "it's" numeric,
    "Card No" text,
    naïve boolean DEFAULT false);
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "Shop Ünï"."Order Lines" TO audit_app;
RESET ROLE;
SET client_min_messages = notice;

-- The generated DDL, for review or a migration tool
\pset format unaligned
\pset tuples_only on
SELECT advisor_audit_sql('"Shop Ünï"."Order Lines"', exclude_columns => ARRAY['Card No']) AS planned
\gset
\echo :planned
\pset format aligned
\pset tuples_only off
SELECT advisor_audit_enable('"Shop Ünï"."Order Lines"', exclude_columns => ARRAY['Card No'])
       = :'planned' AS enable_runs_what_sql_shows;

-- The application writes; it cannot read, change or empty the log, nor detach the audit
\c - audit_app
SET application_name = 'shop-api';
SET app.user_id = 'user-42';
INSERT INTO "Shop Ünï"."Order Lines" VALUES (1, 'a', 10, '4111 1111 1111 1111'), (2, 'b', 20, NULL);
UPDATE "Shop Ünï"."Order Lines" SET "it's" = 11 WHERE "Id" = 1;
UPDATE "Shop Ünï"."Order Lines" SET "it's" = 11 WHERE "Id" = 1;           -- changes nothing
UPDATE "Shop Ünï"."Order Lines" SET "Card No" = '5500' WHERE "Id" = 2;     -- excluded only
BEGIN;
DELETE FROM "Shop Ünï"."Order Lines";
ROLLBACK;
BEGIN;
INSERT INTO "Shop Ünï"."Order Lines" VALUES (3, 'c', 30, NULL);
SAVEPOINT s;
UPDATE "Shop Ünï"."Order Lines" SET "select" = 'lost' WHERE "Id" = 3;
ROLLBACK TO s;
RESET app.user_id;
DELETE FROM "Shop Ünï"."Order Lines" WHERE "Id" = 2;
COMMIT;
SELECT count(*) FROM advisor_audit_log;
UPDATE advisor_audit_log SET app_user = 'forged';
DELETE FROM advisor_audit_log;
TRUNCATE advisor_audit_log;
INSERT INTO advisor_audit_log (audited_table, schema_name, table_name, operation,
    transaction_time, statement_time, transaction_id, session_user_name, current_user_name)
VALUES ('x', 'x', 'x', 'INSERT', now(), now(), pg_current_xact_id(), 'x', 'x');
DROP TRIGGER advisor_audit ON "Shop Ünï"."Order Lines";
DROP FUNCTION "advisor_audit:Shop Ünï.Order Lines"();
SELECT advisor_audit_disable('"Shop Ünï"."Order Lines"');
SELECT advisor_audit_purge('0');
SELECT _advisor_audit('"Shop Ünï"."Order Lines"'::regclass, 'disable', NULL, NULL, NULL);
-- it may read the generated DDL and the status
SELECT length(advisor_audit_sql('"Shop Ünï"."Order Lines"')) > 0 AS can_generate;
SELECT audited_table, state FROM advisor_audit_status;
-- nor attach the log writer to a table of its own to forge rows
CREATE TEMP TABLE mine (id int);
CREATE TRIGGER forge AFTER INSERT ON mine FOR EACH ROW
    EXECUTE FUNCTION "advisor_audit:Shop Ünï.Order Lines"();
\c - postgres
-- exactly the committed changes: the no-op and excluded-only UPDATEs, the rolled-back
-- DELETE and the UPDATE rolled back to a savepoint left nothing
SELECT operation, row_key, old_values, new_values, changed_columns,
       session_user_name, current_user_name, app_user, application_name
FROM advisor_audit_log ORDER BY id;
SELECT count(DISTINCT transaction_id) AS transactions,
       bool_and(statement_time >= transaction_time) AS statement_after_transaction_start
FROM advisor_audit_log;

-- SET ROLE is recorded as the current user; the actor setting is chosen when the audit is
-- enabled (a writer changing database_advisor.audit_actor_setting later changes nothing)
SET database_advisor.audit_actor_setting = 'shop.customer';
SELECT advisor_audit_enable('"Shop Ünï"."Order Lines"', exclude_columns => ARRAY['Card No'])
       IS NOT NULL AS actor_setting_chosen;
RESET database_advisor.audit_actor_setting;
\c - audit_owner
SET ROLE audit_app;
SET shop.customer = 'cust-7';
INSERT INTO "Shop Ünï"."Order Lines" VALUES (4, 'd', 40, NULL);
SET database_advisor.audit_actor_setting = 'app.user_id';
INSERT INTO "Shop Ünï"."Order Lines" VALUES (5, 'e', 50, NULL);
\c - postgres
SELECT row_key, session_user_name, current_user_name, app_user
FROM advisor_audit_log WHERE operation = 'INSERT' AND row_key->>'Id' IN ('4', '5') ORDER BY id;

-- DDL never breaks writes. Even with the event trigger off, the generated code reads rows
-- through to_jsonb: renamed, dropped and added columns, a renamed primary key.
ALTER EVENT TRIGGER advisor_audit_after_ddl DISABLE;
ALTER TABLE "Shop Ünï"."Order Lines" RENAME COLUMN "Id" TO "Line Id";
ALTER TABLE "Shop Ünï"."Order Lines" DROP COLUMN naïve, ADD COLUMN "new col" int DEFAULT 7;
UPDATE "Shop Ünï"."Order Lines" SET "select" = 'still audited', "new col" = 8 WHERE "Line Id" = 1;
SELECT row_key, new_values->>'select' AS "select", changed_columns
FROM advisor_audit_log ORDER BY id DESC LIMIT 1;
ALTER EVENT TRIGGER advisor_audit_after_ddl ENABLE;
-- With it on (the default), DDL regenerates the audit in the same transaction: the key and
-- the exclusions follow renames, the table's new name is recorded.
ALTER TABLE "Shop Ünï"."Order Lines" RENAME COLUMN "Card No" TO "PAN";
ALTER TABLE "Shop Ünï"."Order Lines" RENAME TO "Lines";
UPDATE "Shop Ünï"."Lines" SET "PAN" = '4000 0000 0000 0002', "select" = 'renamed' WHERE "Line Id" = 1;
SELECT audited_table, table_name, row_key, new_values, changed_columns
FROM advisor_audit_log ORDER BY id DESC LIMIT 1;
SELECT audited_table, schema_name, table_name, options->'exclude_columns' AS excluded
FROM advisor_audit_tables;
-- a primary key that changes columns
ALTER TABLE "Shop Ünï"."Lines" DROP CONSTRAINT "Order Lines_pkey",
    ADD PRIMARY KEY ("Line Id", "select");
DELETE FROM "Shop Ünï"."Lines" WHERE "Line Id" = 1;
SELECT operation, row_key FROM advisor_audit_log ORDER BY id DESC LIMIT 1;

-- Options: only changed columns; updates that change nothing are logged when asked
CREATE TABLE public.settings (key text PRIMARY KEY, value text, hits int);
INSERT INTO public.settings VALUES ('theme', 'dark', 0);
SELECT advisor_audit_enable('public.settings', changed_only => true, skip_unchanged => false) IS NOT NULL;
UPDATE public.settings SET hits = hits + 1;
UPDATE public.settings SET value = value;
SELECT operation, row_key, old_values, new_values, changed_columns
FROM advisor_audit_log WHERE audited_table = 'public.settings' ORDER BY id;
-- no primary key: a warning, a NULL row_key and full rows (the documented fallback)
CREATE TABLE public.events (at timestamptz, what text);
SELECT advisor_audit_enable('public.events', changed_only => true) IS NOT NULL;
INSERT INTO public.events VALUES ('2026-01-01', 'x');
UPDATE public.events SET what = 'y';
SELECT operation, row_key, old_values, new_values, changed_columns
FROM advisor_audit_log WHERE audited_table = 'public.events' ORDER BY id;

-- Partitioned tables: every partition, also those created or attached later; TRUNCATE of the
-- parent logs each partition emptied, TRUNCATE of one partition logs it; a detached partition
-- is no longer audited.
CREATE TABLE public.measurements (id int, day date, v int, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE public.m_jan PARTITION OF public.measurements FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')
    PARTITION BY HASH (id);
CREATE TABLE public.m_jan_0 PARTITION OF public.m_jan FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE public.m_jan_1 PARTITION OF public.m_jan FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT advisor_audit_enable('public.measurements') IS NOT NULL;
CREATE TABLE public.m_feb PARTITION OF public.measurements FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE public.m_mar (LIKE public.measurements);
ALTER TABLE public.measurements ATTACH PARTITION public.m_mar FOR VALUES FROM ('2026-03-01') TO ('2026-04-01');
INSERT INTO public.measurements VALUES (1, '2026-01-10', 1), (2, '2026-01-11', 2),
    (3, '2026-02-10', 3), (4, '2026-03-10', 4);
UPDATE public.measurements SET v = v * 10;
UPDATE public.measurements SET day = '2026-02-20' WHERE id = 1;   -- moves to another partition
TRUNCATE public.m_feb;
BEGIN;
TRUNCATE public.measurements;
ROLLBACK;
TRUNCATE public.measurements;
ALTER TABLE public.measurements DETACH PARTITION public.m_mar;
INSERT INTO public.m_mar VALUES (9, '2026-03-01', 9);
TRUNCATE public.m_mar;
SELECT table_name, operation, row_key, old_values->'v' AS old_v, new_values->'v' AS new_v
FROM advisor_audit_log WHERE audited_table = 'public.measurements' ORDER BY id;
SELECT tgrelid::regclass AS relation, tgname
FROM pg_trigger WHERE tgname LIKE 'advisor_audit%' AND tgrelid::regclass::text LIKE '%m\_%'
ORDER BY 1, 2;
SELECT advisor_audit_enable('public.m_jan_0');
SELECT advisor_audit_enable('public.m_mar') IS NOT NULL AS detached_partition_audited_alone;
SELECT advisor_audit_enable('public.m_jan');

-- Status: audited tables, triggers, log rows and bytes
SELECT audited_table, relation, state, recording, triggers, triggers_disabled, log_rows,
       log_bytes > 0 AS has_bytes
FROM advisor_audit_status ORDER BY audited_table;

-- advisor_audit_sql only reads: it works in a read-only transaction
BEGIN READ ONLY;
SELECT length(advisor_audit_sql('public.settings')) > 0 AS generated_read_only;
COMMIT;
-- a trigger dropped by hand: the status says so; enabling again repairs it, same history
DROP TRIGGER advisor_audit ON public.settings;
SELECT audited_table, state, recording, triggers FROM advisor_audit_status
WHERE audited_table LIKE 'public.settings%';
SELECT advisor_audit_enable('public.settings', changed_only => true, skip_unchanged => false) IS NOT NULL;
SELECT audited_table, state, recording, triggers FROM advisor_audit_status
WHERE audited_table LIKE 'public.settings%';

-- Rule audit_trigger_disabled: a disabled audit trigger is found, the fix closes it
ALTER TABLE public.measurements DISABLE TRIGGER advisor_audit;
ALTER TABLE public.settings DISABLE TRIGGER advisor_audit_truncate;
ALTER TABLE public.m_mar ENABLE REPLICA TRIGGER advisor_audit;
INSERT INTO public.measurements VALUES (5, '2026-02-02', 5);   -- unrecorded
SELECT count(*) AS unrecorded FROM advisor_audit_log WHERE row_key->>'id' = '5';
SELECT state, recording FROM advisor_audit_status WHERE audited_table = 'public.measurements';
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
SELECT level, object_type, object_identity, detail, remediation
FROM advisor_findings WHERE rule = 'audit_trigger_disabled' ORDER BY object_identity;
SELECT remediation FROM advisor_findings WHERE rule = 'audit_trigger_disabled'
ORDER BY object_identity \gexec
SELECT count(*) AS still_disabled FROM advisor_findings WHERE rule = 'audit_trigger_disabled';
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_fix;
INSERT INTO public.measurements VALUES (6, '2026-02-03', 6);
SELECT count(*) AS recorded_again FROM advisor_audit_log WHERE row_key->>'id' = '6';

-- Rule audit_missing_sensitive_table: the suggested audit keeps card data out of the log
CREATE TABLE public."Customers" ("ID" int PRIMARY KEY, email text, card_number text, password_hash text);
SELECT level, object_identity, detail, remediation, metadata->'excluded_from_log' AS excluded
FROM advisor_findings WHERE rule = 'audit_missing_sensitive_table'
ORDER BY object_identity;
DROP TABLE before_fix;
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
\pset format unaligned
\pset tuples_only on
SELECT remediation FROM advisor_findings
WHERE rule = 'audit_missing_sensitive_table' AND object_identity = 'public."Customers"' \gexec
\pset format aligned
\pset tuples_only off
SELECT count(*) AS still_missing FROM advisor_findings
WHERE rule = 'audit_missing_sensitive_table' AND object_identity = 'public."Customers"';
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_fix;
INSERT INTO public."Customers" VALUES (1, 'a@example.com', '4111111111111111', 'x');
SELECT new_values FROM advisor_audit_log WHERE audited_table = 'public."Customers"';

-- A table owner cannot make the SECURITY DEFINER audit trigger run their code: to_jsonb()
-- calls a type's cast to json. The danger is real: a superuser serializing such a row
-- runs the owner's function with superuser rights.
SET ROLE audit_owner;
CREATE TYPE "Shop Ünï".mood AS ENUM ('ok');
CREATE FUNCTION "Shop Ünï".mood_json("Shop Ünï".mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    ALTER ROLE audit_owner SUPERUSER;   -- needs a superuser's rights
    RETURN '"ok"';
END $$;
CREATE TABLE "Shop Ünï".moods (id int PRIMARY KEY, m "Shop Ünï".mood);
INSERT INTO "Shop Ünï".moods VALUES (1, 'ok');
CREATE CAST ("Shop Ünï".mood AS json) WITH FUNCTION "Shop Ünï".mood_json("Shop Ünï".mood);
RESET ROLE;
SELECT to_jsonb(m) FROM "Shop Ünï".moods;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'audit_owner';
ALTER ROLE audit_owner NOSUPERUSER;
\set VERBOSITY default
SELECT advisor_audit_enable('"Shop Ünï".moods');
-- a cast created after auditing started is refused as well
SET ROLE audit_owner;
DROP CAST ("Shop Ünï".mood AS json);
RESET ROLE;
SELECT advisor_audit_enable('"Shop Ünï".moods') IS NOT NULL;
SET ROLE audit_owner;
CREATE CAST ("Shop Ünï".mood AS json) WITH FUNCTION "Shop Ünï".mood_json("Shop Ünï".mood);
\set VERBOSITY terse
UPDATE "Shop Ünï".moods SET id = 2;
RESET ROLE;
SELECT rolsuper AS owner_became_superuser FROM pg_roles WHERE rolname = 'audit_owner';
SELECT new_values FROM advisor_audit_log WHERE audited_table = '"Shop Ünï".moods';

-- Bad input gets a clear ERROR
\set VERBOSITY default
CREATE VIEW public.v_settings AS SELECT * FROM public.settings;
SELECT advisor_audit_enable('public.v_settings');
CREATE TEMP TABLE scratch (id int);
SELECT advisor_audit_enable('scratch');
SELECT advisor_audit_enable('advisor_audit_log');
SELECT advisor_audit_enable('pg_class');
SELECT advisor_audit_enable('public.settings', exclude_columns => ARRAY['nope']);
SELECT advisor_audit_enable('public.settings', exclude_columns => ARRAY['key']);
SELECT advisor_audit_enable('public.settings', exclude_columns => NULL);
SELECT advisor_audit_enable('public.settings', changed_only => NULL);
SELECT advisor_audit_disable('public.v_settings');
SELECT advisor_audit_disable('scratch');
SELECT advisor_audit_purge(interval '-1 day');
SELECT advisor_audit_enable(0);
-- DROP EXTENSION refuses while tables are audited (their triggers would lose the log)
BEGIN;
DROP EXTENSION database_advisor;
ROLLBACK;
\set VERBOSITY terse

-- Disable keeps the history; enabling again continues it under the same name
SELECT advisor_audit_disable('public.settings') IS NOT NULL;
UPDATE public.settings SET value = 'light';
SELECT state, log_rows FROM advisor_audit_status WHERE audited_table = 'public.settings';
SELECT advisor_audit_enable('public.settings') IS NOT NULL;
UPDATE public.settings SET value = 'blue';
SELECT audited_table, new_values->>'value' AS value FROM advisor_audit_log
WHERE audited_table = 'public.settings' ORDER BY id DESC LIMIT 1;
-- a new table under a renamed table's old name gets its own history
ALTER TABLE public.events RENAME TO events_old;
CREATE TABLE public.events (id int PRIMARY KEY);
SELECT advisor_audit_enable('public.events') IS NOT NULL;
SELECT audited_table, table_name FROM advisor_audit_tables WHERE audited_table LIKE 'public.events%'
ORDER BY 1;

-- Dropping an audited table drops its trigger function; the registry and the log keep
-- its history
DROP TABLE public.events_old;
SELECT audited_table, relation, state, recording, log_rows FROM advisor_audit_status
WHERE audited_table = 'public.events';
SELECT count(*) AS function_left FROM pg_proc WHERE proname = 'advisor_audit:public.events';

-- Retention
SELECT advisor_audit_purge(interval '1 day') AS purged_recent;
SELECT advisor_audit_purge(interval '0') > 0 AS purged_all;
SELECT count(*) AS left_in_log FROM advisor_audit_log;

-- clean up: stop auditing, so 99 can drop the extension
SELECT advisor_audit_disable(relation) IS NOT NULL FROM advisor_audit_status
WHERE state = 'enabled' ORDER BY 1;
DROP SCHEMA "Shop Ünï" CASCADE;
DROP TABLE public.settings, public.events, public.measurements, public.m_mar,
    public."Customers" CASCADE;
DROP ROLE audit_owner, audit_app;
