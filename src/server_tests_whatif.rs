// Server tests of the what-if engine: size estimates against indexes really built, and
// planning that leaves no trace in pg_stat_statements.

/// Estimated and real size (bytes) of `definition` on `table`.
fn estimated_and_real(definition: &str, index: &str) -> (i64, i64) {
    let estimated = Spi::get_one_with_args::<i64>(
        "SELECT (hypothetical_indexes->0->>'estimated_bytes')::int8 FROM advisor_whatif('SELECT 1', ARRAY[$1])",
        &[definition.into()],
    )
    .unwrap()
    .unwrap();
    Spi::run(definition).unwrap();
    let real = Spi::get_one_with_args::<i64>(
        "SELECT pg_relation_size($1::regclass)",
        &[index.into()],
    )
    .unwrap()
    .unwrap();
    (estimated, real)
}

#[pg_test]
fn index_sizes_match_built_indexes() {
    Spi::run(
        "CREATE TABLE sz (id int, few int, t text, ts timestamptz, n numeric);
         INSERT INTO sz SELECT g, g % 10, md5(g::text), now() - g * interval '1 s', g / 7.0
         FROM generate_series(1, 1000000) g;
         ANALYZE sz;",
    )
    .unwrap();
    for (definition, index, tolerance) in [
        // one unique int4 per row: the model is exact to a few pages
        ("CREATE UNIQUE INDEX sz_id ON sz (id)", "sz_id", 0.02),
        // ten distinct values: deduplicated into posting lists
        ("CREATE INDEX sz_few ON sz (few)", "sz_few", 0.10),
        // 33-byte text keys
        ("CREATE INDEX sz_t ON sz (t)", "sz_t", 0.10),
        ("CREATE INDEX sz_few_ts ON sz (few, ts)", "sz_few_ts", 0.10),
        // numeric keys are not deduplicated
        ("CREATE INDEX sz_n ON sz (n)", "sz_n", 0.20),
        ("CREATE INDEX sz_id_inc ON sz (id) INCLUDE (t)", "sz_id_inc", 0.10),
        ("CREATE INDEX sz_part ON sz (id) WHERE few = 3", "sz_part", 0.10),
        ("CREATE INDEX sz_ff ON sz (id) WITH (fillfactor = 50)", "sz_ff", 0.05),
    ] {
        let (estimated, real) = estimated_and_real(definition, index);
        let error = (estimated - real).abs() as f64 / real as f64;
        assert!(
            error <= tolerance,
            "{definition}: estimated {estimated} bytes, built {real} ({:.1} % off)",
            error * 100.0
        );
    }
}

#[pg_test]
fn planning_leaves_pg_stat_statements_alone() {
    Spi::run("CREATE EXTENSION IF NOT EXISTS pg_stat_statements").unwrap();
    // every statement that goes through planner(), nested ones too (this test runs in SPI)
    Spi::run("SET pg_stat_statements.track_planning = on").unwrap();
    Spi::run("SET pg_stat_statements.track = 'all'").unwrap();
    Spi::run("CREATE TABLE pgss_probe (id int, v text)").unwrap();
    let recorded = |marker: &str| {
        Spi::get_one_with_args::<i64>(
            "SELECT count(*) FROM pg_stat_statements WHERE query LIKE '%' || $1 || '%'",
            &[marker.into()],
        )
        .unwrap()
        .unwrap()
    };
    Spi::run("SELECT pg_stat_statements_reset()").unwrap();
    Spi::run(
        "SELECT * FROM advisor_whatif('SELECT v FROM pgss_probe AS whatif_probe WHERE id = 42',
                                      ARRAY['CREATE INDEX ON pgss_probe (id)'])",
    )
    .unwrap();
    assert_eq!(recorded("whatif_probe"), 0);
    // the control: EXPLAIN of the same statement is recorded (and its literal-free text:
    // the whatif call above is recorded too, with its string argument normalised to $1)
    Spi::run("EXPLAIN SELECT v FROM pgss_probe AS explain_probe WHERE id = 42").unwrap();
    assert!(recorded("explain_probe") >= 1);
}

#[pg_test]
fn hypothetical_indexes_are_planned_only_for_the_statement() {
    Spi::run(
        "CREATE TABLE hy (id int, k int);
         INSERT INTO hy SELECT g, g % 1000 FROM generate_series(1, 50000) g;
         ANALYZE hy;",
    )
    .unwrap();
    let used = Spi::get_one::<Vec<String>>(
        "SELECT indexes_used FROM advisor_whatif('SELECT * FROM hy WHERE k = $1',
                                                 ARRAY['CREATE INDEX hy_k ON hy (k)'])",
    )
    .unwrap()
    .unwrap();
    assert_eq!(used, ["hy_k"]);
    // the next plan in this transaction sees the real indexes (there are none)
    let plan = Spi::get_one::<pgrx::Json>("EXPLAIN (FORMAT JSON) SELECT * FROM hy WHERE k = 1")
        .unwrap()
        .unwrap();
    assert_eq!(plan.0[0]["Plan"]["Node Type"], "Seq Scan", "{:?}", plan.0);
    assert_eq!(
        Spi::get_one::<i64>("SELECT count(*) FROM pg_class WHERE relname = 'hy_k'")
            .unwrap()
            .unwrap(),
        0
    );
}

/// pg_stat_statements' `interval $1` becomes `$1::interval`; nothing else changes.
#[pg_test]
fn typed_literal_parameters_become_casts() {
    use crate::whatif::typed_params::cast_typed_params as cast;
    assert_eq!(
        cast("SELECT 1 WHERE t > now() - interval $1").as_deref(),
        Some("SELECT 1 WHERE t > now() - $1::interval")
    );
    assert_eq!(
        cast("SELECT date $1, timestamp with time zone $2, pg_catalog.int4 $3, \"My Type\" $4").as_deref(),
        Some("SELECT $1::date, $2::timestamp with time zone, $3::pg_catalog.int4, $4::\"My Type\"")
    );
    assert_eq!(
        cast("SELECT double precision $10 FROM t LIMIT $11").as_deref(),
        Some("SELECT $10::double precision FROM t LIMIT $11")
    );
    // parameters elsewhere, and text that only looks like one, stay as they are
    assert_eq!(cast("SELECT $1 AS interval, 'date $2' FROM t WHERE a = $3 LIMIT $4"), None);
    assert_eq!(cast("SELECT 1"), None);
    assert_eq!(cast("SELECT 'unterminated $1"), None);
}
