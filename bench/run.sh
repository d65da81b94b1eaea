#!/usr/bin/env bash
# make bench: synthetic catalogs of 1k, 5k and 20k tables (BENCH_SIZES to change), then in
# one run: the snapshot load, each advisor view, advisor_findings and a plain-SQL
# missing-FK reference (median of BENCH_REPS runs), the backend's peak RSS during
# advisor_findings, and, on the largest catalog, that statement_timeout and
# pg_cancel_backend stop a run promptly and leave the session usable.
source "$(dirname "$0")/../scripts/common.sh"
sizes=(${BENCH_SIZES:-1000 5000 20000})
reps="${BENCH_REPS:-5}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/install.sh" --release
"$ROOT/scripts/cluster.sh" start bench
dir="$("$ROOT/scripts/cluster.sh" dir bench)"
port="$("$ROOT/scripts/cluster.sh" port bench)"
export PGHOST="$dir" PGPORT="$port" PGUSER=postgres
psql=(psql -X -q -v ON_ERROR_STOP=1)
out="$CLUSTER_BASE/bench-results.txt"
: >"$out"

for n in "${sizes[@]}"; do
    db="bench_$n"
    if ! "${psql[@]}" -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        say "generating $n tables in $db"
        "${psql[@]}" -d postgres -c "CREATE DATABASE $db"
        start=$(date +%s)
        "${psql[@]}" -d "$db" -v tables="$n" -f "$ROOT/bench/generate.sql"
        echo "generated in $(( $(date +%s) - start )) s"
    fi
    "${psql[@]}" -d "$db" -c "DROP EXTENSION IF EXISTS database_advisor; CREATE EXTENSION database_advisor"
    rels="$("${psql[@]}" -d "$db" -Atc "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname LIKE 'tenant\_%'")"
    findings="$("${psql[@]}" -d "$db" -Atc "SELECT count(*) FROM advisor_findings")"
    say "measuring $db ($rels relations, $findings findings)"
    while IFS='|' read -r what ms; do
        [[ "$ms" =~ ^[0-9.]+$ ]] && echo "$n|$what|$ms" >>"$out"
    done < <("${psql[@]}" -d "$db" -v reps="$reps" -v reference="$(cat "$ROOT/bench/reference_missing_fk.sql")" -f "$ROOT/bench/measure.sql")
    # peak RSS of a fresh backend that runs advisor_findings once
    rss="$("${psql[@]}" -d "$db" -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
SELECT count(*) FROM advisor_findings \g /dev/null
\! awk '/VmHWM/ {print $2}' /proc/$BACKEND_PID/status
SQL
)"
    echo "$n|peak RSS of the backend (MB)|$(( rss / 1024 ))" >>"$out"
    echo "$n|relations|$rels" >>"$out"
    echo "$n|findings|$findings" >>"$out"
done

largest="bench_${sizes[-1]}"
say "interrupting a run on $largest"
t0=$(date +%s%N)
timeout_out="$(psql -X -d "$largest" -At -c "SET statement_timeout = '100ms'" \
    -c "SELECT count(*) FROM advisor_findings" -c "RESET statement_timeout" -c "SELECT 'usable'" 2>&1 || true)"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "$timeout_out" | grep -q "canceling statement due to statement timeout" || { echo "no timeout: $timeout_out"; exit 1; }
echo "$timeout_out" | grep -q "usable" || { echo "session not usable: $timeout_out"; exit 1; }
echo "${sizes[-1]}|statement_timeout 100ms: whole psql call incl. connect (ms)|$ms" >>"$out"
"${psql[@]}" -d "$largest" -At -c "SELECT count(*) FROM advisor_findings, generate_series(1, 20)" >"$CLUSTER_BASE/cancel.out" 2>&1 &
victim=$!
sleep 1
t0=$(date +%s%N)
"${psql[@]}" -d "$largest" -At -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM advisor_findings, generate_series%' AND pid <> pg_backend_pid()" >/dev/null
wait "$victim" || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -q "canceling statement due to user request" "$CLUSTER_BASE/cancel.out" || { cat "$CLUSTER_BASE/cancel.out"; exit 1; }
echo "${sizes[-1]}|pg_cancel_backend: cancel to client exit (ms)|$ms" >>"$out"

say "results (median of $reps runs, ms unless stated)"
python3 "$ROOT/bench/table.py" "$out"
