-- A hostile neighbour: mallory, an ordinary role that owns a schema (and may create in the
-- extension's schema, as the owner of a database may in public), tries to make the
-- superuser who uses the extension run her SQL. Every attempt fails; the fixes hold.
SET client_min_messages = warning;
CREATE ROLE mallory LOGIN;
CREATE ROLE mallory_app LOGIN;
CREATE SCHEMA m AUTHORIZATION mallory;
GRANT CREATE ON SCHEMA public TO mallory;   -- what the owner of the database has in PG 15

-- 1. A name that ends a comment in a remediation template and runs the rest (the report's
--    reproduction): the remediations, run with \gexec, only do what they say.
SET ROLE mallory;
CREATE TABLE m."x
ALTER ROLE mallory SUPERUSER;--" (id int PRIMARY KEY);
GRANT SELECT ON m."x
ALTER ROLE mallory SUPERUSER;--" TO PUBLIC;
CREATE TABLE m."t
DROP TABLE m.victim;--" (id int PRIMARY KEY, tenant_id bigint NOT NULL, card_number text);
GRANT SELECT ON m."t
DROP TABLE m.victim;--" TO mallory_app;
CREATE TABLE m.victim (id int);
RESET ROLE;
SELECT rule, object_identity, remediation FROM advisor_findings
WHERE object_identity LIKE 'm.%' AND rule IN ('rls_disabled_exposed_table', 'sensitive_column_plaintext')
ORDER BY rule, object_identity;
SELECT remediation FROM advisor_findings
WHERE object_identity LIKE 'm.%' AND rule IN ('rls_disabled_exposed_table', 'sensitive_column_plaintext')
ORDER BY rule, object_identity \gexec
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'mallory';
SELECT to_regclass('m.victim') IS NOT NULL AS victim_still_there;
-- the text report and the CI gate's DETAIL show the names on one line each
SELECT count(*) AS forged_report_lines
FROM regexp_split_to_table(advisor_report(), E'\n') line
WHERE line ~ '^(ALTER ROLE|DROP TABLE)';
SELECT count(*) > 0 AS names_shown_escaped
FROM regexp_split_to_table(advisor_report(), E'\n') line
WHERE strpos(line, 'table m.U&"x\000AALTER ROLE mallory SUPERUSER;--"') > 0;
SELECT count(*) AS forged_markdown_lines
FROM regexp_split_to_table(advisor_report('markdown'), E'\n') line
WHERE line ~ '^(ALTER ROLE|DROP TABLE)';
\set VERBOSITY default
SELECT advisor_assert('info', ARRAY['rls_disabled_exposed_table']);
\set VERBOSITY terse
DROP TABLE m."x
ALTER ROLE mallory SUPERUSER;--", m."t
DROP TABLE m.victim;--";

-- 2. A pre-claimed audit trigger function: CREATE OR REPLACE would keep mallory as its
--    owner, free to rewrite it and read every audited change.
CREATE TABLE public.payroll (id int PRIMARY KEY, salary int);
SET ROLE mallory;
CREATE FUNCTION public."advisor_audit:public.payroll"() RETURNS trigger
LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
RESET ROLE;
SELECT advisor_audit_enable('public.payroll');
SELECT length(advisor_audit_sql('public.payroll')) > 0 AS sql_refused_too;
SELECT count(*) AS audited FROM advisor_audit_tables WHERE audited_table = 'public.payroll';
DROP FUNCTION public."advisor_audit:public.payroll"();
SELECT advisor_audit_enable('public.payroll') IS NOT NULL AS enabled_after_drop;
SELECT pg_get_userbyid(proowner) AS owner FROM pg_proc
WHERE proname = 'advisor_audit:public.payroll';
-- 3. The application user is read from the setting fixed at enable time: a writer pointing
--    database_advisor.audit_actor_setting at a superuser-only setting logs nothing of it
GRANT INSERT, UPDATE ON public.payroll TO mallory_app;
\c - mallory_app
SET client_min_messages = warning;
SET database_advisor.audit_actor_setting = 'data_directory';
INSERT INTO public.payroll VALUES (1, 100);
SET app.user_id = '42';
UPDATE public.payroll SET salary = 200;
\c - postgres
SET client_min_messages = warning;
\set VERBOSITY terse
SELECT operation, app_user FROM advisor_audit_log WHERE audited_table = 'public.payroll'
ORDER BY id;
-- only custom settings can be chosen
SET database_advisor.audit_actor_setting = 'data_directory';
SELECT advisor_audit_enable('public.payroll');
RESET database_advisor.audit_actor_setting;

-- 4. A row type that gains a column of a type with a SQL cast to json: to_jsonb() in the
--    SECURITY DEFINER trigger would run mallory's cast as the trigger's owner.
SET ROLE mallory;
CREATE TABLE m.address (street text);
CREATE TYPE m.mood AS ENUM ('ok');
CREATE FUNCTION m.mood_json(m.mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN ALTER ROLE mallory SUPERUSER; RETURN '"ok"'; END $$;
CREATE CAST (m.mood AS json) WITH FUNCTION m.mood_json(m.mood);
RESET ROLE;
CREATE TABLE public.customers (id int PRIMARY KEY, home m.address);
SELECT advisor_audit_enable('public.customers') IS NOT NULL AS enabled;
SET ROLE mallory;
ALTER TABLE m.address ADD COLUMN feeling m.mood;    -- refused by the event trigger
RESET ROLE;
INSERT INTO public.customers VALUES (1, ROW('Main St'));
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'mallory';
SELECT advisor_audit_disable('public.customers') IS NOT NULL AS disabled;
SELECT advisor_audit_disable('public.payroll') IS NOT NULL AS disabled;
DROP TABLE public.customers, public.payroll;
DROP SCHEMA m CASCADE;
REVOKE CREATE ON SCHEMA public FROM mallory;
DROP ROLE mallory, mallory_app;

-- 5. Bad input: an ERROR with a SQLSTATE that says what to do, never XX000
\set VERBOSITY sqlstate
SELECT * FROM advisor_run(NULL, NULL);
SELECT * FROM advisor_run(ARRAY[NULL]);
SELECT * FROM advisor_run(ARRAY['missing_fk_index', NULL]);
SELECT * FROM advisor_run('{}');
SELECT * FROM _advisor_run(NULL, false, NULL);
SELECT advisor_report(NULL);
SELECT advisor_schedule(NULL);
SELECT advisor_assert(NULL);
SELECT advisor_assert('info', '{}');
SELECT advisor_audit_sql(NULL);
SELECT advisor_audit_enable(NULL);
SELECT advisor_audit_disable(NULL);
SELECT advisor_audit_purge(NULL);
SELECT _advisor_audit(NULL, 'sql', '{}', false, true);
SELECT _advisor_audit('pg_class'::regclass, NULL, '{}', false, true);
SELECT advisor_suppress(NULL, 'x', 'y');
SELECT advisor_suppress('missing_fk_index', NULL, 'y');
SELECT advisor_suppress('missing_fk_index', 'x', NULL);
SELECT advisor_suppress('missing_fk_index', 'x', E' \t\n\r ');
SELECT advisor_unsuppress('no_such_rule', 'x');
SELECT advisor_unsuppress('missing_fk_index', NULL);
SELECT advisor_configure_rule('missing_fk_index', NULL);
\set VERBOSITY terse
-- a suppression for an object no finding is about: kept, with a notice
SET client_min_messages = notice;
SELECT advisor_suppress('missing_fk_index', 'no_such_fkey on public.nowhere', 'typo test');
RESET client_min_messages;
SELECT advisor_unsuppress('missing_fk_index', 'no_such_fkey on public.nowhere');
-- changing an audit in a read-only transaction (as on a standby): 25006
CREATE TABLE public.ro_test (id int PRIMARY KEY);
BEGIN READ ONLY;
SELECT advisor_audit_enable('public.ro_test');
ROLLBACK;
BEGIN READ ONLY;
SELECT length(advisor_audit_sql('public.ro_test')) > 0 AS sql_works_read_only;
ROLLBACK;
DROP TABLE public.ro_test;
-- a non-superuser without pg_cron here: 0A000 with the way to enable it
CREATE ROLE plain_user;
SET ROLE plain_user;
SELECT advisor_schedule();
RESET ROLE;
DROP ROLE plain_user;
-- a cancel in the middle of a run: the ERROR, no Rust backtrace in DETAIL
\set VERBOSITY default
SET statement_timeout = '1ms';
SELECT count(*) FROM advisor_findings;
RESET statement_timeout;
