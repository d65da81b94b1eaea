// Server tests of the output path: metadata built straight into jsonb, and the views'
// functions in materialize mode.

/// The jsonb made by `api::jsonb::Builder` is the one jsonb_in makes of serde's text.
#[pg_test]
fn jsonb_builder_matches_jsonb_in() {
    use serde_json::json;
    let values = [
        json!({}),
        json!([]),
        json!(null),
        json!(true),
        json!("top-level string"),
        json!(42),
        json!({"b": 1, "a": [1, 2.5, -0.0, 1e300, 0.1, 1.2345678901234567, u64::MAX, i64::MIN],
               "nested": {"x": null, "y": [true, false, {"z": "deep"}], "empty": {}},
               "text": "quo\"te \\ back\nline\ttab üñí 😀 '$1'",
               "aa": "same length keys sort by bytes", "ab": ""}),
        json!([[[]], {"k": [{}]}, "s", 7]),
        // numbers numeric_in makes in every shape: signs, scales, exponents, digit groups
        json!([0, -0.0, 1, -1, 9999, 10000, 12345678, -100000000, i64::MAX, i64::MIN, u64::MAX,
               0.5, -0.5, 0.0001, 0.00012, 1.5e-7, -2.5e-20, 5e-324, 1.7976931348623157e308,
               123456.789, 1e21, 1e22, 99999.99999, 0.1 + 0.2, 1e-5, 3.0, 1234.5678e10]),
        // more than 32 children: every 32nd JEntry is an offset
        serde_json::Value::Array((0..70).map(|i| if i % 3 == 0 { json!(i) } else { json!(format!("e{i}")) }).collect()),
        serde_json::Value::Object((0..45).map(|i| (format!("key{i}"), if i % 2 == 0 { json!([i, "x", null]) } else { json!(i as f64 / 7.0) })).collect()),
    ];
    let mut builder = crate::api::jsonb::Builder::new();
    for value in &values {
        let datum = crate::api::jsonb::datum(&mut builder, value);
        // SAFETY: a jsonb datum made in this memory context
        let arg = unsafe { pgrx::datum::DatumWithOid::new(datum, pg_sys::JSONBOID) };
        let ours = Spi::get_one_with_args::<String>("SELECT $1::text", &[arg]).unwrap();
        let theirs = Spi::get_one_with_args::<String>(
            "SELECT $1::jsonb::text",
            &[value.to_string().as_str().into()],
        )
        .unwrap();
        assert_eq!(ours, theirs, "{value}");
        // and byte for byte what jsonb_in makes
        let text = std::ffi::CString::new(value.to_string()).unwrap();
        // SAFETY: jsonb_in of a cstring; both values are plain 4-byte-header varlenas
        unsafe {
            let theirs = pg_sys::OidFunctionCall1Coll(
                pg_sys::Oid::from_u32(3806), // jsonb_in
                pg_sys::InvalidOid,
                pg_sys::Datum::from(text.as_ptr()),
            );
            let bytes = |d: pg_sys::Datum| {
                let p = d.cast_mut_ptr::<pg_sys::varlena>();
                std::slice::from_raw_parts(p.cast::<u8>(), pgrx::varlena::varsize_4b(p)).to_vec()
            };
            assert_eq!(bytes(datum), bytes(theirs), "binary of {value}");
        }
    }
    // a NUL, which jsonb_in refuses, becomes U+FFFD
    let datum = crate::api::jsonb::datum(&mut builder, &json!({"k": "a\u{0}b"}));
    let arg = unsafe { pgrx::datum::DatumWithOid::new(datum, pg_sys::JSONBOID) };
    let text = Spi::get_one_with_args::<String>("SELECT $1 ->> 'k'", &[arg]).unwrap();
    assert_eq!(text.as_deref(), Some("a\u{FFFD}b"));
}

