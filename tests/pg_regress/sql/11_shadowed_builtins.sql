-- A hostile database owner (in PostgreSQL 15 the owner of the public schema) plants
-- exact-type shadows of the polymorphic and variadic built-ins the extension calls, and of
-- the operators it uses, before and after a superuser installs the extension into public.
-- A shadow with exact argument types beats pg_catalog's polymorphic or variadic one even
-- though pg_catalog is searched first. Every view, report, snapshot, history and audit
-- function then runs as the superuser: none of the planted code may run.
SET client_min_messages = warning;
CREATE ROLE mallory LOGIN;
CREATE DATABASE advisor_shadow OWNER mallory;
\c advisor_shadow
SET client_min_messages = warning;
SET ROLE mallory;
CREATE TABLE public.tripped (shadow text);
GRANT INSERT ON public.tripped TO PUBLIC;
-- what every planted function does first: record itself and take over the caller
CREATE FUNCTION public.trap(shadow text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.tripped VALUES (shadow);
    ALTER ROLE mallory SUPERUSER;
END $$;
DO $plant$
DECLARE
    -- name, argument types, result type, the pg_catalog call it stands in for
    f text[];
BEGIN
    FOREACH f SLICE 1 IN ARRAY ARRAY[
        ['format', 'text', 'text', 'pg_catalog.format($1)'],
        ['format', 'text, text', 'text', 'pg_catalog.format($1, $2)'],
        ['format', 'text, name', 'text', 'pg_catalog.format($1, $2)'],
        ['format', 'text, text, text', 'text', 'pg_catalog.format($1, $2, $3)'],
        ['format', 'text, regclass', 'text', 'pg_catalog.format($1, $2)'],
        ['format', 'text, regprocedure', 'text', 'pg_catalog.format($1, $2)'],
        ['format', 'text, oid', 'text', 'pg_catalog.format($1, $2)'],
        ['format', 'text, text, text, text', 'text', 'pg_catalog.format($1, $2, $3, $4)'],
        ['format', 'text, text, text, text, text', 'text', 'pg_catalog.format($1, $2, $3, $4, $5)'],
        ['jsonb_build_object', 'text, text', 'jsonb', 'pg_catalog.jsonb_build_object($1, $2)'],
        ['jsonb_build_object', 'text, text, text, bigint, text, integer, text, jsonb', 'jsonb',
         'pg_catalog.jsonb_build_object($1, $2, $3, $4, $5, $6, $7, $8)'],
        ['jsonb_build_object', 'text, text, text, text', 'jsonb', 'pg_catalog.jsonb_build_object($1, $2, $3, $4)'],
        ['to_jsonb', 'text', 'jsonb', 'pg_catalog.to_jsonb($1)'],
        ['unnest', 'text[]', 'SETOF text', 'pg_catalog.unnest($1)'],
        ['unnest', 'oid[]', 'SETOF oid', 'pg_catalog.unnest($1)'],
        ['unnest', 'smallint[]', 'SETOF smallint', 'pg_catalog.unnest($1)'],
        ['unnest', 'name[]', 'SETOF name', 'pg_catalog.unnest($1)'],
        ['unnest', 'bigint[]', 'SETOF bigint', 'pg_catalog.unnest($1)'],
        ['make_interval', 'secs double precision', 'interval', 'pg_catalog.make_interval(secs => $1)'],
        ['array_length', 'text[], integer', 'integer', 'pg_catalog.array_length($1, $2)'],
        ['cardinality', 'text[]', 'integer', 'pg_catalog.cardinality($1)'],
        ['array_to_string', 'text[], text', 'text', 'pg_catalog.array_to_string($1, $2)'],
        ['array_position', 'text[], text', 'integer', 'pg_catalog.array_position($1, $2)'],
        ['concat', 'text, text', 'text', 'pg_catalog.concat($1, $2)'],
        ['upper', 'name', 'text', 'pg_catalog.upper($1)'],
        ['lower', 'name', 'text', 'pg_catalog.lower($1)'],
        ['left', 'name, integer', 'text', 'pg_catalog.left($1, $2)'],
        ['quote_ident', 'name', 'text', 'pg_catalog.quote_ident($1)'],
        ['pg_get_expr', 'pg_node_tree, oid, boolean', 'text', 'pg_catalog.pg_get_expr($1, $2, $3)'],
        ['current_setting', 'text', 'text', 'pg_catalog.current_setting($1)'],
        ['current_setting', 'name, boolean', 'text', 'pg_catalog.current_setting($1, $2)'],
        ['pg_size_pretty', 'integer', 'text', 'pg_catalog.pg_size_pretty($1::bigint)'],
        ['round', 'double precision, integer', 'numeric', 'pg_catalog.round($1::numeric, $2)'],
        ['now', '', 'timestamptz', 'pg_catalog.now()'],
        ['btrim', 'name', 'text', 'pg_catalog.btrim($1)']
    ] LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE sql AS %L',
            f[1], f[2], f[3],
            pg_catalog.format('SELECT public.trap(%L); SELECT %s',
                              f[1] || '(' || f[2] || ')', f[4]));
    END LOOP;
