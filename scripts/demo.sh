#!/usr/bin/env bash
# make demo: install what is missing, build and install the extension, start a local
# cluster, load the demo schema and workload (first time only), print the report.
source "$(dirname "$0")/common.sh"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/install.sh"

say "starting the demo cluster"
"$ROOT/scripts/cluster.sh" start demo demo
dir="$("$ROOT/scripts/cluster.sh" dir demo)"
port="$("$ROOT/scripts/cluster.sh" port demo)"
psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres)

first_time=false
if ! "${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'demo'" | grep -q 1; then
    say "loading the demo schema and workload (examples/)"
    "${psql[@]}" -d postgres -c "CREATE DATABASE demo"
    "${psql[@]}" -d demo -f "$ROOT/examples/demo_schema.sql"
    "${psql[@]}" -d demo -f "$ROOT/examples/demo_workload.sql"
    first_time=true
fi
# (re)create the extension when its installed SQL changed (a rebuild during development);
# otherwise keep it, with its history and suppressions
script="$("$PG_CONFIG" --sharedir)/extension/database_advisor--$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1).sql"
sum="$(md5sum "$script" | cut -d' ' -f1)"
if [ "$(cat "$dir/extension.md5" 2>/dev/null)" != "$sum" ]; then
    "${psql[@]}" -d demo -c "DROP EXTENSION IF EXISTS database_advisor CASCADE" -c "CREATE EXTENSION database_advisor"
    echo "$sum" | "${AS_PG[@]}" tee "$dir/extension.md5" >/dev/null
fi

if [ "$("${psql[@]}" -d demo -Atc "SELECT count(*) FROM advisor_audit_tables")" = 0 ]; then
    say "audit trail: app.payment_methods audited (card numbers left out), a support agent's changes"
    "${psql[@]}" -d demo -At <<'SQL'
SELECT advisor_audit_enable('app.payment_methods', exclude_columns => ARRAY['card_number']) IS NOT NULL;
BEGIN;
SET LOCAL app.user_id = 'support-agent-7';
SET LOCAL application_name = 'backoffice';
-- (the changes differ on every run, so a re-created extension shows a history again)
UPDATE app.payment_methods SET card_holder = 'Holder 1, checked ' || to_char(now(), 'HH24:MI:SS')
WHERE id = 1;
UPDATE app.payment_methods SET expires = '0' || (1 + extract(second FROM now())::int % 9) || '/31',
    card_number = '4000000000000002'
WHERE id = 2;
DELETE FROM app.payments WHERE payment_method_id = (SELECT max(id) FROM app.payment_methods);
DELETE FROM app.payment_methods WHERE id = (SELECT max(id) FROM app.payment_methods);
COMMIT;
-- a migration disabled the audit of invoices and never turned it back on
SELECT advisor_audit_enable('app.invoices') IS NOT NULL;
ALTER TABLE app.invoices DISABLE TRIGGER advisor_audit;
SQL
fi
"${psql[@]}" -d demo -c "SELECT to_char(transaction_time, 'HH24:MI:SS') AS at, operation, row_key,
    changed_columns, old_values - 'tenant_id' AS old, new_values - 'tenant_id' AS new, app_user, application_name
FROM advisor_audit_log WHERE audited_table = 'app.payment_methods' ORDER BY id"
"${psql[@]}" -d demo -c "SELECT audited_table, state, triggers, log_rows, pg_size_pretty(log_bytes) AS log_size
FROM advisor_audit_status ORDER BY 1"

say "scheduling hourly checks with pg_cron (SELECT advisor_schedule();)"
"${psql[@]}" -d demo -At -c "SELECT 'pg_cron job ' || advisor_schedule()"
if $first_time; then
    say "history: a snapshot, one fix, another snapshot, and what changed"
    "${psql[@]}" -d demo -At -c "SELECT 'run ' || advisor_snapshot()"
    fix="$("${psql[@]}" -d demo -At -c "SELECT remediation FROM advisor_missing_fk_indexes WHERE constraint_name = 'tasks_project_id_fkey'")"
    echo "$fix"
    "${psql[@]}" -d demo -c "$fix"
    "${psql[@]}" -d demo -At -c "SELECT 'run ' || advisor_snapshot()"
    "${psql[@]}" -d demo -c "SELECT change, rule, level, object_identity FROM advisor_changes()"
fi

say "advisor report (SELECT advisor_report();)"
"${psql[@]}" -d demo -At -c "SELECT advisor_report()"
say "unindexed foreign keys (SELECT * FROM advisor_missing_fk_indexes;)"
"${psql[@]}" -d demo -c "SELECT level, object_identity, table_rows, table_size, referenced_deletes AS ref_deletes, remediation FROM advisor_missing_fk_indexes"

say "generated: TypeScript types, a Mermaid diagram, a data dictionary, an HTML report"
out="$CLUSTER_BASE/demo-output"
mkdir -p "$out" 2>/dev/null || out="$(mktemp -d)"
"${psql[@]}" -d demo -At -c "SELECT advisor_typescript_types()" > "$out/database.types.ts"
"${psql[@]}" -d demo -At -c "SELECT advisor_erd(columns => 'keys')" > "$out/schema.mmd"
"${psql[@]}" -d demo -At -c "SELECT advisor_data_dictionary()" > "$out/data-dictionary.md"
"${psql[@]}" -d demo -At -c "SELECT advisor_report('html')" > "$out/report.html"
for f in database.types.ts schema.mmd data-dictionary.md report.html; do
    echo "    $out/$f"
done

cat <<MSG

The demo cluster keeps running. Connect with:
    psql -h $dir -p $port -U postgres demo
then try: SELECT * FROM advisor_rls_gaps;  SELECT * FROM advisor_unused_indexes;
          SELECT * FROM advisor_changes();  SELECT advisor_report('markdown');
Stop it with: make stop
MSG
