-- Times each advisor on the current database, :reps repetitions each, median in ms.
-- One statement per repetition; clock_timestamp() brackets the work server-side.
SET client_min_messages = warning;
CREATE TEMP TABLE bench_times (n serial, what text, ms float8);
CREATE OR REPLACE FUNCTION pg_temp.time_it(what text, sql text, reps int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
    FOR r IN 1..reps LOOP
        t0 := clock_timestamp();
        EXECUTE sql;
        INSERT INTO bench_times (what, ms) VALUES (what, 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;
SELECT pg_temp.time_it('advisor_findings', 'SELECT count(*) FROM advisor_findings', :reps);
SELECT pg_temp.time_it('advisor_missing_fk_indexes', 'SELECT count(*) FROM advisor_missing_fk_indexes', :reps);
SELECT pg_temp.time_it('reference: missing FK indexes in plain SQL', 'SELECT count(*) FROM (' || :'reference' || ') r', :reps);
\if :{?splinter}
SELECT pg_temp.time_it('splinter 0001_unindexed_foreign_keys', 'SELECT count(*) FROM (' || :'splinter' || ') r', :reps);
\endif
SELECT pg_temp.time_it('advisor_unused_indexes', 'SELECT count(*) FROM advisor_unused_indexes', :reps);
SELECT pg_temp.time_it('advisor_index_findings', 'SELECT count(*) FROM advisor_index_findings', :reps);
SELECT pg_temp.time_it('advisor_rls_gaps', 'SELECT count(*) FROM advisor_rls_gaps', :reps);
SELECT pg_temp.time_it('advisor_slow_queries', 'SELECT count(*) FROM advisor_slow_queries', :reps);
\pset format unaligned
\pset tuples_only on
SELECT format('%s|%s', what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1))
FROM bench_times GROUP BY what ORDER BY min(n);
