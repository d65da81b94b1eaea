//! SECURITY DEFINER functions run with their owner's rights: their search_path must not
//! let a caller substitute objects, and PUBLIC should not be able to call them.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::rules::Rule;
use crate::snapshot::{is_system_schema, Function, Parts, Snapshot, PUBLIC};
use serde_json::json;

const PARTS: Parts = Parts::FUNCTIONS.union(Parts::ROLES).union(Parts::GRANTS);

pub const DEFINER_SEARCH_PATH: Rule = Rule {
    id: "security_definer_search_path",
    category: Category::Security,
    default_level: Level::Error,
    description: "SECURITY DEFINER function without a safe pinned search_path (pg_temp listed \
                  last, nothing writable by others before pg_catalog): a caller can make it \
                  run their own functions or tables with the owner's rights",
    check: definer_search_path,
    parts: PARTS,
};

pub const DEFINER_PUBLIC_EXECUTE: Rule = Rule {
    id: "security_definer_public_execute",
    category: Category::Security,
    default_level: Level::Warning,
    description: "SECURITY DEFINER function executable by PUBLIC: every role can run it with \
                  its owner's rights",
    check: definer_public_execute,
    parts: PARTS,
};

/// SECURITY DEFINER functions in scope, in a stable order.
fn definers<'s>(snap: &'s Snapshot, config: &Config) -> Vec<&'s Function> {
    let mut fs: Vec<&Function> = snap
        .functions
        .values()
        .filter(|f| {
            f.security_definer
                && !f.extension_member
                && !is_system_schema(&f.schema)
                && !config.is_schema_excluded(&f.schema)
        })
        .collect();
    fs.sort_by(|a, b| a.identity.cmp(&b.identity));
    fs
}

fn object_type(f: &Function) -> &'static str {
    if f.kind == 'p' {
        "procedure"
    } else {
        "function"
    }
}

/// Parse a `search_path` setting value into schema names (quotes removed, `$user` kept).
pub fn parse_search_path(value: &str) -> Vec<String> {
    crate::config::Config::parse_name_list(value)
}

/// What is unsafe about a SECURITY DEFINER function's search_path (nothing when empty),
/// the search_path that fixes it, and what the fix does.
fn search_path_review(snap: &Snapshot, f: &Function) -> (Vec<String>, String, &'static str) {
    let Some(value) = f.config.iter().find_map(|c| c.strip_prefix("search_path=")) else {
        return (
            vec!["no search_path is set, so it runs with the caller's".into()],
            safe_search_path(snap, f),
            "The fix pins pg_catalog first, then its own schema, and pg_temp last; qualify \
             names in the body if it reads other schemas.",
        );
    };
    let path = parse_search_path(value);
    let mut problems = Vec::new();
    // pg_catalog is searched first unless it is listed: then what comes before it counts
    let mut catalog_late = false;
    if let Some(catalog_at) = path.iter().position(|s| s == "pg_catalog") {
        for schema in &path[..catalog_at] {
            if schema == "$user" {
                problems.push("\"$user\" comes before pg_catalog".into());
                catalog_late = true;
            } else if schema != "pg_temp" && writable_by_others(snap, schema) {
                problems.push(format!(
                    "{schema} (writable by other roles) comes before pg_catalog"
                ));
                catalog_late = true;
            }
        }
    }
    // pg_temp is searched first for tables unless it is listed (its first mention counts)
    match path.iter().position(|s| s == "pg_temp") {
        None if path.is_empty() => problems.push(
            "its search_path is empty, so pg_temp (the caller's temporary tables) is searched \
             first"
                .into(),
        ),
        None => problems.push(
            "pg_temp is not listed, so the caller's temporary tables are searched first".into(),
        ),
        Some(at) if at + 1 != path.len() => problems.push("pg_temp is not last".into()),
        Some(_) => {}
    }
    let how = if catalog_late {
        "The fix keeps its schemas, with pg_catalog first and pg_temp last."
    } else {
        "The fix keeps its schemas and lists pg_temp last."
    };
    (problems, fixed_search_path(&path, catalog_late), how)
}

/// The same schemas (each once, quoted), pg_catalog moved first when asked, pg_temp last.
fn fixed_search_path(path: &[String], catalog_first: bool) -> String {
    let mut schemas: Vec<&str> = Vec::new();
    if catalog_first {
        schemas.push("pg_catalog");
    }
    for schema in path {
        if schema != "pg_temp" && !schemas.contains(&schema.as_str()) {
            schemas.push(schema);
        }
    }
    schemas.push("pg_temp");
    crate::quote::ident_list(&schemas)
}

/// `pg_catalog, <the function's own schema>, pg_temp` when its schema is trusted (so
/// unqualified names in the body still resolve there), else `pg_catalog, pg_temp`.
fn safe_search_path(snap: &Snapshot, f: &Function) -> String {
    if writable_by_others(snap, &f.schema) {
        "pg_catalog, pg_temp".into()
    } else {
        format!("pg_catalog, {}, pg_temp", crate::quote::ident(&f.schema))
    }
}

