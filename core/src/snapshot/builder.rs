//! Hand-built snapshots for tests and benchmarks: a few calls describe a schema.

use super::*;
use crate::quote;

/// Operator family and operator the builder uses for every btree / hash key column.
pub const BTREE_FAMILY: Oid = 1976;
pub const HASH_FAMILY: Oid = 1977;
pub const EQ_OP: Oid = 96;
pub const BTREE_CLASS: Oid = 1978;
/// The role that owns everything the builder creates (a login, non-superuser role).
pub const OWNER: Oid = 16000;

/// Builds a [`Snapshot`] without a server. OIDs are assigned from 16384 up.
pub struct SnapshotBuilder {
    snap: Snapshot,
    next_oid: Oid,
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl SnapshotBuilder {
    pub fn new() -> Self {
        let mut snap = Snapshot {
            server_version_num: 150000,
            ..Snapshot::default()
        };
        snap.opfamily_ops.insert((BTREE_FAMILY, EQ_OP));
        snap.opfamily_ops.insert((HASH_FAMILY, EQ_OP));
        snap.stats_window = StatsWindow {
            since: "2026-11-01 00:00:00+00".into(),
            from_reset: true,
            seconds: 14.0 * 86400.0,
        };
        snap.roles.insert(
            OWNER,
            Role {
                oid: OWNER,
                name: "app_owner".into(),
                login: true,
                ..Role::default()
            },
        );
        SnapshotBuilder {
            snap,
            next_oid: 16384,
        }
    }

    fn oid(&mut self) -> Oid {
        self.next_oid += 1;
        self.next_oid
    }

    fn namespace(&mut self, name: &str) -> Oid {
        if let Some(ns) = self.snap.namespaces.values().find(|n| n.name == name) {
            return ns.oid;
        }
        let oid = self.oid();
        self.snap.namespaces.insert(
            oid,
            Namespace {
                oid,
                name: name.into(),
                owner: OWNER,
                grants: vec![Grant::new(OWNER, "USAGE"), Grant::new(OWNER, "CREATE")],
            },
        );
        oid
    }

    fn relation(&mut self, schema: &str, name: &str, kind: RelKind) -> Oid {
        let namespace = self.namespace(schema);
        let oid = self.oid();
        self.snap.relations.insert(
            oid,
            Relation {
                oid,
                namespace,
                name: name.into(),
                kind,
                is_partition: false,
                reltuples: 0.0,
                size_bytes: 8192,
                extension_member: false,
                stats: Some(Box::default()),
                owner: OWNER,
                rls_enabled: false,
                rls_forced: false,
                security_invoker: false,
                grants: Vec::new(),
                identity: Default::default(),
            },
        );
        oid
    }

    fn add_columns(&mut self, rel: Oid, columns: &[&str]) {
        for (i, c) in columns.iter().enumerate() {
            if c.is_empty() {
                continue; // an empty name stands for a dropped column
            }
            self.snap.attributes.insert(
                (rel, i as i16 + 1),
                Attribute {
                    name: (*c).into(),
                    type_oid: 25,
                    collation: 0,
                    type_name: "text".into(),
                    type_schema: "pg_catalog".into(),
                    type_category: 'S',
                    not_null: false,
                    typmod: -1,
                },
            );
        }
    }

    /// An ordinary table. An empty column name stands for a dropped column (shifts attnums).
    pub fn table(&mut self, schema: &str, name: &str, columns: &[&str]) -> Oid {
        let oid = self.relation(schema, name, RelKind::Table);
        self.add_columns(oid, columns);
        oid
    }

    pub fn partitioned_table(&mut self, schema: &str, name: &str, columns: &[&str]) -> Oid {
        let oid = self.relation(schema, name, RelKind::PartitionedTable);
        self.add_columns(oid, columns);
        oid
    }

    /// A partition of `parent` with its own column layout (attnums may differ).
    pub fn partition(&mut self, parent: Oid, name: &str, columns: &[&str], leaf: bool) -> Oid {
        let schema = self
            .snap
            .schema_name(&self.snap.relations[&parent])
            .to_string();
        let kind = if leaf {
            RelKind::Table
        } else {
            RelKind::PartitionedTable
        };
        let oid = self.relation(&schema, name, kind);
        self.add_columns(oid, columns);
        self.snap.relations.get_mut(&oid).unwrap().is_partition = true;
        self.snap.partition_parent.insert(oid, parent);
        oid
    }

    pub fn attnums(&self, rel: Oid, columns: &[&str]) -> Vec<i16> {
        columns
            .iter()
            .map(|c| {
                if c.starts_with('(') {
                    return 0; // an expression
                }
                self.snap
                    .attributes
                    .iter()
                    .find(|((r, _), a)| *r == rel && a.name == *c)
                    .map(|((_, n), _)| *n)
                    .unwrap_or_else(|| panic!("no column {c}"))
            })
            .collect()
    }

    /// A valid btree index on `columns` (a name starting with `(` is an expression).
    /// Returns it for tweaking (am, partial, validity, ...).
    pub fn index(&mut self, table: Oid, columns: &[&str]) -> &mut Index {
        let name = format!(
            "{}_{}_idx",
            self.snap.relations[&table].name,
            columns.join("_")
        );
        self.index_named(table, &name, columns)
    }

    pub fn index_named(&mut self, table: Oid, name: &str, columns: &[&str]) -> &mut Index {
        let schema = self
            .snap
            .schema_name(&self.snap.relations[&table])
            .to_string();
        let kind = match self.snap.relations[&table].kind {
            RelKind::PartitionedTable => RelKind::PartitionedIndex,
            _ => RelKind::Index,
        };
        let oid = self.relation(&schema, name, kind);
        let cols = self.attnums(table, columns);
        self.snap.indexes.push(Index {
            oid,
            table,
            am: "btree".into(),
            n_key: cols.len(),
            opclasses: vec![BTREE_CLASS; cols.len()],
            opfamilies: vec![BTREE_FAMILY; cols.len()],
            options: vec![0; cols.len()],
            expressions: if columns.iter().any(|c| c.starts_with('(')) {
                columns
                    .iter()
                    .map(|c| c.starts_with('(').then(|| c.to_string()))
                    .collect()
            } else {
                Vec::new()
            },
            predicate: None,
            collations: vec![0; cols.len()],
            columns: cols,
            valid: true,
            ready: true,
            live: true,
            partial: false,
            unique: false,
            primary: false,
            exclusion: false,
            replica_identity: false,
            scans: Some(0),
            plain: false,
        });
        self.snap.indexes.last_mut().unwrap()
    }

    /// A primary key constraint with its unique index.
    pub fn primary_key(&mut self, table: Oid, columns: &[&str]) -> Oid {
        let name = format!("{}_pkey", self.snap.relations[&table].name);
        self.key_constraint(table, &name, columns, ConstraintKind::PrimaryKey)
    }

    /// A PK, unique or exclusion constraint with its index; returns the constraint OID.
    pub fn key_constraint(
        &mut self,
        table: Oid,
        name: &str,
        columns: &[&str],
        kind: ConstraintKind,
    ) -> Oid {
        let ix = self.index_named(table, name, columns);
        ix.unique = kind != ConstraintKind::Exclusion;
        ix.primary = kind == ConstraintKind::PrimaryKey;
        ix.exclusion = kind == ConstraintKind::Exclusion;
        let (cols, index) = (ix.columns.clone(), ix.oid);
        let oid = self.oid();
        self.snap.constraints.push(Constraint {
            oid,
            name: name.into(),
            table,
            kind,
            columns: cols,
            parent: 0,
            index,
            foreign: None,
            validated: true,
            check: None,
            inherited: false,
        });
        oid
    }

    /// A CHECK constraint whose expression has this node tree.
    pub fn check(&mut self, table: Oid, name: &str, tree: &str) -> &mut Constraint {
        let oid = self.oid();
        self.snap.constraints.push(Constraint {
            oid,
            name: name.into(),
            table,
            kind: ConstraintKind::Check,
            columns: Vec::new(),
            parent: 0,
            index: 0,
            foreign: None,
            validated: true,
            check: Some(node_tree_key(tree)),
            inherited: false,
        });
        self.snap.constraints.last_mut().unwrap()
    }

    /// A foreign key `table(columns) REFERENCES ref_table(ref_columns)`.
    pub fn foreign_key(
        &mut self,
        name: &str,
        table: Oid,
        columns: &[&str],
        ref_table: Oid,
        ref_columns: &[&str],
    ) -> &mut Constraint {
        let cols = self.attnums(table, columns);
        let ref_cols = self.attnums(ref_table, ref_columns);
        let oid = self.oid();
        self.snap.constraints.push(Constraint {
            oid,
            name: name.into(),
            table,
            kind: ConstraintKind::ForeignKey,
            columns: cols.clone(),
            parent: 0,
            index: 0,
            foreign: Some(ForeignKey {
                ref_table,
                ref_columns: ref_cols,
                eq_ops: vec![EQ_OP; cols.len()],
            }),
            validated: true,
            check: None,
            inherited: false,
        });
        self.snap.constraints.last_mut().unwrap()
    }

    /// Attach index `child` (on a partition) to the partitioned index `parent`.
    pub fn attach_index(&mut self, child: Oid, parent: Oid) {
        self.snap.relations.get_mut(&child).unwrap().is_partition = true;
        self.snap.partition_parent.insert(child, parent);
    }

    pub fn index_by_oid_mut(&mut self, oid: Oid) -> &mut Index {
        self.snap
            .indexes
            .iter_mut()
            .find(|i| i.oid == oid)
            .expect("index")
    }

    pub fn relation_mut(&mut self, oid: Oid) -> &mut Relation {
        self.snap.relations.get_mut(&oid).expect("relation")
    }

    pub fn attribute_mut(&mut self, rel: Oid, column: &str) -> &mut Attribute {
        let n = self.attnums(rel, &[column])[0];
        self.snap.attributes.get_mut(&(rel, n)).expect("attribute")
    }

    /// A role; returns its OID.
    pub fn role(&mut self, name: &str, login: bool, superuser: bool, bypass_rls: bool) -> Oid {
        let oid = self.oid();
        self.snap.roles.insert(
            oid,
            Role {
                oid,
                name: name.into(),
                login,
                superuser,
                bypass_rls,
            },
        );
        oid
    }

    /// `GRANT privileges ON rel TO grantee` (0 = PUBLIC).
    pub fn grant(&mut self, rel: Oid, grantee: Oid, privileges: &[&'static str]) {
        let grants = &mut self.relation_mut(rel).grants;
        grants.extend(privileges.iter().map(|p| Grant::new(grantee, p)));
    }

    /// A permissive policy; `command` is `r`, `a`, `w`, `d` or `*`. Columns are the table
    /// columns it references. The node trees are PostgreSQL's for the expressions `true`
    /// and `false`, and unknown for any other text (set `using_tree` / `check_tree` to a
    /// real tree to test what is derived from them). Returns it for tweaking.
    pub fn policy(
        &mut self,
        table: Oid,
        name: &str,
        command: char,
        using: Option<&str>,
        check: Option<&str>,
        columns: &[&str],
    ) -> &mut Policy {
        let oid = self.oid();
        let columns = self.attnums(table, columns);
        self.snap.policies.push(Policy {
            oid,
            name: name.into(),
            table,
            command,
            permissive: true,
            roles: vec![PUBLIC],
            using: using.map(String::from),
            check: check.map(String::from),
            using_tree: using.and_then(literal_tree),
            check_tree: check.and_then(literal_tree),
            per_row_functions: Vec::new(),
            columns,
            folded: Default::default(),
        });
        self.snap.policies.last_mut().unwrap()
    }

    /// A function in `schema`; returns it for tweaking (SECURITY DEFINER, config, grants).
    pub fn function(&mut self, schema: &str, name: &str, args: &str) -> &mut Function {
        let namespace = self.namespace(schema);
        let oid = self.oid();
        self.snap.functions.insert(
            oid,
            Function {
                oid,
                namespace,
                schema: schema.into(),
                name: name.into(),
                identity: format!("{}.{}({args})", quote::ident(schema), quote::ident(name)),
                kind: 'f',
                volatility: 'v',
                owner: OWNER,
                grants: vec![Grant::new(PUBLIC, "EXECUTE"), Grant::new(OWNER, "EXECUTE")],
                ..Function::default()
            },
        );
        self.snap.functions.get_mut(&oid).unwrap()
    }

    pub fn namespace_mut(&mut self, schema: &str) -> &mut Namespace {
        let oid = self.namespace(schema);
        self.snap.namespaces.get_mut(&oid).unwrap()
    }

    /// A view reading `sources`.
    pub fn view(&mut self, schema: &str, name: &str, columns: &[&str], sources: &[Oid]) -> Oid {
        let oid = self.relation(schema, name, RelKind::View);
        self.add_columns(oid, columns);
        self.relation_mut(oid).stats = None;
        self.snap.view_sources.insert(oid, sources.to_vec());
        oid
    }

    pub fn extension(&mut self, name: &str, schema: &str, relocatable: bool) {
        let namespace = self.namespace(schema);
        self.snap.extensions.push(Extension {
            name: name.into(),
            namespace,
            relocatable,
            version: "1.0".into(),
            default_version: Some("1.0".into()),
        });
    }

    /// The extension named `name` (added by [`SnapshotBuilder::extension`]).
    pub fn extension_mut(&mut self, name: &str) -> &mut Extension {
        self.snap
            .extensions
            .iter_mut()
            .find(|e| e.name == name)
            .expect("an extension added before")
    }

    /// The maintenance state of `rel` (a freshly vacuumed and analyzed table to start with).
    pub fn maintenance_mut(&mut self, rel: Oid) -> &mut Maintenance {
        self.snap.maintenance.entry(rel).or_insert(Maintenance {
            vacuumed_ago: Some(600.0),
            autovacuumed: true,
            vacuum_count: 1,
            analyzed_ago: Some(600.0),
            autoanalyzed: true,
            xid_age: 1000,
            mxid_age: 10,
            ..Maintenance::default()
        })
    }

    pub fn server_maintenance_mut(&mut self) -> &mut ServerMaintenance {
        &mut self.snap.server_maintenance
    }

    /// A sequence of `type_name` (`int4`, `int8`) at `last_value`, feeding these columns.
    pub fn sequence(
        &mut self,
        schema: &str,
        name: &str,
        type_name: &str,
        last_value: Option<i64>,
        feeds: &[(Oid, &str)],
    ) -> Oid {
        let oid = self.relation(schema, name, RelKind::Sequence);
        let columns = feeds
            .iter()
            .map(|&(table, column)| (table, self.attnums(table, &[column])[0]))
            .collect();
        self.snap.sequences.push(Sequence {
            oid,
            type_name: type_name.into(),
            min: 1,
            max: health::integer_type_max(type_name).unwrap_or(i64::MAX),
            increment: 1,
            cycle: false,
            last_value,
            columns,
            serial_of: None,
        });
        oid
    }

    /// An audit trigger on `table` (row-level unless `name` is the TRUNCATE trigger).
    pub fn audit_trigger(&mut self, table: Oid, name: &str, enabled: char, cloned: bool) {
        self.snap.audit_triggers.push(AuditTrigger {
            table,
            name: name.into(),
            enabled,
            row_level: name != crate::audit::TRUNCATE_TRIGGER,
            cloned,
        });
    }

    pub fn window(&mut self, window: StatsWindow) {
        self.snap.stats_window = window;
    }

    pub fn build(self) -> Snapshot {
        self.snap.finish()
    }
}

/// The node tree of a deparsed expression that is a boolean literal.
fn literal_tree(expr: &str) -> Option<String> {
    match expr.trim() {
        "true" => Some(node_tree::bool_const_tree(true)),
        "false" => Some(node_tree::bool_const_tree(false)),
        _ => None,
    }
}
