//! `advisor_lint_migration(migration)`: is this migration safe here, given the real
//! tables? And `advisor_assert_migration`, its CI gate.

use crate::error::required;
use database_advisor_core::lint::Settings;
use database_advisor_core::output::migration as migration_output;
use pgrx::prelude::*;
use pgrx::JsonB;

#[pg_extern(
    volatile,
    sql = r#"
CREATE FUNCTION _advisor_lint_migration(migration text, search_path text, in_transaction boolean,
                                        dry_run boolean)
RETURNS TABLE (statement_number int, line int, rule text, level text, category text,
               object_type text, object_identity text, detail text, remediation text,
               metadata jsonb, fingerprint text, statement text)
VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
COMMENT ON FUNCTION _advisor_lint_migration(text, text, boolean, boolean) IS
'Internal: rows of advisor_lint_migration() with the level as text. Use advisor_lint_migration().';

CREATE FUNCTION advisor_lint_migration(
    migration text,
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false,
    dry_run boolean DEFAULT false)
RETURNS TABLE (statement_number int, line int, rule text, level @extschema@.advisor_level,
               category text, object_type text, object_identity text, detail text,
               remediation text, metadata jsonb, fingerprint text, statement text)
LANGUAGE sql VOLATILE
AS $$
    SELECT l.statement_number, l.line, l.rule, l.level::@extschema@.advisor_level, l.category,
           l.object_type, l.object_identity, l.detail, l.remediation, l.metadata,
           l.fingerprint, l.statement
    FROM @extschema@._advisor_lint_migration(migration, search_path, in_transaction, dry_run) AS l
$$;
COMMENT ON FUNCTION advisor_lint_migration(text, text, boolean, boolean) IS
'Lints a migration script against this database without running it: PostgreSQL''s own parser reads it, and each statement is judged against the live catalog with the script''s earlier statements applied (tables created, columns, indexes and constraints added, SET lock_timeout, BEGIN/COMMIT). Each finding names the lock the statement takes, what that lock blocks and for how long given the table''s real size, and the safe rewrite in remediation. search_path: how the script''s bare names resolve (default: the caller''s); in_transaction: the tool that runs it wraps it in one transaction. A script that does not parse gives one syntax_error finding. dry_run: also run the statements, one by one, in a subtransaction that is always rolled back (lock_timeout 2s; CONCURRENTLY, VACUUM and transaction control are not run), and put what each did (locks taken, files rewritten, rows, milliseconds, or its error) into metadata->''dry_run''; a statement that fails gets a dry_run_failed finding. A dry run executes the migration as the caller: use it only on a migration you would run. Rules: docs/rules/migrations.md.';

-- the lowest level that fails, like advisor_assert
CREATE FUNCTION advisor_assert_migration(
    migration text,
    fail_level @extschema@.advisor_level DEFAULT 'warning',
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n int;
    listing text;
BEGIN
    IF migration IS NULL OR fail_level IS NULL OR search_path IS NULL OR in_transaction IS NULL THEN
        RAISE EXCEPTION 'advisor_assert_migration arguments must not be NULL' USING ERRCODE = '22004',
            HINT = 'Pass the script; leave the other arguments out for their defaults.';
    END IF;
    SELECT count(*), string_agg(pg_catalog.format('line %s  %s  %s  %s', l.line, l.level, l.rule,
                                       pg_catalog.regexp_replace(l.object_identity, '[[:cntrl:]]', '?', 'g')),
                                E'\n' ORDER BY l.statement_number, l.level DESC, l.rule)
    INTO n, listing
    FROM @extschema@._advisor_lint_migration(migration, search_path, in_transaction, false) l
    WHERE l.level::@extschema@.advisor_level >= fail_level;
    IF n > 0 THEN
        RAISE EXCEPTION 'database_advisor: the migration has % finding(s) at or above %', n, fail_level
            USING ERRCODE = 'DA002', DETAIL = listing,
                  HINT = 'SELECT * FROM advisor_lint_migration(...) shows each finding with its safe rewrite.';
    END IF;
END $$;
COMMENT ON FUNCTION advisor_assert_migration(text, advisor_level, text, boolean) IS
'CI gate for migrations: raises SQLSTATE DA002, counting and listing (line, level, rule, object) the findings of advisor_lint_migration at or above fail_level (default warning); returns quietly otherwise. echo "SELECT advisor_assert_migration(:''m'')" | psql -v ON_ERROR_STOP=1 -v m="$(cat migration.sql)" fails a pipeline (psql interpolates :''m'' in its input, not in -c).';
"#,
    requires = ["advisor_level"]
)]
#[allow(clippy::type_complexity)]
fn _advisor_lint_migration(
    migration: Option<String>,
    search_path: Option<String>,
    in_transaction: Option<bool>,
    dry_run: Option<bool>,
) -> TableIterator<
    'static,
    (
        name!(statement_number, Option<i32>),
        name!(line, i32),
        name!(rule, String),
        name!(level, String),
        name!(category, String),
        name!(object_type, String),
        name!(object_identity, String),
        name!(detail, String),
        name!(remediation, Option<String>),
        name!(metadata, JsonB),
        name!(fingerprint, String),
        name!(statement, String),
    ),
