//! What policies say: conditions that let everything through, writes that need no check,
//! overlapping permissive policies, per-row function calls, unindexed policy columns, and
//! tenant tables whose policies ignore the tenant column.

use super::{is_admin, table_metadata, tables, tenant_attnum, tenant_policy_sql};
use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::indexes::{choose_index_name, indexes_leading_with};
use crate::rules::Rule;
use crate::snapshot::{human_count, Oid, Policy, RelKind, Relation, Snapshot, PUBLIC};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

pub const ALWAYS_TRUE: Rule = Rule {
    id: "rls_policy_always_true",
    category: Category::Security,
    default_level: Level::Warning,
    description: "Permissive write policy whose USING or WITH CHECK is always true (true, \
                  1 = 1, x IS NULL OR x IS NOT NULL, ...) for non-admin roles: it restricts \
                  nothing (info when none of them holds the write privilege)",
    check: always_true,
    parts: super::PARTS,
};

pub const WRITE_WITHOUT_CHECK: Rule = Rule {
    id: "rls_write_without_check",
    category: Category::Security,
    default_level: Level::Warning,
    description: "Write policy with no real WITH CHECK while reads are restricted: a role can \
                  write rows it could not read back (e.g. into another tenant)",
    check: write_without_check,
    parts: super::PARTS,
};

pub const MULTIPLE_PERMISSIVE: Rule = Rule {
    id: "rls_multiple_permissive",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Several permissive policies for the same table, role and command: they are \
                  OR-ed and each is evaluated per row",
    check: multiple_permissive,
    parts: super::PARTS,
};

pub const PER_ROW_FUNCTION: Rule = Rule {
    id: "rls_per_row_function",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Policy calls a stable or volatile function per row (current_setting(), \
                  auth.uid(), ...) that could run once per statement as (SELECT ...)",
    check: per_row_function,
    parts: super::PARTS,
};

pub const COLUMN_UNINDEXED: Rule = Rule {
    id: "rls_policy_column_unindexed",
    category: Category::Performance,
    default_level: Level::Warning,
    description: "Column a policy filters on is not the leading column of any index on a \
                  large table: every query pays a scan of the whole table",
    check: column_unindexed,
    parts: super::PARTS,
};

pub const TENANT_UNPROTECTED: Rule = Rule {
    id: "rls_tenant_column_unprotected",
    category: Category::Security,
    default_level: Level::Error,
    description: "Table with the tenant column whose policies never reference it: nothing \
                  keeps one tenant out of another's rows",
    check: tenant_unprotected,
    parts: super::PARTS,
};

/// Applies to some role RLS really restricts (PUBLIC or a non-admin role).
fn applies_to_ordinary_roles(snap: &Snapshot, p: &Policy) -> bool {
    p.roles.iter().any(|&r| !is_admin(snap, r))
}

fn roles_overlap(a: &Policy, b: &Policy) -> bool {
    a.roles.contains(&PUBLIC)
        || b.roles.contains(&PUBLIC)
        || a.roles.iter().any(|r| b.roles.contains(r))
}

/// An UPDATE / DELETE / ALL policy whose USING lets every row through (folded from the
/// node tree, not matched as text).
fn using_always_true(p: &Policy) -> bool {
    matches!(p.command, 'w' | 'd' | '*') && p.using_always_true()
}

/// Whether the check a write policy effectively applies (WITH CHECK, else USING for
/// UPDATE / ALL) is always true; `None` when it has neither.
fn effective_check_always_true(p: &Policy) -> Option<bool> {
    match p.command {
        'a' => p.check.as_ref().map(|_| p.check_always_true()),
        'w' | '*' if p.check.is_some() => Some(p.check_always_true()),
        'w' | '*' => p.using.as_ref().map(|_| p.using_always_true()),
        _ => None,
    }
}

fn writes_unchecked(p: &Policy) -> bool {
    matches!(p.command, 'a' | 'w' | '*') && effective_check_always_true(p).unwrap_or(true)
}

/// The restrictive read conditions (USING of permissive SELECT/ALL policies) that apply to
/// the roles of `p`; empty when some applicable read policy lets every row through.
fn read_conditions<'s>(snap: &'s Snapshot, p: &Policy) -> Vec<&'s str> {
    let mut readers: Vec<&Policy> = snap
        .policies_on(p.table)
        .filter(|r| r.permissive && r.applies_to('r') && roles_overlap(r, p))
        .collect();
    // by name: the catalog's order is no order
    readers.sort_by(|a, b| a.name.cmp(&b.name));
    if readers
        .iter()
        .any(|r| r.using.is_none() || r.using_always_true())
    {
        return Vec::new();
    }
    readers.iter().filter_map(|r| r.using.as_deref()).collect()
}

fn policy_identity(snap: &Snapshot, p: &Policy) -> String {
    format!(
        "{} on {}",
        quote::ident(&p.name),
        snap.rel_identity(p.table)
    )
}

