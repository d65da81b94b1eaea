#!/usr/bin/env bash
# The pg_regress suite (tests/pg_regress): user-visible SQL output, compared with expected/.
# Uses PostgreSQL's own pg_regress against a throwaway cluster (cargo pgrx regress cannot
# run as root in pgrx 0.18). Pass test names to run only those.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
"$ROOT/scripts/install.sh"
"$ROOT/scripts/cluster.sh" stop regress
rm -rf "$CLUSTER_BASE/regress"      # a fresh cluster every run
# with RUST_BACKTRACE set: every ERROR raised through Rust would carry a backtrace in its
# DETAIL unless the extension keeps them from clients (the expected output has none)
DA_SERVER_ENV="RUST_BACKTRACE=full" "$ROOT/scripts/cluster.sh" start regress advisor_regress
dir="$("$ROOT/scripts/cluster.sh" dir regress)"
port="$("$ROOT/scripts/cluster.sh" port regress)"
psql -X -q -h "$dir" -p "$port" -U postgres -d postgres -c "CREATE DATABASE advisor_regress"
# the suite starts where PostgreSQL 15 does: PUBLIC may not create in schema public (a
# no-op there; before 15 it may, and every listing would carry public_schema_create)
psql -X -q -h "$dir" -p "$port" -U postgres -d advisor_regress \
    -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    mapfile -t tests < <(ls tests/pg_regress/sql | sed 's/\.sql$//' | sort)
fi
say "pg_regress: ${tests[*]}"
out="$CLUSTER_BASE/regress-out"
rm -rf "$out" && mkdir -p "$out"
status=0
"$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/regress/pg_regress" \
    --use-existing --host="$dir" --port="$port" --user=postgres \
    --inputdir=tests/pg_regress --outputdir="$out" --dbname=advisor_regress \
    "${tests[@]}" || status=$?
if [ $status -ne 0 ]; then
    cat "$out/regression.diffs" 2>/dev/null | head -200
    echo "results are in $out/results" >&2
elif [ ${#@} -eq 0 ]; then
    say "external tests (pg_cron, NOTIFY, pg_dump/restore, SARIF schema, audit, upgrade, trusted install, pgbench and N+1 workloads, the generators with tsc, the migration corpus)"
    "$ROOT/tests/external/history.sh" || status=$?
    "$ROOT/tests/external/audit.sh" || status=$?
    "$ROOT/tests/external/upgrade.sh" || status=$?
    "$ROOT/tests/external/trusted.sh" || status=$?
    "$ROOT/tests/external/workload.sh" || status=$?
    "$ROOT/tests/external/generators.sh" || status=$?
    # the labelled migration corpus: no miss, no false positive (squawk's side: make bench-lint)
    DA_SKIP_INSTALL=1 DA_SQUAWK=0 "$ROOT/bench/lint.sh" > "$CLUSTER_BASE/lint-corpus.log" 2>&1 \
        && grep '^database_advisor ' "$CLUSTER_BASE/lint-corpus.log" \
        || { cat "$CLUSTER_BASE/lint-corpus.log"; status=1; }
fi
"$ROOT/scripts/cluster.sh" stop regress
exit $status