> {
    let dry_run = required(dry_run, "dry_run");
    let findings = lint(migration, search_path, in_transaction, dry_run);
    TableIterator::new(findings.into_iter().map(|l| {
        let f = l.finding;
        (
            (l.statement > 0).then_some(l.statement as i32),
            l.line as i32,
            f.rule.to_string(),
            f.level.as_str().to_string(),
            f.category.as_str().to_string(),
            f.object_type.to_string(),
            f.object_identity,
            f.detail,
            f.remediation,
            JsonB(f.metadata),
            f.fingerprint,
            l.text,
        )
    }))
}

#[pg_extern(
    volatile,
    sql = r#"
CREATE FUNCTION advisor_lint_report(
    migration text,
    format text DEFAULT 'markdown',
    file text DEFAULT 'migration.sql',
    search_path text DEFAULT pg_catalog.current_setting('search_path'),
    in_transaction boolean DEFAULT false)
RETURNS text VOLATILE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
COMMENT ON FUNCTION advisor_lint_report(text, text, text, text, boolean) IS
'The findings of advisor_lint_migration as one document: ''markdown'' (a summary, then each finding with its line, statement and safer rewrite, for a pull-request comment) or ''sarif'' (SARIF 2.1.0 with file and line of each statement, for code-scanning tabs). file names the migration in both.';
"#
)]
fn advisor_lint_report(
    migration: Option<String>,
    format: Option<String>,
    file: Option<String>,
    search_path: Option<String>,
    in_transaction: Option<bool>,
) -> String {
    let format = required(format, "format").trim().to_lowercase();
    if !migration_output::FORMATS.contains(&format.as_str()) {
        crate::error::AdvisorError::UnknownFormat {
            given: format,
            valid: migration_output::FORMATS,
            example: "advisor_lint_report(migration, '{}')",
        }
        .raise();
    }
    let findings = lint(migration, search_path, in_transaction, false);
    migration_output::render(&format, &required(file, "file"), &findings).expect("a known format")
}

/// The findings of a migration, for both functions.
fn lint(
    migration: Option<String>,
    search_path: Option<String>,
    in_transaction: Option<bool>,
    dry_run: bool,
) -> Vec<database_advisor_core::lint::LintFinding> {
    let migration = required(migration, "migration");
    let settings = Settings {
        search_path: required(search_path, "search_path"),
        user: current_user(),
        lock_timeout: lock_timeout_set(),
        in_transaction: required(in_transaction, "in_transaction"),
    };
    crate::lint::lint_script(&migration, &settings, dry_run)
}

fn current_user() -> String {
    Spi::get_one::<String>("SELECT current_user::text")
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Whether the session runs with a non-zero `lock_timeout` (a role's or database's
/// setting applies to the migration too).
fn lock_timeout_set() -> bool {
    Spi::get_one::<String>("SELECT pg_catalog.current_setting('lock_timeout')")
        .ok()
        .flatten()
        .is_some_and(|v| !database_advisor_core::lint::timeout_is_off(&v))
}

#[pg_extern(
    immutable,
    parallel_safe,
    sql = r#"
CREATE FUNCTION _advisor_lint_rules()
RETURNS TABLE (id text, category text, default_level text, description text)
IMMUTABLE PARALLEL SAFE LANGUAGE c AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
COMMENT ON FUNCTION _advisor_lint_rules() IS
'Internal: rows of the advisor_lint_rules view.';
CREATE VIEW advisor_lint_rules AS
SELECT id, category, default_level::@extschema@.advisor_level AS default_level, description
FROM @extschema@._advisor_lint_rules();
COMMENT ON VIEW advisor_lint_rules IS
'Every rule of the migration linter (advisor_lint_migration): its stable id, category, default level and what it catches. docs/rules/migrations.md has a section per rule.';
GRANT SELECT ON advisor_lint_rules TO PUBLIC;
"#,
    requires = ["advisor_level"]
)]
fn _advisor_lint_rules() -> TableIterator<
    'static,
    (
        name!(id, &'static str),
        name!(category, &'static str),
        name!(default_level, &'static str),
        name!(description, &'static str),
    ),
> {
    TableIterator::new(
        database_advisor_core::lint::RULES
            .iter()
            .map(|r| (r.id, r.category.as_str(), r.level.as_str(), r.summary)),
    )
}
