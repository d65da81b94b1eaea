//! Loads a [`Snapshot`] read-only, so it works on a hot standby and in a read-only
//! transaction: the big catalogs scanned directly (`catalog`, through `tables`), the others
//! with one SPI query each. Rules never run SQL themselves.

mod cache;
mod catalog;
mod health;
pub mod model;
mod own_queries;
mod policy_text;
pub mod report;
mod rows;
pub(crate) mod shape;
mod tables;
#[cfg(any(test, feature = "pg_test"))]
pub use cache::reused as cache_reused;
pub use cache::{register as register_cache_callbacks, Loaded};
pub use rows::take_cost;
pub mod settings;
mod workload;

use crate::error::AdvisorError;
use database_advisor_core::config::Config;
use database_advisor_core::quote;
use database_advisor_core::rules::indexes;
use database_advisor_core::snapshot::{
    node_tree, AuditTrigger, Extension, Function, Grant, Namespace, Oid, Parts, Policy, Role,
    Snapshot, StatsWindow, TableRule,
};
use pgrx::datum::FromDatum;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::IntoDatum;
use rows::{Columns, Row};
use std::collections::HashMap;

/// Schemas the loader reads: everything but system and temporary schemas.
const USER_SCHEMA: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
                           AND n.nspname !~ '^pg_(toast_)?temp_'";

/// Labels the loader's statements for a DBA reading pg_stat_activity. (The workload rules
/// recognise them by queryid, see `own_queries`: anyone can write this comment.)
pub(crate) const MARKER: &str = "/* database_advisor */";

/// A catalog query: labelled, with `{user_schema}` expanded.
fn sql(text: &str) -> String {
    format!("{MARKER} {}", text.replace("{user_schema}", USER_SCHEMA))
}

/// A query of ours, ready to run: remembered so the workload rules leave it out.
fn ours(text: String) -> String {
    own_queries::remember(&text, &[]);
    text
}

/// Typed column access with a default for NULL.
fn col<T: FromDatum + IntoDatum + Default>(row: &impl Columns, i: usize) -> SpiResult<T> {
    Ok(row.get::<T>(i)?.unwrap_or_default())
}

/// A text column, `""` for NULL.
fn text(row: &impl Columns, i: usize) -> SpiResult<String> {
    Ok(row.text(i)?.unwrap_or_default())
}

fn oid(row: &impl Columns, i: usize) -> SpiResult<Oid> {
    Ok(col::<i64>(row, i)? as Oid)
}

fn oids(row: &impl Columns, i: usize) -> SpiResult<Vec<Oid>> {
    Ok(col::<Vec<i64>>(row, i)?
        .into_iter()
        .map(|o| o as Oid)
        .collect())
}

/// SQL the server printed (`pg_get_expr`, an identity), rewritten to hold no raw control
/// characters: rules paste it into generated SQL and comments.
fn printed(row: &impl Columns, i: usize) -> SpiResult<String> {
    Ok(quote::printable_sql(&text(row, i)?))
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or('?')
}

/// Run one catalog query and hand each row to `each`, checking for cancel between rows
/// (`_client`: only inside `Spi::connect`, which the fast reader needs).
fn each_row(
    _client: &SpiClient<'_>,
    query: &str,
    each: impl FnMut(&Row) -> SpiResult<()>,
) -> SpiResult<()> {
    rows::each_row(&ours(sql(query)), each)
}

/// Make `quote::ident` quote exactly the keywords this server quotes (once per backend:
/// every major version adds some, and identities must match `pg_identify_object`).
pub fn use_server_keywords(client: &SpiClient<'_>) -> SpiResult<()> {
    if !quote::has_server_keywords() {
        let query = ours(sql(
            "SELECT word::text FROM pg_get_keywords() WHERE catcode <> 'U'",
        ));
        let words = client
            .select(&query, None, &[])?
            .map(|row| col::<String>(&row, 1))
            .collect::<SpiResult<Vec<_>>>()?;
        quote::use_server_keywords(words);
    }
    Ok(())
}

