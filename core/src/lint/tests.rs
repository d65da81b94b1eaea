//! The lint rules on hand-built scripts over a fake catalog.

use super::catalog::*;
use super::ir::*;
use super::*;
use crate::finding::Level;
use std::collections::HashMap;

#[derive(Default)]
struct Fake {
    relations: HashMap<(String, String), Relation>,
    types: Vec<TypeInfo>,
    volatile: HashMap<String, Volatility>,
}

impl Catalog for Fake {
    fn relation(&self, schema: &str, name: &str) -> Option<Relation> {
        self.relations.get(&(schema.into(), name.into())).cloned()
    }
    fn schema_exists(&self, schema: &str) -> bool {
        matches!(schema, "public" | "app")
    }
    fn resolve_type(&self, _: &[String], ty: &TypeRef) -> Option<TypeInfo> {
        self.types.get(ty.handle).cloned()
    }
    fn volatility(&self, _: &[String], f: &QualName) -> Option<Volatility> {
        self.volatile.get(&f.name).copied()
    }
    fn binary_coercible(&self, from: u32, to: u32) -> bool {
        from == to || matches!((from, to), (oids::VARCHAR, oids::TEXT))
    }
}

fn ty(oid: u32, typmod: i32, display: &str) -> TypeInfo {
    TypeInfo::plain(oid, typmod, display)
}

// type handles of the fake catalog
const BIGINT: usize = 0;
const VARCHAR_20: usize = 1;
const VARCHAR_50: usize = 2;
const TEXT: usize = 3;
const TIMESTAMP: usize = 4;
const INTEGER: usize = 5;
const UNKNOWN: usize = 99;

fn fake() -> Fake {
    let mut f = Fake {
        types: vec![
            ty(oids::INT8, -1, "bigint"),
            ty(oids::VARCHAR, 24, "character varying(20)"),
            ty(oids::VARCHAR, 54, "character varying(50)"),
            ty(oids::TEXT, -1, "text"),
            ty(oids::TIMESTAMP, -1, "timestamp without time zone"),
            ty(oids::INT4, -1, "integer"),
        ],
        ..Fake::default()
    };
    f.volatile.insert("now".into(), Volatility::Stable);
    f.volatile
        .insert("gen_random_uuid".into(), Volatility::Volatile);
    let col = |name: &str, t: usize, not_null: bool| ColumnFact {
        name: name.into(),
        ty: f.types[t].clone(),
        not_null,
        null_frac: Some(0.0),
    };
    let orders = Relation {
        schema: "public".into(),
        name: "orders".into(),
        kind: RelKind::Table,
        rows: 300_000.0,
        bytes: 40 << 20,
        columns: vec![
            col("id", BIGINT, true),
            col("customer_id", BIGINT, false),
            col("status", VARCHAR_20, false),
            col("note", TEXT, false),
        ],
        indexes: vec![IndexFact {
            name: "orders_pkey".into(),
            keys: vec![Some("id".into())],
            method: "btree".into(),
            usable: true,
            partial: false,
        }],
        constraints: vec![
            ConstraintFact {
                name: "orders_pkey".into(),
                kind: 'p',
                validated: true,
                not_null_of: None,
            },
            ConstraintFact {
                name: "note_nn".into(),
                kind: 'c',
                validated: true,
                not_null_of: Some("note".into()),
            },
        ],
        index_of: None,
    };
    let mut empty = orders.clone();
    empty.name = "empty".into();
    empty.rows = 0.0;
    empty.bytes = 0;
    let mut index = orders.clone();
    index.name = "orders_pkey".into();
    index.kind = RelKind::Index;
    index.index_of = Some(("public".into(), "orders".into()));
    let mut events = orders.clone();
    events.name = "events".into();
    events.kind = RelKind::PartitionedTable;
    let mut customers = orders.clone();
    customers.name = "customers".into();
    customers.schema = "app".into();
    for r in [orders, empty, index, customers, events] {
        f.relations.insert((r.schema.clone(), r.name.clone()), r);
    }
    f
}

