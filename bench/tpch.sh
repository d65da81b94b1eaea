#!/usr/bin/env bash
# make bench-tpch: the index advisor on TPC-H (scale factor TPCH_SF, default 0.1), the
# measure of index selection studies (Kossmann et al., VLDB 2020): relative workload cost
# (the 22 queries' summed planner cost with the chosen indexes over their cost with none)
# against the indexes' size, at a width limit of 2, for a range of budgets. Data and
# queries come from duckdb's tpch extension (PyPI), loaded into tables without any index.
source "$(dirname "$0")/../scripts/common.sh"
sf="${TPCH_SF:-0.1}"
"$ROOT/scripts/setup.sh"
python3 -c "import duckdb, duckdb_extension_tpch" 2>/dev/null \
    || pip install --quiet duckdb duckdb-extension-tpch
"$ROOT/scripts/install.sh" >/dev/null 2>&1
"$ROOT/scripts/cluster.sh" start bench
export PGHOST="$("$ROOT/scripts/cluster.sh" dir bench)" PGPORT="$("$ROOT/scripts/cluster.sh" port bench)"
export PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
db=bench_tpch
data="$CLUSTER_BASE/tpch-$sf"
out="$CLUSTER_BASE/bench-tpch-results.txt"
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
[ -f "$data/q22.sql" ] || { say "generating TPC-H at scale $sf"; python3 "$ROOT/bench/tpch/generate.py" "$data" "$sf"; }
chmod -R a+rX "$data"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$ROOT/bench/tpch/schema.sql"
for t in region nation part supplier partsupp customer orders lineitem; do
    q "COPY $t FROM '$data/$t.csv' (FORMAT csv, DELIMITER '|')"
done
q "VACUUM ANALYZE"
q "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION database_advisor"
q "CREATE TABLE tpch_queries (n int, query text)"
for f in "$data"/q*.sql; do
    n=$(basename "$f" .sql); n=${n#q}
    # (psql interpolates variables in its input, not in -c)
    echo "INSERT INTO tpch_queries VALUES (:n, :'query')" |
        psql -X -q -v ON_ERROR_STOP=1 -d "$db" -v n="$((10#$n))" -v query="$(cat "$f")"
done
say "running the 22 queries once (the workload pg_stat_statements records)"
q "SELECT pg_stat_statements_reset()" >/dev/null; rm -f "$out.notes"
# (without any index, q17 and q20 run for many minutes: what does not finish in
# TPCH_TIMEOUT is not recorded, and the advisor weighs only what was)
timeout_s="${TPCH_TIMEOUT:-60}"
for f in "$data"/q*.sql; do
    PGOPTIONS="$PGOPTIONS -c statement_timeout=${timeout_s}s" psql -X -q -d "$db" -f "$f" >/dev/null 2>&1 \
        || echo "$(basename "$f" .sql) did not finish in ${timeout_s} s" >>"$out.notes"
done
data_bytes=$(q "SELECT sum(pg_table_size(c.oid)) FROM pg_class c WHERE c.relname IN ('region','nation','part','supplier','partsupp','customer','orders','lineitem')")
# the 22 queries' summed planner cost with these indexes (equal weights, as the studies)
# (with all 22, and without q17 and q20: without an index their correlated subqueries cost
# a thousand times more than the rest together and any index on their keys makes the sum
# collapse; the second number says what the rest gains)
relative() {
    echo "SELECT round((sum(w.cost_after) / sum(w.cost_before))::numeric, 3) || ' (all 22), '
              || round((sum(w.cost_after) FILTER (WHERE t.n NOT IN (17, 20))
                        / sum(w.cost_before) FILTER (WHERE t.n NOT IN (17, 20)))::numeric, 3)
              || ' (without q17, q20)'
          FROM tpch_queries t, LATERAL advisor_whatif(t.query, :'defs'::text[]) w" |
        psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -v defs="$1"
}
: >"$out"
[ -f "$out.notes" ] && sed 's/^/not recorded|/' "$out.notes" >>"$out" && rm -f "$out.notes"
echo "scale factor|$sf" >>"$out"
echo "data bytes|$data_bytes" >>"$out"
# two ways in: the 22 texts as they are, each weighing its planner cost (the studies'
# setting: advisor_suggest_indexes(queries)), and the workload pg_stat_statements recorded
# (advisor_index_suggestions: normalised texts, weighed by their time)
advice() {  # $1: budget in MB (0: none), $2: the SELECT of definitions and sizes
    psql -X -q -At -d "$db" -c "SET database_advisor.index_max_columns = 2" \
         -c "SET database_advisor.index_min_gain = 0.001" \
         -c "SET database_advisor.index_budget = '${1}MB'" \
         -c "SELECT coalesce(array_agg(index_definition)::text, '{}') || '|' || coalesce(sum(estimated_bytes), 0) || '|' || count(*) FROM ($2) s"
}
for source in statements workload; do
    if [ "$source" = statements ]; then
        from="SELECT * FROM advisor_suggest_indexes((SELECT array_agg(query ORDER BY n) FROM tpch_queries))"
        budgets="1 2 5 10 20 50 100 0"
    else
        from="SELECT * FROM advisor_index_suggestions"
        budgets="0"
    fi
    for budget_mb in $budgets; do
        t0=$(date +%s%N)
        result=$(advice "$budget_mb" "$from")
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        defs=${result%%|*}; rest=${result#*|}
        label="${budget_mb} MB"; [ "$budget_mb" = 0 ] && label="none"
        echo "$source, budget $label|indexes ${rest#*|}, ${rest%|*} bytes, relative cost $(relative "$defs"), advice in $ms ms" >>"$out"
    done
done
q "SELECT string_agg(DISTINCT r->>'reason', '; ') FROM advisor_index_suggestions, jsonb_array_elements(metadata->'skipped') r" \
    | sed 's/^/skipped statements|/' >>"$out"
say "results"
cat "$out"
