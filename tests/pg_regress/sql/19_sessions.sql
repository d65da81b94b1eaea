-- Sessions and replication slots: a transaction left open, a statement running long, a
-- session waiting on another's lock, a slot nobody reads. Other sessions come from
-- dblink connections to this database; each fix (the commented pg_terminate_backend /
-- pg_cancel_backend, run here by hand) ends the finding.
SET client_min_messages = warning;
CREATE EXTENSION dblink;
CREATE SCHEMA "Ops ""Σ""";
CREATE TABLE "Ops ""Σ""".accounts (id int PRIMARY KEY, balance int);
INSERT INTO "Ops ""Σ""".accounts VALUES (1, 100);
CREATE FUNCTION "Ops ""Σ""".connect(name text, app text) RETURNS text LANGUAGE sql AS $$
    SELECT dblink_connect(name, format('host=%s port=%s dbname=%s user=postgres application_name=''%s''',
        split_part(current_setting('unix_socket_directories'), ',', 1),
        current_setting('port'), current_database(), app))
$$;
-- "Idle App" updates a row and leaves its transaction open (holding the row's lock);
-- "Report" runs a long statement; "Payer" waits for the row "Idle App" locked
SELECT "Ops ""Σ""".connect('idle', 'Idle App'), "Ops ""Σ""".connect('report', 'Report'),
       "Ops ""Σ""".connect('payer', 'Payer');
SELECT dblink_exec('idle', 'BEGIN; UPDATE "Ops ""Σ""".accounts SET balance = balance - 1 WHERE id = 1');
SELECT dblink_send_query('report', 'SELECT pg_sleep(60)');
SELECT dblink_send_query('payer', 'UPDATE "Ops ""Σ""".accounts SET balance = balance + 1 WHERE id = 1');
-- a physical slot that reserves WAL, with no standby reading it (slot names are lower
-- case letters, digits and underscores only)
SELECT slot_name FROM pg_create_physical_replication_slot('old_standby_2025', true);
-- (thresholds lowered for the test: defaults 1min and 5min; a lock wait counts from 5 s)
SET database_advisor.idle_in_transaction_min = '2s';
SET database_advisor.long_running_query_min = '2s';
SELECT pg_sleep(5.5);
SELECT rule, level, object_type, m.application, m.state,
       regexp_replace(remediation, '\(\d+\)', '(pid)', 'g') AS remediation
FROM advisor_findings f, LATERAL (SELECT f.metadata->>'application' AS application,
                                         f.metadata->>'state' AS state) m
WHERE rule IN ('idle_in_transaction', 'long_running_query', 'blocked_queries')
ORDER BY rule, application;
-- nothing in the server ends such a transaction: setting_review says so, with the idle
-- session as its evidence, and sets a timeout (for new sessions: checked at the end)
SELECT rule, object_identity, remediation, jsonb_array_length(metadata->'sessions') AS sessions
FROM advisor_findings WHERE rule = 'setting_review';
SELECT remediation FROM advisor_findings WHERE rule = 'setting_review' \gexec
-- the blocked session names the one it waits for
SELECT detail ~ 'held by pid \d+ \(user postgres, application "Idle App", from local\) \(idle in transaction for' AS names_blocker
FROM advisor_findings WHERE rule = 'blocked_queries';
SELECT rule, level, object_identity, remediation,
       (metadata->>'retained_bytes')::bigint > 0 AS retains
FROM advisor_findings WHERE rule = 'replication_slot_inactive';
-- near misses: the default thresholds, and a database told to leave the server's
-- things (the physical slot, roles, connections) to another
RESET database_advisor.idle_in_transaction_min;
RESET database_advisor.long_running_query_min;
SET database_advisor.cluster_database = 'postgres';
SELECT rule, m.application FROM advisor_findings f,
       LATERAL (SELECT f.metadata->>'application' AS application) m
WHERE category = 'maintenance' AND rule NOT IN ('vacuum_overdue', 'stale_statistics')
ORDER BY 1, 2;
RESET database_advisor.cluster_database;
-- connections: a handful against max_connections, no finding
SELECT count(*) AS saturated FROM advisor_findings WHERE rule = 'connection_saturation';

-- the round trip: cancel the report's statement, end the idle transaction (which frees
-- the waiting update), drop the slot; then none of these findings is left
SET database_advisor.idle_in_transaction_min = '2s';
SET database_advisor.long_running_query_min = '2s';
SELECT pg_cancel_backend((metadata->>'pid')::int) FROM advisor_findings
WHERE rule = 'long_running_query' AND metadata->>'application' = 'Report';
SELECT pg_terminate_backend((metadata->>'pid')::int) FROM advisor_findings WHERE rule = 'idle_in_transaction';
SELECT remediation FROM advisor_findings WHERE rule = 'replication_slot_inactive' \gexec
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity
                              WHERE application_name IN ('Idle App', 'Report', 'Payer')
                                AND state <> 'idle');
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
SELECT count(*) AS left_over FROM advisor_findings
WHERE rule IN ('idle_in_transaction', 'long_running_query', 'blocked_queries', 'replication_slot_inactive');
-- what the fixes did: the report's statement was cancelled, the payer's update went through
SELECT count(*) AS rows FROM dblink_get_result('report', false) AS r(x text);
SELECT dblink_error_message('report') ~ 'canceling statement due to user request' AS cancelled;
SELECT * FROM dblink_get_result('payer') AS r(status text);
SELECT count(*) AS slots FROM pg_replication_slots;
SELECT dblink_disconnect('report'), dblink_disconnect('payer');
-- setting_review's fix: a new session has the timeout, and a transaction left idle again
-- is reported by idle_in_transaction but not by setting_review
\c
SET client_min_messages = warning;
SELECT "Ops ""Σ""".connect('idle again', 'Idle Again');
SHOW idle_in_transaction_session_timeout;
SELECT * FROM dblink('idle again', 'SHOW idle_in_transaction_session_timeout') AS r(timeout text);
SELECT dblink_exec('idle again', 'BEGIN; SET LOCAL work_mem = ''8MB''');
SET database_advisor.idle_in_transaction_min = '1s';
SELECT pg_sleep(1.5);
SELECT rule, metadata->>'application' AS application FROM advisor_findings
WHERE rule IN ('idle_in_transaction', 'setting_review') ORDER BY 1;
SELECT dblink_disconnect('idle again');
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I RESET idle_in_transaction_session_timeout',
                           current_database()); END $$;
DROP SCHEMA "Ops ""Σ""" CASCADE;
DROP EXTENSION dblink;
