#!/usr/bin/env bash
# make bench-audit: what auditing costs. pgbench tpcb-like (scale 10, 4 clients, 30 s per
# run) with the four pgbench tables unaudited and audited, alternating in one session
# (AUDIT_ROUNDS rounds, default 3) so machine noise hits both alike. Reports TPS and the ratio, WAL
# bytes per transaction, log rows per second, and checks that every audited run left
# exactly one log row per committed change. fsync and synchronous_commit are on, as on a
# production server (scripts/cluster.sh turns fsync off for tests; this turns it back on).
source "$(dirname "$0")/../scripts/common.sh"
rounds="${AUDIT_ROUNDS:-3}"
secs="${AUDIT_SECONDS:-30}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/install.sh" >/dev/null 2>&1
"$ROOT/scripts/cluster.sh" start bench-audit
dir="$("$ROOT/scripts/cluster.sh" dir bench-audit)"
port="$("$ROOT/scripts/cluster.sh" port bench-audit)"
export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
bindir="$("$PG_CONFIG" --bindir)"
db=bench_audit
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
out="$CLUSTER_BASE/bench-audit-results.txt"
: >"$out"

psql -X -q -d postgres -c "ALTER SYSTEM SET fsync = on" -c "ALTER SYSTEM SET synchronous_commit = on" \
    -c "SELECT pg_reload_conf()" >/dev/null
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
say "pgbench -i -s 10"
"$bindir/pgbench" -i -q -s 10 "$db" 2>&1 | tail -1
q "CREATE EXTENSION database_advisor"
tables=(pgbench_accounts pgbench_tellers pgbench_branches pgbench_history)

run() {   # run LABEL: one pgbench run; appends LABEL|tps|wal bytes per tx|log rows per s
    local label="$1" lsn0 log0 hist0 tps txs wal rows hist changes
    q "CHECKPOINT"
    lsn0="$(q "SELECT pg_current_wal_lsn()")"
    log0="$(q "SELECT coalesce(max(id), 0) FROM advisor_audit_log")"
    hist0="$(q "SELECT count(*) FROM pgbench_history")"
    "$bindir/pgbench" -n -M prepared -c 4 -j 2 -T "$secs" "$db" >"$CLUSTER_BASE/pgbench-$label.log" 2>&1
    tps="$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$CLUSTER_BASE/pgbench-$label.log")"
    txs="$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$CLUSTER_BASE/pgbench-$label.log")"
    wal="$(q "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn0')")"
    rows="$(q "SELECT count(*) FROM advisor_audit_log WHERE id > $log0")"
    hist="$(q "SELECT count(*) FROM pgbench_history") - $hist0"
    hist=$((hist))
    [ "$hist" = "$txs" ] || { echo "pgbench says $txs transactions, pgbench_history grew by $hist"; exit 1; }
    if [ "$label" = audited ]; then
        # one INSERT into history per transaction, and three UPDATEs that change a row
        # unless the random delta is 0 (then they change nothing and are skipped)
        changes="$(q "SELECT count(*) + 3 * count(*) FILTER (WHERE delta <> 0)
                      FROM (SELECT delta FROM pgbench_history ORDER BY mtime DESC LIMIT $hist) h")"
        [ "$rows" = "$changes" ] || { echo "audited run: $rows log rows for $changes committed changes"; exit 1; }
        echo "count check: $rows log rows = $changes committed changes ($txs transactions)"
    else
        [ "$rows" = 0 ] || { echo "unaudited run wrote $rows log rows"; exit 1; }
    fi
    echo "$label|$tps|$(( wal / txs ))|$(( rows / secs ))" | tee -a "$out"
}

# AUDIT_OPTIONS: extra arguments to advisor_audit_enable, e.g. "changed_only => true"
enable_args="${AUDIT_OPTIONS:+, $AUDIT_OPTIONS}"
audit() {
    for t in "${tables[@]}"; do
        if [ "$1" = enable ]; then args="$enable_args"; else args=""; fi
        q "SELECT advisor_audit_$1('$t'$args) IS NOT NULL" >/dev/null
    done
}
# A warm-up pair, not counted: the first audited run after initialization was repeatedly
# the slowest of all by far (0.52 against 0.98 in later rounds of the same session).
say "warm-up (not counted)"
secs_measured="$secs"; secs=10
run unaudited >/dev/null; audit enable; run audited >/dev/null; audit disable
secs="$secs_measured"; : >"$out"
for round in $(seq 1 "$rounds"); do
    say "round $round: unaudited"
    run unaudited
    say "round $round: audited"
    audit enable
    run audited
    audit disable
done

say "results: $rounds rounds of $secs s, pgbench -M prepared -c 4 -j 2, scale 10, options: ${AUDIT_OPTIONS:-defaults}"
python3 - "$out" <<'PY'
import sys, statistics
rows = [l.strip().split('|') for l in open(sys.argv[1]) if l.strip()]
by = {}
for label, tps, wal, logs in rows:
    by.setdefault(label, []).append((float(tps), int(wal), int(logs)))
def mean(label, i): return statistics.mean(r[i] for r in by[label])
print(f"{'':12} {'TPS':>10} {'WAL bytes/tx':>14} {'log rows/s':>12}")
for label in ('unaudited', 'audited'):
    print(f"{label:12} {mean(label, 0):10.0f} {mean(label, 1):14.0f} {mean(label, 2):12.0f}")
ratios = [a[0] / u[0] for u, a in zip(by['unaudited'], by['audited'])]
print(f"TPS ratio audited/unaudited: {mean('audited', 0) / mean('unaudited', 0):.2f} of the means, "
      f"{statistics.median(ratios):.2f} median of rounds (goal >= 0.75); "
      f"per round: {', '.join(f'{r:.2f}' for r in ratios)}")
print(f"WAL per transaction: x{mean('audited', 1) / mean('unaudited', 1):.2f}")
PY
psql -X -q -d postgres -c "ALTER SYSTEM RESET fsync" -c "ALTER SYSTEM RESET synchronous_commit" \
    -c "SELECT pg_reload_conf()" >/dev/null
"$ROOT/scripts/cluster.sh" stop bench-audit
