#!/usr/bin/env bash
# What spans sessions and tools, against the running regress cluster (called by
# scripts/regress.sh): pg_cron runs advisor_snapshot() on its own, NOTIFY reaches a
# listener, pg_dump/restore keeps suppressions and rule settings, and the SARIF report
# validates against the SARIF 2.1.0 schema (Microsoft's Sarif.Multitool).
source "$(dirname "$0")/lib.sh"
db=advisor_regress
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }

q "CREATE EXTENSION IF NOT EXISTS pg_cron; CREATE EXTENSION IF NOT EXISTS database_advisor" >/dev/null
q "DROP SCHEMA IF EXISTS ext CASCADE; CREATE SCHEMA ext;
   CREATE TABLE ext.p (id int PRIMARY KEY); CREATE TABLE ext.c (p int REFERENCES ext.p)"

# 1. pg_cron: schedule every minute, wait for a run to land in advisor_runs
before="$(q "SELECT count(*) FROM advisor_runs")"
job="$(q "SELECT advisor_schedule('* * * * *')")"
[ "$(q "SELECT count(*) FROM cron.job WHERE jobid = $job AND jobname = 'database_advisor:$db'")" = 1 ] \
    || fail "the cron job exists"
# scheduling again replaces the job instead of adding one
q "SELECT advisor_schedule('* * * * *')" >/dev/null
[ "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'database_advisor:$db'")" = 1 ] || fail "one job"
pass "advisor_schedule created one pg_cron job ($job)"
for _ in $(seq 1 80); do
    [ "$(q "SELECT count(*) FROM advisor_runs")" -gt "$before" ] && break
    sleep 1
done
[ "$(q "SELECT count(*) FROM advisor_runs")" -gt "$before" ] || fail "pg_cron ran advisor_snapshot() within 80 s"
[ "$(q "SELECT count(*) FROM advisor_run_findings f JOIN advisor_runs r ON r.id = f.run_id
        WHERE r.id = (SELECT max(id) FROM advisor_runs) AND f.object_identity = 'c_p_fkey on ext.c'")" = 1 ] \
    || fail "the scheduled run recorded the findings"
pass "pg_cron ran advisor_snapshot() and a history row appeared"
[ "$(q "SELECT advisor_unschedule()")" = t ] || fail "unschedule"
[ "$(q "SELECT count(*) FROM cron.job WHERE jobname = 'database_advisor:$db'")" = 0 ] || fail "job removed"
pass "advisor_unschedule removed the job"

# 2. NOTIFY database_advisor when new error-level findings appear
q "SELECT advisor_snapshot()" >/dev/null
q "CREATE TABLE ext.leaky (id int, tenant_id int);
   CREATE POLICY leaky_tenant ON ext.leaky USING (tenant_id = 1)"   # rls_policy_without_rls: error
out="$(psql -X -d "$db" -c "LISTEN database_advisor" -c "SELECT advisor_snapshot()" 2>&1)"
echo "$out" | grep -q 'Asynchronous notification "database_advisor" with payload ".*"new_errors": 1' \
    || fail "NOTIFY with the new error: $out"
echo "$out" | grep -q 'rls_policy_without_rls' || fail "the payload names the rule"
out="$(psql -X -d "$db" -c "LISTEN database_advisor" -c "SELECT advisor_snapshot()" 2>&1)"
echo "$out" | grep -q "Asynchronous notification" && fail "no NOTIFY when nothing new: $out"
pass "NOTIFY database_advisor carries new errors, and only new ones"

# 3. pg_dump / restore keeps suppressions, rule settings and the history
q "SELECT advisor_suppress('missing_fk_index', 'c_p_fkey on ext.c', 'kept across dumps')" >/dev/null
runs="$(q "SELECT count(*) || ':' || max(id) || ':' || (SELECT count(*) FROM advisor_run_findings) FROM advisor_runs")"
q "SELECT advisor_configure_rule('unused_index', enabled => false)" >/dev/null
dump="$CLUSTER_BASE/regress-out/advisor.dump"
pg_dump -Fc -d "$db" -f "$dump"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS advisor_restored" -c "CREATE DATABASE advisor_restored"
pg_restore -d advisor_restored "$dump" 2>"$CLUSTER_BASE/regress-out/restore.log" || true
r() { psql -X -At -d advisor_restored -c "$1"; }
[ "$(r "SELECT reason FROM advisor_suppressions WHERE object_identity = 'c_p_fkey on ext.c'")" = "kept across dumps" ] \
    || fail "suppression restored ($(cat "$CLUSTER_BASE/regress-out/restore.log"))"
[ "$(r "SELECT enabled FROM advisor_rule_settings WHERE rule = 'unused_index'")" = f ] || fail "setting restored"
[ "$(r "SELECT count(*) FROM advisor_findings WHERE object_identity = 'c_p_fkey on ext.c'")" = 0 ] \
    || fail "the restored suppression applies"
[ "$(r "SELECT count(*) || ':' || max(id) || ':' || (SELECT count(*) FROM advisor_run_findings) FROM advisor_runs")" = "$runs" ] \
    || fail "history restored ($runs)"
next="$(r "SELECT advisor_snapshot()")"
[ "$next" -gt "$(echo "$runs" | cut -d: -f2)" ] || fail "run ids go on after a restore ($next)"
pass "pg_dump/pg_restore kept the suppression, the rule setting and the history (runs:last id:findings $runs)"
psql -X -q -d postgres -c "DROP DATABASE advisor_restored"

# 4. SARIF validates against the SARIF 2.1.0 schema
tools="$CLUSTER_BASE/tools"
multitool="$tools/package/Sarif.Multitool"
if [ ! -x "$multitool" ]; then
    mkdir -p "$tools"
    (cd "$tools" && npm pack --silent @microsoft/sarif-multitool-linux@5.7.0 >/dev/null \
        && tar xzf microsoft-sarif-multitool-linux-5.7.0.tgz && chmod +x package/Sarif.Multitool)
fi
sarif="$CLUSTER_BASE/regress-out/report.sarif"
q "SELECT advisor_report('sarif')" >"$sarif"
result="$(DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$multitool" validate "$sarif" -o "$sarif.validation" 2>&1)"
echo "$result" | grep -q "Analysis completed successfully" || fail "the validator ran: $result"
if echo "$result" | grep -E ": error [A-Z]+[0-9]+:" ; then fail "SARIF schema errors"; fi
pass "SARIF report ($(grep -c '"ruleId"' "$sarif") results) validates against the SARIF 2.1.0 schema"

q "SELECT advisor_unsuppress('missing_fk_index', 'c_p_fkey on ext.c'); SELECT advisor_configure_rule('unused_index');
   DROP SCHEMA ext CASCADE" >/dev/null
echo "history tests passed"
