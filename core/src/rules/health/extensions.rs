//! Extensions left at an old version (`extension_outdated`): the server has a newer
//! version's scripts installed (a package upgrade), but the database still runs the old
//! SQL objects until `ALTER EXTENSION ... UPDATE`.

use crate::config::Config;
use crate::finding::{Category, Finding, Level};
use crate::quote;
use crate::rules::Rule;
use crate::snapshot::{Parts, Snapshot};
use serde_json::json;

pub const EXTENSION_OUTDATED: Rule = Rule {
    id: "extension_outdated",
    category: Category::Maintenance,
    default_level: Level::Info,
    description: "Extension installed at another version than its default (the package was \
                  upgraded, ALTER EXTENSION ... UPDATE was not run)",
    check: extension_outdated,
    parts: Parts::EXTENSIONS,
};

fn extension_outdated(snap: &Snapshot, _config: &Config) -> Vec<Finding> {
    let mut out: Vec<Finding> = snap
        .extensions
        .iter()
        .filter_map(|e| {
            let default = e.default_version.as_deref()?;
            if default == e.version {
                return None;
            }
            let name = quote::ident(&e.name);
            Some(EXTENSION_OUTDATED.finding(
                Level::Info,
                "extension",
                name.clone(),
                None,
                format!(
                    "Extension {name} is installed at version {}, but the server's default \
                     version is {default}: the package was upgraded, and this database still \
                     runs the old version's SQL objects (functions, views) with the new \
                     library. Read the extension's release notes: some updates take locks \
                     or rewrite data.",
                    quote::printable(&e.version)
                ),
                Some(format!("ALTER EXTENSION {name} UPDATE;")),
                json!({ "extension": e.name, "version": e.version, "default_version": default }),
            ))
        })
        .collect();
    out.sort_by(|a, b| a.object_identity.cmp(&b.object_identity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::SnapshotBuilder;

    #[test]
    fn an_older_version_installed() {
        let mut b = SnapshotBuilder::new();
        b.extension("pg_stat_statements", "public", true);
        b.extension("Odd Ext", "public", true);
        b.extension("gone", "public", true);
        b.extension_mut("pg_stat_statements").version = "1.6".into();
        b.extension_mut("Odd Ext").default_version = Some("2.0".into());
        b.extension_mut("gone").default_version = None;
        let f = extension_outdated(&b.build(), &Config::default());
        let got: Vec<_> = f.iter().map(|f| f.remediation.clone().unwrap()).collect();
        assert_eq!(
            got,
            [
                "ALTER EXTENSION \"Odd Ext\" UPDATE;",
                "ALTER EXTENSION pg_stat_statements UPDATE;"
            ]
        );
    }
}