/// A schema where a role other than its owner may CREATE, or that does not exist (anyone
/// allowed to create schemas could create it).
fn writable_by_others(snap: &Snapshot, schema: &str) -> bool {
    match snap.namespaces.values().find(|n| n.name == schema) {
        Some(ns) => ns
            .grants
            .iter()
            .any(|g| g.privilege == "CREATE" && g.grantee != ns.owner),
        None => !is_system_schema(schema),
    }
}

fn definer_search_path(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    definers(snap, config)
        .into_iter()
        .filter_map(|f| {
            let (problems, path, how) = search_path_review(snap, f);
            if problems.is_empty() {
                return None;
            }
            let detail = format!(
                "SECURITY DEFINER {} {} runs with the rights of its owner {}, but {}: a caller \
                 can put their own functions, operators or tables first (a temporary table \
                 shadows an unqualified table name). {how}",
                object_type(f),
                f.identity,
                snap.role_name(f.owner),
                problems.join("; ")
            );
            Some(DEFINER_SEARCH_PATH.finding(
                Level::Error,
                object_type(f),
                f.identity.clone(),
                None,
                detail,
                Some(format!(
                    "ALTER ROUTINE {} SET search_path = {path};",
                    f.identity
                )),
                json!({ "schema": f.schema, "function": f.name, "config": f.config, "problems": problems }),
            ))
        })
        .collect()
}

