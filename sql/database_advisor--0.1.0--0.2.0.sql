-- database_advisor 0.1.0 -> 0.2.0 (ALTER EXTENSION database_advisor UPDATE)
--
-- 0.2.0 hardens the extension against a hostile neighbour (docs/SECURITY.md): every
-- function pins search_path = pg_catalog, pg_temp, views and calls of the extension's own
-- functions are qualified and typed, NULL arguments give 22004, advisor_assert takes the
-- lowest level that fails (fail_level), and audit trigger functions read the application
-- user from a setting fixed when the audit is enabled. Everything the user has is kept:
-- suppressions, rule settings, history, the audit log and registry, and the audits
-- themselves (their trigger functions are regenerated at the end).
--
-- The upgrade test (tests/external/upgrade.sh) checks that this script leaves the
-- extension identical to a fresh CREATE EXTENSION of 0.2.0.

\echo Use "ALTER EXTENSION database_advisor UPDATE TO '0.2.0'" to load this file. \quit

-- Rust functions: NULL arguments are now checked (22004) instead of skipped or crashing
ALTER FUNCTION advisor_report(text) CALLED ON NULL INPUT;

-- a suppression's reason must hold more than white space (tabs and line breaks included)
ALTER TABLE advisor_suppressions DROP CONSTRAINT advisor_suppressions_reason_check;
ALTER TABLE advisor_suppressions ADD CONSTRAINT advisor_suppressions_reason_check
    CHECK (reason ~ '\S');

-- the history is the user's data: pg_dump keeps it from now on
SELECT pg_catalog.pg_extension_config_dump('advisor_runs', '');
SELECT pg_catalog.pg_extension_config_dump('advisor_run_findings', '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.advisor_runs', 'id'), '');
COMMENT ON TABLE advisor_runs IS
'One row per advisor_snapshot(): when, how long, and how many findings of each level (and suppressed). Pruned after database_advisor.history_days. Kept by pg_dump.';
COMMENT ON TABLE advisor_run_findings IS
'The findings of each advisor_snapshot() run, by fingerprint; advisor_changes() compares two runs. Kept by pg_dump.';

-- SQL and PL/pgSQL functions: qualified, typed calls; NULL checks; new behaviour
CREATE OR REPLACE FUNCTION advisor_audit_sql(rel regclass, exclude_columns text[] DEFAULT '{}',
                                  changed_only boolean DEFAULT false,
                                  skip_unchanged boolean DEFAULT true)
RETURNS text LANGUAGE sql AS $$
    SELECT @extschema@._advisor_audit(rel::oid, 'sql'::text, exclude_columns, changed_only, skip_unchanged)
$$;
CREATE OR REPLACE FUNCTION advisor_audit_enable(rel regclass, exclude_columns text[] DEFAULT '{}',
                                     changed_only boolean DEFAULT false,
                                     skip_unchanged boolean DEFAULT true)
RETURNS text LANGUAGE sql AS $$
    SELECT @extschema@._advisor_audit(rel::oid, 'enable'::text, exclude_columns, changed_only, skip_unchanged)
$$;
CREATE OR REPLACE FUNCTION advisor_audit_disable(rel regclass) RETURNS text
LANGUAGE sql AS $$
    SELECT @extschema@._advisor_audit(rel::oid, 'disable'::text, NULL::text[], NULL::boolean, NULL::boolean)
