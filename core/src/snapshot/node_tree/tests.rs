use super::*;

#[test]
fn finds_calls_outside_sublinks_only() {
    // tenant_id = current_setting('app.t')::int  (from PostgreSQL 15)
    let per_row = "{OPEXPR :opno 96 :opfuncid 65 :args ({VAR :varno 1 :varattno 2} \
        {COERCEVIAIO :arg {FUNCEXPR :funcid 2077 :funcresulttype 25 :args ({CONST \
        :consttype 25 :constvalue 9 [ 36 0 0 0 97 112 112 46 116 ]}) :location 42} \
        :resulttype 23}) :location 40}";
    assert_eq!(per_row_function_ids(per_row), [2077]);
    // tenant_id = (SELECT current_setting('app.t')::int)
    let once = "{OPEXPR :opno 96 :args ({VAR :varno 1} {SUBLINK :subLinkType 4 \
        :subselect {QUERY :targetList ({TARGETENTRY :expr {COERCEVIAIO :arg {FUNCEXPR \
        :funcid 2077 :args ({CONST :consttype 25})}}})} :location 53}) :location 51}";
    assert!(per_row_function_ids(once).is_empty());
}

#[test]
fn own_columns_follow_query_levels() {
    // c2 = 1 AND EXISTS (SELECT FROM other o WHERE o.c1 = outer.c3 AND o.c5 = 7)
    let tree = "{BOOLEXPR :boolop and :args ({OPEXPR :args ({VAR :varno 1 :varattno 2 \
        :varlevelsup 0} {CONST :consttype 23})} {SUBLINK :subselect {QUERY :jointree \
        {FROMEXPR :quals {BOOLEXPR :args ({OPEXPR :args ({VAR :varno 1 :varattno 1 \
        :varlevelsup 0} {VAR :varno 1 :varattno 3 :varlevelsup 1})} {OPEXPR :args ({VAR \
        :varno 1 :varattno 5 :varlevelsup 0} {CONST :consttype 23})})}}}})}";
    assert_eq!(
        own_columns(tree),
        [2, 3],
        "the sub-select's own columns are not ours"
    );
    // whole row (0) and system columns (< 0) are not columns; repeats count once
    let tree = "({VAR :varno 1 :varattno 0 :varlevelsup 0} {VAR :varno 1 :varattno -1 \
        :varlevelsup 0} {VAR :varno 1 :varattno 4 :varlevelsup 0} {VAR :varno 1 :varattno 4 \
        :varlevelsup 0} {VAR :varno 2 :varattno 6 :varlevelsup 0})";
    assert_eq!(own_columns(tree), [4]);
    assert!(
        own_columns("{VAR :varno 1 :varattno").is_empty(),
        "not well formed"
    );
}

#[test]
fn escaped_braces_in_names_do_not_confuse_it() {
    let tree = "{FUNCEXPR :funcid 42 :args ({CONST :resname a\\{b})} {FUNCEXPR :funcid 43}";
    assert_eq!(per_row_function_ids(tree), [42, 43]);
}

// --- folding -----------------------------------------------------------------------

use super::fixtures as fx;

/// `{CONST}` of type int4 holding `v` (little-endian, as printed on x86-64 / arm64).
fn int4(v: i32) -> String {
    let bytes: Vec<String> = (v as i64)
        .to_le_bytes()
        .iter()
        .map(|&b| (b as i8).to_string())
        .collect();
    format!(
        "{{CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true \
         :constisnull false :location 7 :constvalue 4 [ {} ]}}",
        bytes.join(" ")
    )
}

const NULL_INT4: &str = "{CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 \
    :constbyval true :constisnull true :location 7 :constvalue <>}";
const NULL_BOOL: &str = "{CONST :consttype 16 :consttypmod -1 :constcollid 0 :constlen 1 \
    :constbyval true :constisnull true :location 7 :constvalue <>}";
const OWNER: &str = "{VAR :varno 1 :varattno 2 :vartype 23 :vartypmod -1 :varcollid 0 \
    :varlevelsup 0 :varnosyn 1 :varattnosyn 2 :location 3}";
