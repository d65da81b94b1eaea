//! What the catalogs say about a table to audit: is it auditable, is it audited (directly,
//! through a parent, or one of its partitions), its registry entry, its row key, the
//! relations its TRUNCATE trigger belongs on. Read-only; `describe` assembles it.

use super::{user_error, Action};
use crate::error::AdvisorError;
use database_advisor_core::audit::{
    self, follow_renames, resolve_requested, AuditOptions, AuditTarget, Column, KeySource,
};
use database_advisor_core::quote;
use pgrx::datum::{DatumWithOid, FromDatum, IntoDatum};
use pgrx::prelude::*;
use pgrx::spi::{SpiClient, SpiResult};
use pgrx::PgSqlErrorCode as Code;

/// Our generated functions: in the extension's schema (`$2`), named `advisor_audit:...`.
const OURS: &str = "p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2) \
                    AND p.proname LIKE 'advisor\\_audit:%'";
/// A row-level trigger (`TRIGGER_TYPE_ROW`).
const ROW: &str = "t.tgtype::int & 1 = 1";

/// The first column of the first row, if any.
fn first<T: FromDatum + IntoDatum>(
    c: &SpiClient<'_>,
    query: &str,
    args: &[DatumWithOid],
) -> SpiResult<Option<T>> {
    match c.select(query, Some(1), args)?.next() {
        Some(row) => row.get::<T>(1),
        None => Ok(None),
    }
}

/// Rows of (schema, relation) names.
fn relations(
    c: &SpiClient<'_>,
    query: &str,
    args: &[DatumWithOid],
) -> SpiResult<Vec<(String, String)>> {
    c.select(query, None, args)?
        .map(|r| {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
            ))
        })
        .collect()
}

