#!/usr/bin/env bash
# make bench: synthetic catalogs of 1k, 5k and 20k tables (BENCH_SIZES to change), then in
# one run: the snapshot load, each advisor view, advisor_findings and a plain-SQL
# missing-FK reference (median of BENCH_REPS runs; splinter's 0001 lint too when
# BENCH_SPLINTER_0001 names a copy of its SQL file), the same in fresh backends, where the
# time goes (database_advisor.trace), the backend's peak RSS during advisor_findings, and,
# on the largest catalog, that statement_timeout and pg_cancel_backend stop a run promptly
# and leave the session usable.
source "$(dirname "$0")/../scripts/common.sh"
sizes=(${BENCH_SIZES:-1000 5000 20000})
reps="${BENCH_REPS:-5}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/install.sh"   # the release build
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
    splinter=()
    [ -n "${BENCH_SPLINTER_0001:-}" ] && splinter=(-v splinter="$(grep -v '^create view' "$BENCH_SPLINTER_0001" | sed 's/;[[:space:]]*$//')")
    while IFS='|' read -r what ms; do
        [[ "$ms" =~ ^[0-9.]+$ ]] && echo "$n|$what|$ms" >>"$out"
    done < <("${psql[@]}" -d "$db" -v reps="$reps" -v reference="$(cat "$ROOT/bench/reference_missing_fk.sql")" \
                 "${splinter[@]}" -f "$ROOT/bench/measure.sql")
    # a fresh backend per run, as every psql -c and every pg_cron job gets (nothing kept
    # from an earlier run; splinter's lint and the plain-SQL reference likewise)
    fresh=(advisor_findings advisor_missing_fk_indexes)
    fresh_sql=("SELECT count(*) FROM advisor_findings" "SELECT count(*) FROM advisor_missing_fk_indexes"
               "SELECT count(*) FROM ($(cat "$ROOT/bench/reference_missing_fk.sql")) r")
    fresh+=("reference: missing FK indexes in plain SQL")
    if [ -n "${BENCH_SPLINTER_0001:-}" ]; then
        fresh+=("splinter 0001_unindexed_foreign_keys")
        fresh_sql+=("SELECT count(*) FROM ($(grep -v '^create view' "$BENCH_SPLINTER_0001" | sed 's/;[[:space:]]*$//')) r")
    fi
    for i in "${!fresh[@]}"; do
        times=()
        for _ in $(seq 1 "$reps"); do
            times+=("$("${psql[@]}" -d "$db" -Atc "SELECT round(1000 * extract(epoch FROM clock_timestamp() - now())::numeric, 1)
                                                   FROM (${fresh_sql[$i]}) s")")
        done
        echo "$n|${fresh[$i]}, fresh backend|$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (reps + 1) / 2 ))p")" >>"$out"
    done
    # where the time goes (database_advisor.trace): SQL, decoding, rules, and the rest of the
    # statement (the output); in a backend that ran the view before (its table parts kept),
    # then in a fresh one
    for view in advisor_findings advisor_missing_fk_indexes; do
        "${psql[@]}" -d "$db" -c "SELECT count(*) FROM $view" -c "SET database_advisor.trace = on" \
            -c '\timing on' -c "SELECT count(*) FROM $view" 2>&1 \
            | python3 "$ROOT/bench/breakdown.py" "$n" "$view, table parts kept" >>"$out"
        "${psql[@]}" -d "$db" -c "SET database_advisor.trace = on" -c '\timing on' \
            -c "SELECT count(*) FROM $view" 2>&1 \
            | python3 "$ROOT/bench/breakdown.py" "$n" "$view, fresh backend" >>"$out"
    done
    # peak RSS of a fresh backend that runs advisor_findings once, and how much of it is
    # the shared buffers and files it mapped (the server's, counted in every backend that
    # reads them): the rest is the private memory of the run and the backend
    rss="$("${psql[@]}" -d "$db" -At <<'SQL'
SELECT pg_backend_pid() AS pid \gset
\setenv BACKEND_PID :pid
SELECT count(*) FROM advisor_findings \g /dev/null
\! awk '/VmHWM|RssFile|RssShmem/ {print $2}' /proc/$BACKEND_PID/status | paste -sd' '
SQL
)"
    read -r hwm file shmem <<<"$rss"
    echo "$n|peak RSS of the backend (MB)|$(( hwm / 1024 ))" >>"$out"
    echo "$n|of it shared memory (shared buffers read, MB)|$(( shmem / 1024 ))" >>"$out"
    echo "$n|private peak: peak RSS less shared buffers and mapped files (MB)|$(( (hwm - shmem - file) / 1024 ))" >>"$out"
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
# (advisor_run depends on g: it runs again for every g, long enough on any catalog)
"${psql[@]}" -d "$largest" -At -c "SELECT count(*) FROM generate_series(1, 1000) g, LATERAL advisor_run(NULL, g < 0) r" >"$CLUSTER_BASE/cancel.out" 2>&1 &
victim=$!
sleep 1
t0=$(date +%s%N)
"${psql[@]}" -d "$largest" -At -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT count(*) FROM generate_series(1, 1000) g, LATERAL advisor_run%' AND pid <> pg_backend_pid()" >/dev/null
wait "$victim" || true
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
grep -q "canceling statement due to user request" "$CLUSTER_BASE/cancel.out" || { cat "$CLUSTER_BASE/cancel.out"; exit 1; }
echo "${sizes[-1]}|pg_cancel_backend: cancel to client exit (ms)|$ms" >>"$out"

say "results (median of $reps runs, ms unless stated)"
python3 "$ROOT/bench/table.py" "$out"
