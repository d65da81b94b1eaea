-- Synthetic SaaS catalog for the benchmark: :tables tables in schemas of 20 (a schema per
-- tenant), each with a primary key, 2-3 foreign keys (some unindexed), 3-4 indexes (some
-- duplicate, redundant, unused), RLS and a policy on every third table, a view on every
-- tenth, a SECURITY DEFINER function on every twentieth. Commits per schema, so the lock
-- table never has to hold the whole catalog.
SET client_min_messages = warning;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bench_app') THEN CREATE ROLE bench_app; END IF;
END $$;

CREATE OR REPLACE PROCEDURE bench_generate(tables int) LANGUAGE plpgsql AS $$
DECLARE
    schemas int := ceil(tables / 20.0);
    s text;
    t text;
BEGIN
    FOR k IN 1..schemas LOOP
        s := format('tenant_%s', lpad(k::text, 5, '0'));
        EXECUTE format('CREATE SCHEMA %I', s);
        FOR i IN 1..least(20, tables - (k - 1) * 20) LOOP
            t := format('t%s', i);
            EXECUTE format(
                'CREATE TABLE %I.%I (id bigint PRIMARY KEY, tenant_id int NOT NULL, a int, b int, c text%s%s%s)',
                s, t,
                CASE WHEN i > 1 THEN format(', p1 bigint REFERENCES %I.t%s', s, i - 1) ELSE '' END,
                CASE WHEN i > 2 THEN format(', p2 bigint REFERENCES %I.t%s', s, i - 2) ELSE '' END,
                CASE WHEN i > 3 AND i % 2 = 0 THEN format(', p3 bigint REFERENCES %I.t%s', s, i - 3) ELSE '' END);
            IF i > 1 THEN EXECUTE format('CREATE INDEX ON %I.%I (p1)', s, t); END IF;   -- p2, p3 stay unindexed
            EXECUTE format('CREATE INDEX ON %I.%I (a)', s, t);                           -- redundant with (a, b)
            EXECUTE format('CREATE INDEX ON %I.%I (a, b)', s, t);
            IF i % 5 = 0 THEN EXECUTE format('CREATE INDEX %I ON %I.%I (a)', t || '_a_dup', s, t); END IF;
            IF i % 3 = 0 THEN
                EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', s, t);
                EXECUTE format('CREATE POLICY tenant ON %I.%I USING (tenant_id = current_setting(''app.tenant'')::int)', s, t);
            END IF;
            IF i % 10 = 0 THEN EXECUTE format('CREATE VIEW %I.%I AS SELECT id, a FROM %I.%I', s, t || '_v', s, t); END IF;
            IF i % 20 = 0 THEN
                EXECUTE format('CREATE FUNCTION %I.%I() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS ''SELECT count(*) FROM %I.%I''', s, 'count_' || t, s, t);
            END IF;
        END LOOP;
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO bench_app', s);
        EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO bench_app', s);
        COMMIT;
    END LOOP;
END $$;

CALL bench_generate(:tables);
DROP PROCEDURE bench_generate(int);
CREATE EXTENSION IF NOT EXISTS database_advisor;
