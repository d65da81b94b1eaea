//! The generators' SQL surface: `advisor_typescript_types(schemas, bigint_type,
//! numeric_type)`.

use crate::error::{no_null_elements, required, AdvisorError};
use crate::loader::model::schema_model;
use database_advisor_core::generate::model::Model;
use database_advisor_core::generate::typescript::{self, NumberStyle};
use pgrx::prelude::*;

/// The model of the schemas asked for: every one must exist and be a user schema.
fn model_of(schemas: Option<Vec<Option<String>>>) -> Model {
    let wanted = schemas.map(|s| no_null_elements(s, "schemas"));
    let model = schema_model(wanted.clone());
    if let Some(missing) = wanted.iter().flatten().find(|s| !model.schemas.contains(s)) {
        AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_INVALID_SCHEMA_NAME,
            message: format!(
                "schema \"{missing}\" does not exist or is not a user schema (system \
                 schemas and those an extension owns are not described)"
            ),
            hint: "Pass NULL for every user schema, or names from \
                   SELECT nspname FROM pg_namespace."
                .into(),
        }
        .raise()
    }
    model
}

fn number_style(value: Option<String>, argument: &str, bigint_allowed: bool) -> NumberStyle {
    let value = required(value, argument);
    let choices: &[&str] = if bigint_allowed {
        NumberStyle::CHOICES
    } else {
        &NumberStyle::CHOICES[..2]
    };
    match NumberStyle::parse(&value) {
        Some(style) if bigint_allowed || style != NumberStyle::BigInt => style,
        _ => AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            message: format!(
                "{argument} must be one of {}, not \"{value}\"",
                choices.join(", ")
            ),
            hint: "'number' for supabase-js and PostgREST (JSON numbers), 'string' for \
                   node-postgres and most drivers."
                .into(),
        }
        .raise(),
    }
}

#[pg_extern(stable)]
fn advisor_typescript_types(
    schemas: default!(Option<Vec<Option<String>>>, "NULL"),
    bigint_type: default!(Option<String>, "'number'"),
    numeric_type: default!(Option<String>, "'number'"),
) -> String {
    let options = typescript::Options {
        bigint: number_style(bigint_type, "bigint_type", true),
        numeric: number_style(numeric_type, "numeric_type", false),
    };
    typescript::render(&model_of(schemas), options)
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_typescript_types(text[], text, text) IS
'The schema as TypeScript: a Database type in the shape supabase-js and postgres-meta use (per schema Tables with Row, Insert, Update and Relationships; Views; Functions with Args and Returns; Enums; CompositeTypes), then a plain export type per table row, view row and enum. schemas: NULL for every user schema. bigint_type: how int8 arrives (''number'' as PostgREST sends it, ''string'' as node-postgres does, ''bigint''); numeric_type: ''number'' or ''string''. Save with psql -At -c "SELECT advisor_typescript_types()" > database.types.ts';
"#,
    name = "advisor_typescript_types_comment",
    requires = [advisor_typescript_types],
);

#[pg_extern(
    stable,
    sql = r#"
CREATE FUNCTION advisor_erd(schemas text[] DEFAULT NULL, format text DEFAULT 'mermaid',
                            around regclass[] DEFAULT NULL, depth int DEFAULT 1,
                            columns text DEFAULT 'all')
RETURNS text STABLE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
COMMENT ON FUNCTION advisor_erd(text[], text, regclass[], int, text) IS
'The schema as a Mermaid erDiagram: tables and materialized views with their columns, one relationship per foreign key with its cardinality from the constraints (a nullable foreign key: zero or one parent; a unique one: one to one; part of the primary key: identifying). schemas: NULL for every user schema. around: only the tables within depth foreign keys of these. columns: ''all'', ''keys'' (primary, unique and foreign key columns) or ''none''. format: ''mermaid''.';
"#
)]
fn advisor_erd(
    schemas: Option<Vec<Option<String>>>,
    format: Option<String>,
    around: Option<Vec<Option<pg_sys::Oid>>>,
    depth: Option<i32>,
    columns: Option<String>,
) -> String {
    use database_advisor_core::generate::erd::{self, ColumnsShown};
    let format = required(format, "format").trim().to_lowercase();
    if format != "mermaid" {
        AdvisorError::UnknownFormat {
            given: format,
            valid: &["mermaid"],
            example: "advisor_erd(format => '{}')",
        }
        .raise();
    }
    let depth = required(depth, "depth");
    if depth < 0 {
        AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            message: format!("depth must be 0 or more, not {depth}"),
            hint: "depth => 1 draws the tables named in around and their neighbours.".into(),
        }
        .raise();
    }
    let columns_text = required(columns, "columns");
    let Some(columns) = ColumnsShown::parse(&columns_text) else {
        AdvisorError::User {
            code: PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            message: format!(
                "columns must be one of {}, not \"{columns_text}\"",
                ColumnsShown::CHOICES.join(", ")
            ),
            hint: "columns => 'keys' keeps a large diagram readable.".into(),
        }
        .raise()
    };
    let model = model_of(schemas);
    let around: Option<Vec<u32>> = around.map(|a| {
        no_null_elements(a, "around")
            .into_iter()
            .map(|o| o.to_u32())
            .collect()
    });
    for oid in around.iter().flatten() {
        if !model
            .relations
            .iter()
            .any(|r| r.oid == *oid && (r.is_table() || r.kind == "m"))
        {
            AdvisorError::User {
                code: PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
                message: format!(
                    "relation {oid} in around is not a table or materialized view of the \
                     schemas drawn"
                ),
                hint: "Name tables of the schemas passed (or of any user schema when \
                       schemas is NULL)."
                    .into(),
            }
            .raise();
        }
    }
    let options = erd::Options {
        columns,
        around,
        depth: depth as usize,
    };
    erd::render(&model, &options)
}

#[pg_extern(stable)]
fn advisor_data_dictionary(
    format: default!(Option<String>, "'markdown'"),
    schemas: default!(Option<Vec<Option<String>>>, "NULL"),
) -> String {
    use database_advisor_core::generate::dictionary;
    let format = required(format, "format").trim().to_lowercase();
    if !dictionary::FORMATS.contains(&format.as_str()) {
        AdvisorError::UnknownFormat {
            given: format,
            valid: dictionary::FORMATS,
            example: "advisor_data_dictionary('{}')",
        }
        .raise();
    }
    dictionary::render(&model_of(schemas), &format).expect("a known format")
}

extension_sql!(
    r#"
COMMENT ON FUNCTION advisor_data_dictionary(text, text[]) IS
'Every table, view and materialized view of the user schemas (or of schemas) with its comment, size and row estimate, its columns (type, NULL, default or identity, comment), constraints and indexes: ''markdown'' (a summary table per schema, a section per relation) or ''json''.';
"#,
    name = "advisor_data_dictionary_comment",
    requires = [advisor_data_dictionary],
);
