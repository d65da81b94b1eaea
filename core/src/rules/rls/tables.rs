//! RLS state of tables, partitions, views and roles: is RLS on where it must be, does it
//! apply to the role the application connects as, can it be gone around.

use super::{
    exposed_to, owner_is_app_login, role_list, table_metadata, tables, tenant_attnum,
    tenant_policy_sql, with_table_meta,
};
use crate::config::Config;
use crate::finding::{Category, Finding, Level, Meta};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Oid, RelKind, Relation, Snapshot};
use serde_json::json;
use std::collections::HashSet;

pub const DISABLED_EXPOSED: Rule = Rule {
    id: "rls_disabled_exposed_table",
    category: Category::Security,
    default_level: Level::Error,
    description: "Table readable or writable by roles other than its owner, with Row Level \
                  Security off: every such role sees every row (error when it has the tenant column)",
    check: disabled_exposed,
    parts: super::PARTS,
};

pub const POLICY_WITHOUT_RLS: Rule = Rule {
    id: "rls_policy_without_rls",
    category: Category::Security,
    default_level: Level::Error,
    description: "Table has policies but Row Level Security is off, so none of them applies",
    check: policy_without_rls,
    parts: super::PARTS,
};

pub const ENABLED_NO_POLICY: Rule = Rule {
    id: "rls_enabled_no_policy",
    category: Category::Security,
    default_level: Level::Info,
    description: "Row Level Security is on but the table has no policy: every role but the \
                  owner sees no rows",
    check: enabled_no_policy,
    parts: super::PARTS,
};

pub const NOT_FORCED: Rule = Rule {
    id: "rls_not_forced",
    category: Category::Security,
    default_level: Level::Warning,
    description: "Row Level Security is on but not forced while the owner is a login role: \
                  an application connecting as the owner bypasses every policy",
    check: not_forced,
    parts: super::PARTS,
};

pub const PARTITION_UNPROTECTED: Rule = Rule {
    id: "rls_partition_unprotected",
    category: Category::Security,
    default_level: Level::Error,
    description: "Partition granted directly without the RLS of its parent: the parent's \
                  policies apply only when the parent is queried",
    check: partition_unprotected,
    parts: super::PARTS,
};

pub const BYPASS_ROLE: Rule = Rule {
    id: "rls_bypass_role",
    category: Category::Security,
    default_level: Level::Warning,
    description: "Login role with BYPASSRLS (not a superuser): it ignores every policy",
    check: bypass_role,
    parts: super::PARTS,
};

pub const VIEW_BYPASS: Rule = Rule {
    id: "rls_view_bypass",
    category: Category::Security,
    default_level: Level::Error,
    description: "View over an RLS table without security_invoker, readable by other roles: \
                  it applies its owner's rights, not the caller's",
    check: view_bypass,
    parts: super::PARTS,
};

/// `ALTER TABLE ... ENABLE` (and `FORCE` when the owner is a login role).
fn enable_sql(snap: &Snapshot, rel: &Relation) -> String {
    let id = snap.rel_identity(rel.oid);
    let mut sql = format!("ALTER TABLE {id} ENABLE ROW LEVEL SECURITY;");
    if owner_is_app_login(snap, rel) && !rel.rls_forced {
        sql.push_str(&format!("\nALTER TABLE {id} FORCE ROW LEVEL SECURITY;"));
    }
    sql
}