const FLAG: &str = "{VAR :varno 1 :varattno 3 :vartype 16 :vartypmod -1 :varcollid 0 \
    :varlevelsup 0 :varnosyn 1 :varattnosyn 3 :location 3}";

fn op(opno: u32, func: u32, a: &str, b: &str) -> String {
    format!(
        "{{OPEXPR :opno {opno} :opfuncid {func} :opresulttype 16 :opretset false :opcollid 0 \
         :inputcollid 0 :args ({a} {b}) :location 5}}"
    )
}

fn boolexpr(op: &str, args: &[&str]) -> String {
    format!(
        "{{BOOLEXPR :boolop {op} :args ({}) :location 1}}",
        args.join(" ")
    )
}

fn nulltest(arg: &str, kind: u8, row: bool) -> String {
    format!("{{NULLTEST :arg {arg} :nulltesttype {kind} :argisrow {row} :location 9}}")
}

fn text(s: &str, collation: u32) -> String {
    let mut bytes = ((s.len() as u32 + 4) << 2).to_le_bytes().to_vec();
    bytes.extend(s.bytes());
    let printed: Vec<String> = bytes.iter().map(|&b| (b as i8).to_string()).collect();
    format!(
        "{{CONST :consttype 25 :consttypmod -1 :constcollid {collation} :constlen -1 \
         :constbyval false :constisnull false :location 3 :constvalue {} [ {} ]}}",
        bytes.len(),
        printed.join(" ")
    )
}

fn text_op(opno: u32, func: u32, a: &str, b: &str, collation: u32) -> String {
    format!(
        "{{OPEXPR :opno {opno} :opfuncid {func} :opresulttype 16 :opretset false :opcollid 0 \
         :inputcollid {collation} :args ({} {}) :location 5}}",
        text(a, collation),
        text(b, collation)
    )
}

#[test]
fn parses_the_generic_shape() {
    let Some(Value::Node(n)) = parse(fx::ONE_EQ_ONE) else {
        panic!("not a node")
    };
    assert_eq!(n.name, "OPEXPR");
    assert_eq!(n.oid("opno"), Some(96));
    assert_eq!(n.flag("opretset"), Some(false));
    let args = n.list("args").unwrap();
    assert_eq!(args.len(), 2);
    let Value::Node(c) = &args[0] else { panic!() };
    assert_eq!(c.field("constvalue").unwrap().len(), 11, "4 [ 8 bytes ]");
    // NIL lists, escaped tokens and strings
    let Some(Value::Node(n)) = parse("{FOO :a <> :b a\\(b\\ c :c (i 1 2) :d \"x\"}") else {
        panic!()
    };
    assert_eq!(n.list("a"), Some(&[][..]));
    assert_eq!(n.atom("b"), Some("a\\(b\\ c"));
    assert_eq!(n.list("c").unwrap().len(), 3);
    assert_eq!(n.atom("d"), Some("\"x\""));
}

#[test]
fn malformed_or_hostile_text_is_unknown_never_a_panic() {
    for bad in [
        "",
        "{",
        "}",
        "{OPEXPR :args ({CONST}",
        "{CONST} trailing",
        "((((",
        "{CONST :consttype 16 :constisnull false :constvalue 1 [ 1 0 0 ]}",
        "{CONST :consttype 16 :constisnull false :constvalue 1 [ 999 0 0 0 0 0 0 0 ]}",
        "{CONST :consttype 16 :constisnull false :constvalue 1 [ 1 0 0 0 0 0 0 0 }",
        "{BOOLEXPR :boolop not :args <>}",
        "{BOOLEXPR :boolop xor :args ({CONST})}",
        "\\",
        "{é\\é :x é}",
    ] {
        assert_eq!(fold(bad), Truth::UNKNOWN, "{bad}");
    }
    // nested far deeper than any policy: not read (and no stack overflow)
    let deep = format!(
        "{}{}{}",
        "{BOOLEXPR :boolop not :args (".repeat(5000),
        fx::TRUE,
        ")}".repeat(5000)
    );
    assert_eq!(fold(&deep), Truth::UNKNOWN);
    let shallow = format!(
        "{}{}{}",
        "{BOOLEXPR :boolop not :args (".repeat(4),
        fx::TRUE,
        ") :location 1}".repeat(4)
    );
    assert_eq!(fold(&shallow), Truth::TRUE);
}