/// The views' functions return the same rows in FROM and in a select list (ProjectSet),
/// and a cancel between rows is honoured.
#[pg_test]
fn materialized_functions_in_from_and_select_list() {
    Spi::run("CREATE TABLE mat_parent (id int PRIMARY KEY)").unwrap();
    Spi::run("CREATE TABLE mat_child (id int PRIMARY KEY, p int REFERENCES mat_parent)").unwrap();
    let from = Spi::get_one::<i64>(
        "SELECT count(*) FROM _advisor_missing_fk_indexes() WHERE table_name = 'mat_child'",
    )
    .unwrap();
    let select_list = Spi::get_one::<i64>(
        "SELECT count(*) FROM (SELECT (_advisor_missing_fk_indexes()).table_name) s \
         WHERE table_name = 'mat_child'",
    )
    .unwrap();
    assert_eq!(from, Some(1));
    assert_eq!(select_list, from);
    let findings = Spi::get_one::<i64>(
        "SELECT count(*) FROM (SELECT _advisor_run(ARRAY['missing_fk_index'])) s",
    )
    .unwrap();
    assert!(findings >= Some(1));
}

/// The FK view's `text[]` columns, written without `construct_array`, are the arrays the
/// server builds: equal, the same size stored, the same text, elements in order; for
/// multi-column keys with weird names of every length (element alignment).
#[pg_test]
fn text_arrays_are_the_servers() {
    Spi::run(
        r#"CREATE TABLE "Arr Parent" ("ä" int, "sp ace" text, "qu""ote" date, "select" int,
                                      PRIMARY KEY ("ä", "sp ace", "qu""ote", "select"));
           CREATE TABLE "Arr Child" (id int PRIMARY KEY, "ä" int, "sp ace" text, "qu""ote" date,
                                     "ａｂｃｄ" int,
                                     FOREIGN KEY ("ä", "sp ace", "qu""ote", "ａｂｃｄ")
                                     REFERENCES "Arr Parent");
           CREATE TEMP TABLE arr AS
           SELECT columns, referenced_columns,
                  ARRAY['ä', 'sp ace', 'qu"ote', 'ａｂｃｄ'] AS expected,
                  ARRAY['ä', 'sp ace', 'qu"ote', 'select'] AS expected_referenced
           FROM _advisor_missing_fk_indexes() WHERE table_name = 'Arr Child'"#,
    )
    .unwrap();
    let same = Spi::get_one::<bool>(
        "SELECT count(*) = 1
                AND bool_and(columns = expected AND referenced_columns = expected_referenced
                    AND pg_column_size(columns) = pg_column_size(expected)
                    AND pg_column_size(referenced_columns) = pg_column_size(expected_referenced)
                    AND columns::text = expected::text
                    AND array_dims(columns) = '[1:4]'
                    AND (SELECT string_agg(c, '|' ORDER BY n) FROM unnest(columns)
                         WITH ORDINALITY u(c, n)) = 'ä|sp ace|qu\"ote|ａｂｃｄ')
         FROM arr",
    )
    .unwrap();
    assert_eq!(same, Some(true));
}

