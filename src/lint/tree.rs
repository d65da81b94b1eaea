//! PostgreSQL's raw parse tree of a migration script, reduced to the linter's statements
//! (`database_advisor_core::lint::ir`). Nothing here looks at the catalog: names stay as
//! written, and the type names stay as parse nodes for the catalog to resolve later.

use super::nodes::{constant, elements, strings, tag, text};
use crate::parse::{code_of, tokens, Token};
use database_advisor_core::lint::ir::*;
use pgrx::pg_sys;
use pgrx::pg_sys::NodeTag as T;

/// The statements of a script and the type-name nodes their `TypeRef::handle`s index.
pub struct Parsed {
    pub statements: Vec<Statement>,
    pub types: Vec<*mut pg_sys::TypeName>,
}

/// Walk the raw statements of `script`.
///
/// # Safety
/// `raw` are the RawStmt nodes `raw_parser` returned for `script`.
pub unsafe fn statements(script: &str, raw: &[*mut pg_sys::RawStmt]) -> Parsed {
    let mut types = Vec::new();
    let mut out = Vec::new();
    for (i, &r) in raw.iter().enumerate() {
        // SAFETY: per the contract
        let (loc, len, node) =
            unsafe { ((*r).stmt_location.max(0) as usize, (*r).stmt_len, (*r).stmt) };
        let end = if len <= 0 {
            script.len()
        } else {
            (loc + len as usize).min(script.len())
        };
        let region = &script[loc..end];
        let toks = tokens(region).unwrap_or_default();
        let lead = toks.first().map_or(0, |t| t.start);
        let text = region[lead..].trim_end();
        let start = loc + lead;
        let mut w = Walker {
            start,
            text,
            toks: toks
                .iter()
                .map(|t| Token {
                    code: t.code,
                    start: t.start - lead,
                })
                .collect(),
            types: &mut types,
        };
        // SAFETY: `node` is the statement's parse node
        let kind = unsafe { w.kind(node) };
        out.push(Statement {
            number: i + 1,
            line: script[..start].matches('\n').count() + 1,
            text: text.to_string(),
            kind,
        });
    }
    Parsed {
        statements: out,
        types,
    }
}

struct Walker<'a> {
    /// Byte offset of the statement in the script (parse node locations count from the
    /// script's start).
    start: usize,
    text: &'a str,
    toks: Vec<Token>,
    types: &'a mut Vec<*mut pg_sys::TypeName>,
}

const COMMA: i32 = b',' as i32;
const OPEN: i32 = b'(' as i32;
const CLOSE: i32 = b')' as i32;
const SEMI: i32 = b';' as i32;
const OPEN_BRACKET: i32 = b'[' as i32;
const CLOSE_BRACKET: i32 = b']' as i32;

/// Keywords that start a column constraint (and so end the one before it).
const COLUMN_CONSTRAINT_STARTS: &[&str] = &[
    "not",
    "null",
    "constraint",
    "check",
    "references",
    "primary",
    "unique",
    "collate",
    "generated",
    "default",
];

fn codes(words: &[&str]) -> Vec<i32> {
    words.iter().filter_map(|w| code_of(w)).collect()
}