END $plant$;
-- aggregates
CREATE FUNCTION public.trap_agg(state text[], v text) RETURNS text[] LANGUAGE sql AS
$$ SELECT public.trap('array_agg(text)'); SELECT state || v $$;
CREATE AGGREGATE public.array_agg(text) (sfunc = public.trap_agg, stype = text[]);
CREATE FUNCTION public.trap_agg_oid(state oid[], v oid) RETURNS oid[] LANGUAGE sql AS
$$ SELECT public.trap('array_agg(oid)'); SELECT state || v $$;
CREATE AGGREGATE public.array_agg(oid) (sfunc = public.trap_agg_oid, stype = oid[]);
CREATE FUNCTION public.trap_agg_name(state name[], v name) RETURNS name[] LANGUAGE sql AS
$$ SELECT public.trap('array_agg(name)'); SELECT state || v $$;
CREATE AGGREGATE public.array_agg(name) (sfunc = public.trap_agg_name, stype = name[]);
CREATE FUNCTION public.trap_jagg(state jsonb, v jsonb) RETURNS jsonb LANGUAGE sql AS
$$ SELECT public.trap('jsonb_agg(jsonb)'); SELECT state || v $$;
CREATE AGGREGATE public.jsonb_agg(jsonb) (sfunc = public.trap_jagg, stype = jsonb, initcond = '[]');
-- operators over the array and text types the catalog queries compare
CREATE FUNCTION public.trap_contains(text[], text[]) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('@>(text[], text[])'); SELECT $1 OPERATOR(pg_catalog.@>) $2 $$;
CREATE OPERATOR public.@> (leftarg = text[], rightarg = text[], function = public.trap_contains);
CREATE FUNCTION public.trap_contained(text[], text[]) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('<@(text[], text[])'); SELECT $1 OPERATOR(pg_catalog.<@) $2 $$;
CREATE OPERATOR public.<@ (leftarg = text[], rightarg = text[], function = public.trap_contained);
CREATE FUNCTION public.trap_overlap(oid[], oid[]) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('&&(oid[], oid[])'); SELECT $1 OPERATOR(pg_catalog.&&) $2 $$;
CREATE OPERATOR public.&& (leftarg = oid[], rightarg = oid[], function = public.trap_overlap);
CREATE FUNCTION public.trap_concat(text[], text) RETURNS text[] LANGUAGE sql AS
$$ SELECT public.trap('||(text[], text)'); SELECT $1 OPERATOR(pg_catalog.||) $2 $$;
CREATE OPERATOR public.|| (leftarg = text[], rightarg = text, function = public.trap_concat);
CREATE FUNCTION public.trap_name_eq(name, text) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('=(name, text)'); SELECT $1::text OPERATOR(pg_catalog.=) $2 $$;
CREATE OPERATOR public.= (leftarg = name, rightarg = text, function = public.trap_name_eq);
CREATE FUNCTION public.trap_name_like(name, text) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('~~(name, text)'); SELECT $1::text OPERATOR(pg_catalog.~~) $2 $$;
CREATE OPERATOR public.~~ (leftarg = name, rightarg = text, function = public.trap_name_like);
CREATE FUNCTION public.trap_name_nomatch(name, text) RETURNS boolean LANGUAGE sql AS
$$ SELECT public.trap('!~(name, text)'); SELECT $1::text OPERATOR(pg_catalog.!~) $2 $$;
CREATE OPERATOR public.!~ (leftarg = name, rightarg = text, function = public.trap_name_nomatch);
SELECT count(*) AS planted FROM pg_proc WHERE pronamespace = 'public'::regnamespace;
-- the shadows work: with exact types, even pg_catalog first on the path picks mallory's
-- (as mallory, her trap fails to make her superuser: the ERROR shows it ran)
SET search_path = pg_catalog, public;
DO $$
BEGIN
    PERFORM format('%s'::text, 'x'::text);
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'the planted format(text, text) ran (and failed to make mallory superuser)';
END $$;
DO $$
BEGIN
    PERFORM ARRAY['a'] @> ARRAY['a'];
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'the planted @>(text[], text[]) ran (and failed to make mallory superuser)';
END $$;
RESET search_path;
RESET ROLE;
-- the superuser installs into public, which mallory owns
CREATE EXTENSION database_advisor;
-- every function of the extension pins search_path to pg_catalog, pg_temp, but
-- advisor_whatif: it plans the caller's statement through the caller's path, like EXPLAIN
SELECT count(*) AS functions,
       count(*) FILTER (WHERE 'search_path=pg_catalog, pg_temp' = ANY (p.proconfig)) AS pinned,
       pg_catalog.array_agg(p.proname) FILTER (WHERE p.proconfig IS NULL) AS not_pinned
FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'database_advisor')
  AND d.deptype = 'e';
-- something for every rule family to find, with names that reach generated SQL
CREATE TABLE public.parent (id int PRIMARY KEY, tags text[], email text);
CREATE TABLE public.child (id int PRIMARY KEY, parent_id int REFERENCES public.parent,
                           card_number text);
CREATE INDEX child_extra ON public.child (id) WITH (fillfactor = 90);
GRANT SELECT ON public.parent TO PUBLIC;
CREATE TABLE public.tenants (id int PRIMARY KEY, tenant_id int NOT NULL);
ALTER TABLE public.tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON public.tenants USING (true);
CREATE FUNCTION public.definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
-- run everything as the superuser, with public (mallory's) first on the path
SET search_path = public, pg_catalog;
SELECT count(*) > 0 AS findings FROM advisor_findings;
SELECT count(*) >= 0 AS ok FROM advisor_missing_fk_indexes;
SELECT count(*) >= 0 AS ok FROM advisor_unused_indexes;
SELECT count(*) >= 0 AS ok FROM advisor_index_findings;
SELECT count(*) >= 0 AS ok FROM advisor_rls_gaps;
SELECT count(*) >= 0 AS ok FROM advisor_slow_queries;
SELECT count(*) >= 0 AS ok FROM advisor_suppressed_findings;
SELECT count(*) > 0 AS ok FROM advisor_rules;
SELECT count(*) > 0 AS ok FROM advisor_run(ARRAY['missing_fk_index', 'rls_policy_always_true']);
SELECT length(advisor_report(f)) > 0 AS ok FROM pg_catalog.unnest(ARRAY['text', 'markdown', 'json', 'sarif']) f;
SELECT indexes_used FROM advisor_whatif('SELECT id FROM public.parent WHERE lower(email) = $1',
    ARRAY['CREATE INDEX ON public.parent (lower(email)) WHERE email IS NOT NULL']);
SELECT advisor_suppress('missing_fk_index', 'child_parent_id_fkey on public.child', 'planted test');
SELECT advisor_configure_rule('unused_index', level => 'info');
SELECT advisor_snapshot() IS NOT NULL AS ok;
SELECT advisor_unsuppress('missing_fk_index', 'child_parent_id_fkey on public.child');
SELECT advisor_snapshot() IS NOT NULL AS ok;
SELECT count(*) >= 0 AS ok FROM advisor_changes();
SELECT count(*) >= 0 AS ok FROM advisor_runs;
SELECT advisor_assert('error', ARRAY['unused_index']);
SELECT advisor_schedule('17 * * * *');   -- no pg_cron here: an ERROR, nothing planted runs
SELECT advisor_unschedule();
SELECT length(advisor_audit_sql('public.parent')) > 0 AS ok;
SELECT length(advisor_audit_enable('public.parent', ARRAY['email'])) > 0 AS ok;
INSERT INTO public.parent VALUES (1, '{a}', 'a@example.com');
UPDATE public.parent SET tags = '{b}';
ALTER TABLE public.parent ADD COLUMN note text;     -- the DDL event trigger refreshes it
UPDATE public.parent SET note = 'n';
DELETE FROM public.parent;
SELECT operation, changed_columns FROM advisor_audit_log ORDER BY id;
SELECT state, recording FROM advisor_audit_status;
SELECT advisor_audit_purge('1 day');
SELECT length(advisor_audit_disable('public.parent')) > 0 AS ok;
DROP TABLE public.child;                            -- the drop event trigger
RESET search_path;
-- nothing planted ran, and mallory is no superuser
SELECT shadow AS tripped, count(*) FROM public.tripped GROUP BY 1 ORDER BY 1;
SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory';
\c advisor_regress
SET client_min_messages = warning;
DROP DATABASE advisor_shadow;
DROP ROLE mallory;