#[test]
fn tautologies_from_postgres_15_trees() {
    for tree in [
        fx::TRUE,
        fx::ONE_EQ_ONE,
        fx::TEXT_EQ,
        fx::TWO_GT_ONE,
        fx::NULL_OR_NOT_NULL,
        fx::TRUE_OR_OWNER,
        fx::NOT_FALSE,
    ] {
        assert!(always_true(tree), "{tree}");
    }
    assert!(always_true(&bool_const_tree(true)));
    assert!(!always_true(&bool_const_tree(false)));
    assert_eq!(fold(fx::OWNER_IS_5), Truth::UNKNOWN);
    assert_eq!(
        fold(&fx::id_eq_id()),
        Truth::UNKNOWN,
        "NULL where id is NULL"
    );
}

#[test]
fn three_valued_logic() {
    let t = fx::TRUE;
    let f = bool_const_tree(false);
    // AND: true only when every argument is
    assert!(always_true(&boolexpr("and", &[fx::ONE_EQ_ONE, t])));
    assert_eq!(fold(&boolexpr("and", &[t, &f])), Truth::FALSE);
    assert_eq!(fold(&boolexpr("and", &[t, NULL_BOOL])), Truth::NULL);
    assert_eq!(fold(&boolexpr("and", &[t, fx::OWNER_IS_5])), Truth::UNKNOWN);
    assert_eq!(fold(&boolexpr("and", &[&f, fx::OWNER_IS_5])), Truth::FALSE);
    // OR: true as soon as one argument is, also nested
    assert!(always_true(&boolexpr("or", &[fx::OWNER_IS_5, t])));
    assert!(always_true(&boolexpr(
        "or",
        &[fx::OWNER_IS_5, &boolexpr("or", &[&f, fx::TWO_GT_ONE])]
    )));
    assert_eq!(fold(&boolexpr("or", &[&f, NULL_BOOL])), Truth::NULL);
    // NOT NULL is NULL: a policy NOT (NULL = 1) lets nothing through
    let null_eq = op(96, 65, NULL_INT4, &int4(1));
    assert_eq!(fold(&null_eq), Truth::NULL);
    assert_eq!(fold(&boolexpr("not", &[&null_eq])), Truth::NULL);
    assert_eq!(fold(NULL_BOOL), Truth::NULL);
}

#[test]
fn comparisons_of_constants() {
    // int4: signed, printed as signed chars
    assert!(always_true(&op(97, 66, &int4(-1), &int4(0)))); // -1 < 0
    assert!(always_true(&op(525, 150, &int4(70000), &int4(-70000)))); // >=
    assert_eq!(fold(&op(96, 65, &int4(1), &int4(2))), Truth::FALSE);
    assert!(always_true(&op(518, 144, &int4(1), &int4(2)))); // <>
    assert!(always_true(&op(523, 149, &int4(2), &int4(2)))); // <=
                                                             // int2 and int8
    let int2 = |v: i16| {
        int4(v as i32)
            .replace(":consttype 23", ":consttype 21")
            .replace(":constlen 4", ":constlen 2")
    };
    let int8 = |v: i64| {
        let bytes: Vec<String> = v
            .to_le_bytes()
            .iter()
            .map(|&b| (b as i8).to_string())
            .collect();
        format!(
            "{{CONST :consttype 20 :consttypmod -1 :constcollid 0 :constlen 8 :constbyval true \
                 :constisnull false :location 7 :constvalue 8 [ {} ]}}",
            bytes.join(" ")
        )
    };
    assert!(always_true(&op(95, 64, &int2(-300), &int2(300))));
    assert!(always_true(&op(
        413,
        470,
        &int8(5_000_000_000),
        &int8(4_999_999_999)
    )));
    assert_eq!(fold(&op(410, 467, &int8(1 << 40), &int8(1))), Truth::FALSE);
    // bool = bool
    assert!(always_true(&op(91, 60, fx::TRUE, fx::TRUE)));
    assert!(always_true(&op(85, 84, fx::TRUE, &bool_const_tree(false))));
    // text: equal bytes are equal under any collation, different bytes only differ
    // under a deterministic one
    assert!(always_true(&text_op(98, 67, "tenant", "tenant", 100)));
    assert!(always_true(&text_op(98, 67, "ü", "ü", 12345)));
    assert_eq!(fold(&text_op(98, 67, "a", "b", 100)), Truth::FALSE);
    assert!(always_true(&text_op(531, 157, "a", "A", 950)));
    assert_eq!(
        fold(&text_op(531, 157, "a", "A", 12345)),
        Truth::UNKNOWN,
        "case-insensitive?"
    );
    let long = "x".repeat(300);
    assert!(always_true(&text_op(98, 67, &long, &long, 100)));
}

