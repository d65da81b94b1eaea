#!/usr/bin/env bash
# The audit trail under conditions pg_regress cannot create, against the running regress
# cluster (called by scripts/regress.sh): concurrent writers with rollbacks (pgbench) leave
# exactly one log row per committed change; pg_dump/restore keeps the audit working and
# its history; DROP EXTENSION ... CASCADE leaves the application's writes working.
source "$(dirname "$0")/lib.sh"
db=audit_external
bindir="$("$PG_CONFIG" --bindir)"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
work="$CLUSTER_BASE/regress-out/audit"
mkdir -p "$work"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP DATABASE IF EXISTS ${db}_restored" \
    -c "DROP ROLE IF EXISTS audit_writer" -c "CREATE ROLE audit_writer LOGIN" -c "CREATE DATABASE $db"
q "CREATE EXTENSION database_advisor;
   CREATE SCHEMA bank;
   CREATE TABLE bank.acct (id int PRIMARY KEY, version int NOT NULL DEFAULT 0, balance int NOT NULL);
   CREATE TABLE bank.ledger (id bigserial PRIMARY KEY, acct int NOT NULL, amount int NOT NULL);
   INSERT INTO bank.acct (id, balance) SELECT g, 1000 FROM generate_series(1, 200) g;
   GRANT USAGE ON SCHEMA bank TO audit_writer;
   GRANT SELECT, UPDATE ON bank.acct TO audit_writer;
   GRANT SELECT, INSERT ON bank.ledger TO audit_writer;
   GRANT USAGE ON SEQUENCE bank.ledger_id_seq TO audit_writer;
   SELECT advisor_audit_enable('bank.acct') IS NOT NULL;
   SELECT advisor_audit_enable('bank.ledger') IS NOT NULL;" >/dev/null

# 1. Four concurrent writers, one transaction in ten rolled back, some UPDATEs that change
#    nothing (skipped), as a role with no right on the log.
cat >"$work/writer.sql" <<'SQL'
\set id random(1, 200)
\set amount random(-100, 100)
\set r random(1, 10)
BEGIN;
UPDATE bank.acct SET version = version + 1, balance = balance + :amount WHERE id = :id;
INSERT INTO bank.ledger (acct, amount) VALUES (:id, :amount);
UPDATE bank.acct SET balance = balance WHERE id = :id;
\if :r = 1
ROLLBACK;
\else
COMMIT;
\endif
SQL
"$bindir/pgbench" -n -U audit_writer -c 4 -j 2 -t 500 -f "$work/writer.sql" "$db" >"$work/pgbench.log" 2>&1 \
    || fail "pgbench: $(cat "$work/pgbench.log")"
committed="$(q "SELECT count(*) FROM bank.ledger")"
[ "$committed" -gt 1500 ] && [ "$committed" -lt 2000 ] || fail "about 1,800 of 2,000 transactions commit ($committed)"
# every committed UPDATE of an account is logged once: its version counts them
[ "$(q "SELECT count(*) FROM bank.acct a
        WHERE a.version <> (SELECT count(*) FROM advisor_audit_log l
                            WHERE l.audited_table = 'bank.acct' AND l.operation = 'UPDATE'
                              AND l.row_key = jsonb_build_object('id', a.id))")" = 0 ] \
    || fail "UPDATE log rows per account equal its version"
# every committed ledger row is logged once, no rolled-back one is
[ "$(q "SELECT count(*) FROM bank.ledger g
        FULL JOIN (SELECT row_key, count(*) AS n FROM advisor_audit_log
                   WHERE audited_table = 'bank.ledger' AND operation = 'INSERT' GROUP BY row_key) l
          ON l.row_key = jsonb_build_object('id', g.id)
        WHERE g.id IS NULL OR l.n IS DISTINCT FROM 1")" = 0 ] \
    || fail "one INSERT log row per committed ledger row, none for rolled-back ones"
# replaying the log gives the table: the last logged values of each account are its row
[ "$(q "SELECT count(*) FROM bank.acct a
        WHERE a.version > 0 AND to_jsonb(a) <> (SELECT l.new_values FROM advisor_audit_log l
                            WHERE l.audited_table = 'bank.acct' AND l.row_key = jsonb_build_object('id', a.id)
                            ORDER BY l.id DESC LIMIT 1)")" = 0 ] \
    || fail "the newest log row of every account equals the account"
[ "$(q "SELECT count(*) FROM advisor_audit_log
        WHERE session_user_name <> 'audit_writer' OR current_user_name <> 'audit_writer'")" = 0 ] \
    || fail "the writer is recorded"
total="$(q "SELECT count(*) FROM advisor_audit_log")"
pass "4 concurrent writers, $committed committed transactions: $total log rows, exactly one per committed change"

# 2. pg_dump / restore: the audit keeps working in the restored database, with its history
dump="$work/audit.dump"
"$bindir/pg_dump" -Fc -d "$db" -f "$dump"
psql -X -q -d postgres -c "CREATE DATABASE ${db}_restored"
"$bindir/pg_restore" -d "${db}_restored" "$dump" 2>"$work/restore.log" || fail "restore: $(cat "$work/restore.log")"
r() { psql -X -q -v ON_ERROR_STOP=1 -At -d "${db}_restored" -c "$1"; }
[ "$(r "SELECT count(*) FROM advisor_audit_log")" = "$total" ] || fail "the log is restored"
[ "$(r "SELECT string_agg(audited_table || ':' || state, ',' ORDER BY 1) FROM advisor_audit_status")" \
    = "bank.acct:enabled,bank.ledger:enabled" ] || fail "both tables still audited after restore"
r "UPDATE bank.acct SET balance = 0 WHERE id = 1" >/dev/null
[ "$(r "SELECT count(*) FROM advisor_audit_log WHERE id > (SELECT max(id) FROM advisor_audit_log) - 1
        AND audited_table = 'bank.acct' AND new_values->>'balance' = '0'")" = 1 ] \
    || fail "a write in the restored database is logged after the restored history"
pass "pg_dump/pg_restore kept the triggers, the registry and $total log rows; writes are still audited"

# 3. DROP EXTENSION refuses while tables are audited; with CASCADE the triggers go and the
#    application's writes keep working.
q "DROP EXTENSION database_advisor" 2>/dev/null && fail "DROP EXTENSION must refuse"
q "DROP EXTENSION database_advisor CASCADE" >/dev/null
q "UPDATE bank.acct SET balance = 1 WHERE id = 1; INSERT INTO bank.ledger (acct, amount) VALUES (1, 1)" \
    || fail "writes after DROP EXTENSION CASCADE"
[ "$(q "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'advisor_audit%'")" = 0 ] || fail "triggers dropped"
[ "$(q "SELECT count(*) FROM pg_proc WHERE proname LIKE 'advisor\_audit:%'")" = 0 ] || fail "functions dropped"
pass "DROP EXTENSION refused while audited; after CASCADE, writes work, no trigger or function is left"

psql -X -q -d postgres -c "DROP DATABASE $db" -c "DROP DATABASE ${db}_restored" -c "DROP ROLE audit_writer"
echo "audit tests passed"