$$;
CREATE OR REPLACE FUNCTION advisor_audit_purge(older_than interval) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    purged bigint;
BEGIN
    IF older_than IS NULL THEN
        RAISE EXCEPTION 'older_than must not be NULL' USING ERRCODE = '22004',
            HINT = 'For example: SELECT advisor_audit_purge(interval ''1 year'');';
    END IF;
    IF older_than < interval '0' THEN
        RAISE EXCEPTION 'older_than must be an interval of zero or more, got %', coalesce(older_than::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'For example: SELECT advisor_audit_purge(interval ''1 year'');';
    END IF;
    DELETE FROM @extschema@.advisor_audit_log WHERE transaction_time < now() - older_than;
    GET DIAGNOSTICS purged = ROW_COUNT;
    RETURN purged;
END $$;
CREATE OR REPLACE FUNCTION advisor_audit_after_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    audited oid;
    unsafe record;
BEGIN
    -- a type an audited table uses may gain a cast to json by CREATE CAST, or a column of a
    -- type with one: ALTER TYPE ... ADD ATTRIBUTE, or ALTER TABLE of a table whose row type
    -- an audited table uses (the check follows row types, domains, arrays and ranges)
    IF tg_tag IN ('CREATE CAST', 'ALTER TYPE', 'ALTER TABLE') THEN
        SELECT t.tgrelid::regclass AS rel, casts INTO unsafe
        FROM pg_trigger t
        JOIN pg_proc p ON p.oid = t.tgfoid
        CROSS JOIN LATERAL @extschema@._advisor_audit_json_casts(t.tgrelid) casts
        WHERE t.tgparentid = 0 AND t.tgtype::int & 1 = 1
          AND p.pronamespace = '@extschema@'::regnamespace
          AND p.proname LIKE 'advisor\_audit:%'
          AND casts <> '{}'
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'audited table % has a column of type % with a cast to json',
                unsafe.rel, unsafe.casts[1]
                USING ERRCODE = '0A000',
                      HINT = 'The audit trigger would run the cast with its owner''s rights. '
                             'Keep such casts off the types of audited tables.';
        END IF;
        IF tg_tag <> 'ALTER TABLE' THEN
            RETURN;
        END IF;
    END IF;
    FOR audited IN
        SELECT DISTINCT t.tgrelid
        FROM pg_event_trigger_ddl_commands() c
        -- the table itself, or an ancestor when a partition was created or altered
        CROSS JOIN LATERAL (SELECT c.objid AS relid
                            UNION SELECT pa.relid FROM pg_partition_ancestors(c.objid) pa) a
        JOIN pg_trigger t ON t.tgrelid = a.relid AND t.tgparentid = 0 AND t.tgtype::int & 1 = 1
        JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE c.classid = 'pg_class'::regclass
          AND p.pronamespace = '@extschema@'::regnamespace
          AND p.proname LIKE 'advisor\_audit:%'
    LOOP
        PERFORM @extschema@._advisor_audit(audited, 'refresh'::text, NULL::text[], NULL::boolean, NULL::boolean);
    END LOOP;
END $$;
CREATE OR REPLACE FUNCTION advisor_run(rules text[] DEFAULT NULL, include_suppressed boolean DEFAULT false)
RETURNS TABLE (rule text, level @extschema@.advisor_level, category text, object_type text,
               object_identity text, detail text, remediation text, metadata jsonb,
               fingerprint text, suppressed text)
LANGUAGE sql STABLE
AS $$
    SELECT r.rule, r.level::@extschema@.advisor_level, r.category, r.object_type,
           r.object_identity, r.detail, r.remediation, r.metadata, r.fingerprint, r.suppressed
    FROM @extschema@._advisor_run(rules, include_suppressed, false) AS r
$$;
CREATE OR REPLACE FUNCTION advisor_check_rule(rule text) RETURNS void
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
CREATE OR REPLACE FUNCTION advisor_suppress(rule text, object_identity text, reason text,
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
CREATE OR REPLACE FUNCTION advisor_unsuppress(rule text, object_identity text)
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
CREATE OR REPLACE FUNCTION advisor_configure_rule(rule text, enabled boolean DEFAULT true,
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
CREATE OR REPLACE FUNCTION advisor_snapshot() RETURNS bigint
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
CREATE OR REPLACE FUNCTION advisor_schedule(schedule text DEFAULT '17 * * * *')
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
COMMENT ON FUNCTION advisor_check_rule(text) IS
'Internal: raises SQLSTATE 22023 unless the rule id exists (22004 when NULL).';

-- advisor_assert: max_level (the highest level allowed) becomes fail_level (the lowest
-- level that fails), default error: a renamed parameter needs DROP and CREATE
DROP FUNCTION advisor_assert(advisor_level, text[]);
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

-- views: qualified calls with typed arguments (bound when they are created)
CREATE OR REPLACE VIEW advisor_missing_fk_indexes AS
SELECT schema_name, table_name, constraint_name, columns,
       referenced_table, referenced_columns,
       table_rows, table_bytes, pg_catalog.pg_size_pretty(table_bytes) AS table_size,
       referenced_deletes, referenced_updates,
       stats_since::timestamptz AS stats_since,
       level::@extschema@.advisor_level AS level, object_identity, detail, remediation, fingerprint
FROM @extschema@._advisor_missing_fk_indexes();
-- (the views call _advisor_run directly: advisor_run's pinned search_path keeps
-- PostgreSQL from inlining it, which would copy every row once more)
CREATE OR REPLACE VIEW advisor_findings AS
SELECT r.rule, r.level::@extschema@.advisor_level AS level, r.category, r.object_type,
       r.object_identity, r.detail, r.remediation, r.metadata, r.fingerprint
FROM @extschema@._advisor_run(NULL::text[], false, false) AS r;
CREATE OR REPLACE VIEW advisor_suppressed_findings AS
SELECT r.rule, r.level::@extschema@.advisor_level AS level, r.object_type, r.object_identity,
       r.detail, r.suppressed AS reason, s.until, s.created_by, r.fingerprint
FROM @extschema@._advisor_run(NULL::text[], true, false) r
LEFT JOIN @extschema@.advisor_suppressions s
       ON s.rule = r.rule AND s.object_identity IN (r.object_identity, r.fingerprint)
WHERE r.suppressed IS NOT NULL;
CREATE OR REPLACE VIEW advisor_rules AS
SELECT id, category, default_level::@extschema@.advisor_level AS default_level, description
FROM @extschema@._advisor_rules();
CREATE OR REPLACE VIEW advisor_rls_gaps AS
SELECT metadata->>'schema' AS schema_name,
       coalesce(metadata->>'table', metadata->>'view', metadata->>'role') AS table_name,
       rule, level::@extschema@.advisor_level AS level, object_type, object_identity, detail,
       remediation, metadata, fingerprint
FROM @extschema@._advisor_run((SELECT pg_catalog.array_agg(r.id) FROM @extschema@.advisor_rules r
                             WHERE r.id LIKE 'rls\_%'), false, false);
CREATE OR REPLACE VIEW advisor_slow_queries AS
SELECT queryid, query, role, calls,
       round(total_exec_ms::numeric, 3) AS total_exec_ms,
       round(mean_exec_ms::numeric, 3) AS mean_exec_ms,
       round(share_percent::numeric, 1) AS share_percent,
       round(rows_per_call::numeric, 2) AS rows_per_call,
       round(total_plan_ms::numeric, 3) AS total_plan_ms,
       round(hit_ratio::numeric, 3) AS hit_ratio,
       temp_blks_written, rules,
       stats_since::timestamptz AS stats_since
FROM @extschema@._advisor_slow_queries();
CREATE OR REPLACE VIEW advisor_unused_indexes AS
SELECT schema_name, table_name, index_name,
       index_bytes, pg_catalog.pg_size_pretty(index_bytes) AS index_size, scans,
       table_inserts, table_updates, table_deletes,
       stats_since::timestamptz AS stats_since,
       pg_catalog.make_interval(secs => stats_window_seconds) AS stats_window,
       level::@extschema@.advisor_level AS level, object_identity, detail, remediation, undo, fingerprint
FROM @extschema@._advisor_unused_indexes();
CREATE OR REPLACE VIEW advisor_index_findings AS
SELECT rule, level::@extschema@.advisor_level AS level, object_type, object_identity, detail, remediation,
       metadata->>'undo' AS undo, metadata, fingerprint
FROM @extschema@._advisor_run(ARRAY['missing_fk_index', 'unused_index', 'duplicate_index',
                        'redundant_index', 'invalid_index'], false, true);

-- After DROP TABLE, the event trigger drops only trigger functions the audit generator
-- made (named advisor_audit:..., owned by the extension's owner or a superuser, not an
-- extension member): the registry it reads is the extension owner's to write.
CREATE OR REPLACE FUNCTION advisor_audit_after_drop() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    orphan record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_event_trigger_dropped_objects() d WHERE d.object_type = 'trigger') THEN
        RETURN;
    END IF;
    FOR orphan IN
        SELECT r.audited_table, p.oid::regprocedure AS fn
        FROM @extschema@.advisor_audit_tables r
        JOIN pg_proc p ON p.proname = r.function_name
                      AND p.pronamespace = '@extschema@'::regnamespace
        JOIN pg_roles o ON o.oid = p.proowner
        WHERE r.disabled_at IS NULL
          -- only a trigger function of this generator's: the registry is the extension
          -- owner's to write (not a superuser's, in a trusted install) and this runs as
          -- the superuser, who could drop anyone's function
          AND p.proname LIKE 'advisor\_audit:%' AND p.pronargs = 0
          AND p.prorettype = 'trigger'::regtype
          AND (o.rolsuper OR p.proowner = (SELECT e.extowner FROM pg_extension e
                                           WHERE e.extname = 'database_advisor'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d
                          WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                            AND d.deptype = 'e')
          AND NOT EXISTS (SELECT 1 FROM pg_trigger t
                          WHERE t.tgfoid = p.oid AND t.tgparentid = 0 AND t.tgtype::int & 1 = 1)
    LOOP
        EXECUTE format('DROP FUNCTION %s', orphan.fn);
        UPDATE @extschema@.advisor_audit_tables
        SET disabled_at = now(), dropped_at = now()
        WHERE audited_table = orphan.audited_table;
    END LOOP;
END $$;

-- The extension's owner administers it (suppressions, rule settings, history, audits):
-- a no-op when a superuser installed it, what a trusted install needs (docs/MANAGED.md).
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE
ON advisor_suppressions, advisor_rule_settings, advisor_runs, advisor_run_findings,
   advisor_audit_tables, advisor_audit_log
TO @extowner@;
GRANT EXECUTE ON FUNCTION advisor_audit_enable(regclass, text[], boolean, boolean),
                          advisor_audit_disable(regclass),
                          advisor_audit_purge(interval)
TO @extowner@;

-- Every function of the extension runs with search_path = pg_catalog, pg_temp, whatever
-- the caller's path: a role that can create objects in a schema on that path (public, the
-- extension's own schema) could otherwise plant an exact-type operator or function that
-- beats pg_catalog's polymorphic or variadic one and runs as the superuser calling us.
-- The extension's own objects are always named with their schema (docs/SECURITY.md).
-- (Only the extension's schema: `cargo pgrx test` adds test functions in schema tests.)
DO $pin$
DECLARE
    f pg_catalog.regprocedure;
BEGIN
    FOR f IN
        SELECT d.objid FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.objid
        WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
          AND p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
          AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
          AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e
                            WHERE e.extname OPERATOR(pg_catalog.=) 'database_advisor')
          AND d.deptype OPERATOR(pg_catalog.=) 'e'
          AND p.proname OPERATOR(pg_catalog.<>) ALL (ARRAY['advisor_whatif', 'advisor_suggest_indexes']::pg_catalog.name[])
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END
$pin$;

-- Audits enabled under 0.1.0 read the name of the application-user setting at every
-- write, from a setting any writer could change. Fix the name in each audit's options (the
-- value this session sees, e.g. from ALTER DATABASE ... SET, if it is a custom setting),
-- then regenerate the trigger functions so they read only that setting.
DO $upgrade$
DECLARE
    actor text := coalesce(nullif(btrim(pg_catalog.current_setting(
                      'database_advisor.audit_actor_setting', true)), ''), 'app.user_id');
    audited oid;
BEGIN
    IF actor !~ '^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+$' THEN
        RAISE WARNING 'database_advisor.audit_actor_setting = "%" is not a custom setting; audits read app.user_id from now on', actor;
        actor := 'app.user_id';
    END IF;
    UPDATE @extschema@.advisor_audit_tables
    SET options = options OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('actor_setting', actor)
    WHERE NOT options OPERATOR(pg_catalog.?) 'actor_setting';
    FOR audited IN
        SELECT DISTINCT t.tgrelid
        FROM pg_catalog.pg_trigger t
        JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) t.tgfoid
        WHERE t.tgparentid OPERATOR(pg_catalog.=) 0
          AND (t.tgtype::int OPERATOR(pg_catalog.&) 1) OPERATOR(pg_catalog.=) 1
          AND p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::pg_catalog.regnamespace
          AND p.proname OPERATOR(pg_catalog.~~) 'advisor\_audit:%'
    LOOP
        PERFORM @extschema@._advisor_audit(audited, 'refresh'::text, NULL::text[],
                                           NULL::boolean, NULL::boolean);
    END LOOP;