#[test]
fn only_whitelisted_operators_on_matching_constants() {
    // a user-defined operator (any OID not in the list) is never folded
    assert_eq!(fold(&op(16500, 16501, &int4(1), &int4(1))), Truth::UNKNOWN);
    // opno and opfuncid must agree
    assert_eq!(fold(&op(96, 66, &int4(1), &int4(1))), Truth::UNKNOWN);
    // int4 = int4 on something that is not an int4 constant
    assert_eq!(fold(&op(96, 65, OWNER, &int4(1))), Truth::UNKNOWN);
    assert_eq!(fold(&op(96, 65, &int4(1), fx::TRUE)), Truth::UNKNOWN);
    let func = "{FUNCEXPR :funcid 16400 :funcresulttype 23 :funcretset false :funcvariadic \
                false :funcformat 0 :funccollid 0 :inputcollid 0 :args <> :location 7}";
    assert_eq!(fold(&op(96, 65, func, func)), Truth::UNKNOWN);
    // a sub-select is not looked into
    let sublink = "{SUBLINK :subLinkType 4 :subLinkId 0 :testexpr <> :operName <> :subselect \
                   {QUERY :commandType 1} :location 7}";
    assert_eq!(fold(sublink), Truth::UNKNOWN);
}

#[test]
fn null_tests() {
    let null_or_not = |a: &str, b: &str| boolexpr("or", &[a, b]);
    // the pair over the same column, either order, among other disjuncts
    assert!(always_true(&null_or_not(
        &nulltest(OWNER, 0, false),
        &nulltest(OWNER, 1, false)
    )));
    assert!(always_true(&boolexpr(
        "or",
        &[
            fx::OWNER_IS_5,
            &nulltest(OWNER, 1, false),
            &boolexpr("or", &[&nulltest(OWNER, 0, false)])
        ]
    )));
    // NOT (x IS NULL) is x IS NOT NULL
    assert!(always_true(&null_or_not(
        &boolexpr("not", &[&nulltest(OWNER, 0, false)]),
        &nulltest(OWNER, 0, false)
    )));
    // not the same column
    assert!(!always_true(&null_or_not(
        &nulltest(OWNER, 0, false),
        &nulltest(FLAG, 1, false)
    )));
    // both the same test
    assert!(!always_true(&null_or_not(
        &nulltest(OWNER, 1, false),
        &nulltest(OWNER, 1, false)
    )));
    // rows: (a, b) with only a NULL is neither NULL nor NOT NULL
    assert!(!always_true(&null_or_not(
        &nulltest(OWNER, 0, true),
        &nulltest(OWNER, 1, true)
    )));
    // a function could return NULL once and a value the next time
    let f = "{FUNCEXPR :funcid 1598 :funcresulttype 701 :funcretset false :funcvariadic \
             false :funcformat 0 :funccollid 0 :inputcollid 0 :args <> :location 7}";
    assert!(!always_true(&null_or_not(
        &nulltest(f, 0, false),
        &nulltest(f, 1, false)
    )));
    // AND of the pair is never true
    assert_eq!(
        fold(&boolexpr(
            "and",
            &[&nulltest(OWNER, 0, false), &nulltest(OWNER, 1, false)]
        )),
        Truth::TRUE.union(Truth::FALSE)
    );
    // on constants
    assert!(always_true(&nulltest(NULL_INT4, 0, false)));
    assert!(always_true(&nulltest(&int4(3), 1, false)));
    assert_eq!(fold(&nulltest(&int4(3), 0, false)), Truth::FALSE);
}

