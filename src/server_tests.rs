// Server tests (`cargo pgrx test pg15`): the loader and the SQL surface against a real
// PostgreSQL. Each test runs in its own rolled-back transaction.

use database_advisor_core::quote;
use pgrx::prelude::*;

fn count(sql: &str) -> i64 {
    Spi::get_one::<i64>(sql).unwrap().unwrap()
}

fn text(sql: &str) -> Option<String> {
    Spi::get_one::<String>(sql).unwrap()
}

fn run(sql: &str) {
    Spi::run(sql).unwrap()
}

#[pg_test]
fn quote_helper_matches_the_server() {
    let keywords: Vec<String> = Spi::connect(|c| {
        c.select(
            "SELECT word::text FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY word",
            None,
            &[],
        )
        .unwrap()
        .map(|r| r.get::<String>(1).unwrap().unwrap())
        .collect()
    });
    // the built-in list (used until a server's is loaded) is PostgreSQL 15's
    #[cfg(feature = "pg15")]
    assert_eq!(quote::builtin_quoted_keywords(), keywords, "PostgreSQL 15's keywords");
    Spi::connect(crate::loader::use_server_keywords).unwrap();
    let ours: Vec<String> = quote::quoted_keywords()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(ours, keywords, "the keyword list must match this server");

    let nasty = [
        "plain",
        "Upper",
        "with space",
        "quo\"te",
        "über",
        "user",
        "select",
        "name",
        "1st",
        "_ok",
        "tab\tbed",
        "new\nline",
        "back\\slash\r",
        "a.b",
        "",
    ];
    for name in nasty.iter().map(|s| s.to_string()).chain(keywords) {
        let server =
            Spi::get_one_with_args::<String>("SELECT quote_ident($1)", &[name.as_str().into()])
                .unwrap()
                .unwrap();
        if name.chars().any(quote::is_unprintable) {
            // written U&"..." to stay on one line: the server reads back the same name
            run(&format!("CREATE TEMP TABLE {} ()", quote::ident(&name)));
            let found = "SELECT count(*) FROM pg_class WHERE relname = $1 AND relpersistence = 't'";
            let n = Spi::get_one_with_args::<i64>(found, &[name.as_str().into()]).unwrap();
            assert_eq!(n, Some(1), "U& form of {name:?}");
        } else {
            assert_eq!(quote::ident(&name), server, "quote_ident({name:?})");
        }
    }
}