END
$upgrade$;

-- The what-if engine (issue 14): plans as if indexes existed or were gone. Created after
-- the pin block above on purpose: it plans the caller's statement through the caller's
-- search_path, as EXPLAIN does.
CREATE FUNCTION advisor_whatif(query text, indexes text[] DEFAULT '{}',
                               hide_indexes regclass[] DEFAULT '{}')
RETURNS TABLE (cost_before float8, cost_after float8, indexes_used text[],
               hypothetical_indexes jsonb, plan jsonb, plan_before jsonb)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_whatif_wrapper';
COMMENT ON FUNCTION advisor_whatif(text, text[], regclass[]) IS
'What-if planning: the planner''s cost and plan of one statement (SELECT, INSERT, UPDATE, DELETE, MERGE; $1-style parameters allowed, as pg_stat_statements writes them) as it is, and as if the CREATE INDEX statements in indexes had run and the indexes in hide_indexes were dropped. Nothing is built, executed or visible to anyone else; no HypoPG needed. hypothetical_indexes gives each index''s estimated size and whether the plan uses it.';

CREATE FUNCTION advisor_suggest_indexes(query text)
RETURNS TABLE (index_definition text, table_identity text, estimated_bytes bigint,
               cost_before float8, cost_after float8)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_suggest_indexes_wrapper';