fn definer_public_execute(snap: &Snapshot, config: &Config) -> Vec<Finding> {
    definers(snap, config)
        .into_iter()
        .filter(|f| {
            f.grants
                .iter()
                .any(|g| g.grantee == PUBLIC && g.privilege == "EXECUTE")
        })
        .map(|f| {
            let detail = format!(
                "SECURITY DEFINER {} {} can be executed by PUBLIC, so every role runs it with \
                 the rights of {}. Revoke it from PUBLIC and grant EXECUTE to the roles that \
                 need it.",
                object_type(f),
                f.identity,
                snap.role_name(f.owner)
            );
            DEFINER_PUBLIC_EXECUTE.finding(
                Level::Warning,
                object_type(f),
                f.identity.clone(),
                None,
                detail,
                Some(format!(
                    "REVOKE EXECUTE ON ROUTINE {} FROM PUBLIC;",
                    f.identity
                )),
                json!({ "schema": f.schema, "function": f.name }),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{builder::OWNER, Grant, SnapshotBuilder};

    fn definer(b: &mut SnapshotBuilder, config: &[&str]) {
        let f = b.function("app", "tenant_revenue", "bigint");
        f.security_definer = true;
        f.config = config.iter().map(|s| s.to_string()).collect();
    }

    fn problems(config: &[&str], setup: impl FnOnce(&mut SnapshotBuilder)) -> Vec<Finding> {
        let mut b = SnapshotBuilder::new();
        setup(&mut b);
        definer(&mut b, config);
        (DEFINER_SEARCH_PATH.check)(&b.build(), &Config::default())
    }

    /// The search_path the remediation sets, as `proconfig` then stores it.
    fn fixed(found: &[Finding]) -> String {
        let sql = found[0].remediation.as_deref().unwrap();
        let value = sql.split(" SET search_path = ").nth(1).unwrap();
        format!("search_path={}", value.trim_end_matches(';'))
    }

    #[test]
    fn search_paths() {
        assert_eq!(problems(&[], |_| {}).len(), 1);
        assert!(problems(&["search_path=pg_catalog, pg_temp"], |_| {}).is_empty());
        assert!(
            problems(&["search_path=app, pg_temp"], |_| {}).is_empty(),
            "pg_catalog implicitly first"
        );
        let temp_first = problems(&["search_path=pg_temp, pg_catalog"], |_| {});
        assert!(temp_first[0].detail.contains("pg_temp is not last"));
        assert_eq!(fixed(&temp_first), "search_path=pg_catalog, pg_temp");
        let writable = problems(&["search_path=public, pg_catalog, pg_temp"], |b| {
            b.namespace_mut("public")
                .grants
                .push(Grant::new(PUBLIC, "CREATE"));
        });
        assert!(writable[0]
            .detail
            .contains("public (writable by other roles) comes before pg_catalog"));
        assert!(writable[0]
            .detail
            .contains("The fix keeps its schemas, with pg_catalog first and pg_temp last."));
        assert_eq!(fixed(&writable), "search_path=pg_catalog, public, pg_temp");
        let owner_only = problems(&["search_path=app, pg_catalog, pg_temp"], |b| {
            b.namespace_mut("app").owner = OWNER;
        });
        assert!(owner_only.is_empty());
        let user = problems(&["search_path=\"$user\", pg_catalog"], |_| {});
        assert!(user[0].detail.contains("\"$user\" comes before pg_catalog"));
        assert!(user[0].detail.contains("pg_temp is not listed"));
        assert_eq!(fixed(&user), "search_path=pg_catalog, \"$user\", pg_temp");
        assert_eq!(
            problems(&[], |_| {})[0].remediation.as_deref(),
            Some("ALTER ROUTINE app.tenant_revenue(bigint) SET search_path = pg_catalog, app, pg_temp;")
        );
    }

    #[test]
    fn pg_temp_must_be_listed_and_last() {
        // PostgreSQL searches pg_temp first for tables when it is not listed
        let cases = [
            (
                "search_path=\"\"",
                "its search_path is empty",
                "search_path=pg_temp",
            ),
            (
                "search_path=public",
                "pg_temp is not listed",
                "search_path=public, pg_temp",
            ),
            (
                "search_path=pg_catalog",
                "pg_temp is not listed",
                "search_path=pg_catalog, pg_temp",
            ),
            (
                "search_path=\"$user\", public",
                "pg_temp is not listed",
                "search_path=\"$user\", public, pg_temp",
            ),
            (
                "search_path=\"My App\", pg_catalog",
                "pg_temp is not listed",
                "search_path=\"My App\", pg_catalog, pg_temp",
            ),
            // a quoted upper-case PG_TEMP is an ordinary schema, not the temporary one
            (
                "search_path=pg_catalog, \"PG_TEMP\"",
                "pg_temp is not listed",
                "search_path=pg_catalog, \"PG_TEMP\", pg_temp",
            ),
            // the first mention counts: pg_temp is searched first here
            (
                "search_path=pg_temp, app, pg_temp",
                "pg_temp is not last",
                "search_path=app, pg_temp",
            ),
            (
                "search_path=PG_TEMP, app",
                "pg_temp is not last",
                "search_path=app, pg_temp",
            ),
        ];
        // "My App" exists and only its owner creates there (else it would count as
        // writable before pg_catalog)
        let setup = |b: &mut SnapshotBuilder| {
            b.namespace_mut("My App");
        };
        for (config, problem, fix) in cases {
            let found = problems(&[config], setup);
            assert_eq!(found.len(), 1, "{config}");
            assert!(
                found[0].detail.contains(problem),
                "{config}: {}",
                found[0].detail
            );
            assert!(
                found[0]
                    .detail
                    .contains("The fix keeps its schemas and lists pg_temp last."),
                "{config}"
            );
            assert_eq!(fixed(&found), fix, "{config}");
            assert_eq!(
                found[0].remediation.as_deref().unwrap(),
                format!(
                    "ALTER ROUTINE app.tenant_revenue(bigint) SET search_path = {};",
                    &fix["search_path=".len()..]
                )
            );
        }
        // listed explicitly and last: fine, quoted or not
        for ok in [
            "search_path=pg_catalog, pg_temp",
            "search_path=\"pg_temp\"",
            "search_path=\"My App\", pg_catalog, \"pg_temp\"",
            "search_path=app, PG_TEMP",
        ] {
            assert!(problems(&[ok], setup).is_empty(), "{ok}");
        }
    }

    #[test]
    fn the_fixed_search_path_is_accepted() {
        let configs = [
            "search_path=\"\"",
            "search_path=public",
            "search_path=pg_temp, pg_catalog",
            "search_path=public, pg_catalog",
            "search_path=\"$user\", public, pg_catalog, app",
            "search_path=\"Sales \"\"Dept\"\"\", pg_temp, pg_catalog",
        ];
        for config in configs {
            let setup = |b: &mut SnapshotBuilder| {
                b.namespace_mut("public")
                    .grants
                    .push(Grant::new(PUBLIC, "CREATE"));
            };
            let found = problems(&[config], setup);
            assert_eq!(found.len(), 1, "{config}");
            let again = fixed(&found);
            assert!(problems(&[&again], setup).is_empty(), "{config} -> {again}");
        }
        let quoted = problems(
            &["search_path=\"Sales \"\"Dept\"\"\", pg_temp, pg_catalog"],
            |_| {},
        );
        // a schema that does not exist yet could be created by anyone: pg_catalog goes first
        assert_eq!(
            fixed(&quoted),
            "search_path=pg_catalog, \"Sales \"\"Dept\"\"\", pg_temp"
        );
    }

    #[test]
    fn public_execute() {
        let mut b = SnapshotBuilder::new();
        definer(&mut b, &["search_path=pg_catalog"]);
        let f = b.function("app", "plain", "");
        f.security_definer = false;
        let found = (DEFINER_PUBLIC_EXECUTE.check)(&b.build(), &Config::default());
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].remediation.as_deref(),
            Some("REVOKE EXECUTE ON ROUTINE app.tenant_revenue(bigint) FROM PUBLIC;")
        );
    }

    #[test]
    fn extension_functions_are_skipped() {
        let mut b = SnapshotBuilder::new();
        let f = b.function("app", "ext_fn", "");
        f.security_definer = true;
        f.extension_member = true;
        assert!((DEFINER_SEARCH_PATH.check)(&b.build(), &Config::default()).is_empty());
    }
}
