-- Workload advisors from pg_stat_statements, read in-process.
SET client_min_messages = warning;
-- cumulative statistics are flushed on demand from PostgreSQL 15 on. Before, a backend
-- sends them to the statistics collector when a statement ends half a second after its
-- last report, and readers take its file if it is less than half a second old: a pause
-- (in psql, so that pg_stat_statements records no statement), a statement, a pause
SELECT current_setting('server_version_num')::int >= 150000 AS flush_on_demand \gset
-- without the extension in this database: a finding that says what to do, not an error
SELECT rule, level, object_identity, remediation FROM advisor_findings
WHERE rule LIKE 'pg_stat_statements%';
SELECT count(*) AS rows_without_pgss FROM advisor_slow_queries;

CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA wl;
CREATE TABLE wl.users (id int PRIMARY KEY, name text);
CREATE TABLE wl.items (id int PRIMARY KEY, user_id int);
CREATE TABLE wl.big (id int PRIMARY KEY, payload text);
INSERT INTO wl.users SELECT g, 'user ' || g FROM generate_series(1, 2000) g;
INSERT INTO wl.items SELECT g, 1 + g % 2000 FROM generate_series(1, 1500) g;
INSERT INTO wl.big SELECT g, md5(g::text) FROM generate_series(1, 50000) g;
ANALYZE wl.users, wl.items, wl.big;
SELECT pg_stat_statements_reset() IS NOT NULL AS reset;
SELECT pg_stat_reset_single_table_counters('wl.big'::regclass) IS NOT NULL AS reset;
-- pg_stat_statements_info (1.9, PostgreSQL 14) has the time of its reset: without it
-- (PostgreSQL 13's 1.8) no window can be named
SELECT to_regclass('pg_stat_statements_info') IS NOT NULL AS pgss_info \gset

-- a deliberately slow statement (100 calls of ~21 ms)
DO $$ BEGIN FOR i IN 1..100 LOOP PERFORM pg_sleep(0.021); END LOOP; END $$;
-- an N+1 loop, as an application does it: one query for the items ...
\o /dev/null
SELECT user_id FROM wl.items ORDER BY id;
\o
-- ... then one lookup per item
DO $$
DECLARE u record;
BEGIN
    FOR i IN 1..1500 LOOP
        SELECT name INTO u FROM wl.users WHERE id = 1 + i % 2000;
    END LOOP;
END $$;
-- a sort that spills with a small work_mem
SET work_mem = '64kB';
SELECT count(*) FROM (SELECT * FROM wl.big ORDER BY payload DESC) s;
RESET work_mem;
-- a 50k-row table read again and again by sequential scans
DO $$ BEGIN FOR i IN 1..20 LOOP PERFORM count(*) FROM wl.big WHERE payload = 'nope' || i; END LOOP; END $$;
\if :flush_on_demand
SELECT pg_stat_force_next_flush() \gset
\else
\! sleep 0.6
SELECT pg_stat_clear_snapshot() \gset
\! sleep 0.6
\endif

-- each rule fires on the right statement, and only there
SELECT rule, object_type,
       CASE WHEN object_type = 'query' THEN metadata->>'query' ELSE object_identity END AS what
FROM advisor_findings
WHERE rule IN ('slow_query', 'heavy_query', 'n_plus_one_query', 'temp_spill_query',
               'low_cache_hit_query', 'high_planning_time', 'seq_scan_heavy_table')
  AND (object_type <> 'query' OR metadata->>'query' LIKE '%wl.%' OR metadata->>'query' LIKE '%pg_sleep%')
ORDER BY 1, 3;
-- the advice a developer can apply
SELECT detail ~ '100 calls' AND detail ~ 'EXPLAIN \(ANALYZE, BUFFERS\)'
       AND detail ~ CASE WHEN :'pgss_info' THEN 'since pg_stat_statements was reset at'
                         ELSE 'since pg_stat_statements started counting' END
       AS slow_detail
FROM advisor_findings WHERE rule = 'slow_query' AND metadata->>'query' LIKE '%pg_sleep%';
SELECT detail ~ 'ran 1,500 times' AS calls, detail ~ '= ANY\(\$1\)' AS batching,
       detail ~ 'returned 1,500 rows over 1 call, 1500 lookups per call'
       AND detail ~ 'Driver: SELECT user_id FROM wl.items' AS names_the_driver
FROM advisor_findings WHERE rule = 'n_plus_one_query';
SELECT remediation ~ '^SET work_mem = ''\d+MB'';' AND detail ~ 'work_mem × max_connections'
       AS spill_advice
FROM advisor_findings WHERE rule = 'temp_spill_query' AND metadata->>'query' LIKE '%wl.big%';
SELECT detail ~ 'Statements that read it: query' AS names_statements
FROM advisor_findings WHERE rule = 'seq_scan_heavy_table' AND object_identity = 'wl.big';

-- the advisors' own catalog queries (tracked: pg_stat_statements.track = all) are left
-- out by their queryid, not by the comment they carry: a user's statement carrying the
-- same comment is still seen
-- (inside the statement: PostgreSQL 18 keeps no leading comment in the recorded text)
SELECT /* database_advisor */ name FROM wl.users WHERE id = 7;
\if :flush_on_demand
SELECT pg_stat_force_next_flush() \gset
\else
\! sleep 0.6
SELECT pg_stat_clear_snapshot() \gset
\! sleep 0.6
\endif
SELECT count(*) FILTER (WHERE query LIKE '%/* database_advisor */ name FROM wl.users%') AS users_marked_statement_seen,
       count(*) FILTER (WHERE query LIKE '%FROM pg_policy p%') AS own_queries_seen
FROM advisor_slow_queries;
-- (nested: toplevel is false; 1.8 has no toplevel column, and tracks them as well)
SELECT count(*) > 0 AS own_queries_are_tracked
FROM pg_stat_statements s WHERE query LIKE '%FROM pg_policy p%'
  AND NOT coalesce((to_jsonb(s) ->> 'toplevel')::bool, false);
-- the per-statement view
SELECT query, calls, rules FROM advisor_slow_queries
WHERE query LIKE '%wl.%' OR query LIKE '%pg_sleep%' ORDER BY calls DESC, query;
SELECT bool_and(share_percent BETWEEN 0 AND 100)
       AND bool_and((stats_since IS NOT NULL) = :'pgss_info') AS sane
FROM advisor_slow_queries;

-- a non-superuser: without pg_read_all_stats other users' statements are hidden, not errors
CREATE ROLE wl_viewer;
CREATE ROLE wl_stats IN ROLE pg_read_all_stats;
SET ROLE wl_viewer;
SELECT count(*) > 0 AS sees_rows, bool_and(queryid IS NULL) AS all_hidden,
       min(query) LIKE '<hidden%' AS shown_as_hidden
FROM advisor_slow_queries WHERE role = 'postgres';
RESET ROLE;
SET ROLE wl_stats;
SELECT count(*) FILTER (WHERE queryid IS NULL) AS hidden,
       count(*) FILTER (WHERE query LIKE '%wl.users%') > 0 AS sees_texts
FROM advisor_slow_queries;
RESET ROLE;
DROP ROLE wl_viewer, wl_stats;
-- advisor_unused_indexes deparses the undo statements with a query that has a parameter;
-- the workload views read in the same session still recognise it as the extension's own
-- (they failed with "there is no parameter $1")
CREATE INDEX wl_big_payload ON wl.big (payload);
SELECT count(*) AS unused_listed FROM advisor_unused_indexes WHERE index_name = 'wl_big_payload';
SELECT count(*) > 0 AS slow_queries_read,
       count(*) FILTER (WHERE query LIKE '%pg_get_indexdef%') AS own_deparse_listed
FROM advisor_slow_queries;
SELECT count(*) > 0 AS findings_read FROM advisor_findings WHERE category = 'performance';
DROP SCHEMA wl CASCADE;
DROP EXTENSION pg_stat_statements;