-- Not pinned either, for the same reason as advisor_whatif.
COMMENT ON FUNCTION advisor_suggest_indexes(text) IS
'The indexes the planner says one statement needs ($1-style parameters allowed): found by the Extend search over what-if plans (composite, expression, partial and covering indexes), each a runnable CREATE INDEX CONCURRENTLY; cost_after is the statement''s cost with this and the rows before it built. Settings: database_advisor.index_max_columns, index_min_gain, index_budget.';

-- The workload index advisor (issue 14): rule missing_index and its view.
CREATE FUNCTION _advisor_index_suggestions()
RETURNS TABLE (table_identity text, index_definition text, columns text[], include text[],
               predicate text, estimated_bytes bigint, statements bigint[], cost_before float8,
               cost_after float8, benefit float8, stats_since text, metadata jsonb)
STABLE STRICT LANGUAGE c AS 'MODULE_PATHNAME', '_advisor_index_suggestions_wrapper';
ALTER FUNCTION _advisor_index_suggestions() SET jit = off;
ALTER FUNCTION _advisor_index_suggestions() SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION _advisor_index_suggestions() IS
'Internal: rows of the advisor_index_suggestions view (rule missing_index).';

CREATE VIEW advisor_index_suggestions AS
SELECT table_identity, index_definition, columns, include, predicate, estimated_bytes,
       pg_catalog.pg_size_pretty(estimated_bytes) AS estimated_size,
       statements, cost_before, cost_after, benefit,
       stats_since::timestamptz AS stats_since, metadata