fn settings() -> Settings {
    Settings {
        search_path: "\"$user\", public".into(),
        user: "postgres".into(),
        lock_timeout: false,
        in_transaction: false,
    }
}

fn stmts(kinds: Vec<Kind>) -> Vec<Statement> {
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Statement {
            number: i + 1,
            line: i + 1,
            text: "CREATE INDEX ON orders (status)".into(),
            kind,
        })
        .collect()
}

fn run(kinds: Vec<Kind>) -> Vec<(usize, &'static str, Level)> {
    run_with(kinds, settings())
}

fn run_with(kinds: Vec<Kind>, s: Settings) -> Vec<(usize, &'static str, Level)> {
    lint(&stmts(kinds), &fake(), &s)
        .into_iter()
        .map(|f| (f.statement, f.finding.rule, f.finding.level))
        .collect()
}

fn t(name: &str) -> QualName {
    QualName::bare(name)
}

fn index(table: &str, col: &str, concurrent: bool) -> Kind {
    Kind::CreateIndex(CreateIndex {
        table: t(table),
        name: None,
        unique: false,
        concurrent,
        keys: vec![Some(col.into())],
        partial: false,
        method: "btree".into(),
        only: false,
        if_not_exists: false,
        concurrently_at: Some(12),
    })
}

fn alter(table: &str, cmds: Vec<AlterCmd>) -> Kind {
    Kind::AlterTable(AlterTable {
        table: t(table),
        object: ObjectKind::Table,
        cmds,
    })
}

fn type_ref(handle: usize) -> TypeRef {
    TypeRef {
        names: vec!["x".into()],
        array: false,
        handle,
    }
}

fn column(name: &str, handle: usize) -> ColumnDef {
    ColumnDef {
        name: name.into(),
        ty: type_ref(handle),
        not_null: false,
        default: None,
        identity: false,
        generated: false,
    }
}

fn fk(cols: &[&str], not_valid: bool) -> AlterCmd {
    AlterCmd::AddConstraint(ConstraintDef {
        name: Some("orders_customer_fk".into()),
        kind: ConstraintKind::ForeignKey(ForeignKeyDef {
            columns: cols.iter().map(|c| c.to_string()).collect(),
            references: QualName::qualified("app", "customers"),
            ref_columns: vec!["id".into()],
        }),
        not_valid,
        span: Some((0, 5)),
        on_new_column: false,
    })
}

fn set(name: &str, value: &str, local: bool) -> Kind {
    Kind::Set(Set {
        name: name.into(),
        value: SetValue::Values(vec![value.into()]),
        local,
    })
}

#[test]
fn index_builds_judged_by_the_table() {
    let found = lint(
        &stmts(vec![index("orders", "status", false)]),
        &fake(),
        &settings(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].finding.rule, "index_without_concurrently");
    assert_eq!(found[0].finding.level, Level::Error);
    assert!(
        found[0].finding.detail.contains("300,000 rows, 40 MB"),
        "{}",
        found[0].finding.detail
    );
    assert_eq!(
        found[0].finding.remediation.as_deref(),
        Some("CREATE INDEX CONCURRENTLY ON orders (status)")
    );
    // an empty table, a table the script creates, or CONCURRENTLY: nothing
    assert!(run(vec![index("empty", "status", false)]).is_empty());
    assert!(run(vec![index("orders", "status", true)]).is_empty());
    // ON ONLY a partitioned table builds nothing (the first step of the safe way)
    let Kind::CreateIndex(mut only) = index("events", "status", false) else {
        unreachable!()
    };
    only.only = true;
    assert!(run(vec![
        set("lock_timeout", "1s", false),
        Kind::CreateIndex(only.clone())
    ])
    .is_empty());
    only.only = false;
    let found = lint(&stmts(vec![Kind::CreateIndex(only)]), &fake(), &settings());
    assert_eq!(found[0].finding.rule, "index_without_concurrently");
    assert!(
        found[0].finding.remediation.is_none(),
        "no CONCURRENTLY on a partitioned table"
    );
    // IF NOT EXISTS with an existing name builds nothing
    let Kind::CreateIndex(mut existing) = index("orders", "status", false) else {
        unreachable!()
    };
    existing.name = Some("orders_pkey".into());
    existing.if_not_exists = true;
    assert!(run(vec![Kind::CreateIndex(existing.clone())]).is_empty());
    existing.if_not_exists = false;
    assert_eq!(run(vec![Kind::CreateIndex(existing)]).len(), 1);
    let create = Kind::CreateTable(CreateTable {
        table: t("fresh"),
        columns: vec![column("id", BIGINT)],
        constraints: vec![],
        partitioned: false,
        temporary: false,
    });
    assert!(run(vec![create, index("fresh", "id", false)]).is_empty());
}

