-- Two baselines computed by the same what-if engine, over the statements of
-- pg_stat_statements that read the benchmark's tables:
--  * single_column: every column of the statement's tables as a one-column hypothetical
--    index, all at once; the ones the plan uses (what Supabase's index_advisor does);
--  * dexter: one-column and two-column permutations of those columns, all at once; the
--    ones the plan uses if the statement's cost falls by 50 % (Dexter's rule).
CREATE FUNCTION pg_temp.columns_of(plan jsonb) RETURNS TABLE (rel text, col text) LANGUAGE sql AS $$
    SELECT DISTINCT r.rel, quote_ident(a.attname)
    FROM (SELECT DISTINCT jsonb_path_query(plan, 'strict $.**."Relation"') #>> '{}' AS rel) r
    JOIN pg_attribute a ON a.attrelid = r.rel::regclass AND a.attnum > 0 AND NOT a.attisdropped
$$;
CREATE TEMP TABLE baseline (strategy text, definition text);
DO $$
DECLARE
    s record;
    singles text[];
    pairs text[];
    w record;
BEGIN
    FOR s IN SELECT query FROM pg_stat_statements
             WHERE query ~* '^\s*(select|update)' AND query ~ '(orders|customers|events|jobs)'
               AND query !~ 'advisor_|pg_stat_statements|pg_temp'
    LOOP
      BEGIN  -- a statement the engine cannot plan is left out, as the advisor leaves it out
        SELECT array_agg(format('CREATE INDEX ON %s (%s)', rel, col)) INTO singles
        FROM pg_temp.columns_of((SELECT plan_before FROM advisor_whatif(s.query)));
        CONTINUE WHEN singles IS NULL;
        SELECT cost_before, cost_after, indexes_used INTO w FROM advisor_whatif(s.query, singles);
        INSERT INTO baseline SELECT 'single_column', d
        FROM unnest(singles) d
        WHERE EXISTS (SELECT 1 FROM advisor_whatif('SELECT 1', ARRAY[d]) h
                      WHERE h.hypothetical_indexes->0->>'name' = ANY (w.indexes_used));
        SELECT array_agg(format('CREATE INDEX ON %s (%s, %s)', a.rel, a.col, b.col)) INTO pairs
        FROM pg_temp.columns_of((SELECT plan_before FROM advisor_whatif(s.query))) a
        JOIN pg_temp.columns_of((SELECT plan_before FROM advisor_whatif(s.query))) b
          ON a.rel = b.rel AND a.col <> b.col;
        SELECT cost_before, cost_after, indexes_used INTO w
        FROM advisor_whatif(s.query, singles || coalesce(pairs, '{}'));
        IF w.cost_after <= 0.5 * w.cost_before THEN
            INSERT INTO baseline SELECT 'dexter', d
            FROM unnest(singles || coalesce(pairs, '{}')) d
            WHERE EXISTS (SELECT 1 FROM advisor_whatif('SELECT 1', ARRAY[d]) h
                          WHERE h.hypothetical_indexes->0->>'name' = ANY (w.indexes_used));
        END IF;
      EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'baselines leave out %: %', left(s.query, 60), SQLERRM;
      END;
    END LOOP;
END $$;
