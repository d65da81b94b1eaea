//! Where objects can be created: schemas PUBLIC may create in, and extensions left in
//! schema public.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{is_system_schema, Parts, Snapshot, PUBLIC};
use serde_json::json;

const PARTS: Parts = Parts::GRANTS.union(Parts::ROLES).union(Parts::EXTENSIONS);

pub const PUBLIC_SCHEMA_CREATE: Rule = Rule {
    id: "public_schema_create",
    category: Category::Security,
    default_level: Level::Warning,
    description: "PUBLIC may CREATE in a schema (public before PostgreSQL 15, or granted back): \
                  any role can plant functions and tables others resolve by search_path",
    check: public_schema_create,
    parts: PARTS,
};

pub const EXTENSION_IN_PUBLIC: Rule = Rule {
    id: "extension_in_public",
    category: Category::Security,
    default_level: Level::Info,
    description: "Relocatable extension installed in schema public: move it to its own schema",
    check: extension_in_public,
    parts: PARTS,
};

fn public_schema_create(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    let mut schemas: Vec<_> = snap
        .namespaces
        .values()
        .filter(|n| !is_system_schema(&n.name) && !config.is_schema_excluded(&n.name))
        .filter(|n| {
            n.grants
                .iter()
                .any(|g| g.grantee == PUBLIC && g.privilege == "CREATE")
        })
        .collect();
    schemas.sort_by(|a, b| a.name.cmp(&b.name));
    schemas
        .into_iter()
        .map(|n| {
            let id = quote::ident(&n.name);
            let detail = format!(
                "PUBLIC may CREATE in schema {id}: any role can create functions, operators or \
                 tables there that other roles (and SECURITY DEFINER functions) pick up through \
                 search_path. PostgreSQL 15 no longer grants this by default."
            );
            PUBLIC_SCHEMA_CREATE.finding(
                Level::Warning,
                "schema",
                id.clone(),
                None,
                detail,
                Some(format!("REVOKE CREATE ON SCHEMA {id} FROM PUBLIC;")),
                json!({ "schema": n.name }),
            )
        })
        .collect()
}

fn extension_in_public(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let mut exts: Vec<_> = snap
        .extensions
        .iter()
        .filter(|e| e.relocatable)
        .filter(|e| {
            snap.namespaces
                .get(&e.namespace)
                .is_some_and(|n| n.name == "public")
        })
        .collect();
    exts.sort_by(|a, b| a.name.cmp(&b.name));
    exts.into_iter()
        .map(|e| {
            let id = quote::ident(&e.name);
            let detail = format!(
                "Extension {id} is installed in schema public, where its functions and \
                 operators mix with application objects (and, where PUBLIC may create there, \
                 can be shadowed). Move it to a schema of its own and add that schema to the \
                 search_path of the roles that call it unqualified."
            );
            EXTENSION_IN_PUBLIC.finding(
                Level::Info,
                "extension",
                id.clone(),
                None,
                detail,
                Some(format!(
                    "CREATE SCHEMA IF NOT EXISTS extensions;\nALTER EXTENSION {id} SET SCHEMA extensions;"
                )),
                json!({ "extension": e.name }),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Grant, SnapshotBuilder};

    #[test]
    fn public_create() {
        let mut b = SnapshotBuilder::new();
        b.namespace_mut("public")
            .grants
            .push(Grant::new(PUBLIC, "USAGE"));
        b.namespace_mut("open space")
            .grants
            .push(Grant::new(PUBLIC, "CREATE"));
        let found = (PUBLIC_SCHEMA_CREATE.check)(&b.build(), &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("REVOKE CREATE ON SCHEMA \"open space\" FROM PUBLIC;")
        );
    }

    #[test]
    fn extensions() {
        let mut b = SnapshotBuilder::new();
        b.extension("pg_trgm", "public", true);
        b.extension("plpgsql_like", "public", false);
        b.extension("citext", "extensions", true);
        let found = (EXTENSION_IN_PUBLIC.check)(&b.build(), &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].object_identity, "pg_trgm");
    }
}
