#!/usr/bin/env bash
# The workload advisors on real workloads, against the running regress cluster (called by
# scripts/regress.sh): a healthy OLTP workload (pgbench tpcb-like, then select-only) gets
# no warning; a client-side N+1 (an application lists a customer's orders, then fetches
# each order's items one statement at a time) gets one warning, on the lookup, naming the
# driver; a one-off 50 ms query is not "heavy"; an analytic workload gets slow_query and
# heavy_query on the reports that dominate and nothing on its cheap statements. Prints
# every workload finding it saw.
source "$(dirname "$0")/lib.sh"
db=advisor_workload
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" -c "$1"; }
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
             || ' ' || (detail ~ 'once per row of query -?\d+, which returned 3,000 rows over 60 calls, 50 lookups per call of it; foreign key shop_items_order_id_fkey on public.shop_items relates their tables')
             FROM advisor_findings
             WHERE rule = 'n_plus_one_query' AND level = 'warning'
               AND metadata->>'query' LIKE 'SELECT sku, qty FROM shop_items WHERE order_id = \$%'")"
[ -n "$lookup" ] || fail "the N+1 lookup gets a warning"
[ "${lookup#* }" = "true true" ] || fail "the warning names the driver, the counts and the foreign key: $lookup:
$(q "SELECT detail FROM advisor_findings WHERE rule = 'n_plus_one_query'")"
[ "$(q "SELECT count(*) FROM advisor_findings WHERE rule IN ($workload_rules) AND level >= 'warning'")" = 1 ] \
    || fail "one workload warning, the N+1"
[ "$(q "SELECT count(*) FROM advisor_findings WHERE rule = 'heavy_query' AND metadata->>'query' LIKE '%pg_sleep%'")" = 0 ] \
    || fail "the one-off query is not heavy"
pass "a client-side N+1: one warning, on the lookup, naming the driver (3,000 lookups, 50 per driver call) and the foreign key that relates them"

# 3. an analytic workload: three aggregate reports over a million sales, five times each,
#    beside cheap lookups; slow_query counts statements from 5 calls here
q "CREATE TABLE an_stores (id int PRIMARY KEY, region text);
   CREATE TABLE an_products (id int PRIMARY KEY, category text, price numeric);
   CREATE TABLE an_sales (id bigint PRIMARY KEY, store_id int REFERENCES an_stores,
                          product_id int REFERENCES an_products, sold_at timestamptz, qty int);
   INSERT INTO an_stores SELECT g, 'region ' || g % 7 FROM generate_series(1, 100) g;
   INSERT INTO an_products SELECT g, 'category ' || g % 40, g % 97 + 0.99 FROM generate_series(1, 2000) g;
   INSERT INTO an_sales SELECT g, 1 + g % 100, 1 + g % 2000, '2026-01-01'::timestamptz + g * interval '30 s', 1 + g % 5
   FROM generate_series(1, 1000000) g;
   ANALYZE an_stores, an_products, an_sales"
q "SELECT pg_stat_statements_reset()" >/dev/null
reports=(
    "SELECT p.category, sum(s.qty * p.price) FROM an_sales s JOIN an_products p ON p.id = s.product_id GROUP BY 1 ORDER BY 2 DESC"
    "SELECT st.region, date_trunc('month', s.sold_at), count(*), avg(s.qty) FROM an_sales s JOIN an_stores st ON st.id = s.store_id GROUP BY 1, 2"
    "SELECT count(DISTINCT product_id), percentile_cont(0.5) WITHIN GROUP (ORDER BY qty) FROM an_sales WHERE sold_at > '2026-03-01'"
)
for _ in 1 2 3 4 5; do
    for r in "${reports[@]}"; do q "$r" >/dev/null; done
done
for i in $(seq 1 300); do q "SELECT category FROM an_products WHERE id = $i" >/dev/null; done
for _ in $(seq 1 50); do q "SELECT count(*) FROM an_stores" >/dev/null; done
analytic="metadata->>'query' ~ '^SELECT (p.category|st.region|count\(DISTINCT)'"
flagged() {
    psql -X -q -At -d "$db" -c "SET database_advisor.slow_query_min_calls = 5" -c "$1"
}
flagged "SELECT rpad(level::text, 8) || rpad(rule, 20) || left(coalesce(metadata->>'query', object_identity), 70)
         FROM advisor_findings WHERE rule IN ($workload_rules) ORDER BY level DESC, rule" | sed 's/^/    /'
[ "$(flagged "SELECT count(*) FROM advisor_findings WHERE rule IN ('heavy_query', 'slow_query') AND NOT ($analytic)")" = 0 ] \
    || fail "slow and heavy only on the reports"
[ "$(flagged "SELECT count(DISTINCT metadata->>'queryid') FROM advisor_findings WHERE rule = 'slow_query' AND $analytic")" = 3 ] \
    || fail "slow_query on the three reports"
# a warning needs the window's length, which pg_stat_statements 1.8 (PostgreSQL 13) does
# not record: there the same findings are info, and say why
level=warning
[ "$(q "SELECT to_regclass('pg_stat_statements_info') IS NOT NULL")" = t ] || level=info
[ "$(flagged "SELECT count(*) FROM advisor_findings WHERE rule = 'heavy_query' AND level = '$level' AND $analytic")" -ge 1 ] \
    || fail "heavy_query ($level) on the report that dominates"
[ "$(flagged "SELECT count(*) FROM advisor_findings WHERE rule IN ($workload_rules) AND metadata->>'query' LIKE '%an_products WHERE id%'")" = 0 ] \
    || fail "nothing on the cheap lookups"
pass "an analytic workload: slow_query on the 3 reports, heavy_query on the dominant ones, nothing on the cheap statements"
psql -X -q -d postgres -c "DROP DATABASE $db"