/// The columns a policy reads, from its node trees, are the ones PostgreSQL records in
/// pg_depend, for conditions with sub-selects, outer references, whole-row and system
/// columns, and weird names.
#[pg_test]
fn policy_columns_from_node_trees_match_pg_depend() {
    Spi::run(
        r#"CREATE TABLE "Pol Ü" (id int PRIMARY KEY, tenant int, "Owner" text, c4 int, "select" int, c6 int);
           CREATE TABLE pol_other (id int, tenant int, x int);
           CREATE POLICY p1 ON "Pol Ü" USING (tenant = 1);
           CREATE POLICY p2 ON "Pol Ü" USING ("Owner" = current_user) WITH CHECK (c4 > 0 AND "select" < 5);
           CREATE POLICY p3 ON "Pol Ü" USING (EXISTS (SELECT 1 FROM pol_other o WHERE o.tenant = "Pol Ü".tenant AND o.x = c6));
           CREATE POLICY p4 ON "Pol Ü" USING (id IN (SELECT o.id FROM pol_other o WHERE o.id IN (SELECT "Pol Ü".c4 + o2.x FROM pol_other o2)));
           CREATE POLICY p5 ON "Pol Ü" USING ("Pol Ü" IS NOT NULL AND ctid IS NOT NULL);
           CREATE POLICY p6 ON "Pol Ü" USING (true) WITH CHECK ((SELECT count(*) FROM pol_other) > "select");"#,
    )
    .unwrap();
    type PolicyRow = (String, Option<String>, Option<String>, Vec<i16>);
    let policies: Vec<PolicyRow> = Spi::connect(|c| {
        c.select(
            "SELECT p.polname::text, p.polqual::text, p.polwithcheck::text,
                    ARRAY(SELECT DISTINCT d.refobjsubid::int2 FROM pg_depend d
                          WHERE d.classid = 'pg_policy'::regclass AND d.objid = p.oid
                            AND d.refclassid = 'pg_class'::regclass AND d.refobjid = p.polrelid
                            AND d.refobjsubid > 0 ORDER BY 1)
             FROM pg_policy p WHERE p.polrelid = '\"Pol Ü\"'::regclass ORDER BY 1",
            None,
            &[],
        )
        .unwrap()
        .map(|r| {
            (
                r.get::<String>(1).unwrap().unwrap(),
                r.get::<String>(2).unwrap(),
                r.get::<String>(3).unwrap(),
                r.get::<Vec<i16>>(4).unwrap().unwrap(),
            )
        })
        .collect()
    });
    assert_eq!(policies.len(), 6);
    for (name, using, check, depend) in policies {
        let mut ours: Vec<i16> = [using, check]
            .iter()
            .flatten()
            .flat_map(|t| database_advisor_core::snapshot::node_tree::own_columns(t))
            .collect();
        ours.sort_unstable();
        ours.dedup();
        assert_eq!(ours, depend, "policy {name}");
    }
}

/// The privileges read from `relacl` in the pg_class scan are what aclexplode lists, in
/// its order, for default, granted, revoked and grant-option ACLs on tables and views.
#[pg_test]
fn relation_privileges_match_aclexplode() {
    Spi::run(
        r#"CREATE ROLE acl_reader; CREATE ROLE acl_writer;
           CREATE TABLE acl_default (id int);
           CREATE TABLE "ACL Granted" (id int);
           GRANT SELECT ON "ACL Granted" TO PUBLIC;
           GRANT INSERT, UPDATE ON "ACL Granted" TO acl_writer WITH GRANT OPTION;
           GRANT SELECT (id) ON acl_default TO acl_reader;
           CREATE TABLE acl_revoked (id int);
           REVOKE ALL ON acl_revoked FROM CURRENT_USER;
           GRANT DELETE, TRUNCATE, REFERENCES, TRIGGER ON acl_revoked TO acl_reader;
           CREATE VIEW acl_view AS SELECT 1 AS one;
           GRANT SELECT ON acl_view TO acl_reader;"#,
    )
    .unwrap();
    let config = crate::gucs::config();
    let parts = database_advisor_core::snapshot::Parts::RELATIONS
        | database_advisor_core::snapshot::Parts::GRANTS;
    let snap = match crate::loader::load(&config, parts, false) {
        Ok(snap) => snap,
        Err(_) => panic!("the snapshot loads"),
    };
    for table in ["acl_default", "ACL Granted", "acl_revoked", "acl_view"] {
        let expected: Vec<(i64, String)> = Spi::connect(|c| {
            c.select(
                "SELECT a.grantee::int8, a.privilege_type FROM pg_class c, \
                 LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a \
                 WHERE c.oid = $1::regclass",
                None,
                &[quote::ident(table).as_str().into()],
            )
            .unwrap()
            .map(|r| (r.get::<i64>(1).unwrap().unwrap(), r.get::<String>(2).unwrap().unwrap()))
            .collect()
        });
        let rel = snap
            .relations
            .values()
            .find(|r| r.name == table)
            .expect("the relation is loaded");
        let ours: Vec<(i64, String)> = rel
            .grants
            .iter()
            .map(|g| (i64::from(g.grantee), g.privilege.to_string()))
            .collect();
        assert!(!expected.is_empty(), "{table} has privileges");
        assert_eq!(ours, expected, "{table}");
    }
}

