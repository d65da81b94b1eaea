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

if ! "${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'demo'" | grep -q 1; then
    say "loading the demo schema and workload (examples/)"
    "${psql[@]}" -d postgres -c "CREATE DATABASE demo"
    "${psql[@]}" -d demo -f "$ROOT/examples/demo_schema.sql"
    "${psql[@]}" -d demo -f "$ROOT/examples/demo_workload.sql"
fi
# a rebuilt extension of the same version is picked up by new sessions; a new version
# of the SQL needs a fresh CREATE
"${psql[@]}" -d demo -c "DROP EXTENSION IF EXISTS database_advisor; CREATE EXTENSION database_advisor"

say "advisor report (SELECT advisor_report();)"
"${psql[@]}" -d demo -At -c "SELECT advisor_report()"
say "unindexed foreign keys (SELECT * FROM advisor_missing_fk_indexes;)"
"${psql[@]}" -d demo -c "SELECT level, object_identity, table_rows, table_size, referenced_deletes AS ref_deletes, remediation FROM advisor_missing_fk_indexes"

cat <<MSG

The demo cluster keeps running. Connect with:
    psql -h $dir -p $port -U postgres demo
Stop it with: make stop
MSG