impl Walker<'_> {
    /// A parse location as an offset in the statement's text.
    fn offset(&self, location: i32) -> Option<usize> {
        usize::try_from(location).ok()?.checked_sub(self.start)
    }

    /// Just after the first keyword of `words` (where `CONCURRENTLY` goes).
    fn after_keyword(&self, words: &[&str]) -> Option<usize> {
        let codes = codes(words);
        let t = self.toks.iter().find(|t| codes.contains(&t.code))?;
        let len = self.text[t.start..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(self.text.len() - t.start);
        Some(t.start + len)
    }

    /// From the token at `from` to where its list element ends: a comma or closing
    /// parenthesis at depth 0, a semicolon, a token of `stop` at depth 0, or the end.
    fn element_end(&self, from: usize, stop: &[i32]) -> usize {
        let mut depth = 0;
        for t in self.toks.iter().filter(|t| t.start > from) {
            match t.code {
                OPEN | OPEN_BRACKET => depth += 1,
                CLOSE | CLOSE_BRACKET if depth == 0 => return t.start,
                CLOSE | CLOSE_BRACKET => depth -= 1,
                COMMA | SEMI if depth == 0 => return t.start,
                c if depth == 0 && stop.contains(&c) => return t.start,
                _ => {}
            }
        }
        self.text.len()
    }

    /// The text of a `DEFAULT` expression whose keyword is at `location`.
    fn default_text(&self, location: i32) -> Option<String> {
        let at = self.offset(location)?;
        let first = self.toks.iter().find(|t| t.start > at)?;
        let stop = codes(COLUMN_CONSTRAINT_STARTS);
        let end = self.element_end(first.start, &stop);
        let s = self.text.get(first.start..end)?.trim();
        (!s.is_empty()).then(|| s.to_string())
    }

    unsafe fn qual(&self, rv: *mut pg_sys::RangeVar) -> QualName {
        // SAFETY: a RangeVar from the parser
        unsafe {
            QualName {
                schema: text((*rv).schemaname),
                name: text((*rv).relname).unwrap_or_default(),
            }
        }
    }

    /// A name given as a List of String nodes (`DROP INDEX a.b`).
    unsafe fn qual_list(&self, list: *mut pg_sys::List) -> Option<QualName> {
        // SAFETY: a List of String nodes
        let parts = unsafe { strings(list) };
        match parts.as_slice() {
            [name] => Some(QualName::bare(name)),
            [.., schema, name] => Some(QualName::qualified(schema, name)),
            [] => None,
        }
    }

    unsafe fn kind(&mut self, node: *mut pg_sys::Node) -> Kind {
        // SAFETY: each arm casts to the struct its tag names
        unsafe {
            match tag(node) {
                T::T_CreateStmt => self.create_table(node as *mut pg_sys::CreateStmt),
                T::T_IndexStmt => self.create_index(node as *mut pg_sys::IndexStmt),
                T::T_AlterTableStmt => self.alter_table(node as *mut pg_sys::AlterTableStmt),
                T::T_DropStmt => self.drop(node as *mut pg_sys::DropStmt),
                T::T_ReindexStmt => self.reindex(node as *mut pg_sys::ReindexStmt),
                T::T_RenameStmt => self.rename(node as *mut pg_sys::RenameStmt),
                T::T_VacuumStmt => {
                    let v = node as *mut pg_sys::VacuumStmt;
                    if !(*v).is_vacuumcmd {
                        return Kind::Other {
                            tag: "ANALYZE".into(),
                        };
                    }
                    let full = option_on((*v).options, "full");
                    let tables = elements((*v).rels)
                        .into_iter()
                        .filter(|&r| tag(r) == T::T_VacuumRelation)
                        .map(|r| self.qual((*(r as *mut pg_sys::VacuumRelation)).relation))
                        .collect();
                    Kind::Vacuum { full, tables }
                }
                T::T_ClusterStmt => {
                    let rv = (*(node as *mut pg_sys::ClusterStmt)).relation;
                    Kind::Cluster {
                        table: (!rv.is_null()).then(|| self.qual(rv)),
                    }
                }
                T::T_UpdateStmt => {
                    let u = node as *mut pg_sys::UpdateStmt;
                    Kind::Write {
                        verb: Verb::Update,
                        table: self.qual((*u).relation),
                        filtered: !(*u).whereClause.is_null(),
                    }
                }
                T::T_DeleteStmt => {
                    let d = node as *mut pg_sys::DeleteStmt;
                    Kind::Write {
                        verb: Verb::Delete,
                        table: self.qual((*d).relation),
                        filtered: !(*d).whereClause.is_null(),
                    }
                }
                T::T_TruncateStmt => Kind::Truncate {
                    tables: elements((*(node as *mut pg_sys::TruncateStmt)).relations)
                        .into_iter()
                        .map(|r| self.qual(r as *mut pg_sys::RangeVar))
                        .collect(),
                },
                T::T_VariableSetStmt => self.set(node as *mut pg_sys::VariableSetStmt),
                T::T_LockStmt => {
                    let l = node as *mut pg_sys::LockStmt;
                    Kind::Lock {
                        tables: elements((*l).relations)
                            .into_iter()
                            .map(|r| self.qual(r as *mut pg_sys::RangeVar))
                            .collect(),
                        mode: database_advisor_core::lint::locks::Lock::from_mode((*l).mode),
                        nowait: (*l).nowait,
                    }
                }
                T::T_TransactionStmt => {
                    use pg_sys::TransactionStmtKind as K;
                    Kind::Transaction(match (*(node as *mut pg_sys::TransactionStmt)).kind {
                        K::TRANS_STMT_BEGIN | K::TRANS_STMT_START => Transaction::Begin,
                        K::TRANS_STMT_COMMIT => Transaction::Commit,
                        K::TRANS_STMT_ROLLBACK => Transaction::Rollback,
                        _ => Transaction::Other,
                    })
                }
                T::T_CreateSchemaStmt => {
                    match text((*(node as *mut pg_sys::CreateSchemaStmt)).schemaname) {
                        Some(name) => Kind::CreateSchema { name },
                        None => Kind::Other {
                            tag: "CREATE SCHEMA".into(),
                        },
                    }
                }
                other => Kind::Other {
                    tag: format!("{other:?}").trim_start_matches("T_").to_string(),
                },
            }
        }
    }

    unsafe fn create_table(&mut self, c: *mut pg_sys::CreateStmt) -> Kind {
        // SAFETY: a CreateStmt and its elements
        unsafe {
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            for e in elements((*c).tableElts) {
                match tag(e) {
                    T::T_ColumnDef => {
                        let (col, cons) = self.column(e as *mut pg_sys::ColumnDef);
                        columns.push(col);
                        constraints.extend(cons);
                    }
                    T::T_Constraint => {
                        constraints.extend(self.constraint(e as *mut pg_sys::Constraint, None))
                    }
                    _ => {}
                }
            }
            for e in elements((*c).constraints) {
                constraints.extend(self.constraint(e as *mut pg_sys::Constraint, None));
            }
            Kind::CreateTable(CreateTable {
                table: self.qual((*c).relation),
                columns,
                constraints,
                partitioned: !(*c).partspec.is_null(),
                temporary: (*(*c).relation).relpersistence
                    == pg_sys::RELPERSISTENCE_TEMP as std::ffi::c_char,
            })
        }
    }

    /// A column definition and the key, check and FK constraints written on it.
    unsafe fn column(&mut self, cd: *mut pg_sys::ColumnDef) -> (ColumnDef, Vec<ConstraintDef>) {
        // SAFETY: a ColumnDef and its constraint nodes
        unsafe {
            let name = text((*cd).colname).unwrap_or_default();
            let tn = (*cd).typeName;
            let ty = TypeRef {
                names: if tn.is_null() {
                    Vec::new()
                } else {
                    strings((*tn).names)
                },
                array: !tn.is_null() && !(*tn).arrayBounds.is_null(),
                handle: self.types.len(),
            };
            self.types.push(tn);
            let mut col = ColumnDef {
                name: name.clone(),
                ty,
                not_null: (*cd).is_not_null,
                default: None,
                identity: (*cd).identity != 0,
                generated: (*cd).generated != 0,
            };
            if !(*cd).raw_default.is_null() {
                col.default = Some(self.expr((*cd).raw_default, None));
            }
            let mut constraints = Vec::new();
            for n in elements((*cd).constraints) {
                let con = n as *mut pg_sys::Constraint;
                use pg_sys::ConstrType as C;
                match (*con).contype {
                    C::CONSTR_NOTNULL => col.not_null = true,
                    C::CONSTR_DEFAULT => {
                        let text = self.default_text((*con).location);
                        col.default = Some(self.expr((*con).raw_expr, text));
                    }
                    C::CONSTR_IDENTITY => col.identity = true,
                    C::CONSTR_GENERATED => col.generated = true,
                    _ => constraints.extend(self.constraint(con, Some(&name))),
                }
            }
            (col, constraints)
        }
    }

    /// A key, check, exclusion or FK constraint (`column` for one written on a column).
    unsafe fn constraint(
        &mut self,
        con: *mut pg_sys::Constraint,
        column: Option<&str>,
    ) -> Option<ConstraintDef> {
        // SAFETY: a Constraint node
        unsafe {
            use pg_sys::ConstrType as C;
            let on_column = || column.map(|c| vec![c.to_string()]).unwrap_or_default();
            let keys = |list: *mut pg_sys::List| {
                let k = strings(list);
                if k.is_empty() {
                    on_column()
                } else {
                    k
                }
            };
            let key = || KeyDef {
                columns: keys((*con).keys),
                include: strings((*con).including),
                using_index: text((*con).indexname),
            };
            let kind = match (*con).contype {
                C::CONSTR_PRIMARY => ConstraintKind::PrimaryKey(key()),
                C::CONSTR_UNIQUE => ConstraintKind::Unique(key()),
                C::CONSTR_EXCLUSION => ConstraintKind::Exclusion,
                C::CONSTR_FOREIGN => ConstraintKind::ForeignKey(ForeignKeyDef {
                    columns: keys((*con).fk_attrs),
                    references: self.qual((*con).pktable),
                    ref_columns: strings((*con).pk_attrs),
                }),
                C::CONSTR_CHECK => ConstraintKind::Check {
                    not_null_of: not_null_test((*con).raw_expr),
                },
                _ => return None,
            };
            // a column's constraint ends where its next one (or the column) does
            let stop: &[&str] = if column.is_some() {
                COLUMN_CONSTRAINT_STARTS
            } else {
                &["not"]
            };
            let span = self
                .offset((*con).location)
                .map(|s| (s, self.element_end(s, &codes(stop))));
            Some(ConstraintDef {
                name: text((*con).conname),
                kind,
                not_valid: (*con).skip_validation,
                span,
                on_new_column: false,
            })
        }
    }

    /// The functions an expression calls (and whether it holds anything else to judge).
    unsafe fn expr(&self, node: *mut pg_sys::Node, text: Option<String>) -> Expr {
        let mut e = Expr {
            text,
            ..Expr::default()
        };
        // SAFETY: a raw expression tree
        unsafe { calls(node, &mut e) };
        e
    }

    unsafe fn create_index(&mut self, ix: *mut pg_sys::IndexStmt) -> Kind {
        // SAFETY: an IndexStmt and its IndexElems
        unsafe {
            let keys = elements((*ix).indexParams)
                .into_iter()
                .map(|e| text((*(e as *mut pg_sys::IndexElem)).name))
                .collect();
            Kind::CreateIndex(CreateIndex {
                table: self.qual((*ix).relation),
                name: text((*ix).idxname),
                unique: (*ix).unique,
                concurrent: (*ix).concurrent,
                keys,
                partial: !(*ix).whereClause.is_null(),
                method: text((*ix).accessMethod).unwrap_or_else(|| "btree".into()),
                only: !(*(*ix).relation).inh,
                if_not_exists: (*ix).if_not_exists,
                concurrently_at: self.after_keyword(&["index"]),
            })
        }
    }

    unsafe fn alter_table(&mut self, a: *mut pg_sys::AlterTableStmt) -> Kind {
        // SAFETY: an AlterTableStmt and its AlterTableCmds
        unsafe {
            #[cfg(feature = "pg13")]
            let objtype = (*a).relkind;
            #[cfg(not(feature = "pg13"))]
            let objtype = (*a).objtype;
            let mut cmds = Vec::new();
            for n in elements((*a).cmds) {
                let cmd = n as *mut pg_sys::AlterTableCmd;
                cmds.extend(self.alter_cmd(cmd));
            }
            Kind::AlterTable(AlterTable {
                table: self.qual((*a).relation),
                object: object_kind(objtype),
                cmds,
            })
        }
    }

    unsafe fn alter_cmd(&mut self, cmd: *mut pg_sys::AlterTableCmd) -> Vec<AlterCmd> {
        // SAFETY: an AlterTableCmd; `def` is the node its subtype says
        unsafe {
            use pg_sys::AlterTableType as A;
            let name = || text((*cmd).name).unwrap_or_default();
            let def = (*cmd).def;
            let one = match (*cmd).subtype {
                A::AT_AddColumn => {
                    let (col, cons) = self.column(def as *mut pg_sys::ColumnDef);
                    // constraints written on the new column: PostgreSQL checks every row
                    // for a CHECK, but marks a foreign key on a column without a default
                    // valid at once (all its values are NULL)
                    let no_default = col.default.is_none();
                    let mut out = vec![AlterCmd::AddColumn(col)];
                    out.extend(cons.into_iter().map(|mut c| {
                        let fk = matches!(c.kind, ConstraintKind::ForeignKey(_));
                        c.not_valid |= fk && no_default;
                        c.on_new_column = true;
                        AlterCmd::AddConstraint(c)
                    }));
                    return out;
                }
                A::AT_DropColumn => AlterCmd::DropColumn(name()),
                A::AT_AlterColumnType => {
                    let cd = def as *mut pg_sys::ColumnDef;
                    let (col, _) = self.column(cd);
                    AlterCmd::AlterType {
                        column: name(),
                        ty: col.ty,
                        using: !(*cd).raw_default.is_null(),
                    }
                }
                A::AT_SetNotNull => AlterCmd::SetNotNull(name()),
                A::AT_DropNotNull => AlterCmd::DropNotNull(name()),
                A::AT_ColumnDefault => AlterCmd::SetDefault(name()),
                A::AT_AddConstraint => {
                    match self.constraint(def as *mut pg_sys::Constraint, None) {
                        Some(c) => AlterCmd::AddConstraint(c),
                        None => AlterCmd::Other {
                            what: "ADD CONSTRAINT".into(),
                            weak_lock: false,
                        },
                    }
                }
                A::AT_ValidateConstraint => AlterCmd::ValidateConstraint(name()),
                A::AT_DropConstraint => AlterCmd::DropConstraint(name()),
                A::AT_SetLogged => AlterCmd::SetLogged(true),
                A::AT_SetUnLogged => AlterCmd::SetLogged(false),
                A::AT_SetTableSpace => AlterCmd::SetTablespace,
                #[cfg(not(any(feature = "pg13", feature = "pg14")))]
                A::AT_SetAccessMethod => AlterCmd::SetAccessMethod,
                A::AT_SetStatistics
                | A::AT_SetOptions
                | A::AT_ResetOptions
                | A::AT_ClusterOn
                | A::AT_DropCluster
                | A::AT_SetRelOptions
                | A::AT_ResetRelOptions
                | A::AT_AttachPartition => AlterCmd::Other {
                    what: format!("{:?}", (*cmd).subtype),
                    weak_lock: true,
                },
                other => AlterCmd::Other {
                    what: format!("{other:?}"),
                    weak_lock: false,
                },
            };
            vec![one]
        }
    }

    unsafe fn drop(&mut self, d: *mut pg_sys::DropStmt) -> Kind {
        // SAFETY: a DropStmt; relation objects are Lists of String nodes
        unsafe {
            let kind = object_kind((*d).removeType);
            let objects = match kind {
                ObjectKind::Table
                | ObjectKind::Index
                | ObjectKind::View
                | ObjectKind::MaterializedView => elements((*d).objects)
                    .into_iter()
                    .filter_map(|o| self.qual_list(o as *mut pg_sys::List))
                    .collect(),
                _ => Vec::new(),
            };
            Kind::Drop(Drop {
                kind,
                objects,
                concurrent: (*d).concurrent,
                cascade: (*d).behavior == pg_sys::DropBehavior::DROP_CASCADE,
                concurrently_at: self.after_keyword(&["index"]),
            })
        }
    }

    unsafe fn reindex(&mut self, r: *mut pg_sys::ReindexStmt) -> Kind {
        // SAFETY: a ReindexStmt
        unsafe {
            use pg_sys::ReindexObjectType as R;
            let kind = match (*r).kind {
                R::REINDEX_OBJECT_INDEX => ObjectKind::Index,
                R::REINDEX_OBJECT_TABLE => ObjectKind::Table,
                _ => ObjectKind::Other,
            };
            #[cfg(feature = "pg13")]
            let concurrent = (*r).concurrent;
            #[cfg(not(feature = "pg13"))]
            let concurrent = option_on((*r).params, "concurrently");
            let rv = (*r).relation;
            Kind::Reindex(Reindex {
                kind,
                target: (!rv.is_null()).then(|| self.qual(rv)),
                concurrent,
                concurrently_at: self
                    .after_keyword(&["index", "table", "schema", "database", "system"]),
            })
        }
    }

    unsafe fn rename(&mut self, r: *mut pg_sys::RenameStmt) -> Kind {
        // SAFETY: a RenameStmt
        unsafe {
            let rv = (*r).relation;
            Kind::Rename(Rename {
                kind: object_kind((*r).renameType),
                relation: (!rv.is_null()).then(|| self.qual(rv)),
                column: text((*r).subname),
                new_name: text((*r).newname).unwrap_or_default(),
            })
        }
    }

    unsafe fn set(&mut self, s: *mut pg_sys::VariableSetStmt) -> Kind {
        // SAFETY: a VariableSetStmt and its constant arguments
        unsafe {
            use pg_sys::VariableSetKind as V;
            let name = text((*s).name).unwrap_or_default().to_lowercase();
            let value = match (*s).kind {
                V::VAR_SET_VALUE => SetValue::Values(
                    elements((*s).args)
                        .into_iter()
                        .filter_map(|a| constant(a))
                        .collect(),
                ),
                V::VAR_SET_DEFAULT | V::VAR_RESET => SetValue::Default,
                V::VAR_RESET_ALL => {
                    return Kind::Set(Set {
                        name: String::new(),
                        value: SetValue::Default,
                        local: false,
                    })
                }
                _ => return Kind::Other { tag: "SET".into() },
            };
            Kind::Set(Set {
                name,
                value,
                local: (*s).is_local,
            })
        }
    }
}