/// Index definitions written in Rust for plain indexes are pg_get_indexdef's, and every
/// index that is not plain is left to pg_get_indexdef.
#[pg_test]
fn plain_index_definitions_are_pg_get_indexdef() {
    Spi::run(
        r#"CREATE TABLE public."Idx T" (id int, "Name" text, "select" int, v varchar(10),
                                        c text COLLATE "C", e int[]);
           CREATE INDEX plain_one ON public."Idx T" (id);
           CREATE UNIQUE INDEX "Ω idx ""q""" ON public."Idx T" ("Name", "select");
           CREATE INDEX with_include ON public."Idx T" (id) INCLUDE ("Name", c);
           CREATE INDEX hashed ON public."Idx T" USING hash (id);
           CREATE INDEX own_collation ON public."Idx T" (c);
           CREATE INDEX pattern ON public."Idx T" ("Name" text_pattern_ops);
           CREATE INDEX other_collation ON public."Idx T" ("Name" COLLATE "C");
           CREATE INDEX descending ON public."Idx T" (id DESC);
           CREATE INDEX partial ON public."Idx T" (id) WHERE id > 0;
           CREATE INDEX filled ON public."Idx T" (id) WITH (fillfactor = 70);
           CREATE INDEX on_varchar ON public."Idx T" (v);
           CREATE INDEX on_array ON public."Idx T" USING gin (e);
           CREATE INDEX on_expression ON public."Idx T" (lower("Name"));"#,
    )
    .unwrap();
    // SAFETY: inside the test's transaction
    unsafe { pg_sys::CommandCounterIncrement() };
    let config = crate::gucs::config();
    use database_advisor_core::snapshot::Parts;
    let mut snap = match crate::loader::load(&config, Parts::FOREIGN_KEYS_IN_FULL, false) {
        Ok(snap) => snap,
        Err(_) => panic!("the snapshot loads"),
    };
    let table = snap
        .relations
        .values()
        .find(|r| r.name == "Idx T")
        .expect("the table")
        .oid;
    let indexes: Vec<_> = snap.indexes_on(table).map(|ix| ix.oid).collect();
    assert_eq!(indexes.len(), 13);
    let mut plain: Vec<String> = snap
        .indexes_on(table)
        .filter(|ix| ix.plain)
        .map(|ix| snap.relation(ix.oid).unwrap().name.clone())
        .collect();
    plain.sort();
    assert_eq!(
        plain,
        ["hashed", "own_collation", "plain_one", "with_include", "Ω idx \"q\""]
    );
    crate::loader::load_index_defs(&mut snap, &indexes).unwrap_or_else(|_| panic!("deparsed"));
    for oid in indexes {
        let theirs = Spi::get_one_with_args::<String>(
            "SELECT pg_get_indexdef($1::oid)",
            &[pg_sys::Oid::from_u32(oid).into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(snap.index_defs.get(&oid), Some(&theirs));
    }
}

/// Policies' conditions written by the loader without opening their table are what
/// `pg_get_expr` prints, with the column names from the snapshot and from the catalog
/// cache, past a dropped column; sub-selects and CASE go to `pg_get_expr` itself.
#[pg_test]
fn policy_texts_are_pg_get_expr() {
    Spi::run(
        r#"CREATE TABLE public."Pol T" (id int, gone int, "Tenant Id" int, "select" text,
                                        name text, flag bool, arr int[], "ü" numeric,
                                        c text COLLATE "C");
           ALTER TABLE public."Pol T" DROP COLUMN gone;
           ALTER TABLE public."Pol T" ENABLE ROW LEVEL SECURITY;
           CREATE POLICY p1 ON public."Pol T" USING ("Tenant Id" = current_setting('app.tenant')::int);
           CREATE POLICY "P 2" ON public."Pol T" USING (id > 0 AND flag IS TRUE OR name IS NULL);
           CREATE POLICY p3 ON public."Pol T" USING ("select" LIKE 'a%' AND c COLLATE "C" < 'z');
           CREATE POLICY p4 ON public."Pol T" USING (id = ANY (ARRAY[1, 2, 3]) AND id NOT IN (4, 5));
           CREATE POLICY p5 ON public."Pol T" USING (coalesce(name, 'x') <> 'y' AND greatest(id, 1) > 0);
           CREATE POLICY p6 ON public."Pol T" USING (NULLIF(id, 0) IS DISTINCT FROM 5);
           CREATE POLICY p7 ON public."Pol T" USING (current_user = 'bob' AND "ü" > 1.5 OR "ü" IS NULL);
           CREATE POLICY p8 ON public."Pol T" FOR INSERT WITH CHECK (NOT flag);
           CREATE POLICY p9 ON public."Pol T" USING (arr && ARRAY[id, "Tenant Id"]);
           CREATE POLICY p10 ON public."Pol T" FOR UPDATE USING (id::text = name) WITH CHECK (length("select"::varchar(5)) < 3);
           CREATE POLICY p11 ON public."Pol T" USING (true);
           CREATE POLICY p12 ON public."Pol T" USING (EXISTS (SELECT 1 FROM public."Pol T" o WHERE o.id = "Pol T".id));
           CREATE POLICY p13 ON public."Pol T" USING (CASE WHEN flag THEN id > 0 ELSE false END);
           CREATE POLICY p14 ON public."Pol T" USING (("Tenant Id", id) = (1, 2) AND -id < +3 AND id % 2 = 0);"#,
    )
    .unwrap();
    use database_advisor_core::snapshot::{node_tree, Parts};
    let config = crate::gucs::config();
    let load = |parts| {
        // a change, so that what the last load deparsed is not kept
        Spi::run("CREATE TABLE public.pol_bump (); DROP TABLE public.pol_bump").unwrap();
        // SAFETY: inside the test's transaction; the loader's queries read with the active
        // snapshot, here one taken after the DDL (a statement of its own would)
        unsafe {
            pg_sys::CommandCounterIncrement();
            pg_sys::PushActiveSnapshot(pg_sys::GetTransactionSnapshot());
            let snap = crate::loader::load(&config, parts, false);
            pg_sys::PopActiveSnapshot();
            snap.unwrap_or_else(|_| panic!("the snapshot loads"))
        }
    };
    // what the index rules load of policies: the same columns, nothing deparsed
    let full = load(Parts::POLICIES);
    let columns_only = load(Parts::POLICY_COLUMNS);
    assert_eq!(full.policies.len(), columns_only.policies.len());
    for (f, c) in full.policies.iter().zip(&columns_only.policies) {
        assert_eq!((f.oid, &f.name, f.table), (c.oid, &c.name, c.table));
        assert_eq!(f.columns, c.columns, "policy {}", f.name);
        assert!(c.using.is_none() && c.check.is_none() && c.using_tree.is_none());
    }
    assert!(full.policies.iter().any(|p| !p.columns.is_empty()));
    // names from the catalog cache (no ATTRIBUTES part), then from the snapshot
    for parts in [Parts::POLICIES, Parts::POLICIES | Parts::ATTRIBUTES] {
        let snap = load(parts);
        let mut plain = 0;
        let mut compared = 0;
        for p in snap.policies.iter().filter(|p| p.name.starts_with(['p', 'P'])) {
            let (using, check) = Spi::get_two_with_args::<String, String>(
                "SELECT pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid)
                 FROM pg_policy WHERE oid = $1",
                &[pg_sys::Oid::from_u32(p.oid).into()],
            )
            .unwrap();
            for (ours, theirs, tree) in [
                (&p.using, &using, &p.using_tree),
                (&p.check, &check, &p.check_tree),
            ] {
                assert_eq!(ours, theirs, "policy {}", p.name);
                if let Some(tree) = tree {
                    plain += usize::from(node_tree::plain_expression(tree));
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 15, "{parts:?}");
        // all but the sub-select and the CASE (and the row comparison, a ROWCOMPAREEXPR
        // or ROWEXPR) took the way that does not open the table
        assert!(plain >= 12, "{plain} plain of {compared}");
    }
}
