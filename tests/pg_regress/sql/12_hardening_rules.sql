-- Four misses found with Supabase splinter's test cases, end to end: policies whose
-- condition is a tautology other than `true`, policies of a table with RLS off (reported
-- once, by rls_policy_without_rls), sensitive column names, and a SECURITY DEFINER function
-- whose pinned search_path omits pg_temp, hijacked through a temporary table.
SET client_min_messages = warning;
CREATE ROLE hard_owner LOGIN;    -- owns the tables and the functions
CREATE ROLE hard_app LOGIN;      -- the application: reads and writes
CREATE ROLE hard_reader LOGIN;   -- may only read
CREATE SCHEMA hard AUTHORIZATION hard_owner;
CREATE SCHEMA "Odd Schema" AUTHORIZATION hard_owner;
GRANT USAGE ON SCHEMA hard, "Odd Schema" TO hard_app, hard_reader;
-- the table the definer function reads, in public (created by the superuser)
CREATE TABLE public.invoices (id int PRIMARY KEY, amount int);
ALTER TABLE public.invoices OWNER TO hard_owner;
INSERT INTO public.invoices VALUES (1, 100), (2, 200);
SET ROLE hard_owner;

-- 1. Tautologies: RLS on and forced, reads open to the application
CREATE TABLE hard.notes (id int PRIMARY KEY, tenant_id bigint NOT NULL, body text);
ALTER TABLE hard.notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY notes_read ON hard.notes FOR SELECT TO hard_app, hard_reader USING (true);
CREATE POLICY notes_insert ON hard.notes FOR INSERT TO hard_app WITH CHECK (1=1);
CREATE POLICY notes_edit ON hard.notes FOR UPDATE TO hard_app
    USING (id IS NOT NULL OR id IS NULL);
CREATE POLICY notes_purge ON hard.notes FOR DELETE TO hard_app USING ('a' = 'a');
CREATE POLICY notes_more ON hard.notes FOR DELETE TO hard_app USING (2 > 1 AND NOT false);
-- not tautologies: NULL where id is NULL; a real condition; a function is never evaluated
CREATE POLICY notes_self ON hard.notes FOR DELETE TO hard_app USING (id = id);
CREATE POLICY notes_tenant ON hard.notes FOR UPDATE TO hard_app
    USING (coalesce(tenant_id = 5, true));
-- always true, but the role it names may only read: info
CREATE POLICY notes_reader_edit ON hard.notes FOR UPDATE TO hard_reader USING (1 = 1);
GRANT SELECT, INSERT, UPDATE, DELETE ON hard.notes TO hard_app;
GRANT SELECT ON hard.notes TO hard_reader;

-- 2. Policies of a table with RLS off: said once, by rls_policy_without_rls
CREATE TABLE hard.drafts (id int PRIMARY KEY, tenant_id bigint NOT NULL);
CREATE POLICY drafts_edit ON hard.drafts FOR UPDATE USING (true);
CREATE POLICY drafts_tenant ON hard.drafts FOR SELECT
    USING (tenant_id = current_setting('app.tenant_id')::bigint);
GRANT SELECT, UPDATE ON hard.drafts TO hard_app;

-- 3. Sensitive column names (RLS on: the levels of a table that is not exposed)
CREATE TABLE hard.vault (
    id int PRIMARY KEY,
    credit_card text, auth_key text, session_key text, ssh_key text, pgp_key text,
    gpg_key text, license_key text, activation_key text, jwt text, otp text,
    recovery_code text, backup_code text, verification_code text, "2fa_code" text,
    cvn text, license_number text, swift_code text, bic text, health_record text,
    medical_record text, patient_id text, insurance_number text, imei text,
    mac_address text, macaddress text,
    -- near misses: none of these is reported
    jwt_expires_at text, otp_verified text, mac_address_hash text, bicycle text,
    topic text, license text, key text, credit_card_id text, session_key_expires_at text,
    mac macaddr, patient_ref int);
ALTER TABLE hard.vault ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY vault_none ON hard.vault USING (id < 0);

-- 4. SECURITY DEFINER search_paths
SET check_function_bodies = off;
CREATE FUNCTION hard.invoice_total() RETURNS bigint LANGUAGE sql SECURITY DEFINER
    SET search_path = public AS $$ SELECT sum(amount) FROM invoices $$;
