// Generated SQL is inert whatever a name contains: the same schema built with names that
// carry every control character (and quotes, `$`, comment markers, backslashes, unicode)
// yields remediations and audit DDL that parse, with PostgreSQL's own parser, into exactly
// the statements the plain-named schema yields. Each name ends with a statement an attacker
// would like run (`ALTER ROLE ... SUPERUSER`).

use std::collections::BTreeMap;

/// The characters tried, one schema each: every ASCII control character, the characters
/// that end or start literals, identifiers and comments, and unicode line separators.
fn specials() -> Vec<String> {
    (1u8..=31)
        .chain([127])
        .map(|b| (b as char).to_string())
        .chain(
            [
                "'", "\"", "$", "$a$", "*/", "/*", "--", "\\", ";", "ü", "\u{85}", "\u{2028}",
            ]
            .map(String::from),
        )
        .collect()
}

/// Build one schema with names around `c`, and return, per rule, the statement kinds of
/// each remediation (sorted), plus the kinds of `advisor_audit_sql`'s output.
fn world(c: &str) -> BTreeMap<String, Vec<Vec<String>>> {
    let name = |kind: &str| format!("{kind}{c}ALTER ROLE v SUPERUSER;--");
    let q = |kind: &str| quote::ident(&name(kind));
    let (r, s, d) = (q("r"), q("s"), q("d"));
    let (p, ch, u, v) = (q("p"), q("ch"), q("u"), q("v"));
    let (id, fk, card) = (q("id"), q("fk"), q("card_number"));
    let lit = quote::literal(&name("lit"));
    run(&format!(
        "CREATE ROLE {r} LOGIN;
         CREATE SCHEMA {s};
         GRANT USAGE ON SCHEMA {s} TO {r};
         CREATE DOMAIN {s}.{d} AS bigint;
         CREATE TABLE {s}.{p} ({id} int PRIMARY KEY, tenant_id {s}.{d} NOT NULL, {card} text);
         CREATE TABLE {s}.{ch} ({id} int PRIMARY KEY, {fk} int REFERENCES {s}.{p},
                                tenant_id bigint NOT NULL);
         CREATE INDEX {i1} ON {s}.{ch} (tenant_id);
         CREATE INDEX {i2} ON {s}.{ch} (tenant_id);
         GRANT SELECT ON {s}.{p}, {s}.{ch} TO {r};
         CREATE TABLE {s}.{u} ({id} int PRIMARY KEY, tenant_id {s}.{d} NOT NULL);
         ALTER TABLE {s}.{u} ENABLE ROW LEVEL SECURITY;
         GRANT SELECT, UPDATE ON {s}.{u} TO {r};
         CREATE FUNCTION {s}.{f}() RETURNS bigint LANGUAGE sql VOLATILE AS 'SELECT 1';
         CREATE POLICY {pol1} ON {s}.{u} USING (true);
         CREATE POLICY {pol2} ON {s}.{u} FOR SELECT TO {r} USING ({id} > 0 OR {lit} = '');
         CREATE POLICY {pol3} ON {s}.{u} FOR SELECT TO {r} USING ({id} = {s}.{f}());
         CREATE VIEW {s}.{v} AS SELECT * FROM {s}.{u};
         GRANT SELECT ON {s}.{v} TO {r};
         CREATE FUNCTION {s}.{df}() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';",
        i1 = q("i1"),
        i2 = q("i2"),
        f = q("f"),
        pol1 = q("pol1"),
        pol2 = q("pol2"),
        pol3 = q("pol3"),
        df = q("df"),
    ));
    Spi::run_with_args(
        "SELECT set_config('database_advisor.tenant_setting', $1, true)",
        &[name("app.t").as_str().into()],
    )
    .unwrap();

    let mut kinds: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    let rows: Vec<(String, String, Option<String>)> = Spi::connect(|client| {
        client
            .select(
                "SELECT rule, object_identity, remediation FROM advisor_run(NULL::text[], true)",
                None,
                &[],
            )
            .unwrap()
            .map(|row| {
                (
                    row.get::<String>(1).unwrap().unwrap(),
                    row.get::<String>(2).unwrap().unwrap(),
                    row.get::<String>(3).unwrap(),
                )
            })
            .collect()
    });
    for (rule, identity, remediation) in rows {
        assert!(
            !identity.chars().any(quote::is_unprintable),
            "{rule}: identity {identity:?} must be one printable line"
        );
        let Some(sql) = remediation else { continue };
        assert!(
            !sql.chars().any(|c| c != '\n' && quote::is_unprintable(c)),
            "{rule}: remediation {sql:?} carries a raw control character"
        );
        kinds
            .entry(rule)
            .or_default()
            .push(crate::parse::statement_kinds(&sql));
    }

    // the audit trail for the table, excluding the card column: its DDL, then for real
    let table = Spi::get_one_with_args::<pg_sys::Oid>(
        "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2",
        &[name("s").as_str().into(), name("p").as_str().into()],
    )
    .unwrap()
    .unwrap();
    let args = [table.into(), name("card_number").as_str().into()];
    let ddl = Spi::get_one_with_args::<String>(
        "SELECT advisor_audit_sql($1::regclass, ARRAY[$2])",
        &args,
    )
    .unwrap()
    .unwrap();
    kinds
        .entry("advisor_audit_sql".into())
        .or_default()
        .push(crate::parse::statement_kinds(&ddl));
    Spi::run_with_args(
        "SELECT advisor_audit_enable($1::regclass, ARRAY[$2])",
        &args,
    )
    .unwrap();
    run(&format!(
        "INSERT INTO {s}.{p} VALUES (1, 7, '4111111111111111'); UPDATE {s}.{p} SET tenant_id = 8"
    ));
    let logged = Spi::get_one_with_args::<i64>(
        "SELECT count(*) FROM advisor_audit_log WHERE schema_name = $1 AND new_values ? 'tenant_id'
           AND NOT new_values ? $2",
        &[name("s").as_str().into(), name("card_number").as_str().into()],
    )
    .unwrap()
    .unwrap();
    assert_eq!(logged, 2, "audited INSERT and UPDATE for {c:?}");
    Spi::run_with_args("SELECT advisor_audit_disable($1::regclass)", &[table.into()]).unwrap();
    run(&format!("DROP SCHEMA {s} CASCADE; DROP OWNED BY {r}; DROP ROLE {r}"));
    for list in kinds.values_mut() {
        list.sort();
    }
    kinds
}

#[pg_test]
fn generated_sql_is_inert_whatever_the_names() {
    run("CREATE ROLE v");
    let baseline = world("_");
    for rule in [
        "missing_fk_index",
        "duplicate_index",
        "rls_disabled_exposed_table",
        "rls_policy_always_true",
        "rls_multiple_permissive",
        "rls_per_row_function",
        "rls_tenant_column_unprotected",
        "rls_view_bypass",
        "security_definer_search_path",
        "sensitive_column_plaintext",
        "advisor_audit_sql",
    ] {
        assert!(baseline.contains_key(rule), "the plain schema triggers {rule}");
    }
    for c in specials() {
        assert_eq!(world(&c), baseline, "names with {c:?}");
    }
    assert_eq!(
        count("SELECT count(*) FROM pg_roles WHERE rolname = 'v' AND rolsuper"),
        0
    );
}