#[test]
fn concurrently_cannot_run_in_a_transaction() {
    let begin = Kind::Transaction(Transaction::Begin);
    let commit = Kind::Transaction(Transaction::Commit);
    assert_eq!(
        run(vec![
            begin.clone(),
            index("orders", "status", true),
            commit.clone(),
            index("orders", "note", true)
        ]),
        vec![(2, "cannot_run_in_transaction", Level::Error)]
    );
    let wrapped = Settings {
        in_transaction: true,
        ..settings()
    };
    assert_eq!(
        run_with(vec![index("orders", "status", true)], wrapped),
        vec![(1, "cannot_run_in_transaction", Level::Error)]
    );
    assert_eq!(
        run(vec![begin.clone(), begin, commit]),
        vec![(2, "transaction_nesting", Level::Warning)]
    );
}

#[test]
fn type_changes_rewrite_unless_binary_coercible() {
    let change = |to| {
        alter(
            "orders",
            vec![AlterCmd::AlterType {
                column: "status".into(),
                ty: type_ref(to),
                using: false,
            }],
        )
    };
    // varchar(20) -> varchar(50), -> text: no rewrite, only the lock's timeout
    assert_eq!(
        run(vec![change(VARCHAR_50)]),
        vec![(1, "lock_timeout_missing", Level::Warning)]
    );
    assert!(run(vec![set("lock_timeout", "5s", false), change(TEXT)]).is_empty());
    // a narrowing rewrites (a length check) and may break writers
    let mut widen_then_narrow = run(vec![
        set("lock_timeout", "5s", false),
        change(VARCHAR_50),
        change(VARCHAR_20),
    ]);
    widen_then_narrow.sort();
    assert_eq!(
        widen_then_narrow,
        vec![
            (3, "column_type_narrowing", Level::Warning),
            (3, "column_type_rewrite", Level::Error)
        ]
    );
    assert_eq!(
        run(vec![change(BIGINT)]),
        vec![(1, "column_type_rewrite", Level::Error)]
    );
    // a type the linter cannot resolve is judged a rewrite
    assert_eq!(
        run(vec![change(UNKNOWN)]),
        vec![(1, "column_type_rewrite", Level::Error)]
    );
    // an empty table rewrites in no time
    let on_empty = alter(
        "empty",
        vec![AlterCmd::AlterType {
            column: "status".into(),
            ty: type_ref(BIGINT),
            using: false,
        }],
    );
    assert!(run(vec![on_empty]).is_empty());
}

#[test]
fn set_not_null_needs_a_validated_check() {
    let timeout = || set("lock_timeout", "1s", false);
    let nn = |c: &str| alter("orders", vec![AlterCmd::SetNotNull(c.into())]);
    assert!(
        run(vec![timeout(), nn("note")]).is_empty(),
        "proven by note_nn"
    );
    assert_eq!(
        run(vec![timeout(), nn("status")]),
        vec![(2, "set_not_null_scan", Level::Error)]
    );
    let check = |valid: bool| {
        alter(
            "orders",
            vec![AlterCmd::AddConstraint(ConstraintDef {
                name: Some("status_nn".into()),
                kind: ConstraintKind::Check {
                    not_null_of: Some("status".into()),
                },
                not_valid: !valid,
                span: Some((0, 5)),
                on_new_column: false,
            })],
        )
    };
    let validate = alter(
        "orders",
        vec![AlterCmd::ValidateConstraint("status_nn".into())],
    );
    // the expand pattern: NOT VALID, VALIDATE, SET NOT NULL
    assert!(run(vec![timeout(), check(false), validate, nn("status")]).is_empty());
    // NOT VALID alone proves nothing yet
    assert_eq!(
        run(vec![timeout(), check(false), nn("status")]),
        vec![(3, "set_not_null_scan", Level::Error)]
    );
    assert_eq!(
        run(vec![timeout(), check(true)]),
        vec![(2, "constraint_without_not_valid", Level::Error)]
    );
}