fn policy_metadata(snap: &Snapshot, p: &Policy) -> serde_json::Value {
    let rel = &snap.relations[&p.table];
    let mut m = table_metadata(snap, rel);
    m["policy"] = json!(p.name);
    m["command"] = json!(p.command_name());
    m["roles"] = json!(p
        .roles
        .iter()
        .map(|&r| snap.role_name(r))
        .collect::<Vec<_>>());
    m["using"] = json!(p.using);
    m["with_check"] = json!(p.check);
    m
}

/// Policies of in-scope tables with RLS on. On a table with RLS off no policy applies, and
/// `rls_policy_without_rls` reports the table: what its policies say is not reported too.
fn scoped_policies<'s>(
    snap: &'s Snapshot,
    config: &'s Config,
) -> impl Iterator<Item = &'s Policy> + 's {
    tables(snap, config)
        .filter(|t| t.rls_enabled)
        .flat_map(move |t| snap.policies_on(t.oid))
}

/// The roles `p` restricts that hold one of `privileges` on its table, through a direct
/// grant or a grant to PUBLIC; for a policy TO PUBLIC, every such grantee. Left out:
/// administrators and the owner (RLS restricts neither, unless it is forced for the owner).
fn writers(snap: &Snapshot, rel: &Relation, p: &Policy, privileges: &[&str]) -> Vec<Oid> {
    let restricted = |r: Oid| !is_admin(snap, r) && (r != rel.owner || rel.rls_forced);
    let grantees: BTreeSet<Oid> = rel
        .grants
        .iter()
        .filter(|g| privileges.contains(&g.privilege))
        .map(|g| g.grantee)
        .collect();
    let candidates: Vec<Oid> = if grantees.contains(&PUBLIC) {
        p.roles.clone()
    } else if p.roles.contains(&PUBLIC) {
        grantees.into_iter().collect()
    } else {
        p.roles
            .iter()
            .copied()
            .filter(|r| grantees.contains(r))
            .collect()
    };
    let mut out: Vec<Oid> = candidates.into_iter().filter(|&r| restricted(r)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn always_true(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in scoped_policies(snap, config) {
        if !p.permissive || !applies_to_ordinary_roles(snap, p) {
            continue;
        }
        let using_true = using_always_true(p);
        // a write that needs no check while reads are restricted: rls_write_without_check
        let check_true = writes_unchecked(p) && read_conditions(snap, p).is_empty();
        if !using_true && !check_true {
            continue;
        }
        let rel = &snap.relations[&p.table];
        let table = snap.rel_identity(p.table);
        // what the policy lets through: USING for UPDATE / DELETE, the check for INSERT / UPDATE
        let mut privileges = Vec::new();
        if check_true && matches!(p.command, 'a' | '*') {
            privileges.push("INSERT");
        }
        if matches!(p.command, 'w' | '*') {
            privileges.push("UPDATE");
        }
        if using_true && matches!(p.command, 'd' | '*') {
            privileges.push("DELETE");
        }
        let writers = writers(snap, rel, p, &privileges);
        let id = policy_identity(snap, p);
        let always = |clause: &str, expr: &str| {
            if expr.trim() == "true" {
                format!("{clause} (true)")
            } else {
                format!("{clause} ({expr}), which is always true")
            }
        };
        let what = match (&p.using, &p.check) {
            (Some(u), _) if using_true => always("USING", u),
            (_, Some(c)) => always("WITH CHECK", c),
            _ => "no WITH CHECK".to_string(),
        };
        let verb = match p.command {
            'd' => "delete any row of",
            'a' => "insert any row into",
            'w' if using_true => "update any row of",
            'w' => "update rows to any values in",
            _ if using_true => "read and change any row of",
            _ => "write any row into",
        };
        let (level, consequence) = if writers.is_empty() {
            (
                Level::Info,
                format!(
                    "none of these roles holds {} on {table} today (direct grants), so it \
                     lets nothing through yet; it restricts nothing once one does",
                    privileges.join(" or ")
                ),
            )
        } else {
            (
                Level::Warning,
                format!("{} may {verb} {table}", super::role_list(snap, &writers)),
            )
        };
        let detail = format!(
            "Policy {id} ({} for {}) has {what}: {consequence}. Write the condition that \
             should hold (the remediation is a commented template).",
            p.command_name(),
            super::role_list(snap, &p.roles),
        );
        let remediation = quote::comment(&format!(
            "Needs a decision: which rows may these roles change? For example:\n\
             ALTER POLICY {} ON {} USING (<condition>) WITH CHECK (<condition>);",
            quote::ident(&p.name),
            snap.rel_identity(p.table)
        ));
        let mut metadata = policy_metadata(snap, p);
        metadata["privileges"] = json!(privileges);
        metadata["writers"] = json!(writers
            .iter()
            .map(|&r| snap.role_name(r))
            .collect::<Vec<_>>());
        out.push(ALWAYS_TRUE.finding(
            level,
            "policy",
            id,
            None,
            detail,
            Some(remediation),
            metadata,
        ));
    }
    out
}

fn write_without_check(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in scoped_policies(snap, config) {
        // an always-true USING on UPDATE / DELETE / ALL is rls_policy_always_true's
        if !p.permissive
            || !applies_to_ordinary_roles(snap, p)
            || !writes_unchecked(p)
            || using_always_true(p)
        {
            continue;
        }
        let reads = read_conditions(snap, p);
        if reads.is_empty() {
            continue;
        }
        let condition = if reads.len() == 1 {
            reads[0].to_string()
        } else {
            reads
                .iter()
                .map(|r| format!("({r})"))
                .collect::<Vec<_>>()
                .join(" OR ")
        };
        let id = policy_identity(snap, p);
        let detail = format!(
            "Policy {id} ({} for {}) lets rows be written without a real check, while reading \
             {} is restricted: a role can write rows it cannot read back, e.g. into another \
             tenant. The fix checks written rows with the read condition.",
            p.command_name(),
            super::role_list(snap, &p.roles),
            snap.rel_identity(p.table)
        );
        let remediation = format!(
            "ALTER POLICY {} ON {} WITH CHECK ({condition});",
            quote::ident(&p.name),
            snap.rel_identity(p.table)
        );
        out.push(WRITE_WITHOUT_CHECK.finding(
            Level::Warning,
            "policy",
            id,
            None,
            detail,
            Some(remediation),
            policy_metadata(snap, p),
        ));
    }
    out
}

fn multiple_permissive(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for rel in tables(snap, config) {
        let permissive: Vec<&Policy> = snap.policies_on(rel.oid).filter(|p| p.permissive).collect();
        if permissive.len() < 2 {
            continue;
        }
        // every role a policy names, plus PUBLIC
        let roles: BTreeSet<Oid> = permissive
            .iter()
            .flat_map(|p| p.roles.iter().copied())
            .chain([PUBLIC])
            .collect();
        for role in roles {
            for command in ['r', 'a', 'w', 'd'] {
                let applicable: Vec<&&Policy> = permissive
                    .iter()
                    .filter(|p| {
                        p.applies_to(command)
                            && (p.roles.contains(&PUBLIC) || p.roles.contains(&role))
                    })
                    .collect();
                // a role a policy names is reported only where its set differs from PUBLIC's
                let public_set: Vec<&&Policy> = permissive
                    .iter()
                    .filter(|p| p.applies_to(command) && p.roles.contains(&PUBLIC))
                    .collect();
                if applicable.len() < 2 || (role != PUBLIC && applicable.len() == public_set.len())
                {
                    continue;
                }
                let names: Vec<String> = applicable.iter().map(|p| quote::ident(&p.name)).collect();
                let table = snap.rel_identity(rel.oid);
                let command_name = match command {
                    'r' => "SELECT",
                    'a' => "INSERT",
                    'w' => "UPDATE",
                    _ => "DELETE",
                };
                let role_name = snap.role_name(role);
                let detail = format!(
                    "{} permissive policies ({}) apply to {role_name} for {command_name} on \
                     {table}: PostgreSQL ORs them and evaluates each per row. Merge them into \
                     one policy (the remediation is a commented template).",
                    names.len(),
                    names.join(", ")
                );
                let conditions: Vec<String> = applicable
                    .iter()
                    .map(|p| {
                        format!(
                            "({})",
                            p.using.as_deref().or(p.check.as_deref()).unwrap_or("true")
                        )
                    })
                    .collect();
                let remediation = quote::comment(&format!(
                    "Needs a decision: merge them, for example:\n\
                     CREATE POLICY <name> ON {table} FOR {command_name} TO {} USING ({});\n\
                     then drop {}",
                    snap.grantee_sql(role),
                    conditions.join(" OR "),
                    names.join(", ")
                ));
                let mut metadata = table_metadata(snap, rel);
                metadata["role"] = json!(role_name);
                metadata["command"] = json!(command_name);
                metadata["policies"] = json!(applicable
                    .iter()
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>());
                out.push(MULTIPLE_PERMISSIVE.finding(
                    Level::Warning,
                    "table",
                    table.into_owned(),
                    Some(&format!("{role_name}/{command_name}")),
                    detail,
                    Some(remediation),
                    metadata,
                ));
            }
        }
    }
    out
}

/// Wrap each call of the named functions in `(SELECT ...)` (outside string literals).
pub fn wrap_calls(expr: &str, names: &[String]) -> String {
    let mut out = expr.to_string();
    for name in names {
        let mut from = 0;
        while let Some(pos) = find_call(&out, name, from) {
            let open = pos + name.len();
            let Some(close) = matching_paren(&out, open) else {
                break;
            };
            let call = out[pos..=close].to_string();
            let wrapped = format!("(SELECT {call})");
            out.replace_range(pos..=close, &wrapped);
            from = pos + wrapped.len();
        }
    }
    out
}

/// Next `name(` at or after `from` that starts a call (not part of a longer identifier,
/// not inside a string literal, not already the argument of `SELECT `).
fn find_call(s: &str, name: &str, from: usize) -> Option<usize> {
    let pattern = format!("{name}(");
    let mut in_string = false;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\'' {
            in_string = !in_string;
        } else if !in_string && i >= from && bytes[i..].starts_with(pattern.as_bytes()) {
            // a match starts on a character boundary: UTF-8 lead bytes never continue one
            let before = s[..i].chars().next_back();
            let part_of_word =
                before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '"');
            if !part_of_word && !s[..i].ends_with("SELECT ") {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut in_string = false;
    for (i, c) in s[open..].char_indices() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
    }
    None
}

fn per_row_function(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for p in scoped_policies(snap, config) {
        let functions: Vec<_> = p
            .per_row_functions
            .iter()
            .filter_map(|f| snap.functions.get(f))
            .filter(|f| f.volatility != 'i')
            .collect();
        if functions.is_empty() {
            continue;
        }
        let mut names: Vec<String> = functions
            .iter()
            .map(|f| {
                if f.schema == "pg_catalog" || f.schema == "public" {
                    f.name.clone()
                } else {
                    format!("{}.{}", quote::ident(&f.schema), quote::ident(&f.name))
                }
            })
            .collect();
        names.sort();
        names.dedup();
        let id = policy_identity(snap, p);
        let detail = format!(
            "Policy {id} calls {} for every row it checks; written as (SELECT {}(...)) the \
             call runs once per statement (an InitPlan) and indexes on the compared column \
             become usable. The remediation suggests the rewritten policy: review it.",
            names
                .iter()
                .map(|n| format!("{n}()"))
                .collect::<Vec<_>>()
                .join(", "),
            names[0]
        );
        let table = snap.rel_identity(p.table);
        let mut clauses = Vec::new();
        if let Some(u) = &p.using {
            clauses.push(format!("USING ({})", wrap_calls(u, &names)));
        }
        if let Some(c) = &p.check {
            clauses.push(format!("WITH CHECK ({})", wrap_calls(c, &names)));
        }
        let remediation = quote::comment(&format!(
            "Review, then run:\nALTER POLICY {} ON {table} {};",
            quote::ident(&p.name),
            clauses.join(" ")
        ));
        let mut metadata = policy_metadata(snap, p);
        metadata["functions"] = json!(names);
        out.push(PER_ROW_FUNCTION.finding(
            Level::Warning,
            "policy",
            id,
            None,
            detail,
            Some(remediation),
            metadata,
        ));
    }
    out
}

/// Whether a usable, non-partial btree or hash index on `table` leads with `attnum`.
pub fn column_leads_an_index(snap: &Snapshot, table: Oid, attnum: i16) -> bool {
    indexes_leading_with(snap, table, attnum).next().is_some()
}

/// Policy columns of large tables that lead no index: (table, attnum) -> policy names.
pub fn unindexed_policy_columns(
    snap: &Snapshot,
    config: &Config,
) -> BTreeMap<(Oid, i16), Vec<String>> {
    let mut out: BTreeMap<(Oid, i16), Vec<String>> = BTreeMap::new();
    for rel in tables(snap, config) {
        if rel.is_partition || snap.estimated_rows(rel.oid) < config.rls_index_min_rows {
            continue;
        }
        for p in snap.policies_on(rel.oid) {
            for &col in &p.columns {
                if !column_leads_an_index(snap, rel.oid, col) {
                    out.entry((rel.oid, col)).or_default().push(p.name.clone());
                }
            }
        }
    }
    out
}

/// `CREATE INDEX [CONCURRENTLY] IF NOT EXISTS` on one column (never concurrently on a
/// partitioned table, nor when it runs in a multi-statement fix).
fn create_index_sql(snap: &Snapshot, rel: &Relation, column: &str, concurrently: bool) -> String {
    let name = choose_index_name(rel.namespace, &rel.name, &[column.to_string()], |ns, n| {
        snap.relation_name_taken(ns, n)
    });
    format!(
        "CREATE INDEX {}IF NOT EXISTS {} ON {} ({});",
        if concurrently && rel.kind != RelKind::PartitionedTable {
            "CONCURRENTLY "
        } else {
            ""
        },
        quote::ident(&name),
        snap.rel_identity(rel.oid),
        quote::ident(column)
    )
}

/// The index a tenant-isolation fix adds on the tenant column of a large table that no
/// index leads with (so the fix does not create an `rls_policy_column_unindexed` finding).
pub fn tenant_index_sql(
    snap: &Snapshot,
    config: &Config,
    rel: &Relation,
    attnum: i16,
) -> Option<String> {
    if snap.estimated_rows(rel.oid) < config.rls_index_min_rows
        || column_leads_an_index(snap, rel.oid, attnum)
    {
        return None;
    }
    let column = snap.column_name(rel.oid, attnum)?;
    Some(create_index_sql(snap, rel, column, false))
}

fn column_unindexed(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    unindexed_policy_columns(snap, config)
        .into_iter()
        .filter_map(|((table, attnum), policies)| {
            let rel = snap.relation(table)?;
            let column = snap.column_name(table, attnum)?;
            let table_id = snap.rel_identity(table);
            let id = format!("{table_id}.{}", quote::ident(column));
            let rows = snap.estimated_rows(table) as i64;
            let detail =
                format!(
                "Policies {} on {table_id} (~{} rows) filter on {} but no index starts with it: \
                 every query through them scans the whole table.",
                policies.iter().map(|p| quote::ident(p)).collect::<Vec<_>>().join(", "),
                human_count(rows),
                quote::ident(column)
            );
            let mut metadata = table_metadata(snap, rel);
            metadata["column"] = json!(column);
            metadata["policies"] = json!(policies);
            metadata["estimated_rows"] = json!(rows);
            Some(COLUMN_UNINDEXED.finding(
                Level::Warning,
                "table column",
                id,
                None,
                detail,
                Some(create_index_sql(snap, rel, column, true)),
                metadata,
            ))
        })
        .collect()
}

fn tenant_unprotected(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    for rel in tables(snap, config) {
        let Some(tenant) = tenant_attnum(snap, rel, config) else {
            continue;
        };
        let policies: Vec<&Policy> = snap.policies_on(rel.oid).collect();
        if policies.is_empty() || policies.iter().any(|p| p.columns.contains(&tenant)) {
            continue;
        }
        let id = snap.rel_identity(rel.oid);
        let detail = format!(
            "Table {id} has the tenant column {} but none of its policies ({}) references it: \
             nothing keeps one tenant out of another's rows. The fix adds a RESTRICTIVE \
             tenant-isolation policy (ANDed with the others) reading the setting {}.",
            quote::ident(&config.tenant_column),
            policies
                .iter()
                .map(|p| quote::ident(&p.name))
                .collect::<Vec<_>>()
                .join(", "),
            config.tenant_setting
        );
        let mut sql = tenant_policy_sql(snap, rel, config, true);
        if let Some(index) = tenant_index_sql(snap, config, rel, tenant) {
            sql.push('\n');
            sql.push_str(&index);
        }
        out.push(TENANT_UNPROTECTED.finding(
            Level::Error,
            "table",
            id.into_owned(),
            None,
            detail,
            Some(sql),
            table_metadata(snap, rel),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::rls::tables::POLICY_WITHOUT_RLS;
    use crate::snapshot::builder::OWNER;
    use crate::snapshot::node_tree::fixtures as fx;
    use crate::snapshot::SnapshotBuilder;

    fn run(rule: &Rule, b: SnapshotBuilder) -> Vec<Finding> {
        (rule.check)(&b.build(), &Config::default())
    }

    fn tasks(b: &mut SnapshotBuilder) -> Oid {
        let t = b.table("app", "tasks", &["id", "tenant_id", "owner_id"]);
        b.relation_mut(t).rls_enabled = true;
        t
    }

    const TENANT: &str = "(tenant_id = ( SELECT (current_setting('app.tenant_id'::text))::bigint AS current_setting))";

    /// `app_user`, granted every table privilege on `t`.
    fn app_user(b: &mut SnapshotBuilder, t: Oid) -> Oid {
        let app = b.role("app_user", true, false, false);
        b.grant(t, app, &["SELECT", "INSERT", "UPDATE", "DELETE"]);
        app
    }

    fn identities(found: &[Finding]) -> Vec<(String, Level)> {
        let mut out: Vec<_> = found
            .iter()
            .map(|f| (f.object_identity.clone(), f.level))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn always_true_using_and_check() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        app_user(&mut b, t);
        b.policy(t, "edit", 'w', Some("true"), None, &[]);
        b.policy(t, "read", 'r', Some("true"), None, &[]);
        b.policy(t, "add", 'a', None, Some("true"), &[]);
        let mut names: Vec<String> = run(&ALWAYS_TRUE, b)
            .into_iter()
            .map(|f| f.object_identity)
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["add on app.tasks", "edit on app.tasks"],
            "a SELECT USING (true) is fine"
        );
    }

    #[test]
    fn admin_only_policies_are_fine() {
        let mut b = SnapshotBuilder::new();
        let admin = b.role("admin", true, false, true);
        let t = tasks(&mut b);
        b.policy(t, "edit", '*', Some("true"), None, &[]).roles = vec![admin];
        assert!(run(&ALWAYS_TRUE, b).is_empty());
    }

    #[test]
    fn write_without_check_uses_the_read_condition() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        b.policy(t, "read", 'r', Some(TENANT), None, &["tenant_id"]);
        b.policy(t, "add", 'a', None, Some("true"), &[]);
        // UPDATE with USING and no WITH CHECK checks with USING: fine
        b.policy(t, "edit", 'w', Some(TENANT), None, &["tenant_id"]);
        let b_clone_free = run(&ALWAYS_TRUE, {
            let mut b2 = SnapshotBuilder::new();
            let t2 = tasks(&mut b2);
            b2.policy(t2, "read", 'r', Some(TENANT), None, &["tenant_id"]);
            b2.policy(t2, "add", 'a', None, Some("true"), &[]);
            b2
        });
        assert!(
            b_clone_free.is_empty(),
            "reported once, as write_without_check"
        );
        let found = run(&WRITE_WITHOUT_CHECK, b);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some(format!("ALTER POLICY add ON app.tasks WITH CHECK ({TENANT});").as_str())
        );
    }

    #[test]
    fn multiple_permissive_policies() {
        let mut b = SnapshotBuilder::new();
        let app = b.role("app_user", true, false, false);
        let t = tasks(&mut b);
        b.policy(t, "tenant", 'r', Some(TENANT), None, &["tenant_id"]);
        b.policy(t, "mine", 'r', Some("(owner_id = 1)"), None, &["owner_id"]);
        b.policy(t, "restrict", 'r', Some("(id > 0)"), None, &["id"])
            .permissive = false;
        b.policy(t, "app_all", '*', Some(TENANT), None, &["tenant_id"])
            .roles = vec![app];
        let found = run(&MULTIPLE_PERMISSIVE, b);
        let keys: Vec<String> = found.iter().map(|f| f.fingerprint.clone()).collect();
        assert_eq!(
            keys,
            [
                "rls_multiple_permissive:app.tasks:PUBLIC/SELECT",
                "rls_multiple_permissive:app.tasks:app_user/SELECT"
            ]
        );
    }

    #[test]
    fn wrapping_calls() {
        let names = vec!["current_setting".to_string(), "auth.uid".to_string()];
        assert_eq!(
            wrap_calls(
                "(tenant_id = (current_setting('app.x(y)'::text))::bigint)",
                &names
            ),
            "(tenant_id = ((SELECT current_setting('app.x(y)'::text)))::bigint)"
        );
        assert_eq!(
            wrap_calls("(owner = auth.uid())", &names),
            "(owner = (SELECT auth.uid()))"
        );
        assert_eq!(
            wrap_calls("(my_current_setting(1) = 2)", &names),
            "(my_current_setting(1) = 2)"
        );
        // multi-byte characters before and inside the call are no trouble
        let names = vec!["\"süd\".\"fü\"".to_string()];
        assert_eq!(
            wrap_calls("(\"idü\" = \"süd\".\"fü\"())", &names),
            "(\"idü\" = (SELECT \"süd\".\"fü\"()))"
        );
    }

    #[test]
    fn per_row_functions_are_reported_unless_immutable() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        let f = b.function("pg_catalog", "current_setting", "text");
        f.volatility = 's';
        let setting = f.oid;
        let g = b.function("app", "tenant_hash", "bigint");
        g.volatility = 'i';
        let hash = g.oid;
        b.policy(
            t,
            "p",
            'r',
            Some("(tenant_id = (current_setting('app.tenant_id'::text))::bigint)"),
            None,
            &["tenant_id"],
        )
        .per_row_functions = vec![setting];
        b.policy(
            t,
            "q",
            'r',
            Some("(tenant_hash(tenant_id) = 1)"),
            None,
            &["tenant_id"],
        )
        .per_row_functions = vec![hash];
        let found = run(&PER_ROW_FUNCTION, b);
        assert_eq!(found.len(), 1);
        assert!(found[0]
            .remediation
            .as_deref()
            .unwrap()
            .contains("((SELECT current_setting('app.tenant_id'::text)))::bigint"));
    }

    #[test]
    fn unindexed_policy_columns_on_large_tables() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        b.relation_mut(t).reltuples = 50_000.0;
        b.policy(t, "p", 'r', Some(TENANT), None, &["tenant_id"]);
        b.policy(t, "q", 'r', Some("(owner_id = 1)"), None, &["owner_id"]);
        b.index(t, &["owner_id", "id"]);
        b.index(t, &["id", "tenant_id"]); // tenant_id not leading
        let found = run(&COLUMN_UNINDEXED, b);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "app.tasks.tenant_id");
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("CREATE INDEX CONCURRENTLY IF NOT EXISTS tasks_tenant_id_idx ON app.tasks (tenant_id);")
        );
        // small tables are not worth an index
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        b.policy(t, "p", 'r', Some(TENANT), None, &["tenant_id"]);
        assert!(run(&COLUMN_UNINDEXED, b).is_empty());
    }

    #[test]
    fn tenant_column_ignored_by_every_policy() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        b.attribute_mut(t, "tenant_id").type_name = "int8".into();
        b.policy(t, "mine", 'r', Some("(owner_id = 1)"), None, &["owner_id"]);
        let found = run(&TENANT_UNPROTECTED, b);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("CREATE POLICY tasks_tenant_isolation ON app.tasks AS RESTRICTIVE USING (tenant_id = (SELECT current_setting('app.tenant_id', true))::bigint);")
        );
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        b.policy(t, "tenant", 'r', Some(TENANT), None, &["tenant_id"]);
        assert!(run(&TENANT_UNPROTECTED, b).is_empty());
    }

    #[test]
    fn tautologies_are_found_by_folding_the_tree_not_the_text() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        app_user(&mut b, t);
        b.policy(t, "add", 'a', None, Some("(1 = 1)"), &[])
            .check_tree = Some(fx::ONE_EQ_ONE.into());
        b.policy(
            t,
            "edit",
            'w',
            Some("((id IS NOT NULL) OR (id IS NULL))"),
            None,
            &["id"],
        )
        .using_tree = Some(fx::NULL_OR_NOT_NULL.into());
        b.policy(t, "wipe", 'd', Some("(NOT false)"), None, &[])
            .using_tree = Some(fx::NOT_FALSE.into());
        // x = x is NULL where x is NULL: not a tautology
        b.policy(t, "same", 'd', Some("(id = id)"), None, &["id"])
            .using_tree = Some(fx::id_eq_id());
        b.policy(t, "mine", 'w', Some("(owner_id = 5)"), None, &["owner_id"])
            .using_tree = Some(fx::OWNER_IS_5.into());
        // the text says true, the tree does not: the tree decides
        b.policy(t, "text_only", 'd', Some("true"), None, &[])
            .using_tree = Some(fx::OWNER_IS_5.into());
        let found = run(&ALWAYS_TRUE, b);
        assert_eq!(
            identities(&found),
            [
                ("add on app.tasks".to_string(), Level::Warning),
                ("edit on app.tasks".to_string(), Level::Warning),
                ("wipe on app.tasks".to_string(), Level::Warning),
            ]
        );
        let add = found
            .iter()
            .find(|f| f.object_identity.starts_with("add"))
            .unwrap();
        assert!(
            add.detail.contains("has WITH CHECK ((1 = 1)), which is always true: app_user may insert any row into app.tasks"),
            "{}",
            add.detail
        );
        let wipe = found
            .iter()
            .find(|f| f.object_identity.starts_with("wipe"))
            .unwrap();
        assert!(wipe.detail.contains("USING ((NOT false)), which is always true: app_user may delete any row of app.tasks"), "{}", wipe.detail);
    }

    #[test]
    fn write_without_check_folds_the_check_too() {
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        app_user(&mut b, t);
        b.policy(t, "read", 'r', Some(TENANT), None, &["tenant_id"]);
        b.policy(t, "add", 'a', None, Some("(2 > 1)"), &[])
            .check_tree = Some(fx::TWO_GT_ONE.into());
        // a real check
        b.policy(
            t,
            "edit",
            'w',
            Some(TENANT),
            Some("(owner_id = 5)"),
            &["tenant_id"],
        )
        .check_tree = Some(fx::OWNER_IS_5.into());
        let snap = b.build();
        let found = (WRITE_WITHOUT_CHECK.check)(&snap, &Config::default());
        assert_eq!(
            identities(&found),
            [("add on app.tasks".to_string(), Level::Warning)]
        );
        assert!((ALWAYS_TRUE.check)(&snap, &Config::default()).is_empty());
        // a read policy whose USING is a tautology restricts no read: always_true's case
        let mut b = SnapshotBuilder::new();
        let t = tasks(&mut b);
        app_user(&mut b, t);
        b.policy(
            t,
            "read",
            'r',
            Some("(true OR (owner_id = 5))"),
            None,
            &["owner_id"],
        )
        .using_tree = Some(fx::TRUE_OR_OWNER.into());
        b.policy(t, "add", 'a', None, Some("true"), &[]);
        let snap = b.build();
        assert!((WRITE_WITHOUT_CHECK.check)(&snap, &Config::default()).is_empty());
        assert_eq!(
            identities(&(ALWAYS_TRUE.check)(&snap, &Config::default())),
            [("add on app.tasks".to_string(), Level::Warning)]
        );
    }

    #[test]
    fn policies_of_tables_without_rls_are_reported_once_by_policy_without_rls() {
        let mut b = SnapshotBuilder::new();
        let t = b.table("app", "open", &["id", "tenant_id", "owner_id"]);
        app_user(&mut b, t);
        let f = b.function("pg_catalog", "current_setting", "text");
        f.volatility = 's';
        let setting = f.oid;
        b.policy(t, "edit", 'w', Some("true"), None, &[]);
        b.policy(t, "add", 'a', None, Some("true"), &[]);
        b.policy(
            t,
            "tenant",
            'r',
            Some("(tenant_id = (current_setting('app.tenant_id'::text))::bigint)"),
            None,
            &["tenant_id"],
        )
        .per_row_functions = vec![setting];
        let snap = b.build();
        let config = Config::default();
        assert!((ALWAYS_TRUE.check)(&snap, &config).is_empty());
        assert!((PER_ROW_FUNCTION.check)(&snap, &config).is_empty());
        assert!((WRITE_WITHOUT_CHECK.check)(&snap, &config).is_empty());
        let once = (POLICY_WITHOUT_RLS.check)(&snap, &config);
        assert_eq!(identities(&once), [("app.open".to_string(), Level::Error)]);
        // with RLS on, the same policies are reported
        let mut snap = snap;
        snap.relations.get_mut(&t).unwrap().rls_enabled = true;
        assert_eq!((ALWAYS_TRUE.check)(&snap, &config).len(), 1, "edit");
        assert_eq!((WRITE_WITHOUT_CHECK.check)(&snap, &config).len(), 1, "add");
        assert_eq!((PER_ROW_FUNCTION.check)(&snap, &config).len(), 1);
        assert!((POLICY_WITHOUT_RLS.check)(&snap, &config).is_empty());
    }

    #[test]
    fn always_true_needs_a_role_that_holds_the_write_privilege() {
        let level = |setup: &dyn Fn(&mut SnapshotBuilder, Oid)| {
            let mut b = SnapshotBuilder::new();
            let t = tasks(&mut b);
            // the owner holds everything (acldefault), but RLS does not restrict it
            b.grant(t, OWNER, &["SELECT", "INSERT", "UPDATE", "DELETE"]);
            setup(&mut b, t);
            let found = run(&ALWAYS_TRUE, b);
            assert!(found.len() <= 1);
            found.first().map(|f| (f.level, f.detail.clone()))
        };
        // TO PUBLIC, UPDATE USING (true): nobody but the owner may update
        let (l, detail) = level(&|b, t| {
            let reader = b.role("reader", true, false, false);
            b.grant(t, reader, &["SELECT"]);
            b.policy(t, "edit", 'w', Some("true"), None, &[]);
        })
        .unwrap();
        assert_eq!(l, Level::Info);
        assert!(
            detail.contains("none of these roles holds UPDATE on app.tasks today"),
            "{detail}"
        );
        // ... unless RLS is forced: then the owner is restricted by it
        let (l, detail) = level(&|b, t| {
            b.relation_mut(t).rls_forced = true;
            b.policy(t, "edit", 'w', Some("true"), None, &[]);
        })
        .unwrap();
        assert_eq!(l, Level::Warning);
        assert!(
            detail.contains("app_owner may update any row of app.tasks"),
            "{detail}"
        );
        // a grantee of UPDATE makes it a warning, naming who may write
        let (l, detail) = level(&|b, t| {
            let writer = b.role("writer", true, false, false);
            let reader = b.role("reader", true, false, false);
            b.grant(t, writer, &["UPDATE"]);
            b.grant(t, reader, &["SELECT"]);
            b.policy(t, "edit", 'w', Some("true"), None, &[]);
        })
        .unwrap();
        assert_eq!(l, Level::Warning);
        assert!(detail.contains("writer may update any row"), "{detail}");
        // TO a role that only reads, while another role may delete
        let (l, _) = level(&|b, t| {
            let writer = b.role("writer", true, false, false);
            let reader = b.role("reader", true, false, false);
            b.grant(t, writer, &["DELETE"]);
            b.grant(t, reader, &["SELECT"]);
            b.policy(t, "wipe", 'd', Some("true"), None, &[]).roles = vec![reader];
        })
        .unwrap();
        assert_eq!(l, Level::Info);
        // DELETE granted to PUBLIC: every role the policy names may delete
        let (l, detail) = level(&|b, t| {
            let reader = b.role("reader", true, false, false);
            b.grant(t, PUBLIC, &["DELETE"]);
            b.policy(t, "wipe", 'd', Some("true"), None, &[]).roles = vec![reader];
        })
        .unwrap();
        assert_eq!(l, Level::Warning);
        assert!(detail.contains("reader may delete any row"), "{detail}");
        // an INSERT check needs INSERT, not UPDATE
        let (l, _) = level(&|b, t| {
            let writer = b.role("writer", true, false, false);
            b.grant(t, writer, &["UPDATE", "DELETE"]);
            b.policy(t, "add", 'a', None, Some("true"), &[]);
        })
        .unwrap();
        assert_eq!(l, Level::Info);
        // ALL USING (true) with only SELECT granted: reads are fine, nothing to write
        let (l, detail) = level(&|b, t| {
            let reader = b.role("reader", true, false, false);
            b.grant(t, reader, &["SELECT"]);
            b.policy(t, "all", '*', Some("true"), None, &[]);
        })
        .unwrap();
        assert_eq!(l, Level::Info);
        assert!(
            detail.contains("holds INSERT or UPDATE or DELETE"),
            "{detail}"
        );
        // an admin with the privilege is not restricted by RLS anyway
        let (l, _) = level(&|b, t| {
            let admin = b.role("admin", true, false, true);
            b.grant(t, admin, &["UPDATE"]);
            b.policy(t, "edit", 'w', Some("true"), None, &[]).roles = vec![admin, PUBLIC];
        })
        .unwrap();
        assert_eq!(l, Level::Info);
    }
}
