#!/usr/bin/env bash
# Upgrades, against the running regress cluster (called by scripts/regress.sh): a database
# on 0.1.0 with a finding, a suppression, a rule setting, a history run and an audited
# table runs ALTER EXTENSION database_advisor UPDATE; nothing it had is lost, everything
# keeps working, and the upgraded extension is identical, object by object, to a fresh
# CREATE EXTENSION of the current version (tests/external/extension_objects.sql).
source "$(dirname "$0")/lib.sh"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

for db in adv_upgraded adv_fresh; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
up=adv_upgraded
# the application user's setting, configured the 0.1.0 way (read at every write)
q postgres "ALTER DATABASE $up SET database_advisor.audit_actor_setting = 'shop.actor'"

# 1. a user of 0.1.0
q $up "CREATE EXTENSION database_advisor VERSION '0.1.0'"
q $up "CREATE SCHEMA app;
       CREATE TABLE app.parent (id int PRIMARY KEY, note text);
       CREATE TABLE app.child (id int PRIMARY KEY, p int REFERENCES app.parent);
       CREATE TABLE app.other (id int PRIMARY KEY, p int REFERENCES app.parent);
       SELECT advisor_suppress('missing_fk_index', 'child_p_fkey on app.child', 'append-only');
       SELECT advisor_configure_rule('extension_in_public', false);
       SELECT advisor_audit_enable('app.parent');
       CREATE TABLE app.\"Odd \"\"Name\"\"\" (id int PRIMARY KEY);
       SELECT advisor_audit_enable('app.\"Odd \"\"Name\"\"\"');" >/dev/null
q $up "SET shop.actor = 'alice'; INSERT INTO app.parent VALUES (1, 'a');
       SET shop.actor = 'bob'; UPDATE app.parent SET note = 'b'"
run1="$(q $up "SELECT advisor_snapshot()")"
[ "$(q $up "SELECT extversion FROM pg_extension WHERE extname = 'database_advisor'")" = 0.1.0 ] \
    || fail "0.1.0 installed"
pass "0.1.0 installed with a suppression, a rule setting, run $run1 and an audited table"

# 2. the upgrade
q $up "ALTER EXTENSION database_advisor UPDATE"
[ "$(q $up "SELECT extversion FROM pg_extension WHERE extname = 'database_advisor'")" = "$version" ] \
    || fail "updated to $version"
pass "ALTER EXTENSION database_advisor UPDATE to $version"

# 3. nothing lost, everything works
[ "$(q $up "SELECT count(*) FROM advisor_suppressed_findings WHERE object_identity = 'child_p_fkey on app.child'")" = 1 ] \
    || fail "the suppression still applies"
[ "$(q $up "SELECT count(*) FROM advisor_findings WHERE object_identity = 'other_p_fkey on app.other'")" = 1 ] \
    || fail "the unsuppressed finding is still reported"
[ "$(q $up "SELECT count(*) FROM advisor_findings WHERE rule = 'extension_in_public'")" = 0 ] \
    || fail "the rule setting still applies"
run2="$(q $up "SELECT advisor_snapshot()")"
[ "$(q $up "SELECT count(*) FROM advisor_runs WHERE id IN ($run1, $run2)")" = 2 ] || fail "history kept"
[ "$(q $up "SELECT count(*) FROM advisor_changes($run1, $run2) WHERE rule = 'missing_fk_index'")" = 0 ] \
    || fail "the runs before and after the upgrade agree"
pass "suppression, rule setting and history kept; findings the same before and after"
q $up "SET shop.actor = 'carol'; UPDATE app.parent SET note = 'c';
       SET database_advisor.audit_actor_setting = 'data_directory'; UPDATE app.parent SET note = 'd'"
[ "$(q $up "SELECT string_agg(operation || ':' || coalesce(app_user, '-'), ' ' ORDER BY id) FROM advisor_audit_log")" \
  = "INSERT:alice UPDATE:bob UPDATE:carol UPDATE:carol" ] || fail "audit log kept and still recording with the same actor setting"
[ "$(q $up "SELECT options->>'actor_setting' FROM advisor_audit_tables WHERE audited_table = 'app.parent'")" = shop.actor ] \
    || fail "the actor setting is fixed in the audit's options"
[ "$(q $up "SELECT count(*) FROM pg_proc WHERE proname LIKE 'advisor\_audit:%' AND prosrc LIKE '%database_advisor.audit_actor_setting%'")" = 0 ] \
    || fail "the trigger function was regenerated"
[ "$(q $up "SELECT string_agg(DISTINCT state, ',') FROM advisor_audit_status")" = enabled ] || fail "audit status"
# the function 0.1.0 named advisor_audit:app."Odd ""Name""" now has its readable name
[ "$(q $up "SELECT string_agg(proname, ' | ' ORDER BY proname) FROM pg_proc WHERE proname LIKE 'advisor\_audit:%'")" \
  = 'advisor_audit:app.Odd "Name" | advisor_audit:app.parent' ] || fail "readable function names"
[ "$(q $up "SELECT function_name FROM advisor_audit_tables WHERE audited_table = 'app.\"Odd \"\"Name\"\"\"'")" \
  = 'advisor_audit:app.Odd "Name"' ] || fail "the registry follows the rename"
q $up "INSERT INTO app.\"Odd \"\"Name\"\"\" VALUES (1)"
[ "$(q $up "SELECT count(*) FROM advisor_audit_log WHERE table_name = 'Odd \"Name\"'")" = 1 ] \
    || fail "the renamed function still records"
pass "audit log kept (4 rows), triggers regenerated, the actor setting fixed (a writer's change is ignored), functions renamed readably"

# 4. identical to a fresh install
q adv_fresh "CREATE EXTENSION database_advisor"
objects="$ROOT/tests/external/extension_objects.sql"
out="$CLUSTER_BASE/upgrade-compare"
mkdir -p "$out"
psql -X -q -v ON_ERROR_STOP=1 -At -d $up -f "$objects" > "$out/upgraded.txt"
psql -X -q -v ON_ERROR_STOP=1 -At -d adv_fresh -f "$objects" > "$out/fresh.txt"
[ "$(wc -l < "$out/fresh.txt")" -gt 100 ] || fail "the comparison sees the objects"
if ! diff -u "$out/fresh.txt" "$out/upgraded.txt" > "$out/diff.txt"; then
    head -60 "$out/diff.txt" >&2
    fail "0.1.0 + upgrade differs from a fresh $version (sql/database_advisor--0.1.0--$version.sql lacks a step; see CONTRIBUTING.md)"
fi
pass "0.1.0 + upgrade is identical to a fresh $version ($(wc -l < "$out/fresh.txt") object facts compared)"

# 5. every released version (an install script in sql/) has an upgrade path to this one
for script in "$ROOT"/sql/database_advisor--*.sql; do
    from="$(basename "$script" .sql | sed -n 's/^database_advisor--\([0-9.]*\)$/\1/p')"
    [ -n "$from" ] && [ "$from" != "$version" ] || continue
    [ "$(q adv_fresh "SELECT path IS NOT NULL FROM pg_extension_update_paths('database_advisor')
                      WHERE source = '$from' AND target = '$version'")" = t ] \
        || fail "no upgrade path from $from to $version in sql/"
done
pass "an upgrade path from every released version"
for db in adv_upgraded adv_fresh; do psql -X -q -d postgres -c "DROP DATABASE $db"; done
echo "upgrade tests passed"