#[test]
fn foreign_keys_need_not_valid_and_an_index() {
    let timeout = set("lock_timeout", "1s", false);
    let found = run(vec![
        timeout.clone(),
        alter("orders", vec![fk(&["customer_id"], false)]),
    ]);
    assert_eq!(
        found,
        vec![
            (2, "constraint_without_not_valid", Level::Error),
            (2, "fk_without_index", Level::Warning)
        ]
    );
    // NOT VALID, an index built later in the script: nothing
    let clean = run(vec![
        timeout.clone(),
        alter("orders", vec![fk(&["customer_id"], true)]),
        index("orders", "customer_id", true),
    ]);
    assert!(clean.is_empty(), "{clean:?}");
    // a partial index does not serve it; the primary key does not either
    assert_eq!(
        run(vec![
            timeout,
            alter("orders", vec![fk(&["customer_id"], true)])
        ]),
        vec![(2, "fk_without_index", Level::Warning)]
    );
}

#[test]
fn add_column_defaults_by_volatility() {
    let add = |default: Option<&str>, not_null: bool| {
        let mut c = column("extra", TEXT);
        c.not_null = not_null;
        c.default = default.map(|f| Expr {
            calls: vec![QualName::bare(f)],
            opaque: false,
            text: Some(format!("{f}()")),
        });
        alter("orders", vec![AlterCmd::AddColumn(c)])
    };
    let timeout = || set("lock_timeout", "1s", false);
    assert!(
        run(vec![timeout(), add(Some("now"), true)]).is_empty(),
        "stable default: no rewrite"
    );
    assert_eq!(
        run(vec![timeout(), add(Some("gen_random_uuid"), false)]),
        vec![(2, "add_column_rewrite", Level::Error)]
    );
    // a function the linter cannot find: a warning, not a certainty
    assert_eq!(
        run(vec![timeout(), add(Some("mystery"), false)]),
        vec![(2, "add_column_rewrite", Level::Warning)]
    );
    assert_eq!(
        run(vec![timeout(), add(None, true)]),
        vec![(2, "add_column_required", Level::Error)]
    );
    assert!(run(vec![timeout(), add(None, false)]).is_empty());
    let found = lint(
        &stmts(vec![add(Some("gen_random_uuid"), false)]),
        &fake(),
        &settings(),
    );
    let fix = found[0].finding.remediation.as_deref().unwrap();
    assert!(fix.starts_with("ALTER TABLE public.orders ADD COLUMN extra text;\nALTER TABLE public.orders ALTER COLUMN extra SET DEFAULT gen_random_uuid();"), "{fix}");
}

#[test]
fn whole_table_writes_and_data_destroying_statements() {
    let write = |filtered| Kind::Write {
        verb: Verb::Update,
        table: t("orders"),
        filtered,
    };
    assert_eq!(
        run(vec![write(false)]),
        vec![(1, "whole_table_write", Level::Error)]
    );
    assert!(run(vec![write(true)]).is_empty());
    assert!(run(vec![Kind::Write {
        verb: Verb::Delete,
        table: t("empty"),
        filtered: false
    }])
    .is_empty());
    let vacuum = Kind::Vacuum {
        full: true,
        tables: vec![t("orders")],
    };
    assert_eq!(run(vec![vacuum]), vec![(1, "vacuum_full", Level::Error)]);
}