/// The table as the catalogs describe it, checked for the action, with the options to use
/// (requested, or stored in the registry) and the warnings to show.
pub(super) fn describe(
    c: &SpiClient<'_>,
    rel: pg_sys::Oid,
    action: Action,
    request: Option<AuditOptions>,
) -> Result<(AuditTarget, Vec<String>), AdvisorError> {
    let ext_schema: String = first(
        c,
        "SELECT n.nspname::text FROM pg_extension e \
         JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'database_advisor'",
        &[],
    )?
    .ok_or_else(|| AdvisorError::Catalog("extension database_advisor not found".into()))?;
    let (schema, table, identity) = auditable(c, rel)?;
    if action != Action::Sql {
        // the trigger function runs with its creator's rights: they must be able to log
        let allowed: Option<bool> = first(
            c,
            "SELECT has_table_privilege(format('%I.advisor_audit_log', $1::text), 'INSERT')
                AND has_table_privilege(format('%I.advisor_audit_tables', $1::text), 'UPDATE')",
            &[ext_schema.clone().into()],
        )?;
        if allowed != Some(true) {
            user_error(
                Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
                "enabling or disabling an audit takes the rights of the extension's owner".into(),
                "The trigger functions run with their creator's rights, who must be able to \
                 write advisor_audit_log and advisor_audit_tables.",
            )
        }
    }
    if action != Action::Disable {
        let casts: Option<Vec<String>> = first(
            c,
            &format!(
                "SELECT {}._advisor_audit_json_casts($1)",
                quote::ident(&ext_schema)
            ),
            &[rel.into()],
        )?;
        if let Some(ty) = casts.unwrap_or_default().first() {
            user_error(
                Code::ERRCODE_FEATURE_NOT_SUPPORTED,
                format!("{identity} has a column of type {ty}, which has a cast to json"),
                "to_jsonb() would run that cast inside the audit trigger, with its owner's \
                 rights. Drop the cast (or change the column's type) to audit this table.",
            )
        }
    }
    let args = || [rel.into(), ext_schema.clone().into()];

    // Audited through a partitioned ancestor (our row trigger is a clone here)?
    let parent: Option<String> = first(
        c,
        &format!(
            "SELECT (SELECT a.relid::regclass::text FROM pg_partition_ancestors(t.tgrelid) a
                     JOIN pg_trigger pt ON pt.tgrelid = a.relid AND pt.tgfoid = t.tgfoid
                                       AND pt.tgparentid = 0 AND pt.tgtype::int & 1 = 1)
             FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE t.tgrelid = $1 AND t.tgparentid <> 0 AND {ROW} AND {OURS}"
        ),
        &args(),
    )?;
    if let Some(parent) = parent {
        user_error(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{identity} is a partition of {parent}, which is audited"),
            &format!("Its partitions are audited with it: change the audit on {parent}."),
        )
    }
    if matches!(action, Action::Sql | Action::Enable) {
        let partition: Option<String> = first(
            c,
            &format!(
                "SELECT t.tgrelid::regclass::text FROM pg_partition_tree($1) pt
                 JOIN pg_trigger t ON t.tgrelid = pt.relid AND t.tgparentid = 0
                 JOIN pg_proc p ON p.oid = t.tgfoid
                 WHERE pt.relid <> $1 AND {ROW} AND {OURS}"
            ),
            &args(),
        )?;
        if let Some(part) = partition {
            user_error(
                Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                format!("partition {part} of {identity} is audited on its own"),
                &format!(
                    "Run SELECT advisor_audit_disable('{part}'); first, then audit {identity}."
                ),
            )
        }
    }
    let current: Option<String> = first(
        c,
        &format!(
            "SELECT p.proname::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE t.tgrelid = $1 AND t.tgparentid = 0 AND {ROW} AND {OURS}"
        ),
        &args(),
    )?;
    if current.is_none() && matches!(action, Action::Disable | Action::Refresh) {
        user_error(
            Code::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!("{identity} is not audited"),
            "SELECT * FROM advisor_audit_status lists the audited tables.",
        )
    }
    let (audited_table, stored) = registry_entry(c, &ext_schema, current.as_deref(), &identity)?;
    // an existing function keeps serving; one named the 0.1.0 way gets its readable name
    // (when disabling, it is simply dropped)
    let expected = audit::function_name(&audited_table);
    let has_row_trigger = current.is_some();
    let existing = current.unwrap_or_else(|| expected.clone());
    let function_exists = trusted_function(c, &existing, &ext_schema)?;
    let (function_name, rename_from) = if existing == expected || action == Action::Disable {
        (existing, None)
    } else {
        (expected, Some(existing))
    };

    let columns: Vec<Column> = c
        .select(
            "SELECT attname::text, attnum FROM pg_attribute
             WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            None,
            &[rel.into()],
        )?
        .map(|r| {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<i16>(2)?.unwrap_or_default(),
            ))
        })
        .collect::<SpiResult<_>>()?;
    let options = match (request, stored) {
        (Some(req), _) => resolve_requested(req, &columns).unwrap_or_else(|name| {
            let names: Vec<String> = columns.iter().map(|(n, _)| quote::ident(n)).collect();
            user_error(
                Code::ERRCODE_UNDEFINED_COLUMN,
                format!("column \"{name}\" of {identity} does not exist"),
                &format!("Its columns are: {}.", names.join(", ")),
            )
        }),
        (None, Some(json)) => follow_renames(
            serde_json::from_str(&json)
                .map_err(|e| AdvisorError::Catalog(format!("bad audit options {json}: {e}")))?,
            &columns,
        ),
        (None, None) => AuditOptions::default(),
    };

    let mut warnings = Vec::new();
    let (key_source, key_columns) = row_key(c, rel)?;
    if key_source == KeySource::None {
        warnings.push(format!(
            "{identity} has no primary key (nor a unique index on NOT NULL columns): its log \
             rows will have a NULL row_key and UPDATEs will log full rows; add a primary key \
             to identify rows"
        ));
    }
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

    // The TRUNCATE trigger belongs on the table, or on each leaf partition (a statement
    // trigger on the parent does not fire for TRUNCATE of one partition). Relations that
    // carry it but left the tree lose it; after DDL only the missing ones get it
    // (re-creating one would re-enable a trigger an administrator disabled: that is for
    // audit_trigger_disabled to report).
    let mut truncate_targets = relations(
        c,
        "SELECT n.nspname::text, c.relname::text
         FROM pg_partition_tree($1) pt
         JOIN pg_class c ON c.oid = pt.relid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE pt.isleaf AND c.relkind = 'r'
         UNION
         SELECT n.nspname::text, c.relname::text
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = $1 AND c.relkind = 'r'
         ORDER BY 1, 2",
        &[rel.into()],
    )?;
    let has_truncate = relations(
        c,
        "SELECT n.nspname::text, c.relname::text
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE p.proname = $1 AND t.tgtype::int & 32 = 32
           AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2)
         ORDER BY 1, 2",
        // the triggers call the function by its current name (renamed only afterwards)
        &[
            rename_from
                .as_ref()
                .unwrap_or(&function_name)
                .as_str()
                .into(),
            ext_schema.clone().into(),
        ],
    )?;
    let stale_truncate: Vec<_> = has_truncate
        .iter()
        .filter(|r| !truncate_targets.contains(r))
        .cloned()
        .collect();
    if action == Action::Refresh {
        truncate_targets.retain(|r| !has_truncate.contains(r));
    }

    Ok((
        AuditTarget {
            ext_schema,
            audited_table,
            function_name,
            schema,
            table,
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
            function_exists,
            rename_from,
            // CREATE OR REPLACE TRIGGER is PostgreSQL 14's (this build is for one major)
            replace_triggers: pg_sys::PG_VERSION_NUM >= 140000,
            has_row_trigger,
            has_truncate,
        },
        warnings,
    ))
}

