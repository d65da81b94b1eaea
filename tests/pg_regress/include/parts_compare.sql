-- Included by 98_parts.sql (with ECHO none): every rule run alone against a run of all
-- rules, on the current database. Prints how many rules have findings, then every row in
-- one run and not the other (none expected). What moves between two runs is left out:
-- the length of the statistics window (every duration in a detail), and the workload
-- rules (pg_stat_statements and scan counters move between any two runs, these
-- statements included; missing_index weighs statements by their times).
\set workload_rules '{slow_query,heavy_query,n_plus_one_query,temp_spill_query,low_cache_hit_query,high_planning_time,seq_scan_heavy_table,pg_stat_statements_missing,pg_stat_statements_too_small,missing_index}'
CREATE TEMP TABLE full_run AS
SELECT * FROM advisor_run((SELECT array_agg(id) FROM advisor_rules), true)
WHERE rule <> ALL (:'workload_rules'::text[]);
CREATE TEMP TABLE alone AS
SELECT f.* FROM advisor_rules r CROSS JOIN LATERAL advisor_run(ARRAY[r.id], true) f
WHERE r.id <> ALL (:'workload_rules'::text[]);
CREATE TEMP VIEW compared AS
SELECT 'full' AS run, concat_ws(' | ', rule, level, object_identity, fingerprint,
       regexp_replace(detail, '\d+(\.\d+)? (second|minute|hour|day)s?', 'N', 'g'),
       remediation, metadata - 'stats_window_seconds', suppressed) AS finding
FROM full_run
UNION ALL
SELECT 'alone', concat_ws(' | ', rule, level, object_identity, fingerprint,
       regexp_replace(detail, '\d+(\.\d+)? (second|minute|hour|day)s?', 'N', 'g'),
       remediation, metadata - 'stats_window_seconds', suppressed)
FROM alone;
SELECT count(DISTINCT rule) AS rules_with_findings, count(*) AS findings FROM full_run;
(SELECT 'only in the full run' AS side, finding FROM compared WHERE run = 'full'
 EXCEPT ALL SELECT 'only in the full run', finding FROM compared WHERE run = 'alone')
UNION ALL
(SELECT 'only when run alone', finding FROM compared WHERE run = 'alone'
 EXCEPT ALL SELECT 'only when run alone', finding FROM compared WHERE run = 'full')
ORDER BY 1, 2;
-- the per-advisor views load their own parts: the same rows as the full run's
SELECT (SELECT count(*) FROM advisor_missing_fk_indexes)
     = (SELECT count(*) FROM full_run WHERE rule = 'missing_fk_index' AND suppressed IS NULL) AS fk_view_agrees,
       (SELECT count(*) FROM advisor_unused_indexes)
     = (SELECT count(*) FROM full_run WHERE rule = 'unused_index' AND suppressed IS NULL) AS unused_view_agrees;
