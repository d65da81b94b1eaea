-- Suppressions and per-rule settings ------------------------------------------------

CREATE FUNCTION advisor_check_rule(rule text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF rule IS NULL THEN
        RAISE EXCEPTION 'rule must not be NULL'
            USING ERRCODE = '22004', HINT = 'SELECT id FROM advisor_rules lists every rule id.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.advisor_rules r WHERE r.id = rule) THEN
        RAISE EXCEPTION 'unknown rule "%"', rule
            USING ERRCODE = '22023',
                  HINT = 'Valid rules: ' || (SELECT string_agg(id, ', ' ORDER BY id) FROM @extschema@.advisor_rules);
    END IF;
END $$;
COMMENT ON FUNCTION advisor_check_rule(text) IS
'Internal: raises SQLSTATE 22023 unless the rule id exists (22004 when NULL).';

CREATE FUNCTION advisor_suppress(rule text, object_identity text, reason text,
                                 until timestamptz DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM @extschema@.advisor_check_rule(rule);
    IF object_identity IS NULL OR reason IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN reason IS NULL THEN 'reason' ELSE 'object_identity' END
            USING ERRCODE = '22004',
                  HINT = 'Pass the object_identity (or the fingerprint) shown in advisor_findings and why it is accepted.';
    END IF;
    IF object_identity !~ '\S' THEN
        RAISE EXCEPTION 'object_identity is empty'
            USING ERRCODE = '22023',
                  HINT = 'Use the object_identity (or the fingerprint) shown in advisor_findings.';
    END IF;
    IF reason !~ '\S' THEN
        RAISE EXCEPTION 'a suppression needs a reason, not only white space'
            USING ERRCODE = '22023', HINT = 'Say why this finding is accepted, for the next reader.';
    END IF;
    IF until IS NOT NULL AND until <= now() THEN
        RAISE EXCEPTION 'until is not in the future'
            USING ERRCODE = '22023', HINT = 'Pass a later time, or NULL to suppress without an end.';
    END IF;
    INSERT INTO @extschema@.advisor_suppressions AS s (rule, object_identity, reason, until)
    VALUES (rule, object_identity, reason, until)
    ON CONFLICT ON CONSTRAINT advisor_suppressions_pkey DO UPDATE
        SET reason = excluded.reason, until = excluded.until,
            created_at = now(), created_by = current_user;
    -- a typo in the identity would suppress nothing, silently: say so
    IF NOT EXISTS (SELECT 1 FROM @extschema@.advisor_run(ARRAY[rule], true) f
                   WHERE advisor_suppress.object_identity IN (f.object_identity, f.fingerprint)) THEN
        RAISE NOTICE 'no current % finding is about "%"', rule, object_identity
            USING HINT = 'The suppression is kept and applies when such a finding appears. Check the spelling against object_identity or fingerprint in advisor_findings.';
    END IF;
END $$;
COMMENT ON FUNCTION advisor_suppress(text, text, text, timestamptz) IS
'Accepts one finding: the rule, the object_identity (or fingerprint) from advisor_findings, a reason, and optionally until when. It then leaves advisor_findings (see advisor_suppressed_findings). Replaces an existing suppression of the same finding.';

CREATE FUNCTION advisor_unsuppress(rule text, object_identity text)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    removed int;
BEGIN
    PERFORM @extschema@.advisor_check_rule(rule);
    IF object_identity IS NULL THEN
        RAISE EXCEPTION 'object_identity must not be NULL' USING ERRCODE = '22004';
    END IF;
    DELETE FROM @extschema@.advisor_suppressions s
    WHERE s.rule = advisor_unsuppress.rule AND s.object_identity = advisor_unsuppress.object_identity;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed > 0;
END $$;
COMMENT ON FUNCTION advisor_unsuppress(text, text) IS
'Removes a suppression; returns whether there was one.';

CREATE FUNCTION advisor_configure_rule(rule text, enabled boolean DEFAULT true,
                                       level @extschema@.advisor_level DEFAULT NULL,
                                       reason text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM @extschema@.advisor_check_rule(rule);
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass true or false.';
    END IF;
    INSERT INTO @extschema@.advisor_rule_settings AS s (rule, enabled, level, reason)
    VALUES (rule, enabled, level, reason)
    ON CONFLICT ON CONSTRAINT advisor_rule_settings_pkey DO UPDATE
        SET enabled = excluded.enabled, level = excluded.level, reason = excluded.reason,
            changed_at = now(), changed_by = current_user;
END $$;
COMMENT ON FUNCTION advisor_configure_rule(text, boolean, advisor_level, text) IS
'Turns a rule off (enabled => false) or on (a rule off by default, such as identifier_needs_quoting), or gives its findings another level (level => ''error''). advisor_configure_rule(rule) runs the rule at its own level.';

-- History ------------------------------------------------------------------------------

CREATE TABLE advisor_runs (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL,
    duration interval,
    errors int,
    warnings int,
    infos int,
    suppressed int
);
COMMENT ON TABLE advisor_runs IS
'One row per advisor_snapshot(): when, how long, and how many findings of each level (and suppressed). Pruned after database_advisor.history_days. Kept by pg_dump.';

CREATE TABLE advisor_run_findings (
    run_id bigint NOT NULL REFERENCES advisor_runs ON DELETE CASCADE,
    fingerprint text NOT NULL,
    rule text NOT NULL,
    level advisor_level NOT NULL,
    category text NOT NULL,
    object_type text NOT NULL,
    object_identity text NOT NULL,
    detail text NOT NULL,
    remediation text,
    suppressed boolean NOT NULL,
    PRIMARY KEY (run_id, fingerprint)
);
COMMENT ON TABLE advisor_run_findings IS
'The findings of each advisor_snapshot() run, by fingerprint; advisor_changes() compares two runs. Kept by pg_dump.';
-- the history is the user's data: pg_dump keeps it (and the run numbers go on after a restore)
SELECT pg_catalog.pg_extension_config_dump('advisor_runs', '');
SELECT pg_catalog.pg_extension_config_dump('advisor_run_findings', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.advisor_runs', 'id'), '');

CREATE FUNCTION advisor_snapshot() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    started timestamptz := clock_timestamp();
    this_run bigint;
    previous bigint;
    keep_days int;
    new_errors jsonb;
BEGIN
    SELECT max(id) INTO previous FROM @extschema@.advisor_runs;
    INSERT INTO @extschema@.advisor_runs (started_at) VALUES (now()) RETURNING id INTO this_run;
    INSERT INTO @extschema@.advisor_run_findings
        (run_id, fingerprint, rule, level, category, object_type, object_identity, detail,
         remediation, suppressed)
    SELECT this_run, r.fingerprint, r.rule, r.level, r.category, r.object_type,
           r.object_identity, r.detail, r.remediation, r.suppressed IS NOT NULL
    FROM @extschema@.advisor_run(NULL::text[], true) r
    ON CONFLICT DO NOTHING;
    UPDATE @extschema@.advisor_runs u SET
        duration = clock_timestamp() - started,
        errors = c.errors, warnings = c.warnings, infos = c.infos, suppressed = c.suppressed
    FROM (SELECT count(*) FILTER (WHERE NOT f.suppressed AND f.level = 'error') AS errors,
                 count(*) FILTER (WHERE NOT f.suppressed AND f.level = 'warning') AS warnings,
                 count(*) FILTER (WHERE NOT f.suppressed AND f.level = 'info') AS infos,
                 count(*) FILTER (WHERE f.suppressed) AS suppressed
          FROM @extschema@.advisor_run_findings f WHERE f.run_id = this_run) c
    WHERE u.id = this_run;
    -- tell listeners about error-level findings that were not there in the previous run
    SELECT jsonb_agg(jsonb_build_object('rule', f.rule, 'object_identity', f.object_identity)
                     ORDER BY f.rule, f.object_identity)
    INTO new_errors
    FROM @extschema@.advisor_run_findings f
    WHERE f.run_id = this_run AND f.level = 'error' AND NOT f.suppressed
      AND NOT EXISTS (SELECT 1 FROM @extschema@.advisor_run_findings p
                      WHERE p.run_id = previous AND p.fingerprint = f.fingerprint
                        AND NOT p.suppressed);
    IF new_errors IS NOT NULL THEN
        PERFORM pg_notify('database_advisor', left(jsonb_build_object(
            'database', current_database(), 'run_id', this_run,
            'new_errors', jsonb_array_length(new_errors),
            'findings', (SELECT jsonb_agg(e) FROM (SELECT e FROM jsonb_array_elements(new_errors) e LIMIT 20) x)
        )::text, 7900));
    END IF;
    keep_days := coalesce(nullif(current_setting('database_advisor.history_days', true), '')::int, 30);
    DELETE FROM @extschema@.advisor_runs r
    WHERE r.started_at < now() - make_interval(days => keep_days) AND r.id <> this_run;
    RETURN this_run;
END $$;
COMMENT ON FUNCTION advisor_snapshot() IS
'Runs every enabled rule, records the run in advisor_runs and its findings in advisor_run_findings, sends NOTIFY database_advisor (JSON payload) when error-level findings appeared since the previous run, prunes runs older than database_advisor.history_days, and returns the run id. What advisor_schedule() runs.';

CREATE FUNCTION advisor_changes(from_run bigint DEFAULT NULL, to_run bigint DEFAULT NULL)
RETURNS TABLE (change text, rule text, level @extschema@.advisor_level, object_type text,
               object_identity text, detail text, remediation text, fingerprint text)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    b bigint := coalesce(to_run, (SELECT max(id) FROM @extschema@.advisor_runs));
    a bigint := coalesce(from_run, (SELECT max(id) FROM @extschema@.advisor_runs WHERE id < b));
BEGIN
    IF b IS NULL OR NOT EXISTS (SELECT 1 FROM @extschema@.advisor_runs WHERE id = b) THEN
        RAISE EXCEPTION 'no run % in advisor_runs', coalesce(b::text, '(none yet)')
            USING ERRCODE = '22023', HINT = 'Record one with SELECT advisor_snapshot().';
    END IF;
    IF from_run IS NOT NULL AND NOT EXISTS (SELECT 1 FROM @extschema@.advisor_runs WHERE id = a) THEN
        RAISE EXCEPTION 'no run % in advisor_runs', a
            USING ERRCODE = '22023', HINT = 'SELECT id, started_at FROM advisor_runs lists them.';
    END IF;
    RETURN QUERY
    SELECT CASE WHEN o.fingerprint IS NULL THEN 'appeared' ELSE 'unsuppressed' END,
           n.rule, n.level, n.object_type, n.object_identity, n.detail, n.remediation, n.fingerprint
    FROM @extschema@.advisor_run_findings n
    LEFT JOIN @extschema@.advisor_run_findings o ON o.run_id = a AND o.fingerprint = n.fingerprint
    WHERE n.run_id = b AND NOT n.suppressed AND (o.fingerprint IS NULL OR o.suppressed)
    UNION ALL
    SELECT CASE WHEN n.fingerprint IS NULL THEN 'resolved' ELSE 'suppressed' END,
           o.rule, o.level, o.object_type, o.object_identity, o.detail, o.remediation, o.fingerprint
    FROM @extschema@.advisor_run_findings o
    LEFT JOIN @extschema@.advisor_run_findings n ON n.run_id = b AND n.fingerprint = o.fingerprint
    WHERE o.run_id = a AND NOT o.suppressed AND (n.fingerprint IS NULL OR n.suppressed)
    ORDER BY 1, 3 DESC, 2, 5;
END $$;
COMMENT ON FUNCTION advisor_changes(bigint, bigint) IS
'What changed between two runs of advisor_snapshot() (default: the last two): findings that appeared or were resolved, or became suppressed or unsuppressed.';

-- Scheduling with pg_cron --------------------------------------------------------------

CREATE FUNCTION advisor_schedule(schedule text DEFAULT '17 * * * *')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    job text := 'database_advisor:' || current_database();
    command text := 'SELECT @extschema@.advisor_snapshot()';
    -- superuser-only: read it where the caller may (pg_settings hides it otherwise)
    cron_db text := (SELECT s.setting FROM pg_settings s WHERE s.name = 'cron.database_name');
    job_id bigint;
BEGIN
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass a cron schedule such as ''17 * * * *'', or leave it out for hourly.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        IF cron_db IS NOT NULL AND cron_db <> current_database() THEN
            RAISE EXCEPTION 'pg_cron runs from database "%", not from "%"', cron_db, current_database()
                USING ERRCODE = '0A000',
                      HINT = format('Connect to %I and run: SELECT cron.schedule_in_database(%L, %L, %L, %L);',
                                    cron_db, job, schedule, command, current_database());
        END IF;
        RAISE EXCEPTION 'pg_cron is not available in this database'
            USING ERRCODE = '0A000',
                  HINT = format('Add pg_cron to shared_preload_libraries, set cron.database_name = %L, restart PostgreSQL, then run CREATE EXTENSION pg_cron.',
                                current_database());
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job_id USING job, schedule, command;
    RETURN job_id;
END $$;
COMMENT ON FUNCTION advisor_schedule(text) IS
'Creates or replaces the pg_cron job that runs advisor_snapshot() in this database on the given cron schedule (default hourly at :17); returns the job id. Without pg_cron, an ERROR says how to enable it; from a database other than cron.database_name, the hint gives the cron.schedule_in_database() call to run there.';

CREATE FUNCTION advisor_unschedule() RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    removed boolean := false;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE 'SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = $1'
            INTO removed USING 'database_advisor:' || current_database();
    END IF;
    RETURN coalesce(removed, false);
END $$;
COMMENT ON FUNCTION advisor_unschedule() IS
'Removes the pg_cron job advisor_schedule() created for this database; returns whether there was one.';

-- CI gate ------------------------------------------------------------------------------

-- fail_level as CI tools mean it (--fail-level, --minimum-failure-severity): the lowest
-- level that fails, so advisor_assert('info') fails on an info finding
CREATE FUNCTION advisor_assert(fail_level @extschema@.advisor_level DEFAULT 'error',
                               rules text[] DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    n int;
    listing text;
BEGIN
    IF fail_level IS NULL THEN
        RAISE EXCEPTION 'fail_level must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass info, warning or error, or leave it out for error.';
    END IF;
    -- identities are printable (one line each); control characters are masked anyway so
    -- no name can forge a line of DETAIL
    SELECT count(*), string_agg(format('%s  %s  %s', f.level, f.rule,
                                       regexp_replace(f.object_identity, '[[:cntrl:]]', '?', 'g')),
                                E'\n'
                                ORDER BY f.level DESC, f.rule, f.object_identity)
    INTO n, listing
    FROM @extschema@.advisor_run(rules, false) f
    WHERE f.level >= fail_level;
    IF n > 0 THEN
        RAISE EXCEPTION 'database_advisor: % finding(s) at or above %', n, fail_level
            USING ERRCODE = 'DA001', DETAIL = listing,
                  HINT = 'Fix them (remediation in advisor_findings), or accept one with advisor_suppress(rule, object_identity, reason).';
    END IF;
END $$;
COMMENT ON FUNCTION advisor_assert(advisor_level, text[]) IS
'CI gate: raises SQLSTATE DA001, counting and listing the findings (of the named rules, or all enabled ones) at or above fail_level (default error), so psql -v ON_ERROR_STOP=1 -c "SELECT advisor_assert()" fails a pipeline; returns quietly otherwise. Suppressed findings do not count.';
