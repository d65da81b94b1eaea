-- Suppressions, rule settings, history and changes, reports and the CI gate.
SET client_min_messages = warning;
CREATE SCHEMA hist;
CREATE TABLE hist.parent (id int PRIMARY KEY);
CREATE TABLE hist.child_a (id int PRIMARY KEY, p int REFERENCES hist.parent);
CREATE TABLE hist.child_b (id int PRIMARY KEY, p int REFERENCES hist.parent);
CREATE VIEW hist_findings AS
    SELECT rule, level, object_identity FROM advisor_findings
    WHERE object_identity LIKE '%hist.%' ORDER BY 1, 3;
SELECT * FROM hist_findings;

-- suppress one finding, by object identity; it leaves advisor_findings ...
SELECT advisor_suppress('missing_fk_index', 'child_a_p_fkey on hist.child_a',
                        'child_a is append-only: parents are never deleted');
SELECT * FROM hist_findings;
-- ... and stays visible on request
SELECT rule, object_identity, reason, until IS NULL AS forever
FROM advisor_suppressed_findings WHERE object_identity LIKE '%hist.%';
SELECT object_identity, suppressed FROM advisor_run(ARRAY['missing_fk_index'], true)
WHERE object_identity LIKE '%hist.%' ORDER BY 1;
-- by fingerprint works too, and an expiring suppression stops applying by itself
SELECT advisor_suppress('missing_fk_index', 'missing_fk_index:child_b_p_fkey on hist.child_b',
                        'index is being added next sprint', now() + interval '1 second');
SELECT count(*) AS visible FROM hist_findings;
SELECT pg_sleep(1.2);
SELECT count(*) AS visible_after_expiry FROM hist_findings;
SELECT advisor_unsuppress('missing_fk_index', 'missing_fk_index:child_b_p_fkey on hist.child_b');
SELECT advisor_unsuppress('missing_fk_index', 'no such thing');
-- bad input is a clear error
\set VERBOSITY terse
SELECT advisor_suppress('no_such_rule', 'x', 'y');
SELECT advisor_suppress('missing_fk_index', 'x', '  ');
SELECT advisor_suppress('missing_fk_index', 'x', 'y', now() - interval '1 day');
SELECT advisor_configure_rule('nope');
\set VERBOSITY default

-- per-rule settings: another level, or off
SELECT advisor_configure_rule('missing_fk_index', level => 'error');
SELECT * FROM hist_findings;
SELECT advisor_configure_rule('missing_fk_index', enabled => false);
SELECT count(*) AS while_disabled FROM hist_findings;
SELECT count(*) AS when_named FROM advisor_run(ARRAY['missing_fk_index'])
WHERE object_identity LIKE '%hist.%';
SELECT advisor_configure_rule('missing_fk_index');
SELECT * FROM hist_findings;

-- history: two snapshots around a fix and a new problem
SELECT advisor_snapshot() > 0 AS first_run;
CREATE INDEX ON hist.child_b (p);                               -- fixes one
CREATE TABLE hist.child_c (id int PRIMARY KEY, p int REFERENCES hist.parent);      -- adds one
SELECT advisor_snapshot() > 0 AS second_run;
SELECT change, rule, level, object_identity FROM advisor_changes()
WHERE object_identity LIKE '%hist.%' ORDER BY 1, 4;
SELECT count(*) AS runs, bool_and(duration IS NOT NULL) AS timed,
       bool_and(errors + warnings + infos >= 0) AS counted
FROM advisor_runs;
SELECT (SELECT suppressed FROM advisor_runs ORDER BY id DESC LIMIT 1) >= 1 AS suppressed_counted;
\set VERBOSITY terse
SELECT * FROM advisor_changes(999999, NULL);
\set VERBOSITY default

-- reports: the text report, stable (only this schema; times masked) ...
SET database_advisor.exclude_schemas = 'shop, "Sales ""EU"" Dept", "Idx Lab", public';
SELECT advisor_configure_rule('pg_stat_statements_missing', enabled => false);
\pset format unaligned
\pset tuples_only on
SELECT regexp_replace(advisor_report(), ' at [0-9-]+ [0-9:+-]+ \(\d+ \w+\)', ' at <time>', 'g');
\pset format aligned
\pset tuples_only off
SELECT advisor_configure_rule('pg_stat_statements_missing');
RESET database_advisor.exclude_schemas;
-- ... and every format, suppressed findings counted
SELECT advisor_report() LIKE 'database_advisor: % findings (% error, % warning, % info), 1 suppressed%' AS text_summary;
SELECT advisor_report('markdown') LIKE '# database_advisor report%## Suppressed%child_a is append-only%' AS markdown;
SELECT (advisor_report('json')::jsonb #>> '{summary,suppressed}')::int AS json_suppressed,
       jsonb_array_length(advisor_report('json')::jsonb -> 'findings')
         = (SELECT count(*) FROM advisor_findings) AS json_findings_match;
SELECT advisor_report('sarif')::jsonb ->> 'version' AS sarif_version,
       jsonb_array_length(advisor_report('sarif')::jsonb #> '{runs,0,results}')
         = (SELECT count(*) + 1 FROM advisor_findings) AS sarif_results_match;
\set VERBOSITY terse
SELECT advisor_report('pdf');
\set VERBOSITY default

-- the CI gate, both ways: it fails on findings at or above fail_level (default error)
SELECT advisor_assert(rules => ARRAY['missing_fk_index']);       -- only infos: quiet
SELECT advisor_assert('warning', ARRAY['missing_fk_index']);     -- still quiet
\set VERBOSITY sqlstate
SELECT advisor_assert('info', ARRAY['missing_fk_index']);        -- an info fails at info
\set VERBOSITY default
SELECT advisor_configure_rule('missing_fk_index', level => 'error');
SELECT advisor_assert(rules => ARRAY['missing_fk_index']);       -- an error: fails
\set VERBOSITY sqlstate
SELECT advisor_assert();
\set VERBOSITY default
SELECT advisor_configure_rule('missing_fk_index');
SELECT advisor_suppress('missing_fk_index', 'child_c_p_fkey on hist.child_c', 'accepted for the test');

-- scheduling without pg_cron in this database: an ERROR that says what to do
SELECT advisor_schedule();
SELECT advisor_unschedule();
DROP SCHEMA hist CASCADE;
DROP VIEW hist_findings;
