#!/usr/bin/env bash
# Managed databases (docs/MANAGED.md), against the running regress cluster (called by
# scripts/regress.sh): a superuser marks the extension trusted, as a platform does; then a
# role that is no superuser but may CREATE in its database installs it, reads every view,
# administers it (suppressions, rule settings, history, audits), and cannot use it to act
# as the superuser its objects belong to. A pg_monitor member reads the whole workload;
# a plain role reads every view and sees only its own statements' texts.
source "$(dirname "$0")/lib.sh"
db=advisor_managed
# q ROLE SQL: run as ROLE in the managed database, print the rows
q() { psql -X -q -v ON_ERROR_STOP=1 -At -U "$1" -d "$db" -c "SET search_path = advisor, public" -c "$2"; }
# denied ROLE SQL: the statement fails with insufficient_privilege (42501)
denied() {
    local out
    out="$(psql -X -q -At -U "$1" -d "$db" -v VERBOSITY=sqlstate \
        -c "SET search_path = advisor, public" -c "$2" 2>&1)" && fail "$1 may: $2"
    echo "$out" | grep -q '42501' || fail "$1: $2 failed, but not with 42501: $out"
}

# What a platform does (here as a secondary control file, for this version only; a
# platform edits database_advisor.control or has its own allow-list).
version="$(psql -X -At -U postgres -d postgres -c \
    "SELECT default_version FROM pg_available_extensions WHERE name = 'database_advisor'")"
control="$("$PG_CONFIG" --sharedir)/extension/database_advisor--$version.control"
echo "trusted = true" > "$control"
trap 'rm -f "$control"' EXIT

psql -X -q -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL
DROP DATABASE IF EXISTS $db;
DROP ROLE IF EXISTS da_owner; DROP ROLE IF EXISTS da_monitor;
DROP ROLE IF EXISTS da_app; DROP ROLE IF EXISTS da_other;
CREATE ROLE da_owner LOGIN; CREATE ROLE da_monitor LOGIN IN ROLE pg_monitor;
CREATE ROLE da_app LOGIN; CREATE ROLE da_other LOGIN;
CREATE DATABASE $db;
GRANT CREATE ON DATABASE $db TO da_owner;
SQL
# pg_stat_statements is the platform's (it is not a trusted extension)
psql -X -q -U postgres -d "$db" -c "CREATE EXTENSION pg_stat_statements"

# 1. The database owner installs it into a schema of its own. Before that it plants, in
#    that schema, functions that would beat pg_catalog's in an unqualified call during
#    the install script (which runs as the bootstrap superuser): none may run.
q da_owner "CREATE SCHEMA advisor; CREATE TABLE advisor.trap_log (fn text, who text);
    CREATE FUNCTION advisor.trap(fn text) RETURNS text LANGUAGE plpgsql AS \$\$
    BEGIN
        INSERT INTO advisor.trap_log VALUES (fn, current_user);
        IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
            EXECUTE 'ALTER ROLE da_owner SUPERUSER';
        END IF;
        RETURN '';
    END \$\$;
    GRANT INSERT ON advisor.trap_log TO PUBLIC;
    CREATE FUNCTION advisor.format(text, text) RETURNS text LANGUAGE sql AS 'SELECT advisor.trap(''format'')';
    CREATE FUNCTION advisor.format(text, regprocedure) RETURNS text LANGUAGE sql AS 'SELECT advisor.trap(''format2'')';
    CREATE FUNCTION advisor.concat(text, text) RETURNS text LANGUAGE sql AS 'SELECT advisor.trap(''concat'')';
    CREATE FUNCTION advisor.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE sql
        AS 'SELECT advisor.trap(''jsonb_build_object'')::jsonb';
    CREATE FUNCTION advisor.pg_extension_config_dump(text, text) RETURNS void LANGUAGE sql
        AS 'SELECT advisor.trap(''config_dump'')';
    CREATE FUNCTION advisor.pg_get_serial_sequence(text, text) RETURNS text LANGUAGE sql
        AS 'SELECT advisor.trap(''serial'')';"
q da_owner "CREATE EXTENSION database_advisor SCHEMA advisor" \
    || fail "a database owner installs the trusted extension"
[ "$(q da_owner "SELECT extowner::regrole FROM pg_extension WHERE extname = 'database_advisor'")" = da_owner ] \
    || fail "da_owner owns the extension"
[ "$(q postgres "SELECT rolsuper FROM pg_roles WHERE rolname = 'da_owner'")" = f ] \
    || fail "a planted function ran as the superuser during the install"
[ "$(q postgres "SELECT count(*) FROM advisor.trap_log")" = 0 ] \
    || fail "a planted function ran: $(q postgres "SELECT string_agg(fn || ' as ' || who, ', ') FROM advisor.trap_log")"
