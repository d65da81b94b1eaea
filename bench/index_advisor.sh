#!/usr/bin/env bash
# make bench-index: the index advisor against reality. A shop database (no index but the
# keys) and a seven-statement pgbench workload (bench/index_advisor/). After one recording
# run: how long the advice takes (advisor_index_suggestions, advisor_suggest_indexes), then
# four index sets, each built for real, measured with pgbench and dropped: none, the two
# baselines computed by the same what-if engine (baselines.sql: every single column, as
# index_advisor does; single and two-column permutations with a 50 % rule, as Dexter
# does), and the advisor's own suggestions, whose estimated sizes are compared with the
# built indexes. INDEX_SECONDS (default 20) per pgbench run, 2 clients.
source "$(dirname "$0")/../scripts/common.sh"
secs="${INDEX_SECONDS:-20}"
"$ROOT/scripts/setup.sh"
"$ROOT/scripts/install.sh" >/dev/null 2>&1
"$ROOT/scripts/cluster.sh" start bench
export PGHOST="$("$ROOT/scripts/cluster.sh" dir bench)" PGPORT="$("$ROOT/scripts/cluster.sh" port bench)"
export PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
bindir="$("$PG_CONFIG" --bindir)"
here="$ROOT/bench/index_advisor"
db=bench_index
out="$CLUSTER_BASE/bench-index-results.txt"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
: >"$out"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
say "loading the shop (850,000 rows)"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$here/schema.sql"
q "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION database_advisor"
tps() { "$bindir/pgbench" -n -f "$here/workload.sql" -T "$1" -c 2 "$db" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p'; }

say "recording the workload ($secs s)"
q "SELECT pg_stat_statements_reset()" >/dev/null
tps "$secs" >/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() {  # median ms of a statement over N runs, server-side
    for _ in $(seq 1 "$2"); do
        q "SELECT round(1000 * extract(epoch FROM clock_timestamp() - now())::numeric, 2) FROM (SELECT count(*) FROM ($1) s) t"
    done | median
}
echo "advisor_index_suggestions, whole workload (ms)|$(timed 'SELECT * FROM advisor_index_suggestions' 5)" >>"$out"
echo "advisor_suggest_indexes, one statement (ms)|$(timed "SELECT * FROM advisor_suggest_indexes('SELECT id, total FROM orders WHERE customer_id = \$1 ORDER BY created_at DESC LIMIT 10')" 21)" >>"$out"
echo "statements planned|$(q "SELECT metadata->>'statements_planned' FROM advisor_index_suggestions LIMIT 1")" >>"$out"

q "CREATE TABLE bench_sets AS SELECT 'ours'::text AS strategy, index_definition AS definition, estimated_bytes FROM advisor_index_suggestions"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$here/baselines.sql" \
     -c "INSERT INTO bench_sets SELECT DISTINCT strategy, definition, NULL::bigint FROM baseline"

# the indexes a strategy built: on the shop's tables, not their keys
shop="schemaname = 'public' AND tablename IN ('customers', 'orders', 'events', 'jobs') AND indexname NOT LIKE '%\\_pkey'"
for strategy in none single_column dexter ours; do
    say "$strategy"
    q "SELECT definition FROM bench_sets WHERE strategy = '$strategy'" | while read -r def; do
        # built plainly (no CONCURRENTLY: nothing else runs), under a name we can find
        psql -X -q -d "$db" -c "${def/CONCURRENTLY /}" || true
    done
    q "ANALYZE"
    n=$(q "SELECT count(*) FROM pg_indexes WHERE $shop")
    bytes=$(q "SELECT coalesce(sum(pg_relation_size(format('%I.%I', schemaname, indexname)::regclass)), 0) FROM pg_indexes WHERE $shop")
    echo "$strategy: indexes|$n" >>"$out"
    echo "$strategy: index bytes|$bytes" >>"$out"
    echo "$strategy: tps|$(tps "$secs")" >>"$out"
    if [ "$strategy" = ours ]; then
        q "SELECT s.definition || '|' || s.estimated_bytes || '|' || pg_relation_size(c.oid)
           FROM bench_sets s JOIN pg_class c ON s.definition LIKE '% EXISTS ' || quote_ident(c.relname) || ' ON %'
           WHERE s.strategy = 'ours'" | while IFS='|' read -r def est real; do
            echo "ours: estimated/real size|$def: $est / $real ($(( 100 * (est - real) / real ))%)" >>"$out"
        done
    fi
    q "SELECT format('DROP INDEX %I.%I', schemaname, indexname) FROM pg_indexes WHERE $shop" \
        | while read -r drop; do q "$drop"; done
done
say "results"
cat "$out"