#[pg_test]
fn identities_match_pg_identify_object() {
    run(r#"
        CREATE SCHEMA "Weird ""Schema""";
        CREATE TABLE "Weird ""Schema""".parent (id int PRIMARY KEY);
        CREATE TABLE "Weird ""Schema""".user (id int, "Parent Id" int, "ünï" int,
            CONSTRAINT "FK Çonstraint" FOREIGN KEY ("Parent Id") REFERENCES "Weird ""Schema""".parent,
            CONSTRAINT "select" FOREIGN KEY ("ünï") REFERENCES "Weird ""Schema""".parent);
    "#);
    let mismatches = count(
        r#"SELECT count(*) FROM advisor_findings f
           JOIN pg_constraint c ON c.contype = 'f'
                AND c.conrelid = '"Weird ""Schema""".user'::regclass
                AND (pg_identify_object('pg_constraint'::regclass, c.oid, 0)).identity
                    = f.object_identity
           WHERE f.rule = 'missing_fk_index'"#,
    );
    assert_eq!(
        mismatches, 2,
        "both findings carry pg_identify_object's identity"
    );
    let object_type =
        text("SELECT DISTINCT object_type FROM advisor_findings WHERE rule = 'missing_fk_index'");
    assert_eq!(object_type.as_deref(), Some("table constraint"));
}

/// One referencing table per case, so each case is judged on its own.
fn coverage_fixture() {
    run(r#"
        CREATE SCHEMA cov;
        CREATE TABLE cov.ref (a int, b int, t text, PRIMARY KEY (a, b), UNIQUE (a), UNIQUE (t));
        CREATE TABLE cov.none (x int, a int REFERENCES cov.ref (a));
        CREATE TABLE cov.exact (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.exact (a);
        CREATE TABLE cov.longer (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.longer (a, x);
        CREATE TABLE cov.reversed (x int, a int, b int, FOREIGN KEY (a, b) REFERENCES cov.ref);
        CREATE INDEX ON cov.reversed (b, a, x);
        CREATE TABLE cov.partial (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.partial (a) WHERE x > 0;
        CREATE TABLE cov.expr (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.expr ((a + 0));
        CREATE TABLE cov.wrong_lead (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.wrong_lead (x, a);
        CREATE TABLE cov.half (x int, a int, b int, FOREIGN KEY (a, b) REFERENCES cov.ref);
        CREATE INDEX ON cov.half (a);
        CREATE TABLE cov.hashed (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.hashed USING hash (a);
        CREATE TABLE cov.brin (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX ON cov.brin USING brin (a);
        CREATE TABLE cov.included (x int, a int, b int, FOREIGN KEY (a, b) REFERENCES cov.ref);
        CREATE INDEX ON cov.included (a) INCLUDE (b);
        CREATE TABLE cov.pk (a int, b int, x int, PRIMARY KEY (a, x), FOREIGN KEY (a) REFERENCES cov.ref (a));
        CREATE TABLE cov.collated (x int, t text REFERENCES cov.ref (t));
        CREATE INDEX ON cov.collated (t COLLATE "C");
        CREATE TABLE cov.pattern (x int, t text REFERENCES cov.ref (t));
        CREATE INDEX ON cov.pattern (t text_pattern_ops);
        CREATE TABLE cov.invalid (x int, a int REFERENCES cov.ref (a));
        CREATE INDEX cov_invalid_a ON cov.invalid (a);
        UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'cov.cov_invalid_a'::regclass;
        CREATE TABLE cov.events (id int, a int REFERENCES cov.ref (a)) PARTITION BY RANGE (id);
        CREATE TABLE cov.events_1 PARTITION OF cov.events FOR VALUES FROM (0) TO (10);
        CREATE TABLE cov.events_2 PARTITION OF cov.events FOR VALUES FROM (10) TO (20);
        CREATE TABLE cov.logs (id int, a int REFERENCES cov.ref (a)) PARTITION BY RANGE (id);
        CREATE TABLE cov.logs_1 PARTITION OF cov.logs FOR VALUES FROM (0) TO (10);
        CREATE INDEX ON cov.logs (a);
    "#);
}

fn reported_tables() -> Vec<String> {
    Spi::connect(|c| {
        c.select(
            "SELECT table_name FROM advisor_missing_fk_indexes WHERE schema_name = 'cov' \
             ORDER BY 1",
            None,
            &[],
        )
        .unwrap()
        .map(|r| r.get::<String>(1).unwrap().unwrap())
        .collect()
    })
}

#[pg_test]
fn coverage_semantics_on_a_real_server() {
    coverage_fixture();
    assert_eq!(
        reported_tables(),
        [
            "brin",
            "collated",
            "events",
            "expr",
            "half",
            "included",
            "invalid",
            "none",
            "partial",
            "wrong_lead"
        ]
    );
    // a partitioned table is reported once, at the parent, naming the partitions
    assert!(
        text("SELECT detail FROM advisor_missing_fk_indexes WHERE table_name = 'events'")
            .unwrap()
            .contains("partitions without such an index: cov.events_1, cov.events_2")
    );
    assert_eq!(
        text("SELECT remediation FROM advisor_missing_fk_indexes WHERE table_name = 'events'"),
        Some("CREATE INDEX IF NOT EXISTS events_a_idx ON cov.events (a);".into())
    );
}

#[pg_test]
fn remediation_round_trip_inside_a_transaction() {
    // CONCURRENTLY cannot run in a transaction block; pg_regress runs the exact text.
    // Here: the same DDL without CONCURRENTLY clears every finding and adds none.
    coverage_fixture();
    run("CREATE TEMP TABLE before_fix AS SELECT fingerprint FROM advisor_findings");
    let fixes: Vec<String> = Spi::connect(|c| {
        c.select(
            "SELECT remediation FROM advisor_missing_fk_indexes WHERE schema_name = 'cov'",
            None,
            &[],
        )
        .unwrap()
        .map(|r| r.get::<String>(1).unwrap().unwrap())
        .collect()
    });
    assert_eq!(fixes.len(), 10);
    for fix in &fixes {
        run(&fix.replace("CONCURRENTLY ", ""));
    }
    assert!(reported_tables().is_empty());
    let new = text(
        "SELECT string_agg(fingerprint, ', ') FROM (SELECT fingerprint FROM advisor_findings \
         EXCEPT SELECT fingerprint FROM before_fix) n",
    );
    assert_eq!(new, None, "no new finding after the fixes");
}

#[pg_test]
fn levels_follow_size_and_traffic() {
    run(r#"
        CREATE SCHEMA lv;
        CREATE TABLE lv.parent (id int PRIMARY KEY);
        INSERT INTO lv.parent SELECT g FROM generate_series(1, 10) g;
        CREATE TABLE lv.small (id int, p int REFERENCES lv.parent);
        CREATE TABLE lv.big (id int, p int REFERENCES lv.parent);
        INSERT INTO lv.big SELECT g, 1 + g % 10 FROM generate_series(1, 20000) g;
        ANALYZE lv.big;
    "#);
    assert_eq!(
        text("SELECT level::text FROM advisor_missing_fk_indexes WHERE table_name = 'small'"),
        Some("info".into())
    );
    assert_eq!(
        text("SELECT level::text FROM advisor_missing_fk_indexes WHERE table_name = 'big'"),
        Some("warning".into())
    );
    assert!(
        count("SELECT table_rows FROM advisor_missing_fk_indexes WHERE table_name = 'big'") > 15000
    );
    assert!(
        count("SELECT table_bytes FROM advisor_missing_fk_indexes WHERE table_name = 'big'") > 0
    );
    // levels are comparable
    assert_eq!(
        count("SELECT count(*) FROM advisor_findings WHERE level >= 'warning' AND object_identity LIKE '%lv.big'"),
        1
    );
}

#[pg_test]
fn exclusions() {
    run(r#"
        CREATE SCHEMA "Legacy Stuff";
        CREATE SCHEMA keep;
        CREATE TABLE keep.p (id int PRIMARY KEY);
        CREATE TABLE "Legacy Stuff".c (p int REFERENCES keep.p);
        CREATE TABLE keep.c (p int REFERENCES keep.p);
        CREATE TABLE keep.owned (p int REFERENCES keep.p);
    "#);
    let n = "SELECT count(*) FROM advisor_missing_fk_indexes WHERE schema_name IN ('Legacy Stuff', 'keep')";
    assert_eq!(count(n), 3);
    run(r#"SET LOCAL database_advisor.exclude_schemas = 'other, "Legacy Stuff"'"#);
    assert_eq!(count(n), 2);
    // objects owned by an extension (here: made a member of ours) are never reported
    run("ALTER EXTENSION database_advisor ADD TABLE keep.owned");
    assert_eq!(count(n), 1);
    run("ALTER EXTENSION database_advisor DROP TABLE keep.owned");
}

#[pg_test]
fn run_selects_rules_and_rejects_unknown_ones() {
    run("CREATE TABLE rp (id int PRIMARY KEY); CREATE TABLE rc (p int REFERENCES rp);");
    assert_eq!(
        count("SELECT count(*) FROM advisor_run(ARRAY['missing_fk_index']) WHERE object_identity = 'rc_p_fkey on public.rc'"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM advisor_rules WHERE id = 'missing_fk_index' AND default_level = 'warning'"),
        1
    );
}

#[pg_test(error = "unknown report format \"pdf\"; valid formats are: text, markdown, json, sarif, html")]
fn unknown_report_format_is_an_error() {
    text("SELECT advisor_report('pdf')");
}

#[pg_test]
fn report_formats() {
    run("CREATE TABLE rp (id int PRIMARY KEY); CREATE TABLE rc (p int REFERENCES rp);");
    let report = text("SELECT advisor_report()").unwrap();
    assert!(report.contains("[missing_fk_index] table constraint rc_p_fkey on public.rc"));
    assert!(
        report.contains("fix: CREATE INDEX CONCURRENTLY IF NOT EXISTS rc_p_idx ON public.rc (p);")
    );
    assert_eq!(
        count("SELECT (advisor_report('JSON')::jsonb #>> '{summary,findings}')::int8"),
        count("SELECT count(*) FROM advisor_findings")
    );
}

#[pg_test]
fn every_sql_object_has_a_comment() {
    // (the tests schema holds this test build's own functions)
    let missing = count(
        r#"SELECT count(*) FROM pg_depend d
           JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'database_advisor'
           LEFT JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
           LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
           LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
           WHERE d.deptype = 'e'
             AND coalesce(p.pronamespace, c.relnamespace, t.typnamespace, 0)
                 <> coalesce(to_regnamespace('tests'), 0)
             AND (p.oid IS NOT NULL OR c.relkind IN ('v', 'r') OR t.typtype = 'e'
                  OR d.classid = 'pg_event_trigger'::regclass)
             AND obj_description(d.objid, d.classid::regclass::name) IS NULL"#,
    );
    let total = count(
        "SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid \
         AND e.extname = 'database_advisor' WHERE d.deptype = 'e'",
    );
    assert!(total >= 8, "the extension owns its objects ({total})");
    assert_eq!(missing, 0);
}

/// Indexes of every kind the index rules judge, on one table each where it matters.
fn index_fixture() {
    run(r#"
        CREATE SCHEMA ix;
        CREATE TABLE ix.parent (id int PRIMARY KEY, code text UNIQUE);
        CREATE TABLE ix.t (id int PRIMARY KEY, a int, b int, c text,
                           p int REFERENCES ix.parent);
        CREATE INDEX t_p_idx ON ix.t (p);                 -- only FK cover: protected
        CREATE INDEX t_a_idx ON ix.t (a);                 -- redundant with t_a_b_idx
        CREATE INDEX t_a_b_idx ON ix.t (a, b);
        CREATE INDEX t_b_idx ON ix.t (b);                 -- duplicate of t_b_again
        CREATE INDEX t_b_again ON ix.t (b);
        CREATE INDEX t_c_lower ON ix.t (lower(c));
        CREATE INDEX t_c_upper ON ix.t (upper(c));        -- not a duplicate of t_c_lower
        CREATE INDEX t_b_partial ON ix.t (b) WHERE a > 0; -- not a duplicate: predicate
        CREATE UNIQUE INDEX t_a_c_key ON ix.t (a, c);     -- uniqueness: protected
        CREATE TABLE ix.r (id int NOT NULL, x int);
        CREATE UNIQUE INDEX r_id_key ON ix.r (id);
        ALTER TABLE ix.r REPLICA IDENTITY USING INDEX r_id_key;
    "#);
}

fn findings_of(rule: &str, schema: &str) -> Vec<String> {
    Spi::connect(|c| {
        c.select(
            "SELECT object_identity FROM advisor_findings WHERE rule = $1 \
             AND object_identity LIKE $2 ORDER BY 1",
            None,
            &[rule.into(), format!("{schema}.%").into()],
        )
        .unwrap()
        .map(|r| r.get::<String>(1).unwrap().unwrap())
        .collect()
    })
}

#[pg_test]
fn index_rules_on_a_real_server() {
    index_fixture();
    assert_eq!(findings_of("duplicate_index", "ix"), ["ix.t_b_again"]);
    assert_eq!(findings_of("redundant_index", "ix"), ["ix.t_a_idx"]);
    // unused: never the PK, unique, replica identity or only-FK-cover indexes
    assert_eq!(
        findings_of("unused_index", "ix"),
        [
            "ix.t_a_b_idx",
            "ix.t_a_idx",
            "ix.t_b_again",
            "ix.t_b_idx",
            "ix.t_b_partial",
            "ix.t_c_lower",
            "ix.t_c_upper"
        ]
    );
    // a fresh cluster's statistics are young: info, and the detail says why
    assert_eq!(
        text("SELECT level::text FROM advisor_unused_indexes WHERE index_name = 't_a_idx'"),
        Some("info".into())
    );
    assert!(
        text("SELECT detail FROM advisor_unused_indexes WHERE index_name = 't_a_idx'")
            .unwrap()
            .contains("statistics only cover")
    );
    run("SET LOCAL database_advisor.min_stats_age = 0");
    run("SET LOCAL database_advisor.unused_index_min_size = 0");
    assert_eq!(
        text("SELECT level::text FROM advisor_unused_indexes WHERE index_name = 't_a_idx'"),
        Some("warning".into())
    );
    assert_eq!(
        text("SELECT undo FROM advisor_unused_indexes WHERE index_name = 't_a_idx'"),
        Some("CREATE INDEX CONCURRENTLY t_a_idx ON ix.t USING btree (a);".into())
    );
}

/// PostgreSQL's parser reads what an N+1 lookup filters on, whatever the names: quoted,
/// unicode, reserved words, aliases, joins, PL/pgSQL variables; joins are not keys.
#[pg_test]
fn statement_shapes_with_weird_names() {
    use crate::loader::shape::select_shape;
    let s = select_shape(
        r#"SELECT l.sku FROM "Shop Ünï"."Order Lines" AS l JOIN "select" s ON s.id = l."order id"
           WHERE l."order id" = $1 AND s."it's" = r.value AND l.qty > $2"#,
    )
    .expect("a SELECT");
    let names: Vec<(Option<&str>, &str, Option<&str>)> = s
        .relations
        .iter()
        .map(|r| (r.schema.as_deref(), r.name.as_str(), r.alias.as_deref()))
        .collect();
    assert_eq!(
        names,
        [(Some("Shop Ünï"), "Order Lines", Some("l")), (None, "select", Some("s"))]
    );
    assert_eq!(
        s.keys,
        [
            (Some("l".to_string()), "order id".to_string()),
            (Some("s".to_string()), "it's".to_string())
        ]
    );
    // not a SELECT, or not parseable: no shape, no error
    assert!(select_shape("UPDATE t SET x = $1 WHERE id = $2").is_none());
    assert!(select_shape("SELECT FROM WHERE (").is_none());
    assert!(select_shape("SELECT 1 UNION SELECT 2").is_none());
}

/// Run DDL and make it visible to the catalog reads that follow (a statement of its own
/// would: SPI increments the command counter only before the next statement).
fn ddl(sql: &str) {
    run(sql);
    // SAFETY: inside the test's transaction
    unsafe { pg_sys::CommandCounterIncrement() };
}

#[pg_test]
fn table_parts_are_kept_until_a_catalog_changes() {
    // (in an existing schema: the loader reads schemas with the statement's snapshot)
    ddl("CREATE TABLE public.kept_p (id int PRIMARY KEY);
         CREATE TABLE public.kept_c (id int PRIMARY KEY, p_id int REFERENCES kept_p)");
    let fk_parts = database_advisor_core::rules::indexes::missing_fk::RULE.parts;
    let config = crate::gucs::config();
    let load = || match crate::loader::load(&config, fk_parts, false) {
        Ok(snap) => snap,
        Err(_) => panic!("the snapshot loads"),
    };
    let fks = |snap: &crate::loader::Loaded| {
        database_advisor_core::rules::indexes::missing_fk::analyze(snap, &config)
            .into_iter()
            .filter(|m| m.table == "kept_c")
            .map(|m| m.columns.join(","))
            .collect::<Vec<_>>()
    };
    let reused = crate::loader::cache_reused;
    let before = reused();
    let first = load();
    assert_eq!(fks(&first), ["p_id"]);
    drop(first);
    assert_eq!(reused(), before, "nothing kept yet");
    let second = load();
    assert_eq!(reused(), before + 1, "kept by the first run");
    assert_eq!(fks(&second), ["p_id"]);
    drop(second);
    // a change in this transaction: read again, and what it shows
    ddl("ALTER TABLE public.kept_c RENAME COLUMN p_id TO parent_id");
    let third = load();
    assert_eq!(reused(), before + 1, "the rename dropped what was kept");
    assert_eq!(fks(&third), ["parent_id"]);
    drop(third);
    ddl("CREATE INDEX ON public.kept_c (parent_id)");
    assert!(fks(&load()).is_empty(), "the new index is seen");
    assert_eq!(reused(), before + 1);
    assert!(fks(&load()).is_empty());
    assert_eq!(reused(), before + 2, "kept again once nothing changed");
    // none kept while it is off; none kept by a run an invalidation crossed
    ddl("SET LOCAL database_advisor.catalog_cache_size = 0");
    drop(load());
    drop(load());
    assert_eq!(reused(), before + 3, "the last entry was taken, none kept after");
}
