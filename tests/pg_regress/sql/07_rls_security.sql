-- RLS and security advisors end to end: each gap is shown to be real by connecting as the
-- role that exploits it, then every complete fix is applied and the leak is gone.
SET client_min_messages = warning;
CREATE ROLE rls_owner LOGIN;            -- owns the tables: the app connects as it
CREATE ROLE rls_app LOGIN;              -- the application role
CREATE ROLE rls_admin LOGIN BYPASSRLS;  -- an admin login that ignores RLS
CREATE SCHEMA saas AUTHORIZATION rls_owner;
GRANT USAGE ON SCHEMA saas TO rls_app, rls_admin;
SET ROLE rls_owner;
-- exposed with RLS off
CREATE TABLE saas.invoices (id int PRIMARY KEY, tenant_id bigint NOT NULL, total int);
-- RLS on, owner not forced
CREATE TABLE saas.projects (id int PRIMARY KEY, tenant_id bigint NOT NULL, name text);
ALTER TABLE saas.projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON saas.projects
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
-- a policy, but RLS off
CREATE TABLE saas.api_keys (id int PRIMARY KEY, tenant_id bigint NOT NULL, label text);
CREATE POLICY api_keys_tenant ON saas.api_keys
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
-- RLS on, no policy
CREATE TABLE saas.webhooks (id int PRIMARY KEY, tenant_id bigint NOT NULL);
ALTER TABLE saas.webhooks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- inserts need no check, reads are per tenant; two permissive SELECT policies
CREATE TABLE saas.tasks (id int PRIMARY KEY, tenant_id bigint NOT NULL, assignee text);
ALTER TABLE saas.tasks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tasks_tenant ON saas.tasks FOR SELECT
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
CREATE POLICY tasks_mine ON saas.tasks FOR SELECT USING (assignee = (SELECT current_user));
CREATE POLICY tasks_insert ON saas.tasks FOR INSERT WITH CHECK (true);
-- an UPDATE policy that lets everything through
CREATE TABLE saas.comments (id int PRIMARY KEY, tenant_id bigint NOT NULL, body text);
ALTER TABLE saas.comments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY comments_tenant ON saas.comments FOR SELECT
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
CREATE POLICY comments_edit ON saas.comments FOR UPDATE TO rls_app USING (true);
-- a tenant table whose only policy ignores the tenant column
CREATE TABLE saas.notes (id int PRIMARY KEY, tenant_id bigint NOT NULL, author text);
ALTER TABLE saas.notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_author ON saas.notes USING (author = (SELECT current_user));
-- partitions: RLS on the parent, a partition granted directly
CREATE TABLE saas.events (id int, tenant_id bigint NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE saas.events_1 PARTITION OF saas.events FOR VALUES FROM (0) TO (100);
ALTER TABLE saas.events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY events_tenant ON saas.events
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
-- a large table whose policy calls current_setting() per row on an unindexed column
CREATE TABLE saas.activity (id int PRIMARY KEY, tenant_id bigint NOT NULL);
ALTER TABLE saas.activity ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY activity_tenant ON saas.activity
    USING (tenant_id = current_setting('app.tenant_id')::bigint);
-- a reporting view over an RLS table, owned by the table owner
CREATE VIEW saas.project_overview AS SELECT tenant_id, name FROM saas.projects;
-- a SECURITY DEFINER helper with the caller's search_path, executable by PUBLIC
SET check_function_bodies = off;
CREATE FUNCTION saas.tenant_total(t bigint) RETURNS bigint LANGUAGE sql SECURITY DEFINER
    AS $$ SELECT sum(total) FROM invoices WHERE tenant_id = t $$;
-- sensitive data in plain text
CREATE TABLE saas.cards (id int PRIMARY KEY, tenant_id bigint NOT NULL, "cardNumber" text,
                         cvv text, customer_email text, emailed_at timestamptz, pwd_hash text);
ALTER TABLE saas.cards ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY cards_tenant ON saas.cards
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA saas TO rls_app;
GRANT SELECT ON saas.tasks TO rls_admin;
RESET ROLE;
-- data goes in as the superuser (forced RLS applies to the owner too)
INSERT INTO saas.invoices VALUES (1, 1, 100), (2, 2, 200);
INSERT INTO saas.projects VALUES (1, 1, 'one'), (2, 2, 'two');
INSERT INTO saas.api_keys VALUES (1, 1, 'a'), (2, 2, 'b');
INSERT INTO saas.comments VALUES (1, 1, 'hello'), (2, 2, 'world');
INSERT INTO saas.tasks VALUES (1, 1, 'alice'), (2, 2, 'bob');
INSERT INTO saas.notes VALUES (1, 1, 'rls_app'), (2, 2, 'rls_app');
INSERT INTO saas.events VALUES (1, 1), (2, 2);
INSERT INTO saas.activity SELECT g, 1 + g % 2 FROM generate_series(1, 12000) g;
ANALYZE saas.activity;
GRANT CREATE ON SCHEMA public TO PUBLIC;
CREATE EXTENSION pg_trgm SCHEMA public;

-- What the advisors say (saas objects, plus the cluster- and schema-level ones)
SELECT rule, level, object_type, object_identity
FROM advisor_findings
WHERE category IN ('security', 'compliance') OR rule LIKE 'rls\_%'
ORDER BY rule, object_identity;
SELECT rule, object_identity, remediation FROM advisor_findings
WHERE (category IN ('security', 'compliance') OR rule LIKE 'rls\_%')
  AND remediation NOT LIKE '--%'
ORDER BY rule, object_identity;
SELECT table_name, rule, level FROM advisor_rls_gaps
WHERE schema_name = 'saas' ORDER BY table_name, rule;
-- a missing role in api_roles is ignored, never an error
SET database_advisor.api_roles = 'anon, authenticated, rls_app';
SELECT count(*) > 0 AS still_works FROM advisor_rls_gaps;
RESET database_advisor.api_roles;

-- The leaks are real. As the application role, tenant 1:
\c - rls_app
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS invoices_tenants_seen FROM saas.invoices;
SELECT count(DISTINCT tenant_id) AS api_keys_tenants_seen FROM saas.api_keys;
SELECT count(DISTINCT tenant_id) AS notes_tenants_seen FROM saas.notes;
SELECT count(DISTINCT tenant_id) AS partition_tenants_seen FROM saas.events_1;
SELECT count(DISTINCT tenant_id) AS parent_tenants_seen FROM saas.events;
SELECT count(DISTINCT tenant_id) AS view_tenants_seen FROM saas.project_overview;
INSERT INTO saas.tasks VALUES (100, 2, 'intruder');   -- written into tenant 2
SELECT count(*) AS can_read_it_back FROM saas.tasks WHERE id = 100;
UPDATE saas.comments SET body = 'defaced';           -- every tenant's comments
SET search_path = saas;
SELECT saas.tenant_total(2) AS other_tenants_total;
CREATE TEMP TABLE invoices AS SELECT 1 AS id, 1::bigint AS tenant_id, 999999 AS total;
GRANT SELECT ON invoices TO rls_owner;
SELECT saas.tenant_total(1) AS hijacked_total;       -- the definer reads the caller's table
RESET search_path;
-- as the owner (what an app connecting as the owner sees)
\c - rls_owner
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS owner_tenants_seen FROM saas.projects;
-- as the BYPASSRLS login
\c - rls_admin
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS admin_tenants_seen FROM saas.tasks;
\c - postgres
SELECT count(*) AS defaced_comments FROM saas.comments WHERE body = 'defaced';
UPDATE saas.comments SET body = 'restored';
SELECT count(*) AS intruder_rows_written FROM saas.tasks WHERE assignee = 'intruder';
DELETE FROM saas.tasks WHERE id = 100;

-- Apply every complete fix, as given ...
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
SELECT remediation FROM advisor_findings
WHERE (category IN ('security', 'compliance') OR rule LIKE 'rls\_%')
  AND remediation NOT LIKE '--%' AND rule NOT LIKE 'audit\_%'  -- audit: see 10_audit
ORDER BY rule, object_identity \gexec
-- ... what is left needs a human decision (commented templates), nothing new appeared
SELECT rule, object_identity, level FROM advisor_findings
WHERE category IN ('security', 'compliance') OR rule LIKE 'rls\_%'
ORDER BY rule, object_identity;
SELECT fingerprint AS new_finding FROM advisor_findings EXCEPT SELECT fingerprint FROM before_fix;

-- ... and the leaks are closed
\c - rls_app
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS invoices_tenants_seen FROM saas.invoices;
SELECT count(DISTINCT tenant_id) AS api_keys_tenants_seen FROM saas.api_keys;
SELECT count(DISTINCT tenant_id) AS notes_tenants_seen FROM saas.notes;
SELECT count(*) FROM saas.events_1;                   -- no longer granted
SELECT count(DISTINCT tenant_id) AS view_tenants_seen FROM saas.project_overview;
INSERT INTO saas.tasks VALUES (101, 2, 'intruder');   -- rejected now
SELECT saas.tenant_total(1);                          -- PUBLIC may not execute it any more
RESET search_path;
\c - rls_owner
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS owner_tenants_seen FROM saas.projects;
SET search_path = saas;
CREATE TEMP TABLE invoices AS SELECT 1 AS id, 1::bigint AS tenant_id, 999999 AS total;
SELECT saas.tenant_total(1) AS total_not_hijacked;    -- the pinned search_path wins
\c - rls_admin
SET app.tenant_id = 1;
SELECT count(DISTINCT tenant_id) AS admin_tenants_seen FROM saas.tasks;
\c - postgres

-- A correctly secured schema gets no security finding at all
SET client_min_messages = warning;
CREATE SCHEMA secure AUTHORIZATION rls_owner;
GRANT USAGE ON SCHEMA secure TO rls_app;
SET ROLE rls_owner;
CREATE TABLE secure.orders (id int PRIMARY KEY, tenant_id bigint NOT NULL, amount int,
                            password_hash text, emailed_at timestamptz);
ALTER TABLE secure.orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY orders_tenant ON secure.orders
    USING (tenant_id = (SELECT current_setting('app.tenant_id')::bigint));
CREATE VIEW secure.order_totals WITH (security_invoker = true) AS
    SELECT tenant_id, sum(amount) FROM secure.orders GROUP BY tenant_id;
CREATE FUNCTION secure.order_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, secure, pg_temp AS $$ SELECT count(*) FROM orders $$;
REVOKE EXECUTE ON FUNCTION secure.order_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION secure.order_count() TO rls_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON secure.orders TO rls_app;
GRANT SELECT ON secure.order_totals TO rls_app;
RESET ROLE;
SELECT count(*) AS security_findings_in_secure FROM advisor_findings
WHERE (category IN ('security', 'compliance') OR rule LIKE 'rls\_%')
  AND (metadata->>'schema' = 'secure' OR object_identity LIKE 'secure.%');

-- clean up the cluster-wide roles
DROP SCHEMA saas, secure CASCADE;
DROP EXTENSION pg_trgm;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DROP ROLE rls_owner, rls_app, rls_admin;