FROM @extschema@._advisor_index_suggestions();
COMMENT ON VIEW advisor_index_suggestions IS
'Indexes to build for the workload: the heaviest statements of pg_stat_statements planned with hypothetical indexes (nothing built, no HypoPG), chosen by benefit per byte. index_definition is the CREATE INDEX CONCURRENTLY to run; statements the queryids it serves; cost_before and cost_after the workload''s execution time (ms over the statistics window, as the planner''s costs scale it) without this index and with every suggestion; benefit the difference. Settings: database_advisor.index_max_columns, index_min_gain, index_budget.';
GRANT SELECT ON advisor_index_suggestions TO PUBLIC;

CREATE FUNCTION advisor_suggest_indexes(queries text[])
RETURNS TABLE (index_definition text, table_identity text, estimated_bytes bigint,
               statements int[], cost_before float8, cost_after float8)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_suggest_indexes_for_statements_wrapper';
-- Not pinned either, for the same reason as advisor_whatif.
COMMENT ON FUNCTION advisor_suggest_indexes(text[]) IS
'The indexes the planner says a set of statements needs, each statement weighing its planner cost (as index selection studies measure a workload: TPC-H, a test suite, the queries of a release): the Extend search over what-if plans. statements are the positions (1-based) of the statements whose plans use the index; cost_before and cost_after the summed cost without new indexes and with this and the rows before it built. An ERROR in any statement stops it.';

