//! The audit-trail generator's SQL surface: `advisor_audit_sql`, `advisor_audit_enable`,
//! `advisor_audit_disable` (SQL wrappers in `audit.sql` over `_advisor_audit`), and the
//! refresh the event trigger runs after DDL. The SQL text itself comes from
//! `database_advisor_core::audit`; this file reads the table's description from the catalogs
//! and checks the request.

use super::or_raise;
use crate::error::AdvisorError;
use database_advisor_core::audit::{
    self, disable_statements, enable_statements, one_line, refresh_statements, AuditOptions,
    AuditTarget, KeySource,
};
use database_advisor_core::quote;
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::PgSqlErrorCode as Code;

extension_sql_file!(
    "audit.sql",
    name = "advisor_audit",
    requires = [_advisor_audit],
);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Sql,
    Enable,
    Disable,
    Refresh,
}

/// One entry point for the four actions: they share every check and the catalog reads.
#[pg_extern(volatile)]
fn _advisor_audit(
    rel: pg_sys::Oid,
    action: &str,
    exclude_columns: Option<Vec<Option<String>>>,
    changed_only: Option<bool>,
    skip_unchanged: Option<bool>,
) -> String {
    let action = match action {
        "sql" => Action::Sql,
        "enable" => Action::Enable,
        "disable" => Action::Disable,
        "refresh" => Action::Refresh,
        other => user_error(
            Code::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("unknown audit action \"{other}\""),
            "Call advisor_audit_sql, advisor_audit_enable or advisor_audit_disable.",
        ),
    };
    let request = match action {
        Action::Sql | Action::Enable => Some(requested_options(
            exclude_columns,
            changed_only,
            skip_unchanged,
        )),
        _ => None,
    };
    let (target, warnings) = or_raise(Spi::connect(|c| describe(c, rel, action, request)));
    let statements = match action {
        Action::Sql | Action::Enable => enable_statements(&target),
        Action::Disable => disable_statements(&target),
        Action::Refresh => refresh_statements(&target),
    };
    if matches!(action, Action::Sql | Action::Enable) {
        for w in &warnings {
            pgrx::warning!("{w}");
        }
    }
    if action != Action::Sql {
        for statement in &statements {
            or_raise(Spi::run(statement).map_err(AdvisorError::from));
        }
    }
    let header = match action {
        Action::Disable => format!(
            "-- Stop auditing {}; the log keeps its rows.",
            one_line(&target.audited_table)
        ),
        _ => format!(
            "-- Audit trail for {} (database_advisor {}).{}",
            one_line(&quote::qualified(&target.schema, &target.table)),
            env!("CARGO_PKG_VERSION"),
            warnings
                .iter()
                .map(|w| format!("\n-- WARNING: {}", one_line(w)))
                .collect::<String>()
        ),
    };
    format!("{header}\n\n{};\n", statements.join(";\n\n"))
}

/// Raise an ERROR the caller can act on; never returns.
fn user_error(code: Code, message: String, hint: &str) -> ! {
    AdvisorError::User {
        code,
        message,
        hint: hint.to_string(),
    }
    .raise()
}

fn requested_options(
    exclude_columns: Option<Vec<Option<String>>>,
    changed_only: Option<bool>,
    skip_unchanged: Option<bool>,
) -> AuditOptions {
    let null = |what: &str| -> ! {
        user_error(
            Code::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{what} must not be NULL"),
            "Leave the argument out to get its default.",
        )
    };
    let mut exclude = Vec::new();
    for c in exclude_columns.unwrap_or_else(|| null("exclude_columns")) {
        let c = c.unwrap_or_else(|| null("an element of exclude_columns"));
        if !exclude.contains(&c) {
            exclude.push(c);
        }
    }
    AuditOptions {
        exclude_columns: exclude,
        changed_only: changed_only.unwrap_or_else(|| null("changed_only")),
        skip_unchanged: skip_unchanged.unwrap_or_else(|| null("skip_unchanged")),
        exclude_attnums: Vec::new(),
    }
}