fn disabled_exposed(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for rel in tables(snap, config) {
        // partitions: rls_partition_unprotected; tables with policies: rls_policy_without_rls
        if rel.rls_enabled || rel.is_partition || snap.policies_on(rel.oid).next().is_some() {
            continue;
        }
        let roles = exposed_to(snap, rel, config);
        if roles.is_empty() {
            continue;
        }
        let id = snap.rel_identity(rel.oid);
        let tenant = tenant_attnum(snap, rel, config);
        let (level, remediation, detail) = match tenant {
            Some(attnum) => {
                let mut sql = enable_sql(snap, rel);
                sql.push('\n');
                sql.push_str(&tenant_policy_sql(snap, rel, config, false));
                if let Some(index) = super::policies::tenant_index_sql(snap, config, rel, attnum) {
                    sql.push('\n');
                    sql.push_str(&index);
                }
                (
                    Level::Error,
                    Some(sql),
                    format!(
                        "Table {id} has the tenant column {} and is granted to {} with Row Level \
                         Security off: every one of them reads and writes every tenant's rows. \
                         The fix enables RLS with a tenant-isolation policy that reads the \
                         tenant from the setting {} (set it per transaction, or adapt the \
                         policy).",
                        quote::ident(&config.tenant_column),
                        role_list(snap, &roles),
                        config.tenant_setting
                    ),
                )
            }
            None => (
                Level::Warning,
                Some(quote::comment(&format!(
                    "Needs a decision: which rows may each role see? Then, for example:\n\
                     ALTER TABLE {id} ENABLE ROW LEVEL SECURITY;\n\
                     CREATE POLICY <name> ON {id} FOR SELECT TO <role> USING (<condition>);\n\
                     or, if these roles should not have it at all:\n\
                     REVOKE ALL ON TABLE {id} FROM {};",
                    roles
                        .iter()
                        .map(|&r| snap.grantee_sql(r))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
                format!(
                    "Table {id} is granted to {} with Row Level Security off: they see every \
                     row. Decide which rows each role may see (the remediation is a commented \
                     template), or revoke the grants.",
                    role_list(snap, &roles)
                ),
            ),
        };
        let exposed: Vec<String> = roles.iter().map(|&r| snap.role_name(r)).collect();
        let finding = DISABLED_EXPOSED.finding(
            level,
            "table",
            id.into_owned(),
            None,
            detail,
            remediation,
            serde_json::Value::Null,
        );
        out.push(with_table_meta(
            finding,
            config,
            snap,
            rel,
            &[("exposed_to", Meta::Strs(&exposed))],
        ));
    }
    out
}

fn policy_without_rls(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    tables(snap, config)
        .filter(|rel| !rel.rls_enabled)
        .filter_map(|rel| {
            let names: Vec<String> = snap
                .policies_on(rel.oid)
                .map(|p| quote::ident(&p.name))
                .collect();
            if names.is_empty() {
                return None;
            }
            let id = snap.rel_identity(rel.oid);
            let detail = format!(
                "Table {id} has {} polic{} ({}) but Row Level Security is off, so none of them \
                 applies and every role with a grant sees every row.",
                names.len(),
                if names.len() == 1 { "y" } else { "ies" },
                names.join(", ")
            );
            Some(POLICY_WITHOUT_RLS.finding(
                Level::Error,
                "table",
                id.into_owned(),
                None,
                detail,
                Some(enable_sql(snap, rel)),
                table_metadata(snap, rel),
            ))
        })
        .collect()
}

fn enabled_no_policy(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    tables(snap, config)
        .filter(|rel| rel.rls_enabled && snap.policies_on(rel.oid).next().is_none())
        .map(|rel| {
            let id = snap.rel_identity(rel.oid);
            let detail =
                format!(
                "Row Level Security is on for {id} but it has no policy: every role except the \
                 owner{} sees no rows and can write none. Fine for a deny-all table; otherwise \
                 add the policies (the remediation is a commented template).",
                if rel.rls_forced { " (and, as it is forced, the owner too)" } else { "" }
            );
            let remediation = quote::comment(&format!(
                "Needs a decision: which rows may each role see? For example:\n\
                 CREATE POLICY <name> ON {id} FOR SELECT TO <role> USING (<condition>);"
            ));
            ENABLED_NO_POLICY.finding(
                Level::Info,
                "table",
                id.into_owned(),
                None,
                detail,
                Some(remediation),
                table_metadata(snap, rel),
            )
        })
        .collect()
}

fn not_forced(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    tables(snap, config)
        .filter(|rel| rel.rls_enabled && !rel.rls_forced && owner_is_app_login(snap, rel))
        .map(|rel| {
            let id = snap.rel_identity(rel.oid);
            let owner = snap.role_name(rel.owner);
            let detail = format!(
                "Row Level Security on {id} is not forced and its owner {} can log in: a \
                 session connected as {} bypasses every policy. Force it (migrations that must \
                 see every row then need a BYPASSRLS role or another owner).",
                quote::ident(&owner),
                quote::ident(&owner)
            );
            NOT_FORCED.finding(
                Level::Warning,
                "table",
                id.to_string(),
                None,
                detail,
                Some(format!("ALTER TABLE {id} FORCE ROW LEVEL SECURITY;")),
                table_metadata(snap, rel),
            )
        })
        .collect()
}

/// The topmost partitioned ancestor of a partition.
fn root_of(snap: &Snapshot, mut oid: Oid) -> Oid {
    while let Some(&parent) = snap.partition_parent.get(&oid) {
        oid = parent;
    }
    oid
}

fn partition_unprotected(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for rel in tables(snap, config).filter(|r| r.is_partition) {
        let root = root_of(snap, rel.oid);
        let Some(root_rel) = snap.relation(root) else {
            continue;
        };
        let protected = rel.rls_enabled && snap.policies_on(rel.oid).next().is_some();
        if !root_rel.rls_enabled || protected {
            continue;
        }
        let roles = exposed_to(snap, rel, config);
        let grantees: Vec<Oid> = roles.iter().copied().filter(|&r| r != rel.owner).collect();
        if grantees.is_empty() {
            continue;
        }
        let id = snap.rel_identity(rel.oid);
        let root_id = snap.rel_identity(root);
        let detail = format!(
            "Partition {id} is granted directly to {} but has {} of its own, while its parent \
             {root_id} relies on Row Level Security: the parent's policies apply only to \
             queries on the parent, so querying {id} directly shows every row. Revoke the \
             direct grants (query through the parent).",
            role_list(snap, &grantees),
            if rel.rls_enabled {
                "no policy"
            } else {
                "no RLS"
            }
        );
        let remediation = format!(
            "REVOKE ALL ON TABLE {id} FROM {};",
            grantees
                .iter()
                .map(|&r| snap.grantee_sql(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut metadata = table_metadata(snap, rel);
        metadata["parent"] = json!(root_id);
        out.push(PARTITION_UNPROTECTED.finding(
            Level::Error,
            "table",
            id.into_owned(),
            None,
            detail,
            Some(remediation),
            metadata,
        ));
    }
    out
}

fn bypass_role(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    if !config.cluster_scope {
        return Vec::new(); // roles are the server's: another database reports them
    }
    let mut roles: Vec<_> = snap
        .roles
        .values()
        .filter(|r| r.login && !r.superuser && r.bypass_rls)
        .collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    roles
        .into_iter()
        .map(|r| {
            let id = quote::ident(&r.name);
            let detail = format!(
                "Role {id} can log in and has BYPASSRLS: every session as {id} ignores every \
                 Row Level Security policy in every database. Keep BYPASSRLS for roles that \
                 run migrations or backups, never for the application."
            );
            BYPASS_ROLE.finding(
                Level::Warning,
                "role",
                id.clone(),
                None,
                detail,
                Some(format!("ALTER ROLE {id} NOBYPASSRLS;")),
                json!({ "role": r.name }),
            )
        })
        .collect()
}

/// RLS-enabled tables a view reads, through other views that are not security_invoker.
fn rls_tables_behind(snap: &Snapshot, view: Oid) -> Vec<Oid> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![view];
    while let Some(v) = stack.pop() {
        for &src in snap.view_sources.get(&v).into_iter().flatten() {
            if !seen.insert(src) {
                continue;
            }
            match snap.relation(src) {
                Some(r) if r.rls_enabled => found.push(src),
                Some(r) if r.kind == RelKind::View && !r.security_invoker => stack.push(src),
                _ => {}
            }
        }
    }
    found.sort_unstable();
    found
}

fn view_bypass(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut views: Vec<&Relation> = snap
        .relations
        .values()
        .filter(|r| {
            matches!(r.kind, RelKind::View | RelKind::MaterializedView)
                && snap.in_scope(r, config)
                && !r.security_invoker
        })
        .collect();
    views.sort_by_key(|r| r.oid);
    let mut out = Vec::new();
    for view in views {
        let readers: Vec<Oid> = exposed_to(snap, view, config);
        if readers.is_empty() {
            continue;
        }
        let behind = rls_tables_behind(snap, view.oid);
        if behind.is_empty() {
            continue;
        }
        let id = snap.rel_identity(view.oid);
        let tables: Vec<String> = behind
            .iter()
            .map(|&t| snap.rel_identity(t).into_owned())
            .collect();
        let materialized = view.kind == RelKind::MaterializedView;
        // a security_invoker view fixes it, where the server has them
        let invoker = !materialized && snap.has_security_invoker_views();
        let detail = format!(
            "{} {id} reads {} (Row Level Security on) with the rights of its owner {}, not of \
             the caller, and is readable by {}: they see the rows the owner sees. {}",
            if materialized {
                "Materialized view"
            } else {
                "View"
            },
            tables.join(", "),
            quote::ident(&snap.role_name(view.owner)),
            role_list(snap, &readers),
            if invoker {
                "Make it a security_invoker view (callers then need SELECT on the tables, and \
                 their policies apply)."
            } else if materialized {
                "A materialized view stores the owner's rows: revoke it from these roles or \
                 replace it with a security_invoker view."
            } else {
                "Views run with their owner's rights before PostgreSQL 15 (security_invoker): \
                 revoke it from these roles, who can query the tables under their policies."
            }
        );
        let remediation = if !invoker {
            // through a plain view, writes reach the owner's rows too
            let privileges = if materialized {
                "SELECT".to_string()
            } else {
                super::TABLE_PRIVILEGES.join(", ")
            };
            format!(
                "REVOKE {privileges} ON {id} FROM {};",
                readers
                    .iter()
                    .map(|&r| snap.grantee_sql(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("ALTER VIEW {id} SET (security_invoker = true);")
        };
        out.push(VIEW_BYPASS.finding(
            Level::Error,
            if materialized {
                "materialized view"
            } else {
                "view"
            },
            id.into_owned(),
            None,
            detail,
            Some(remediation),
            json!({
                "schema": snap.schema_name(view),
                "view": view.name,
                "rls_tables": tables,
                "readable_by": readers.iter().map(|&r| snap.role_name(r)).collect::<Vec<_>>(),
                "estimated_rows": snap.estimated_rows(view.oid) as i64,
            }),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{builder::OWNER, SnapshotBuilder, PUBLIC};

    fn run(rule: &Rule, b: SnapshotBuilder) -> Vec<Finding> {
        (rule.check)(&b.build(), &Config::default())
    }

    fn tenant_table(b: &mut SnapshotBuilder) -> Oid {
        let t = b.table("app", "invoices", &["id", "tenant_id", "total"]);
        b.attribute_mut(t, "tenant_id").type_name = "int8".into();
        t
    }

    #[test]
    fn exposed_table_without_rls() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tenant_table(&mut b);
        b.grant(t, app, &["SELECT", "INSERT"]);
        let n = b.table("app", "notes", &["id"]);
        b.grant(n, PUBLIC, &["SELECT"]);
        let private = b.table("app", "private", &["id"]);
        b.grant(private, OWNER, &["SELECT"]); // the owner's own grants do not expose it
        let found = run(&DISABLED_EXPOSED, b);
        assert_eq!(found.len(), 2);
        let inv = found
            .iter()
            .find(|f| f.object_identity == "app.invoices")
            .unwrap();
        assert_eq!(inv.level, Level::Error);
        assert_eq!(
            inv.remediation.as_deref(),
            Some(
                "ALTER TABLE app.invoices ENABLE ROW LEVEL SECURITY;\n\
                 ALTER TABLE app.invoices FORCE ROW LEVEL SECURITY;\n\
                 CREATE POLICY invoices_tenant_isolation ON app.invoices USING \
                 (tenant_id = (SELECT current_setting('app.tenant_id', true))::bigint);"
            )
        );
        let notes = found
            .iter()
            .find(|f| f.object_identity == "app.notes")
            .unwrap();
        assert_eq!(notes.level, Level::Warning);
        assert!(notes
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("-- Needs a decision"));
        assert!(notes.detail.contains("PUBLIC"));
    }

    #[test]
    fn tenant_types_are_written_as_sql_types() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = b.table("app", "invoices", &["id", "tenant_id"]);
        b.grant(t, app, &["SELECT"]);
        let a = b.attribute_mut(t, "tenant_id");
        a.type_name = "Tenant Key".into();
        a.type_schema = "My \"Types\"".into();
        let found = run(&DISABLED_EXPOSED, b);
        let sql = found[0].remediation.as_deref().unwrap();
        assert!(
            sql.contains("::\"My \"\"Types\"\"\".\"Tenant Key\");"),
            "{sql}"
        );
        let mut a = crate::snapshot::Attribute {
            name: "x".into(),
            type_oid: 20,
            collation: 0,
            type_name: "int8".into(),
            type_schema: "pg_catalog".into(),
            type_category: 'N',
            not_null: false,
            typmod: -1,
        };
        assert_eq!(a.type_sql(), "bigint");
        a.type_name = "char".into();
        assert_eq!(a.type_sql(), "pg_catalog.\"char\"");
        a.type_name = "uuid".into();
        assert_eq!(a.type_sql(), "pg_catalog.uuid");
    }

    #[test]
    fn big_tenant_table_fix_includes_the_index() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tenant_table(&mut b);
        b.relation_mut(t).reltuples = 50_000.0;
        b.grant(t, app, &["SELECT"]);
        let fix = run(&DISABLED_EXPOSED, b)[0].remediation.clone().unwrap();
        assert!(
            fix.ends_with(
                "CREATE INDEX IF NOT EXISTS invoices_tenant_id_idx ON app.invoices (tenant_id);"
            ),
            "{fix}"
        );
    }

    #[test]
    fn api_roles_make_the_owner_exposed_and_unknown_roles_are_ignored() {
        let mut b = SnapshotBuilder::new();
        b.table("app", "t", &["id"]);
        let snap = b.build();
        let config = Config {
            api_roles: vec!["app_owner".into(), "anon_does_not_exist".into()],
            ..Config::default()
        };
        assert_eq!((DISABLED_EXPOSED.check)(&snap, &config).len(), 1);
        assert!((DISABLED_EXPOSED.check)(&snap, &Config::default()).is_empty());
    }

    #[test]
    fn policies_without_rls() {
        let mut b = SnapshotBuilder::new();
        let t = tenant_table(&mut b);
        b.policy(t, "p", '*', Some("(tenant_id = 1)"), None, &["tenant_id"]);
        let found = run(&POLICY_WITHOUT_RLS, b);
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("ALTER TABLE app.invoices ENABLE"));
        // and it is not also reported as "disabled"
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tenant_table(&mut b);
        b.grant(t, app, &["SELECT"]);
        b.policy(t, "p", '*', Some("(tenant_id = 1)"), None, &["tenant_id"]);
        assert!(run(&DISABLED_EXPOSED, b).is_empty());
    }

    #[test]
    fn enabled_without_policy_and_not_forced() {
        let mut b = SnapshotBuilder::new();
        let t = tenant_table(&mut b);
        b.relation_mut(t).rls_enabled = true;
        let b2 = {
            let mut b2 = SnapshotBuilder::new();
            let t2 = tenant_table(&mut b2);
            let r = b2.relation_mut(t2);
            r.rls_enabled = true;
            r.rls_forced = true;
            b2
        };
        assert_eq!(run(&ENABLED_NO_POLICY, b).len(), 1);
        assert!(run(&NOT_FORCED, b2).is_empty());

        let mut b = SnapshotBuilder::new();
        let t = tenant_table(&mut b);
        b.relation_mut(t).rls_enabled = true;
        let f = &run(&NOT_FORCED, b)[0];
        assert_eq!(
            f.remediation.as_deref(),
            Some("ALTER TABLE app.invoices FORCE ROW LEVEL SECURITY;")
        );

        // a superuser or NOLOGIN owner: nobody logs in as it by accident
        let mut b = SnapshotBuilder::new();
        let t = tenant_table(&mut b);
        b.relation_mut(t).rls_enabled = true;
        let su = b.role("postgres", true, true, false);
        b.relation_mut(t).owner = su;
        assert!(run(&NOT_FORCED, b).is_empty());
    }

    #[test]
    fn partitions_granted_directly() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let e = b.partitioned_table("app", "events", &["id", "tenant_id"]);
        b.relation_mut(e).rls_enabled = true;
        let p1 = b.partition(e, "events_1", &["id", "tenant_id"], true);
        let p2 = b.partition(e, "events_2", &["id", "tenant_id"], true);
        b.grant(e, app, &["SELECT"]);
        b.grant(p1, app, &["SELECT"]);
        let _ = p2; // not granted directly: fine
        let found = run(&PARTITION_UNPROTECTED, b);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "app.events_1");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("REVOKE ALL ON TABLE app.events_1 FROM app_user;")
        );
    }

    #[test]
    fn bypass_roles() {
        let mut b = SnapshotBuilder::new();
        b.role("app admin", true, false, true);
        b.role("postgres", true, true, true);
        b.role("nologin_bypass", false, false, true);
        let found = run(&BYPASS_ROLE, b);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("ALTER ROLE \"app admin\" NOBYPASSRLS;")
        );
    }

    #[test]
    fn views_over_rls_tables() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tenant_table(&mut b);
        b.relation_mut(t).rls_enabled = true;
        let inner = b.view("app", "inner_v", &["id"], &[t]);
        let outer = b.view("app", "outer_v", &["id"], &[inner]);
        b.grant(outer, app, &["SELECT"]);
        let safe = b.view("app", "safe_v", &["id"], &[t]);
        b.relation_mut(safe).security_invoker = true;
        b.grant(safe, app, &["SELECT"]);
        let private = b.view("app", "private_v", &["id"], &[t]); // not granted: fine
        let _ = private;
        let found = run(&VIEW_BYPASS, b);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "app.outer_v");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("ALTER VIEW app.outer_v SET (security_invoker = true);")
        );
    }

    #[test]
    fn views_before_security_invoker_are_revoked() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tenant_table(&mut b);
        b.relation_mut(t).rls_enabled = true;
        let v = b.view("app", "totals", &["id"], &[t]);
        b.grant(v, app, &["SELECT"]);
        let mut snap = b.build();
        snap.server_version_num = 130022;
        let found = (VIEW_BYPASS.check)(&snap, &Config::default());
        assert_eq!(found.len(), 1);
        assert!(found[0].detail.contains("before PostgreSQL 15"));
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("REVOKE SELECT, INSERT, UPDATE, DELETE ON app.totals FROM app_user;")
        );
    }
}