q da_owner "DROP FUNCTION advisor.format(text, text), advisor.format(text, regprocedure),
    advisor.concat(text, text), advisor.jsonb_build_object(text, text),
    advisor.pg_extension_config_dump(text, text), advisor.pg_get_serial_sequence(text, text)"
pass "a non-superuser with CREATE on its database installed the trusted extension; planted functions never ran"

# the schema is the owner's: it lets others read the advisors (docs/MANAGED.md)
q da_owner "GRANT USAGE ON SCHEMA advisor TO da_app, da_monitor, da_other"
# a schema with something to find, owned by the database owner
q da_owner "CREATE SCHEMA shop;
    CREATE TABLE shop.customers (id int PRIMARY KEY, email text, card_number text);
    CREATE TABLE shop.orders (id int PRIMARY KEY, customer_id int REFERENCES shop.customers);
    GRANT USAGE ON SCHEMA shop TO da_app; GRANT SELECT ON shop.orders TO da_app"

# 2. Every view and report reads, for the owner and for a plain role
views="$(q da_owner "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c
        WHERE c.relnamespace = 'advisor'::regnamespace AND c.relkind = 'v'")"
[ "$(echo "$views" | wc -w)" -ge 9 ] || fail "the views: $views"
for role in da_owner da_app da_monitor; do
    for v in $views; do
        q "$role" "SELECT count(*) FROM advisor.$v" >/dev/null || fail "$role reads $v"
    done
    for f in text markdown json sarif html; do
        q "$role" "SELECT length(advisor_report('$f')) > 0" >/dev/null || fail "$role: advisor_report('$f')"
    done
    q "$role" "SELECT count(*) FROM advisor_run(NULL)" >/dev/null || fail "$role: advisor_run"
    q "$role" "SELECT length(advisor_typescript_types()) > 0 AND length(advisor_erd()) > 0
               AND length(advisor_data_dictionary()) > 0" >/dev/null || fail "$role: the generators"
done
[ "$(q da_app "SELECT count(*) FROM advisor_findings
        WHERE rule = 'missing_fk_index' AND object_identity = 'orders_customer_id_fkey on shop.orders'")" = 1 ] \
    || fail "a plain role sees the unindexed foreign key"
pass "owner, plain role and pg_monitor member read all $(echo "$views" | wc -w) views, every report format and the generators"

# 3. The owner administers it
q da_owner "SELECT advisor_suppress('missing_fk_index', 'orders_customer_id_fkey on shop.orders', 'accepted')" >/dev/null \
    || fail "the owner suppresses"
[ "$(q da_app "SELECT count(*) FROM advisor_suppressed_findings WHERE rule = 'missing_fk_index'")" = 1 ] \
    || fail "the suppression holds"
q da_owner "SELECT advisor_unsuppress('missing_fk_index', 'orders_customer_id_fkey on shop.orders')" >/dev/null
q da_owner "SELECT advisor_configure_rule('unused_index', enabled => false)" >/dev/null \
    || fail "the owner configures a rule"
run="$(q da_owner "SELECT advisor_snapshot()")" || fail "the owner records a run"
[ "$(q da_owner "SELECT count(*) > 0 FROM advisor_run_findings WHERE run_id = $run")" = t ] || fail "run findings"
q da_owner "SELECT count(*) FROM advisor_changes(NULL, NULL)" >/dev/null || fail "advisor_changes"
q da_owner "SELECT advisor_audit_enable('shop.customers', ARRAY['card_number'])" >/dev/null \
    || fail "the owner enables an audit"
q da_app "SELECT 1" >/dev/null
q da_owner "INSERT INTO shop.customers VALUES (1, 'a@example.com', '4111111111111111');
    UPDATE shop.customers SET email = 'b@example.com'"
[ "$(q da_owner "SELECT string_agg(operation, ',' ORDER BY id) FROM advisor_audit_log")" = INSERT,UPDATE ] \
    || fail "the audit records the owner's writes"
[ "$(q da_owner "SELECT count(*) FROM advisor_audit_log WHERE new_values ? 'card_number'")" = 0 ] \
    || fail "the excluded column is not logged"
# DDL fires the extension's event trigger (it runs as the bootstrap superuser)
q da_owner "ALTER TABLE shop.customers RENAME COLUMN email TO mail; UPDATE shop.customers SET mail = 'c@example.com'"
[ "$(q da_owner "SELECT new_values->>'mail' FROM advisor_audit_log ORDER BY id DESC LIMIT 1")" = c@example.com ] \
    || fail "the audit follows the rename"
[ "$(q da_owner "SELECT state FROM advisor_audit_status")" = enabled ] || fail "status"
[ "$(q da_owner "SELECT advisor_audit_purge('0 s')")" = 3 ] || fail "the owner purges the log"
q da_owner "SELECT advisor_audit_disable('shop.customers')" >/dev/null || fail "the owner disables the audit"
out="$(psql -X -q -U da_owner -d "$db" -c "SELECT advisor.advisor_assert('error')" 2>&1)" \
    && fail "advisor_assert raises on the plaintext card number"
