#!/usr/bin/env bash
# The workload advisors on real workloads, against the running regress cluster (called by
# scripts/regress.sh): a healthy OLTP workload (pgbench tpcb-like, then select-only) gets
# no warning; a client-side N+1 (an application lists a customer's orders, then fetches
# each order's items one statement at a time) gets one warning, on the lookup, naming the
# driver; a one-off 50 ms query is not "heavy". Prints every workload finding it saw.
source "$(dirname "$0")/../../scripts/common.sh"
dir="$("$ROOT/scripts/cluster.sh" dir regress)"
port="$("$ROOT/scripts/cluster.sh" port regress)"
export PGHOST="$dir" PGPORT="$port" PGUSER=postgres PGOPTIONS="-c client_min_messages=warning"
db=advisor_workload
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
pgbench="$("$PG_CONFIG" --bindir)/pgbench"
workload_rules="'slow_query', 'heavy_query', 'n_plus_one_query', 'temp_spill_query',
                'low_cache_hit_query', 'high_planning_time', 'seq_scan_heavy_table'"
findings() {
    q "SELECT rpad(level::text, 8) || rpad(rule, 20) || left(coalesce(metadata->>'query', object_identity), 70)
       FROM advisor_findings WHERE rule IN ($workload_rules) ORDER BY level DESC, rule"
}

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
q "CREATE EXTENSION pg_stat_statements; CREATE EXTENSION database_advisor"

# 1. pgbench: 10 s of tpcb-like, 10 s of select-only, two clients
"$pgbench" -i -s 5 -q "$db" >/dev/null 2>&1 || fail "pgbench -i"
q "SELECT pg_stat_statements_reset()" >/dev/null
"$pgbench" -n -c 2 -j 2 -T 10 "$db" >"$CLUSTER_BASE/regress-out/pgbench-tpcb.log" 2>&1 || fail "pgbench tpcb-like"
"$pgbench" -n -S -c 2 -j 2 -T 10 "$db" >"$CLUSTER_BASE/regress-out/pgbench-select.log" 2>&1 || fail "pgbench -S"
for run in tpcb select; do
    echo "pgbench $run: $(grep -o 'tps = [0-9]*' "$CLUSTER_BASE/regress-out/pgbench-$run.log")"
done
findings | sed 's/^/    /'
[ "$(q "SELECT count(*) FROM advisor_findings WHERE rule IN ($workload_rules) AND level >= 'warning'")" = 0 ] \
    || fail "pgbench gets no workload warning"
pass "pgbench tpcb-like and select-only: no workload warning"

# 2. an application's N+1: 60 customers' orders listed, then each order's items fetched
#    one statement at a time by the client (psql's \gexec runs each as its own query)
q "CREATE TABLE shop_customers (id int PRIMARY KEY, name text);
   CREATE TABLE shop_orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES shop_customers);
   CREATE TABLE shop_items (id int PRIMARY KEY, order_id int NOT NULL REFERENCES shop_orders, sku text, qty int);
   CREATE INDEX ON shop_orders (customer_id); CREATE INDEX ON shop_items (order_id);
   INSERT INTO shop_customers SELECT g, 'customer ' || g FROM generate_series(1, 60) g;
   INSERT INTO shop_orders SELECT g, 1 + (g - 1) / 50 FROM generate_series(1, 3000) g;
   INSERT INTO shop_items SELECT g, 1 + (g - 1) / 4, 'sku-' || g, g % 7 FROM generate_series(1, 12000) g;
   ANALYZE shop_customers, shop_orders, shop_items"
q "SELECT pg_stat_statements_reset()" >/dev/null
script="$CLUSTER_BASE/regress-out/n_plus_one.sql"
for c in $(seq 1 60); do
    echo "SELECT format('SELECT sku, qty FROM shop_items WHERE order_id = %s', id) FROM shop_orders WHERE customer_id = $c \\gexec"
done >"$script"
psql -X -q -d "$db" -f "$script" >/dev/null || fail "the N+1 client"
# and a one-off query of ~50 ms: most of a quiet window's time, nothing to act on
q "SELECT pg_sleep(0.05)" >/dev/null
findings | sed 's/^/    /'
lookup="$(q "SELECT object_identity || ' ' || (metadata->>'driver_query' LIKE '%FROM shop_orders WHERE customer_id = \$%')
             || ' ' || (detail ~ 'once per row of query -?\d+, which returned 3,000 rows over 60 calls, 50 lookups per call')
             FROM advisor_findings
             WHERE rule = 'n_plus_one_query' AND level = 'warning'
               AND metadata->>'query' LIKE 'SELECT sku, qty FROM shop_items WHERE order_id = \$%'")"
[ -n "$lookup" ] || fail "the N+1 lookup gets a warning"
[ "${lookup#* }" = "true true" ] || fail "the warning names the driver and the counts: $lookup"
[ "$(q "SELECT count(*) FROM advisor_findings WHERE rule IN ($workload_rules) AND level >= 'warning'")" = 1 ] \
    || fail "one workload warning, the N+1"
[ "$(q "SELECT count(*) FROM advisor_findings WHERE rule = 'heavy_query' AND metadata->>'query' LIKE '%pg_sleep%'")" = 0 ] \
    || fail "the one-off query is not heavy"
pass "a client-side N+1: one warning, on the lookup, naming the driver (3,000 lookups, 50 per driver call)"
psql -X -q -d postgres -c "DROP DATABASE $db"