#[test]
fn renames_and_drops_break_clients_but_not_of_new_tables() {
    let rename = Kind::Rename(Rename {
        kind: ObjectKind::Column,
        relation: Some(t("orders")),
        column: Some("note".into()),
        new_name: "notes".into(),
    });
    let found = run(vec![set("lock_timeout", "1s", false), rename]);
    assert_eq!(found, vec![(2, "rename_breaks_clients", Level::Warning)]);
    let drop = |name: &str| {
        Kind::Drop(Drop {
            kind: ObjectKind::Table,
            objects: vec![t(name)],
            concurrent: false,
            cascade: false,
            concurrently_at: None,
        })
    };
    let found = run(vec![drop("orders")]);
    assert_eq!(
        found,
        vec![
            (1, "drop_breaks_clients", Level::Warning),
            (1, "lock_timeout_missing", Level::Warning)
        ]
    );
    // a table dropped is gone for what follows
    assert!(run(vec![drop("empty"), index("empty", "id", false)])
        .iter()
        .all(|f| f.1 == "drop_breaks_clients"));
}

#[test]
fn set_local_ends_with_the_transaction_and_search_path_resolves() {
    let nn = alter("orders", vec![AlterCmd::SetNotNull("note".into())]);
    let found = run(vec![
        Kind::Transaction(Transaction::Begin),
        set("lock_timeout", "2s", true),
        nn.clone(),
        Kind::Transaction(Transaction::Commit),
        nn.clone(),
    ]);
    assert_eq!(found, vec![(5, "lock_timeout_missing", Level::Warning)]);
    assert!(run(vec![
        set("lock_timeout", "0", false),
        set("lock_timeout", "3s", false),
        nn.clone()
    ])
    .is_empty());
    assert_eq!(run(vec![set("lock_timeout", "0", false), nn]).len(), 1);
    // customers lives in app: found once app is on the path
    let idx = index("customers", "status", false);
    assert!(
        run(vec![idx.clone()]).is_empty(),
        "not on the path: unknown, nothing to say"
    );
    assert_eq!(
        run(vec![set("search_path", "app", false), idx]),
        vec![(2, "index_without_concurrently", Level::Error)]
    );
}

#[test]
fn lock_table_needs_a_timeout_unless_nowait() {
    let lock = |mode, nowait| Kind::Lock {
        tables: vec![t("orders")],
        mode,
        nowait,
    };
    assert_eq!(
        run(vec![lock(locks::Lock::AccessExclusive, false)]),
        vec![(1, "lock_timeout_missing", Level::Warning)]
    );
    assert!(run(vec![lock(locks::Lock::AccessExclusive, true)]).is_empty());
    assert!(run(vec![lock(locks::Lock::ShareUpdateExclusive, false)]).is_empty());
    assert!(run(vec![lock(locks::Lock::Exclusive, false),]).len() == 1);
}

#[test]
fn design_advice_on_new_columns() {
    let mut serial = column("id", UNKNOWN);
    serial.ty.names = vec!["serial".into()];
    let create = Kind::CreateTable(CreateTable {
        table: t("events"),
        columns: vec![
            serial,
            column("at", TIMESTAMP),
            column("code", VARCHAR_20),
            column("n", INTEGER),
        ],
        constraints: vec![ConstraintDef {
            name: None,
            kind: ConstraintKind::PrimaryKey(KeyDef {
                columns: vec!["id".into()],
                include: vec![],
                using_index: None,
            }),
            not_valid: false,
            span: None,
            on_new_column: false,
        }],
        partitioned: false,
        temporary: false,
    });
    let mut found = run(vec![create]);
    found.sort();
    assert_eq!(
        found,
        vec![
            (1, "discouraged_column_type", Level::Info),
            (1, "discouraged_column_type", Level::Info),
            (1, "discouraged_column_type", Level::Info),
            (1, "integer_primary_key", Level::Info),
        ]
    );
}

#[test]
fn every_rule_is_documented() {
    let doc = include_str!("../../../docs/rules/migrations.md");
    for r in RULES {
        assert!(
            doc.contains(&format!("`{}`", r.id)),
            "docs/rules/migrations.md lacks {}",
            r.id
        );
    }
}