/// Whether the DefElem `name` in `options` is on (`(CONCURRENTLY)`, `(FULL true)`).
unsafe fn option_on(options: *mut pg_sys::List, name: &str) -> bool {
    // SAFETY: a List of DefElem nodes
    unsafe {
        elements(options).into_iter().any(|o| {
            let d = o as *mut pg_sys::DefElem;
            tag(o) == T::T_DefElem
                && text((*d).defname).as_deref() == Some(name)
                && ((*d).arg.is_null()
                    || !matches!(
                        constant((*d).arg).map(|v| v.to_lowercase()).as_deref(),
                        Some("false" | "off" | "0" | "no")
                    ))
        })
    }
}

fn object_kind(t: pg_sys::ObjectType::Type) -> ObjectKind {
    use pg_sys::ObjectType as O;
    match t {
        O::OBJECT_TABLE | O::OBJECT_FOREIGN_TABLE => ObjectKind::Table,
        O::OBJECT_INDEX => ObjectKind::Index,
        O::OBJECT_VIEW => ObjectKind::View,
        O::OBJECT_MATVIEW => ObjectKind::MaterializedView,
        O::OBJECT_SEQUENCE => ObjectKind::Sequence,
        O::OBJECT_SCHEMA => ObjectKind::Schema,
        O::OBJECT_COLUMN => ObjectKind::Column,
        _ => ObjectKind::Other,
    }
}