/// Read the catalog `parts` once into a snapshot (namespaces and the statistics window
/// always); with `index_defs`, also the definitions of invalid indexes (their rebuild
/// statements show them). Other definitions are deparsed after the rules ran, for the
/// findings that show them: see [`load_index_defs`].
pub fn load(config: &Config, parts: Parts, index_defs: bool) -> Result<Loaded, AdvisorError> {
    let parts = parts.resolved();
    let mut snap = Spi::connect(|client| -> SpiResult<Loaded> {
        use_server_keywords(client)?;
        let mut snap = load_with(client, config, parts)?;
        if index_defs && parts.contains(Parts::INDEXES) {
            let invalid = indexes::invalid::definitions_needed(&snap, config);
            index_defs_into(client, &mut snap.index_defs, &invalid)?;
        }
        Ok(snap)
    })
    .map_err(AdvisorError::from)?;
    if parts.contains(Parts::INDEX_ADVICE) {
        // the planner, with hypothetical indexes, over the workload just read
        snap.index_advice = crate::whatif::workload::load(&snap);
    }
    Ok(snap)
}

/// Each role's own search_path setting in this database, by role name (the index advisor
/// plans a workload statement with its role's path). Empty when it cannot be read.
pub(crate) fn role_search_paths() -> HashMap<String, String> {
    let mut out = HashMap::new();
    let _ = Spi::connect(|client| {
        each_row(client, include_str!("sql/role_search_paths.sql"), |row| {
            out.insert(text(row, 1)?, text(row, 2)?);
            Ok(())
        })
    });
    out
}

/// `pg_get_indexdef` of these indexes into `snap.index_defs` (deparsing every index would
/// cost more than the rest of a run): see [`index_defs`].
pub fn load_index_defs(snap: &mut Snapshot, oids: &[Oid]) -> Result<(), AdvisorError> {
    let defs = index_defs(snap, oids)?;
    snap.index_defs.extend(defs);
    Ok(())
}

/// Index definitions by index (as `Snapshot::index_defs`).
pub type IndexDefs = database_advisor_core::snapshot::fast_hash::Map<Oid, String>;

/// `pg_get_indexdef` of these indexes: written here for plain indexes (`Index::plain`: 15
/// µs an index less), asked of the server for the others.
pub fn index_defs(snap: &Snapshot, oids: &[Oid]) -> Result<IndexDefs, AdvisorError> {
    let mut defs = IndexDefs::default();
    let mut asked = Vec::new();
    for &oid in oids {
        match snap.index(oid).and_then(|ix| ix.plain_definition(snap)) {
            Some(def) => {
                defs.insert(oid, def);
            }
            None => asked.push(oid),
        }
    }
    Spi::connect(|client| index_defs_into(client, &mut defs, &asked))
        .map_err(AdvisorError::from)?;
    Ok(defs)
}

fn index_defs_into(client: &SpiClient<'_>, defs: &mut IndexDefs, oids: &[Oid]) -> SpiResult<()> {
    if oids.is_empty() {
        return Ok(());
    }
    let wanted: Vec<i64> = oids.iter().map(|&o| i64::from(o)).collect();
    let args = [wanted.into()];
    let query = sql(include_str!("sql/index_definitions.sql"));
    own_queries::remember(&query, &[pg_sys::INT8ARRAYOID]);
    for row in client.select(&query, None, &args)? {
        defs.insert(oid(&row, 1)?, printed(&row, 2)?);
    }
    Ok(())
}