CREATE FUNCTION hard.f_empty() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = '' AS $$ SELECT 1 $$;
CREATE FUNCTION hard.f_catalog() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog AS $$ SELECT 1 $$;
CREATE FUNCTION hard.f_temp_first() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_temp, pg_catalog AS $$ SELECT 1 $$;
CREATE FUNCTION hard."F Quoted"() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = "Odd Schema", pg_catalog AS $$ SELECT 1 $$;
-- safe: listed explicitly and last
CREATE FUNCTION hard.f_ok() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
CREATE FUNCTION hard.f_ok_quoted() RETURNS int LANGUAGE sql SECURITY DEFINER
    SET search_path = "Odd Schema", pg_catalog, "pg_temp" AS $$ SELECT 1 $$;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA hard FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA hard TO hard_app;
RESET check_function_bodies;
RESET ROLE;
INSERT INTO hard.notes VALUES (1, 1, 'one'), (2, 2, 'two');
INSERT INTO hard.drafts VALUES (1, 1), (2, 2);

-- What the advisors say
SELECT rule, level, object_identity FROM advisor_findings
WHERE rule IN ('rls_policy_always_true', 'rls_write_without_check', 'rls_per_row_function',
               'rls_policy_without_rls', 'rls_disabled_exposed_table')
  AND (metadata->>'schema' = 'hard' OR object_identity LIKE 'hard.%'
       OR object_identity LIKE '% on hard.%')
ORDER BY rule, object_identity;
SELECT rule, level, object_identity FROM advisor_findings
WHERE rule = 'sensitive_column_plaintext' AND object_identity LIKE 'hard.vault.%'
ORDER BY rule, object_identity;
SELECT rule, object_identity, remediation FROM advisor_findings
WHERE rule = 'security_definer_search_path' AND object_identity LIKE 'hard.%'
ORDER BY rule, object_identity;

-- The tautologies are real: the application changes every row
\c - hard_app
UPDATE hard.notes SET body = 'changed';
SELECT count(*) AS notes_changed FROM hard.notes WHERE body = 'changed';
INSERT INTO hard.notes VALUES (3, 2, 'into another tenant');
-- ... and the hijack: a temporary table shadows public.invoices
SELECT hard.invoice_total() AS total;
CREATE TEMP TABLE invoices (id int, amount int);
INSERT INTO invoices VALUES (1, 999999);
GRANT SELECT ON invoices TO hard_owner;
SELECT hard.invoice_total() AS hijacked_total;       -- pg_temp is searched first
-- (dropped here: a closed session drops its temporary tables a moment later, which could
-- still hold hard_owner's grant when the role is dropped at the end)
DROP TABLE pg_temp.invoices;
\c - postgres

-- Fixes: the search_path remediations as given, conditions for the always-true policies
CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings;
SELECT remediation FROM advisor_findings
WHERE rule = 'security_definer_search_path' AND object_identity LIKE 'hard.%'
ORDER BY object_identity \gexec
ALTER POLICY notes_insert ON hard.notes WITH CHECK (tenant_id = 1);
ALTER POLICY notes_edit ON hard.notes USING (tenant_id = 1);
ALTER POLICY notes_purge ON hard.notes USING (tenant_id = 1);
ALTER POLICY notes_more ON hard.notes USING (tenant_id = 1);
ALTER POLICY notes_reader_edit ON hard.notes USING (tenant_id = 1);
-- enabling RLS on hard.drafts (rls_policy_without_rls's fix) makes its policies apply:
-- now what they say is reported
SELECT remediation FROM advisor_findings
WHERE rule = 'rls_policy_without_rls' AND object_identity = 'hard.drafts' \gexec
SELECT rule, level, object_identity FROM advisor_findings
WHERE rule IN ('rls_policy_always_true', 'rls_write_without_check', 'rls_per_row_function',
               'rls_policy_without_rls', 'rls_disabled_exposed_table',
               'security_definer_search_path')
  AND (metadata->>'schema' = 'hard' OR object_identity LIKE 'hard.%'
       OR object_identity LIKE '% on hard.%')
ORDER BY rule, object_identity;
SELECT fingerprint AS new_finding FROM advisor_findings
EXCEPT SELECT fingerprint FROM before_fix
ORDER BY 1;

-- ... and the hijack is closed
\c - hard_app
CREATE TEMP TABLE invoices (id int, amount int);
INSERT INTO invoices VALUES (1, 999999);
GRANT SELECT ON invoices TO hard_owner;
SELECT hard.invoice_total() AS total_not_hijacked;   -- public.invoices comes first now
SELECT proconfig FROM pg_proc WHERE oid = 'hard.invoice_total'::regproc;
DROP TABLE pg_temp.invoices;
\c - postgres

-- clean up the cluster-wide roles
DROP SCHEMA hard, "Odd Schema" CASCADE;
DROP TABLE public.invoices;
DROP ROLE hard_owner, hard_app, hard_reader;