/// The table as the catalogs describe it, checked for the action, with the options to use
/// (requested, or stored in the registry) and the warnings to show.
fn describe(
    c: &SpiClient<'_>,
    rel: pg_sys::Oid,
    action: Action,
    request: Option<AuditOptions>,
) -> Result<(AuditTarget, Vec<String>), AdvisorError> {
    let ext_schema: String = c
        .select(
            "SELECT n.nspname::text FROM pg_extension e \
             JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'database_advisor'",
            None,
            &[],
        )?
        .next()
        .and_then(|r| r.get::<String>(1).transpose())
        .transpose()?
        .ok_or_else(|| AdvisorError::Catalog("extension database_advisor not found".into()))?;
    let table = c
        .select(
            "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relpersistence::text,
                    (pg_identify_object('pg_class'::regclass, c.oid, 0)).identity,
                    (SELECT x.extname::text FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
                       AND d.refclassid = 'pg_extension'::regclass)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1",
            None,
            &[rel.into()],
        )?
        .next()
        .map(|r| -> SpiResult<_> {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<String>(3)?.unwrap_or_default(),
                r.get::<String>(4)?.unwrap_or_default(),
                r.get::<String>(5)?.unwrap_or_default(),
                r.get::<String>(6)?,
            ))
        })
        .transpose()?;
    let Some((schema, name, relkind, persistence, identity, extension)) = table else {
        user_error(
            Code::ERRCODE_UNDEFINED_TABLE,
            format!("no relation with OID {}", u32::from(rel)),
            "Pass the table's name, e.g. advisor_audit_enable('public.invoices').",
        )
    };
    if relkind != "r" && relkind != "p" {
        user_error(
            Code::ERRCODE_WRONG_OBJECT_TYPE,
            format!("{identity} is not a table"),
            "Only ordinary and partitioned tables can be audited.",
        )
    }
    if persistence == "t" {
        user_error(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} is a temporary table"),
            "Audit the permanent tables whose history you need to keep.",
        )
    }
    if schema == "pg_catalog" || schema == "information_schema" || schema == "pg_toast" {
        user_error(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} is a system catalog"),
            "Only user tables can be audited.",
        )
    }
    if let Some(ext) = extension {
        user_error(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} belongs to extension {ext}"),
            "Audit your own tables; the extension manages its tables itself.",
        )
    }

    // Our row trigger on this table, directly or cloned from an audited ancestor.
    let ours = "p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2) \
                AND p.proname LIKE 'advisor\\_audit:%' AND t.tgtype::int & 1 = 1";
    let args = || [rel.into(), ext_schema.clone().into()];
    let inherited: Option<String> = c
        .select(
            &format!(
                "SELECT (SELECT a.relid::regclass::text FROM pg_partition_ancestors(t.tgrelid) a
                         JOIN pg_trigger pt ON pt.tgrelid = a.relid AND pt.tgfoid = t.tgfoid
                                           AND pt.tgparentid = 0 AND pt.tgtype::int & 1 = 1)
                 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE t.tgrelid = $1 AND t.tgparentid <> 0 AND {ours}"
            ),
            None,
            &args(),
        )?
        .next()
        .map(|r| r.get::<String>(1))
        .transpose()?
        .flatten();
    if let Some(parent) = inherited {
        user_error(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{identity} is a partition of {parent}, which is audited"),
            &format!("Its partitions are audited with it: change the audit on {parent}."),
        )
    }
    let audited_partition: Option<String> = c
        .select(
            &format!(
                "SELECT t.tgrelid::regclass::text
                 FROM pg_partition_tree($1) pt
                 JOIN pg_trigger t ON t.tgrelid = pt.relid AND t.tgparentid = 0
                 JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE pt.relid <> $1 AND {ours} LIMIT 1"
            ),
            None,
            &args(),
        )?
        .next()
        .map(|r| r.get::<String>(1))
        .transpose()?
        .flatten();
    if let (Some(part), Action::Sql | Action::Enable) = (&audited_partition, action) {
        user_error(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("partition {part} of {identity} is audited on its own"),
            &format!("Run SELECT advisor_audit_disable('{part}'); first, then audit {identity}."),
        )
    }
    let current_function: Option<String> = c
        .select(
            &format!(
                "SELECT p.proname::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE t.tgrelid = $1 AND t.tgparentid = 0 AND {ours}"
            ),
            None,
            &args(),
        )?
        .next()
        .map(|r| r.get::<String>(1))
        .transpose()?
        .flatten();

    // The registry entry: the current one, a disabled one under this name (auditing again
    // continues the same history), or a new name if another table holds this one.
    let registry = quote::qualified(&ext_schema, "advisor_audit_tables");
    let entry = |filter: &str, arg: &str| -> SpiResult<Option<(String, String, String, bool)>> {
        c.select(
            &format!(
                "SELECT r.audited_table, r.function_name, r.options::text,
                        r.disabled_at IS NOT NULL OR NOT EXISTS (
                            SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                            WHERE p.proname = r.function_name AND t.tgparentid = 0
                              AND t.tgtype::int & 1 = 1
                              AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2))
                 FROM {registry} r WHERE {filter}"
            ),
            None,
            &[arg.to_string().into(), ext_schema.clone().into()],
        )?
        .next()
        .map(|r| -> SpiResult<_> {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<String>(3)?.unwrap_or_default(),
                r.get::<bool>(4)?.unwrap_or_default(),
            ))
        })
        .transpose()
    };
    let existing = match &current_function {
        Some(f) => entry("r.function_name = $1", f)?,
        None => None,
    };
    if existing.is_none() && matches!(action, Action::Disable | Action::Refresh) {
        user_error(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{identity} is not audited"),
            "SELECT * FROM advisor_audit_status lists the audited tables.",
        )
    }
    let (audited_table, stored) = match existing {
        Some((key, _, options, _)) => (key, Some(options)),
        None => {
            let mut key = identity.clone();
            let mut n = 1;
            // a name whose audit was disabled, or whose row trigger is gone, is free again
            while let Some((_, _, _, free)) = entry("r.audited_table = $1", &key)? {
                if free {
                    break;
                }
                n += 1;
                key = format!("{identity} #{n}");
            }
            (key, None)
        }
    };

    let columns: Vec<(String, i16)> = c
        .select(
            "SELECT attname::text, attnum FROM pg_attribute
             WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            None,
            &[rel.into()],
        )?
        .map(|r| -> SpiResult<_> {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<i16>(2)?.unwrap_or_default(),
            ))
        })
        .collect::<SpiResult<_>>()?;
    let options = match (request, stored) {
        (Some(req), _) => resolve_requested(req, &columns, &identity),
        (None, Some(json)) => follow_renames(
            serde_json::from_str(&json)
                .map_err(|e| AdvisorError::Catalog(format!("bad audit options {json}: {e}")))?,
            &columns,
        ),
        (None, None) => AuditOptions::default(),
    };

    // Row identity: the primary key, else the replica identity index, else the narrowest
    // unique index on NOT NULL columns; expression and partial indexes cannot identify rows.
    let key = c
        .select(
            "SELECT i.indisprimary, ic.relname::text,
                    ARRAY(SELECT a.attname::text
                          FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                          WHERE k.ord <= i.indnkeyatts ORDER BY k.ord)
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = $1 AND i.indisunique AND i.indisvalid
               AND i.indpred IS NULL AND i.indexprs IS NULL
               AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey::int2[]) k(attnum)
                               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                               WHERE NOT a.attnotnull)
             ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnkeyatts, ic.relname
             LIMIT 1",
            None,
            &[rel.into()],
        )?
        .next()
        .map(|r| -> SpiResult<_> {
            Ok((
                r.get::<bool>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<Vec<String>>(3)?.unwrap_or_default(),
            ))
        })
        .transpose()?;
    let mut warnings = Vec::new();
    let (key_source, key_columns) = match key {
        Some((true, _, cols)) => (KeySource::PrimaryKey, cols),
        Some((false, index, cols)) => (KeySource::UniqueIndex(index), cols),
        None => {
            warnings.push(format!(
                "{identity} has no primary key (nor a unique index on NOT NULL columns): its log \
                 rows will have a NULL row_key and UPDATEs will log full rows; add a primary key \
                 to identify rows"
            ));
            (KeySource::None, Vec::new())
        }
    };
    if let Some(k) = key_columns
        .iter()
        .find(|k| options.exclude_columns.contains(k))
    {
        if action == Action::Refresh {
            warnings.push(format!("key column {k} is excluded"));
        } else {
            user_error(
                Code::ERRCODE_INVALID_PARAMETER_VALUE,
                format!(
                    "cannot exclude column {} of {identity}: it identifies the row in the log",
                    quote::ident(k)
                ),
                "Exclude only non-key columns.",
            )
        }
    }

    // Relations that carry the TRUNCATE trigger: the table, or its leaf partitions (a
    // statement trigger on the parent does not fire for TRUNCATE of one partition).
    let mut truncate_targets = c
        .select(
            "SELECT n.nspname::text, c.relname::text
             FROM pg_partition_tree($1) pt
             JOIN pg_class c ON c.oid = pt.relid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE pt.isleaf AND c.relkind = 'r'
             UNION
             SELECT n.nspname::text, c.relname::text
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE c.oid = $1 AND c.relkind = 'r'
             ORDER BY 1, 2",
            None,
            &[rel.into()],
        )?
        .map(|r| pair(&r))
        .collect::<SpiResult<Vec<_>>>()?;
    let function_name = current_function
        .clone()
        .unwrap_or_else(|| audit::function_name(&audited_table));
    // Relations that already carry our TRUNCATE trigger: those no longer in the tree lose
    // it; after DDL only the missing ones get it (re-creating one would re-enable a trigger
    // an administrator disabled, and that is audit_trigger_disabled's to report).
    let has_truncate = c
        .select(
            "SELECT n.nspname::text, c.relname::text
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE p.proname = $1 AND t.tgtype::int & 32 = 32
               AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2)
             ORDER BY 1, 2",
            None,
            &[function_name.clone().into(), ext_schema.clone().into()],
        )?
        .map(|r| pair(&r))
        .collect::<SpiResult<Vec<_>>>()?;
    let stale_truncate: Vec<_> = has_truncate
        .iter()
        .filter(|r| !truncate_targets.contains(r))
        .cloned()
        .collect();
    if action == Action::Refresh {
        truncate_targets.retain(|r| !has_truncate.contains(r));
    }
    if matches!(action, Action::Enable | Action::Refresh) {
        let can_log: bool = c
            .select(
                "SELECT has_table_privilege(format('%I.advisor_audit_log', $1::text), 'INSERT')",
                None,
                &[ext_schema.clone().into()],
            )?
            .next()
            .and_then(|r| r.get::<bool>(1).ok().flatten())
            .unwrap_or(false);
        if !can_log && current_function.is_none() {
            user_error(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "only a role that may write advisor_audit_log can enable auditing".into(),
                "The trigger function runs with its creator's rights: enable auditing as the \
                 extension's owner.",
            )
        }
    }
    Ok((
        AuditTarget {
            ext_schema,
            audited_table,
            function_name,
            schema,
            table: name,
            columns: columns
                .into_iter()
                .map(|(n, _)| n)
                .filter(|n| !options.exclude_columns.contains(n))
                .collect(),
            key_columns,
            key_source,
            truncate_targets,
            stale_truncate,
            options,
        },
        warnings,
    ))
}