/// Whether the trigger function exists already, or the ERROR when it exists but is not
/// ours: `CREATE OR REPLACE` keeps the owner of a function someone created first, who could
/// then rewrite it and read every audited change. Ours means owned by the extension's
/// owner or a superuser (who alone can have created it through this generator).
fn trusted_function(c: &SpiClient<'_>, name: &str, ext_schema: &str) -> SpiResult<bool> {
    let row = c
        .select(
            "SELECT p.oid::regprocedure::text, r.rolname::text,
                    r.rolsuper OR p.proowner = (SELECT e.extowner FROM pg_extension e
                                                WHERE e.extname = 'database_advisor')
             FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner
             WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2)
               AND p.proname = $1 AND p.pronargs = 0",
            Some(1),
            &[name.into(), ext_schema.into()],
        )?
        .next();
    let Some(row) = row else {
        return Ok(false);
    };
    if row.get::<bool>(3)? != Some(true) {
        let function = row.get::<String>(1)?.unwrap_or_default();
        user_error(
            Code::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!(
                "function {function} exists and belongs to {}, not to the extension's owner",
                quote::ident(&row.get::<String>(2)?.unwrap_or_default())
            ),
            &format!(
                "The audit would run it with its owner's rights. Check what it does, drop it \
                 (DROP FUNCTION {function}), then enable the audit again."
            ),
        )
    }
    Ok(true)
}

/// Schema, name and identity of `rel`, or the ERROR that says why it cannot be audited.
fn auditable(c: &SpiClient<'_>, rel: pg_sys::Oid) -> SpiResult<(String, String, String)> {
    let row = c
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
        .next();
    let Some(row) = row else {
        user_error(
            Code::ERRCODE_UNDEFINED_TABLE,
            format!("no relation with OID {}", u32::from(rel)),
            "Pass the table's name, e.g. advisor_audit_enable('public.invoices').",
        )
    };
    let text = |i| -> SpiResult<String> { Ok(row.get::<String>(i)?.unwrap_or_default()) };
    let (schema, name, relkind, persistence, identity) =
        (text(1)?, text(2)?, text(3)?, text(4)?, text(5)?);
    let refuse = |code, message: String, hint: &str| user_error(code, message, hint);
    if relkind != "r" && relkind != "p" {
        refuse(
            Code::ERRCODE_WRONG_OBJECT_TYPE,
            format!("{identity} is not a table"),
            "Only ordinary and partitioned tables can be audited.",
        )
    }
    if persistence == "t" {
        refuse(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} is a temporary table"),
            "Audit the permanent tables whose history you need to keep.",
        )
    }
    if matches!(
        schema.as_str(),
        "pg_catalog" | "information_schema" | "pg_toast"
    ) {
        refuse(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} is a system catalog"),
            "Only user tables can be audited.",
        )
    }
    if let Some(ext) = row.get::<String>(6)? {
        refuse(
            Code::ERRCODE_FEATURE_NOT_SUPPORTED,
            format!("{identity} belongs to extension {ext}"),
            "Audit your own tables; the extension manages its tables itself.",
        )
    }
    Ok((schema, name, identity))
}

/// The audit's stable name and stored options: the current entry (found through the
/// table's trigger function), else a new one named after the table. A name whose audit was
/// disabled, or whose row trigger is gone, is free again (auditing again continues that
/// history); a name another table's audit holds gets ` #2`, ` #3`, ...
fn registry_entry(
    c: &SpiClient<'_>,
    ext_schema: &str,
    current_function: Option<&str>,
    identity: &str,
) -> SpiResult<(String, Option<String>)> {
    let registry = quote::qualified(ext_schema, "advisor_audit_tables");
    let lookup = |filter: &str, arg: &str| -> SpiResult<Option<(String, String, bool)>> {
        let query = format!(
            "SELECT r.audited_table, r.options::text,
                    r.disabled_at IS NOT NULL OR NOT EXISTS (
                        SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                        WHERE p.proname = r.function_name AND t.tgparentid = 0 AND {ROW}
                          AND p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $2))
             FROM {registry} r WHERE {filter}"
        );
        let args = [arg.to_string().into(), ext_schema.to_string().into()];
        match c.select(&query, Some(1), &args)?.next() {
            Some(r) => Ok(Some((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<bool>(3)?.unwrap_or_default(),
            ))),
            None => Ok(None),
        }
    };
    if let Some(f) = current_function {
        if let Some((key, options, _)) = lookup("r.function_name = $1", f)? {
            return Ok((key, Some(options)));
        }
    }
    let mut key = identity.to_string();
    let mut n = 1;
    while let Some((_, _, free)) = lookup("r.audited_table = $1", &key)? {
        if free {
            break;
        }
        n += 1;
        key = format!("{identity} #{n}");
    }
    Ok((key, None))
}

/// Row identity: the primary key, else the replica identity index, else the narrowest
/// unique index on NOT NULL columns; expression and partial indexes cannot identify rows.
fn row_key(c: &SpiClient<'_>, rel: pg_sys::Oid) -> SpiResult<(KeySource, Vec<String>)> {
    let row = c
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
             ORDER BY i.indisprimary DESC, i.indisreplident DESC, i.indnkeyatts, ic.relname",
            Some(1),
            &[rel.into()],
        )?
        .next();
    let Some(row) = row else {
        return Ok((KeySource::None, Vec::new()));
    };
    let columns = row.get::<Vec<String>>(3)?.unwrap_or_default();
    Ok(if row.get::<bool>(1)?.unwrap_or_default() {
        (KeySource::PrimaryKey, columns)
    } else {
        (
            KeySource::UniqueIndex(row.get::<String>(2)?.unwrap_or_default()),
            columns,
        )
    })
}