fn load_with(client: &SpiClient<'_>, config: &Config, parts: Parts) -> SpiResult<Loaded> {
    let (generation, reuse) = cache::take(parts);
    let (mut snap, reuse) = match reuse {
        Some((snap, kept)) => (snap, Some(kept)),
        None => (Snapshot::default(), None),
    };
    let reused = reuse.is_some();
    if reused && crate::gucs::trace() {
        notice!(
            "database_advisor: table parts kept from the last run (the catalogs did not change)"
        );
    }
    let wants = |p: Parts| parts.contains(p);
    // the major version this build is for (pgrx builds one library per major)
    snap.server_version_num = pg_sys::PG_VERSION_NUM;

    each_row(client, include_str!("sql/stats_window.sql"), |row| {
        snap.stats_window = StatsWindow {
            since: col(row, 1)?,
            from_reset: col(row, 2)?,
            seconds: col(row, 3)?,
        };
        Ok(())
    })?;

    each_row(client, include_str!("sql/namespaces.sql"), |row| {
        let ns = Namespace {
            oid: oid(row, 1)?,
            name: text(row, 2)?,
            owner: oid(row, 3)?,
            grants: Vec::new(),
        };
        snap.namespaces.insert(ns.oid, ns);
        Ok(())
    })?;

    let kept = tables::load(client, &mut snap, parts, reuse)?;

    if wants(Parts::GRANTS) {
        each_row(client, include_str!("sql/grants.sql"), |row| {
            let grant = Grant::parse(oid(row, 2)?, &text(row, 3)?);
            if let (Some(ns), Some(grant)) = (snap.namespaces.get_mut(&oid(row, 1)?), grant) {
                ns.grants.push(grant);
            }
            Ok(())
        })?;
    }

    if wants(Parts::ROLES) {
        each_row(client, include_str!("sql/roles.sql"), |row| {
            let role = Role {
                oid: oid(row, 1)?,
                name: text(row, 2)?,
                login: col(row, 3)?,
                superuser: col(row, 4)?,
                bypass_rls: col(row, 5)?,
            };
            snap.roles.insert(role.oid, role);
            Ok(())
        })?;
    }

    // in full, or only what their expressions read (`Parts::POLICY_COLUMNS`)
    let full_policies = wants(Parts::POLICIES);
    if full_policies || wants(Parts::POLICY_COLUMNS) {
        let mut deparser = crate::builtin::Builtin::new(crate::builtin::Builtin::EXPR);
        each_row(client, include_str!("sql/policies.sql"), |row| {
            let table = oid(row, 3)?;
            let using_tree = row.text(7)?;
            let check_tree = row.text(8)?;
            let table_name = text(row, 9)?;
            // a column's name: the snapshot's, else the catalog cache's
            let snap_ref = &snap;
            let column = |attnum: i16| {
                snap_ref
                    .column_name(table, attnum)
                    .map(str::to_string)
                    .or_else(|| policy_text::attribute_name(table, attnum))
            };
            // pg_get_expr(tree, table), as the server prints it now or printed it while
            // nothing it names changed; written by policy_text without opening the table
            // where it can (pg_get_expr opens it to name its columns: 0.28 s for 6,000
            // policies in a fresh backend)
            let mut deparse = |tree: &Option<String>| {
                tree.as_ref().map(|tree| {
                    cache::deparsed(table, tree, || {
                        if let Some(text) = policy_text::deparse(&table_name, tree, column) {
                            return text;
                        }
                        // SAFETY: pg_get_expr(pg_node_tree, oid, bool); a pg_node_tree is a
                        // text, made here from the catalog's own
                        unsafe {
                            let tree = pg_sys::cstring_to_text_with_len(
                                tree.as_ptr().cast(),
                                tree.len() as i32,
                            );
                            deparser.text_of([
                                pg_sys::Datum::from(tree),
                                table.into(),
                                false.into(),
                            ])
                        }
                    })
                })
            };
            let mut columns: Vec<i16> = [&using_tree, &check_tree]
                .into_iter()
                .flatten()
                .flat_map(|t| node_tree::own_columns(t))
                .collect();
            columns.sort_unstable();
            columns.dedup();
            let (using, check, per_row_functions, using_tree, check_tree) = if full_policies {
                let per_row_functions = [&using_tree, &check_tree]
                    .into_iter()
                    .flatten()
                    .flat_map(|t| node_tree::per_row_function_ids(t))
                    .collect();
                let (using, check) = (deparse(&using_tree), deparse(&check_tree));
                (using, check, per_row_functions, using_tree, check_tree)
            } else {
                (None, None, Vec::new(), None, None)
            };
            snap.policies.push(Policy {
                oid: oid(row, 1)?,
                name: text(row, 2)?,
                table,
                command: first_char(&text(row, 4)?),
                permissive: col(row, 5)?,
                roles: oids(row, 6)?,
                using,
                check,
                using_tree,
                check_tree,
                per_row_functions,
                columns,
                folded: Default::default(),
            });
            Ok(())
        })?;
    }

    if wants(Parts::FUNCTIONS) {
        each_row(client, include_str!("sql/functions.sql"), |row| {
            let f = Function {
                oid: oid(row, 1)?,
                namespace: oid(row, 2)?,
                schema: text(row, 3)?,
                name: text(row, 4)?,
                volatility: first_char(&text(row, 5)?),
                kind: first_char(&text(row, 6)?),
                security_definer: col(row, 7)?,
                config: col(row, 8)?,
                owner: oid(row, 9)?,
                extension_member: col(row, 10)?,
                identity: printed(row, 11)?,
                grants: oids(row, 12)?
                    .into_iter()
                    .map(|g| Grant::new(g, "EXECUTE"))
                    .collect(),
            };
            snap.functions.insert(f.oid, f);
            Ok(())
        })?;
    }

    if wants(Parts::EXTENSIONS) {
        each_row(client, include_str!("sql/extensions.sql"), |row| {
            snap.extensions.push(Extension {
                name: text(row, 1)?,
                namespace: oid(row, 2)?,
                relocatable: col(row, 3)?,
                version: text(row, 4)?,
                default_version: row.text(5)?,
            });
            Ok(())
        })?;
    }

    if wants(Parts::MAINTENANCE) {
        health::load_maintenance(client, &mut snap)?;
    }
    if wants(Parts::SEQUENCES) {
        health::load_sequences(client, &mut snap)?;
    }
    if wants(Parts::SESSIONS) {
        health::load_sessions(client, &mut snap)?;
    }
    if wants(Parts::BLOAT) {
        health::load_bloat(client, &mut snap)?;
    }
    if wants(Parts::SETTINGS) {
        health::load_settings(client, &mut snap)?;
    }
    if wants(Parts::COLUMN_ORDER) {
        health::load_column_order(client, &mut snap)?;
    }

    if wants(Parts::AUDIT_TRIGGERS) {
        each_row(client, include_str!("sql/audit_triggers.sql"), |row| {
            snap.audit_triggers.push(AuditTrigger {
                table: oid(row, 1)?,
                name: text(row, 2)?,
                enabled: first_char(&text(row, 3)?),
                row_level: col(row, 4)?,
                cloned: col(row, 5)?,
            });
            Ok(())
        })?;
    }

    if wants(Parts::COMMENTS) {
        each_row(client, include_str!("sql/comments.sql"), |row| {
            let attnum: i32 = col(row, 2)?;
            snap.comments.insert((oid(row, 1)?, attnum));
            Ok(())
        })?;
    }

    if wants(Parts::TABLE_RULES) {
        each_row(client, include_str!("sql/table_rules.sql"), |row| {
            snap.table_rules.push(TableRule {
                table: oid(row, 1)?,
                name: text(row, 2)?,
                event: match text(row, 3)?.as_str() {
                    "1" => "SELECT",
                    "2" => "UPDATE",
                    "3" => "INSERT",
                    _ => "DELETE",
                },
                instead: col(row, 4)?,
                enabled: text(row, 5)? != "D",
            });
            Ok(())
        })?;
    }

    if wants(Parts::VIEW_SOURCES) {
        each_row(client, include_str!("sql/view_sources.sql"), |row| {
            snap.view_sources
                .entry(oid(row, 1)?)
                .or_default()
                .push(oid(row, 2)?);
            Ok(())
        })?;
    }

    if wants(Parts::WORKLOAD) {
        snap.workload = workload::load(client, config, wants(Parts::STATEMENT_SHAPES))?;
    }

    let snap = if reused {
        snap.finish_run()
    } else {
        snap.finish()
    };
    Ok(Loaded::new(snap, parts, generation, kept))
}