echo "$out" | grep -q 'sensitive_column_plaintext' || fail "advisor_assert: $out"
pass "the owner suppresses, configures rules, records history, audits, purges and gates CI"

# 4. Nobody else administers it, and the owner gets no way to run code as the superuser
for sql in "SELECT advisor_suppress('missing_fk_index', 'orders_customer_id_fkey on shop.orders', 'x')" \
           "SELECT advisor_configure_rule('unused_index', enabled => true)" \
           "SELECT advisor_snapshot()" \
           "SELECT advisor_audit_enable('shop.orders')" \
           "SELECT advisor_audit_purge('0 s')" \
           "SELECT count(*) FROM advisor_audit_log" \
           "DELETE FROM advisor_runs"; do
    denied da_app "$sql"
done
q da_owner "CREATE FUNCTION shop.own_trigger() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'"
for t in advisor_audit_log advisor_audit_tables advisor_runs advisor_run_findings advisor_suppressions advisor_rule_settings; do
    denied da_owner "CREATE TRIGGER t BEFORE INSERT ON advisor.$t FOR EACH ROW EXECUTE FUNCTION shop.own_trigger()"
done
denied da_owner "ALTER TABLE advisor.advisor_audit_log DISABLE TRIGGER ALL"
denied da_owner "CREATE OR REPLACE FUNCTION advisor.advisor_snapshot() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'"
# The registry is the owner's to write; the event trigger that drops orphaned audit
# functions after DROP TABLE runs as the superuser. It must not drop a function that is
# not one the audit made, nor another role's.
q da_owner "GRANT CREATE ON SCHEMA advisor TO da_other"
q da_other "CREATE FUNCTION advisor.\"advisor_audit:theirs\"() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END';
    CREATE FUNCTION advisor.victim() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'"
q da_owner "INSERT INTO advisor_audit_tables (audited_table, function_name, schema_name, table_name, options)
    VALUES ('x.a', 'advisor_audit:theirs', 'x', 'a', '{}'), ('x.b', 'victim', 'x', 'b', '{}'),
           ('x.c', 'advisor_snapshot', 'x', 'c', '{}')"
q da_owner "SELECT advisor_audit_enable('shop.orders')" >/dev/null
q da_owner "DROP TABLE shop.orders" || fail "DROP TABLE of an audited table"
[ "$(q da_owner "SELECT count(*) FROM pg_proc WHERE pronamespace = 'advisor'::regnamespace
        AND proname IN ('advisor_audit:theirs', 'victim', 'advisor_snapshot')")" = 3 ] \
    || fail "the event trigger dropped a function the audit did not make"
[ "$(q da_owner "SELECT count(*) FROM pg_proc WHERE proname LIKE 'advisor\_audit:shop.orders%'")" = 0 ] \
    || fail "the dropped table's own audit function is gone"
[ "$(q postgres "SELECT count(*) FROM pg_roles WHERE rolsuper AND rolname LIKE 'da\_%'")" = 0 ] \
    || fail "no role of this test became superuser"
pass "others cannot administer; the owner cannot add triggers to the extension's tables or have the superuser drop another's function"

# 5. The workload: a pg_monitor member reads every role's statements, a plain role its own
q postgres "SELECT pg_stat_statements_reset()" >/dev/null
for _ in $(seq 1 30); do
    q da_other "SELECT /* da_other_marker */ count(*) FROM pg_class WHERE relname = 'x'" >/dev/null
done
[ "$(q da_monitor "SELECT count(*) FROM advisor_slow_queries
        WHERE role = 'da_other' AND query LIKE '%da_other_marker%' AND calls >= 30")" = 1 ] \
    || fail "a pg_monitor member sees another role's statement"
[ "$(q da_app "SELECT count(*) FROM advisor_slow_queries WHERE query LIKE '%da_other_marker%'")" = 0 ] \
    || fail "a plain role does not see another role's text"
[ "$(q da_app "SELECT count(*) FROM advisor_slow_queries WHERE role = 'da_other' AND queryid IS NULL")" -ge 1 ] \
    || fail "a plain role sees another role's statement as hidden"
pass "pg_monitor members read every statement; a plain role sees others' as hidden"

# 6. The owner drops it (the schema stays theirs)
q da_owner "DROP EXTENSION database_advisor" || fail "the owner drops the extension"
[ "$(q da_owner "SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE 'advisor\_%'")" = 0 ] || fail "event triggers gone"
pass "the owner drops the extension"
psql -X -q -U postgres -d postgres -c "DROP DATABASE $db" \
    -c "DROP ROLE da_owner" -c "DROP ROLE da_monitor" -c "DROP ROLE da_app" -c "DROP ROLE da_other"