#[test]
fn boolean_tests_and_coalesce() {
    let bt = |arg: &str, t: u8| format!("{{BOOLEANTEST :arg {arg} :booltesttype {t} :location 4}}");
    // flag IS TRUE OR flag IS NOT TRUE; flag IS UNKNOWN OR NOT (flag IS UNKNOWN)
    assert!(always_true(&boolexpr("or", &[&bt(FLAG, 0), &bt(FLAG, 1)])));
    assert!(always_true(&boolexpr(
        "or",
        &[&bt(FLAG, 4), &boolexpr("not", &[&bt(FLAG, 4)])]
    )));
    assert!(
        !always_true(&boolexpr("or", &[&bt(FLAG, 0), &bt(FLAG, 2)])),
        "NULL is neither"
    );
    // NULL IS NOT TRUE, (1 = 1) IS TRUE
    assert!(always_true(&bt(NULL_BOOL, 1)));
    assert!(always_true(&bt(fx::ONE_EQ_ONE, 0)));
    assert_eq!(fold(&bt(FLAG, 0)), Truth::TRUE.union(Truth::FALSE));
    let coalesce = |label: &str, args: &[&str]| {
        format!(
            "{{{label} :coalescetype 16 :coalescecollid 0 :args ({}) :location 1}}",
            args.join(" ")
        )
    };
    // coalesce(NULL, true), coalesce(true, flag): true
    assert!(always_true(&coalesce("COALESCE", &[NULL_BOOL, fx::TRUE])));
    assert!(always_true(&coalesce("COALESCEEXPR", &[fx::TRUE, FLAG])));
    // coalesce(flag, true): flag may be false
    assert_eq!(
        fold(&coalesce("COALESCE", &[FLAG, fx::TRUE])),
        Truth::TRUE.union(Truth::FALSE)
    );
    // coalesce(owner_id = 5, NULL): may be NULL
    assert_eq!(
        fold(&coalesce("COALESCE", &[fx::OWNER_IS_5, NULL_BOOL])),
        Truth::UNKNOWN
    );
    assert_eq!(
        fold(&coalesce("COALESCE", &[NULL_BOOL, NULL_BOOL])),
        Truth::NULL
    );
    // not a boolean coalesce
    assert_eq!(
        fold(&coalesce("COALESCE", &[fx::TRUE]).replace(":coalescetype 16", ":coalescetype 23")),
        Truth::UNKNOWN
    );
}

#[test]
fn plain_expressions_name_only_own_columns() {
    let per_row = "{OPEXPR :opno 96 :opfuncid 65 :args ({VAR :varno 1 :varattno 2 \
        :varlevelsup 0} {COERCEVIAIO :arg {FUNCEXPR :funcid 2077 :funcresulttype 25 :args \
        ({CONST :consttype 25 :constvalue 9 [ 36 0 0 0 97 112 112 46 116 ]}) :location 42} \
        :resulttype 23}) :location 40}";
    assert!(plain_expression(per_row));
    assert!(plain_expression(&format!(
        "{{BOOLEXPR :boolop and :args ({per_row} {per_row})}}"
    )));
    // a sub-select, a CASE, a whole-row or system column, an outer level, another entry
    for other in [
        format!("{{BOOLEXPR :boolop and :args ({per_row} {{SUBLINK :subselect {{QUERY}}}})}}"),
        format!("{{CASEEXPR :args ({per_row}) :defresult <>}}"),
        per_row.replace(":varattno 2", ":varattno 0"),
        per_row.replace(":varattno 2", ":varattno -1"),
        per_row.replace(":varlevelsup 0", ":varlevelsup 1"),
        per_row.replace(":varno 1", ":varno 2"),
        per_row.replace(" :varlevelsup 0", ""),
        "{OPEXPR :args (".to_string(),
        "42".to_string(),
    ] {
        assert!(!plain_expression(&other), "{other}");
    }
}
