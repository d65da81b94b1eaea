//! Row Level Security rules, for any PostgreSQL: tables exposed without RLS, policies that
//! do not apply or let too much through, views and roles that bypass RLS, and policies
//! that cost a function call or a sequential scan per row.
//!
//! A table is *exposed* when a role other than its owner (or PUBLIC) holds SELECT, INSERT,
//! UPDATE or DELETE on it, or when its owner is one of `database_advisor.api_roles`.

pub mod policies;
pub mod tables;

use crate::config::Config;
use crate::finding::{Finding, Meta};
use crate::quote;
use crate::snapshot::{Oid, Parts, Relation, Snapshot, PUBLIC};

/// What the RLS rules read: who may reach a table (grants, roles, views, partitions), its
/// policies and the functions and indexes they use.
pub const PARTS: Parts = Parts::RELATIONS
    .union(Parts::ATTRIBUTES)
    .union(Parts::INDEXES)
    .union(Parts::CONSTRAINTS)
    .union(Parts::PARTITIONS)
    .union(Parts::GRANTS)
    .union(Parts::ROLES)
    .union(Parts::POLICIES)
    .union(Parts::FUNCTIONS)
    .union(Parts::VIEW_SOURCES);

const TABLE_PRIVILEGES: [&str; 4] = ["SELECT", "INSERT", "UPDATE", "DELETE"];

/// Roles (0 = PUBLIC) other than the owner that may read or write `rel`, sorted.
pub fn exposed_to(snap: &Snapshot, rel: &Relation, config: &Config) -> Vec<Oid> {
    let mut roles: Vec<Oid> = rel
        .grants
        .iter()
        .filter(|g| g.grantee != rel.owner && TABLE_PRIVILEGES.contains(&g.privilege))
        .map(|g| g.grantee)
        .collect();
    let owner_is_api = snap
        .roles
        .get(&rel.owner)
        .is_some_and(|r| config.api_roles.contains(&r.name));
    if owner_is_api {
        roles.push(rel.owner);
    }
    roles.sort_unstable();
    roles.dedup();
    roles
}

/// "PUBLIC, app_user"
pub fn role_list(snap: &Snapshot, roles: &[Oid]) -> String {
    roles
        .iter()
        .map(|&r| snap.role_name(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An administrator RLS does not restrict anyway: a superuser or a BYPASSRLS role.
pub fn is_admin(snap: &Snapshot, role: Oid) -> bool {
    role != PUBLIC
        && snap
            .roles
            .get(&role)
            .is_some_and(|r| r.superuser || r.bypass_rls)
}

/// The owner logs in and is not a superuser: the application probably connects as it,
/// and the owner bypasses RLS unless it is forced.
pub fn owner_is_app_login(snap: &Snapshot, rel: &Relation) -> bool {
    snap.roles
        .get(&rel.owner)
        .is_some_and(|r| r.login && !r.superuser)
}

/// The tenant column's attnum, when the table has it.
pub fn tenant_attnum(snap: &Snapshot, rel: &Relation, config: &Config) -> Option<i16> {
    snap.attnum(rel.oid, &config.tenant_column)
}

/// A complete tenant-isolation policy on the tenant column, reading the tenant from
/// `database_advisor.tenant_setting` once per statement (missing setting: no rows).
pub fn tenant_policy_sql(
    snap: &Snapshot,
    rel: &Relation,
    config: &Config,
    restrictive: bool,
) -> String {
    let column = &config.tenant_column;
    let type_name = snap
        .attnum(rel.oid, column)
        .and_then(|a| snap.attributes.get(&(rel.oid, a)))
        .map_or_else(|| "text".to_string(), |a| a.type_sql());
    let name = format!("{}_tenant_isolation", rel.name);
    format!(
        "CREATE POLICY {} ON {}{} USING ({} = (SELECT current_setting({}, true))::{type_name});",
        quote::ident(&name),
        snap.rel_identity(rel.oid),
        if restrictive { " AS RESTRICTIVE" } else { "" },
        quote::ident(column),
        quote::literal(&config.tenant_setting),
    )
}

/// Tables RLS rules look at: ordinary and partitioned tables in scope, by OID (found once
/// per run for all RLS rules).
pub fn tables<'s>(
    snap: &'s Snapshot,
    config: &'s Config,
) -> impl Iterator<Item = &'s Relation> + 's {
    let found = snap.shared_in_scope(config, || RlsTables::find(snap, config));
    (0..found.0.len()).filter_map(move |i| snap.relation(found.0[i]))
}

struct RlsTables(Vec<Oid>);

impl RlsTables {
    fn find(snap: &Snapshot, config: &Config) -> RlsTables {
        let mut oids: Vec<Oid> = snap
            .relations
            .values()
            .filter(|r| {
                matches!(
                    r.kind,
                    crate::snapshot::RelKind::Table | crate::snapshot::RelKind::PartitionedTable
                ) && snap.in_scope(r, config)
            })
            .map(|r| r.oid)
            .collect();
        oids.sort_unstable();
        RlsTables(oids)
    }
}

/// The finding's structured facts every RLS rule shares.
pub fn table_metadata(snap: &Snapshot, rel: &Relation) -> serde_json::Value {
    let owner = snap.role_name(rel.owner);
    Meta::Object(&table_meta(snap, rel, &owner)).to_value()
}

/// [`table_metadata`] and then `extra`, set on `finding` (see [`Finding::with_meta`]).
pub fn with_table_meta(
    finding: Finding,
    config: &Config,
    snap: &Snapshot,
    rel: &Relation,
    extra: &[(&str, Meta)],
) -> Finding {
    let owner = snap.role_name(rel.owner);
    let mut pairs = table_meta(snap, rel, &owner).to_vec();
    pairs.extend_from_slice(extra);
    finding.with_meta(config, Meta::Object(&pairs))
}

fn table_meta<'a>(
    snap: &'a Snapshot,
    rel: &'a Relation,
    owner: &'a str,
) -> [(&'a str, Meta<'a>); 5] {
    [
        ("schema", Meta::Str(snap.schema_name(rel))),
        ("table", Meta::Str(&rel.name)),
        ("rls_enabled", Meta::Bool(rel.rls_enabled)),
        ("rls_forced", Meta::Bool(rel.rls_forced)),
        ("owner", Meta::Str(owner)),
    ]
}