fn pair(r: &pgrx::spi::SpiHeapTupleData) -> SpiResult<(String, String)> {
    Ok((
        r.get::<String>(1)?.unwrap_or_default(),
        r.get::<String>(2)?.unwrap_or_default(),
    ))
}

/// Check requested exclusions against the table and remember their column numbers.
fn resolve_requested(
    mut req: AuditOptions,
    columns: &[(String, i16)],
    identity: &str,
) -> AuditOptions {
    for name in &req.exclude_columns {
        match columns.iter().find(|(n, _)| n == name) {
            Some((_, attnum)) => req.exclude_attnums.push(*attnum),
            None => user_error(
                Code::ERRCODE_UNDEFINED_COLUMN,
                format!("column \"{name}\" of {identity} does not exist"),
                &format!(
                    "Its columns are: {}.",
                    columns
                        .iter()
                        .map(|(n, _)| quote::ident(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
        }
    }
    req
}

/// Stored exclusions after DDL: a renamed column is found by its number, a dropped one is
/// forgotten. A name that still exists wins (a restore may have renumbered columns).
fn follow_renames(mut stored: AuditOptions, columns: &[(String, i16)]) -> AuditOptions {
    let mut names = Vec::new();
    let mut attnums = Vec::new();
    for (i, name) in stored.exclude_columns.iter().enumerate() {
        let by_name = columns.iter().find(|(n, _)| n == name);
        let by_num = stored
            .exclude_attnums
            .get(i)
            .and_then(|a| columns.iter().find(|(_, n)| n == a));
        if let Some((n, a)) = by_name.or(by_num) {
            if !names.contains(n) {
                names.push(n.clone());
                attnums.push(*a);
            }
        }
    }
    stored.exclude_columns = names;
    stored.exclude_attnums = attnums;
    stored
}