-- Issue 17. The runs read the statistics of every table and index: as one snapshot (PostgreSQL 15+,
-- stats_fetch_consistency), which costs one copy instead of a shared-memory lookup per
-- relation (~70 ms of a run on 20,000 tables), and is consistent.
DO $stats$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
        ALTER FUNCTION @extschema@._advisor_run(text[], boolean, boolean) SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_missing_fk_indexes() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_unused_indexes() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@._advisor_index_suggestions() SET stats_fetch_consistency = snapshot;
        ALTER FUNCTION @extschema@.advisor_report(text) SET stats_fetch_consistency = snapshot;
    END IF;
END
$stats$;

-- The migration linter (issue 15): advisor_lint_migration, its CI gate, its report, its rules.
CREATE FUNCTION _advisor_lint_migration(migration text, search_path text, in_transaction boolean,
                                        dry_run boolean)
RETURNS TABLE (statement_number int, line int, rule text, level text, category text,
               object_type text, object_identity text, detail text, remediation text,
               metadata jsonb, fingerprint text, statement text)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '_advisor_lint_migration_wrapper';
COMMENT ON FUNCTION _advisor_lint_migration(text, text, boolean, boolean) IS
'Internal: rows of advisor_lint_migration() with the level as text. Use advisor_lint_migration().';

CREATE FUNCTION advisor_lint_migration(
    migration text,
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false,
    dry_run boolean DEFAULT false)
RETURNS TABLE (statement_number int, line int, rule text, level @extschema@.advisor_level,
               category text, object_type text, object_identity text, detail text,
               remediation text, metadata jsonb, fingerprint text, statement text)
LANGUAGE sql VOLATILE
AS $$
    SELECT l.statement_number, l.line, l.rule, l.level::@extschema@.advisor_level, l.category,
           l.object_type, l.object_identity, l.detail, l.remediation, l.metadata,
           l.fingerprint, l.statement
    FROM @extschema@._advisor_lint_migration(migration, search_path, in_transaction, dry_run) AS l