/// `col IS NOT NULL`: the column.
unsafe fn not_null_test(node: *mut pg_sys::Node) -> Option<String> {
    // SAFETY: the tags say which structs they are
    unsafe {
        if tag(node) != T::T_NullTest {
            return None;
        }
        let nt = node as *mut pg_sys::NullTest;
        if (*nt).nulltesttype != pg_sys::NullTestType::IS_NOT_NULL {
            return None;
        }
        let arg = (*nt).arg as *mut pg_sys::Node;
        if tag(arg) != T::T_ColumnRef {
            return None;
        }
        match strings((*(arg as *mut pg_sys::ColumnRef)).fields).as_slice() {
            [c] => Some(c.clone()),
            _ => None,
        }
    }
}

/// Collect the function calls of a raw expression; anything the linter does not judge
/// marks it opaque.
unsafe fn calls(node: *mut pg_sys::Node, e: &mut Expr) {
    // SAFETY: each arm casts to the struct its tag names
    unsafe {
        let each = |list: *mut pg_sys::List, e: &mut Expr| {
            for n in elements(list) {
                calls(n, e);
            }
        };
        match tag(node) {
            T::T_Invalid
            | T::T_A_Const
            | T::T_ColumnRef
            | T::T_ParamRef
            | T::T_SQLValueFunction => {}
            T::T_FuncCall => {
                let f = node as *mut pg_sys::FuncCall;
                let parts = strings((*f).funcname);
                match parts.as_slice() {
                    [name] => e.calls.push(QualName::bare(name)),
                    [.., schema, name] => e.calls.push(QualName::qualified(schema, name)),
                    [] => e.opaque = true,
                }
                each((*f).args, e);
            }
            T::T_TypeCast => calls((*(node as *mut pg_sys::TypeCast)).arg, e),
            T::T_CollateClause => calls((*(node as *mut pg_sys::CollateClause)).arg, e),
            T::T_A_Expr => {
                let a = node as *mut pg_sys::A_Expr;
                calls((*a).lexpr, e);
                calls((*a).rexpr, e);
            }
            T::T_List => each(node as *mut pg_sys::List, e),
            T::T_BoolExpr => each((*(node as *mut pg_sys::BoolExpr)).args, e),
            T::T_NullTest => calls(
                (*(node as *mut pg_sys::NullTest)).arg as *mut pg_sys::Node,
                e,
            ),
            T::T_CoalesceExpr => each((*(node as *mut pg_sys::CoalesceExpr)).args, e),
            T::T_MinMaxExpr => each((*(node as *mut pg_sys::MinMaxExpr)).args, e),
            T::T_A_ArrayExpr => each((*(node as *mut pg_sys::A_ArrayExpr)).elements, e),
            T::T_RowExpr => each((*(node as *mut pg_sys::RowExpr)).args, e),
            T::T_CaseExpr => {
                let c = node as *mut pg_sys::CaseExpr;
                calls((*c).arg as *mut pg_sys::Node, e);
                for w in elements((*c).args) {
                    let w = w as *mut pg_sys::CaseWhen;
                    calls((*w).expr as *mut pg_sys::Node, e);
                    calls((*w).result as *mut pg_sys::Node, e);
                }
                calls((*c).defresult as *mut pg_sys::Node, e);
            }
            _ => e.opaque = true,
        }
    }
}