$$;
COMMENT ON FUNCTION advisor_lint_migration(text, text, boolean, boolean) IS
'Lints a migration script against this database without running it: PostgreSQL''s own parser reads it, and each statement is judged against the live catalog with the script''s earlier statements applied (tables created, columns, indexes and constraints added, SET lock_timeout, BEGIN/COMMIT). Each finding names the lock the statement takes, what that lock blocks and for how long given the table''s real size, and the safe rewrite in remediation. search_path: how the script''s bare names resolve (default: the caller''s); in_transaction: the tool that runs it wraps it in one transaction. A script that does not parse gives one syntax_error finding. dry_run: also run the statements, one by one, in a subtransaction that is always rolled back (lock_timeout 2s; CONCURRENTLY, VACUUM and transaction control are not run), and put what each did (locks taken, files rewritten, rows, milliseconds, or its error) into metadata->''dry_run''; a statement that fails gets a dry_run_failed finding. A dry run executes the migration as the caller: use it only on a migration you would run. Rules: docs/rules/migrations.md.';

-- the lowest level that fails, like advisor_assert
CREATE FUNCTION advisor_assert_migration(
    migration text,
    fail_level @extschema@.advisor_level DEFAULT 'warning',
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n int;
    listing text;
BEGIN
    IF migration IS NULL OR fail_level IS NULL OR search_path IS NULL OR in_transaction IS NULL THEN
        RAISE EXCEPTION 'advisor_assert_migration arguments must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass the script; leave the other arguments out for their defaults.';
    END IF;
    SELECT count(*), string_agg(pg_catalog.format('line %s  %s  %s  %s', l.line, l.level, l.rule,
                                       pg_catalog.regexp_replace(l.object_identity, '[[:cntrl:]]', '?', 'g')),
                                E'\n' ORDER BY l.statement_number, l.level DESC, l.rule)
    INTO n, listing
    FROM @extschema@._advisor_lint_migration(migration, search_path, in_transaction, false) l
    WHERE l.level::@extschema@.advisor_level >= fail_level;
    IF n > 0 THEN
        RAISE EXCEPTION 'database_advisor: the migration has % finding(s) at or above %', n, fail_level
            USING ERRCODE = 'DA002', DETAIL = listing,
                  HINT = 'SELECT * FROM advisor_lint_migration(...) shows each finding with its safe rewrite.';
    END IF;
END $$;
COMMENT ON FUNCTION advisor_assert_migration(text, advisor_level, text, boolean) IS
'CI gate for migrations: raises SQLSTATE DA002, counting and listing (line, level, rule, object) the findings of advisor_lint_migration at or above fail_level (default warning); returns quietly otherwise. echo "SELECT advisor_assert_migration(:''m'')" | psql -v ON_ERROR_STOP=1 -v m="$(cat migration.sql)" fails a pipeline (psql interpolates :''m'' in its input, not in -c).';
CREATE FUNCTION advisor_lint_report(
    migration text,
    format text DEFAULT 'markdown',
    file text DEFAULT 'migration.sql',
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false)
RETURNS text VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_lint_report_wrapper';
COMMENT ON FUNCTION advisor_lint_report(text, text, text, text, boolean) IS
'The findings of advisor_lint_migration as one document: ''markdown'' (a summary, then each finding with its line, statement and safer rewrite, for a pull-request comment) or ''sarif'' (SARIF 2.1.0 with file and line of each statement, for code-scanning tabs). file names the migration in both.';
CREATE FUNCTION _advisor_lint_rules()
RETURNS TABLE (id text, category text, default_level text, description text)
IMMUTABLE PARALLEL SAFE LANGUAGE c AS 'MODULE_PATHNAME', '_advisor_lint_rules_wrapper';
COMMENT ON FUNCTION _advisor_lint_rules() IS
'Internal: rows of the advisor_lint_rules view.';
CREATE VIEW advisor_lint_rules AS
SELECT id, category, default_level::@extschema@.advisor_level AS default_level, description
FROM @extschema@._advisor_lint_rules();
COMMENT ON VIEW advisor_lint_rules IS
'Every rule of the migration linter (advisor_lint_migration): its stable id, category, default level and what it catches. docs/rules/migrations.md has a section per rule.';
GRANT SELECT ON advisor_lint_rules TO PUBLIC;
ALTER FUNCTION _advisor_lint_migration(text, text, boolean, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION advisor_lint_migration(text, text, boolean, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION advisor_assert_migration(text, advisor_level, text, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION advisor_lint_report(text, text, text, text, boolean) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION _advisor_lint_rules() SET search_path = pg_catalog, pg_temp;

-- rules off by default (identifier_needs_quoting) are turned on with advisor_configure_rule
COMMENT ON FUNCTION advisor_configure_rule(text, boolean, advisor_level, text) IS
'Turns a rule off (enabled => false) or on (a rule off by default, such as identifier_needs_quoting), or gives its findings another level (level => ''error''). advisor_configure_rule(rule) runs the rule at its own level.';

-- The generators (issue 16): TypeScript types, a Mermaid ERD, a data dictionary.
CREATE FUNCTION advisor_typescript_types(schemas text[] DEFAULT NULL,
                                         bigint_type text DEFAULT 'number',
                                         numeric_type text DEFAULT 'number')
RETURNS text STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_typescript_types_wrapper';
ALTER FUNCTION advisor_typescript_types(text[], text, text) SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION advisor_typescript_types(text[], text, text) IS
'The schema as TypeScript: a Database type in the shape supabase-js and postgres-meta use (per schema Tables with Row, Insert, Update and Relationships; Views; Functions with Args and Returns; Enums; CompositeTypes), then a plain export type per table row, view row and enum. schemas: NULL for every user schema. bigint_type: how int8 arrives (''number'' as PostgREST sends it, ''string'' as node-postgres does, ''bigint''); numeric_type: ''number'' or ''string''. Save with psql -At -c "SELECT advisor_typescript_types()" > database.types.ts';

CREATE FUNCTION advisor_erd(schemas text[] DEFAULT NULL, format text DEFAULT 'mermaid',
                            around regclass[] DEFAULT NULL, depth int DEFAULT 1,
                            columns text DEFAULT 'all')
RETURNS text STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_erd_wrapper';
ALTER FUNCTION advisor_erd(text[], text, regclass[], int, text) SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION advisor_erd(text[], text, regclass[], int, text) IS
'The schema as a Mermaid erDiagram: tables and materialized views with their columns, one relationship per foreign key with its cardinality from the constraints (a nullable foreign key: zero or one parent; a unique one: one to one; part of the primary key: identifying). schemas: NULL for every user schema. around: only the tables within depth foreign keys of these. columns: ''all'', ''keys'' (primary, unique and foreign key columns) or ''none''. format: ''mermaid''.';

CREATE FUNCTION advisor_data_dictionary(format text DEFAULT 'markdown', schemas text[] DEFAULT NULL)
RETURNS text STABLE LANGUAGE c AS 'MODULE_PATHNAME', 'advisor_data_dictionary_wrapper';
ALTER FUNCTION advisor_data_dictionary(text, text[]) SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION advisor_data_dictionary(text, text[]) IS
'Every table, view and materialized view of the user schemas (or of schemas) with its comment, size and row estimate, its columns (type, NULL, default or identity, comment), constraints and indexes: ''markdown'' (a summary table per schema, a section per relation) or ''json''.';

-- advisor_report('html') (issue 16)
COMMENT ON FUNCTION advisor_report(text) IS
'Every database_advisor finding as one document: ''text'' (grouped by level and category, with the fix for each; readable in psql with \pset format unaligned), ''markdown'', ''json'' (summary plus one object per finding with every contract field), ''sarif'' (SARIF 2.1.0 for code-scanning tools) or ''html'' (one self-contained page: findings by level, filterable, with copyable fixes, and charts of the findings, their history, the heaviest statements and the largest indexes). Suppressed findings are counted and listed apart.';
