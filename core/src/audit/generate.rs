//! The SQL text of an audit: readable, ordered, every identifier quoted by `quote`.

use super::{AuditTarget, KeySource, ROW_TRIGGER, TRUNCATE_TRIGGER};
use crate::quote::{ident, literal, qualified};

/// Everything that audits the table, for `advisor_audit_sql` and `advisor_audit_enable`:
/// the registry entry, the trigger function, the row trigger and the TRUNCATE triggers.
pub fn enable_statements(t: &AuditTarget) -> Vec<String> {
    let mut out = rename(t);
    out.extend([register(t), function(t), depends(t), revoke(t), comment(t)]);
    out.extend(create_trigger(
        t,
        ROW_TRIGGER,
        &t.schema,
        &t.table,
        "INSERT OR UPDATE OR DELETE",
        "ROW",
        t.has_row_trigger,
    ));
    out.extend(truncate_triggers(t));
    out
}

/// `CREATE OR REPLACE TRIGGER`; on PostgreSQL 13, which does not have it, `DROP TRIGGER`
/// (when it exists) and `CREATE TRIGGER`, in the caller's transaction. DROP TRIGGER locks
/// the table ACCESS EXCLUSIVE for that moment (CREATE OR REPLACE: SHARE ROW EXCLUSIVE).
fn create_trigger(
    t: &AuditTarget,
    name: &str,
    schema: &str,
    table: &str,
    events: &str,
    each: &str,
    exists: bool,
) -> Vec<String> {
    let on = qualified(schema, table);
    let mut out = Vec::new();
    if exists && !t.replace_triggers {
        out.push(format!("DROP TRIGGER {name} ON {on}"));
    }
    out.push(format!(
        "CREATE {}TRIGGER {name}\n    AFTER {events} ON {on}\n    \
         FOR EACH {each} EXECUTE FUNCTION {}()",
        if t.replace_triggers {
            "OR REPLACE "
        } else {
            ""
        },
        func(t)
    ));
    out
}

/// What the event trigger runs after DDL on an audited table: the function again (key and
/// excluded columns may have been renamed), TRUNCATE triggers for new partitions and none
/// on detached ones, and the table's current name in the registry. Takes no lock on the
/// table beyond what the DDL holds, except on partitions that get a trigger.
pub fn refresh_statements(t: &AuditTarget) -> Vec<String> {
    let mut out = rename(t);
    out.extend([
        format!(
            "UPDATE {} SET function_name = {}, schema_name = {}, table_name = {}, \
             options = {}::jsonb\nWHERE audited_table = {}",
            registry(t),
            literal(&t.function_name),
            literal(&t.schema),
            literal(&t.table),
            literal(&options_json(t)),
            literal(&t.audited_table)
        ),
        function(t),
        // CREATE OR REPLACE FUNCTION forgets DEPENDS ON EXTENSION: say it again
        depends(t),
        comment(t),
    ]);
    out.extend(truncate_triggers(t));
    out
}

/// A function named the old way gets its readable name (its triggers follow it).
fn rename(t: &AuditTarget) -> Vec<String> {
    t.rename_from
        .iter()
        .map(|old| {
            format!(
                "ALTER FUNCTION {}() RENAME TO {}",
                qualified(&t.ext_schema, old),
                ident(&t.function_name)
            )
        })
        .collect()
}

/// Stop auditing: drop the triggers and the function; the registry entry and the log stay.
pub fn disable_statements(t: &AuditTarget) -> Vec<String> {
    let mut out = vec![format!(
        "DROP TRIGGER IF EXISTS {ROW_TRIGGER} ON {}",
        qualified(&t.schema, &t.table)
    )];
    for (schema, name) in t.truncate_targets.iter().chain(&t.stale_truncate) {
        out.push(format!(
            "DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {}",
            qualified(schema, name)
        ));
    }
    out.push(format!("DROP FUNCTION IF EXISTS {}()", func(t)));
    out.push(format!(
        "UPDATE {} SET disabled_at = now() WHERE audited_table = {}",
        registry(t),
        literal(&t.audited_table)
    ));
    out
}

fn func(t: &AuditTarget) -> String {
    qualified(&t.ext_schema, &t.function_name)
}

fn registry(t: &AuditTarget) -> String {
    qualified(&t.ext_schema, "advisor_audit_tables")
}

/// The function depends on the extension, and the triggers on the function: `DROP
/// EXTENSION` without CASCADE refuses while tables are audited (instead of leaving triggers
/// whose log is gone and whose next write would fail); with CASCADE it drops both. Costs
/// nothing per row, unlike a WHEN condition (a constant one cost ~16 µs per statement).
fn depends(t: &AuditTarget) -> String {
    format!(
        "ALTER FUNCTION {}() DEPENDS ON EXTENSION database_advisor",
        func(t)
    )
}

fn register(t: &AuditTarget) -> String {
    let options = options_json(t);
    format!(
        "INSERT INTO {} (audited_table, function_name, schema_name, table_name, options)\n\
         VALUES ({}, {}, {}, {}, {}::jsonb)\n\
         ON CONFLICT (audited_table) DO UPDATE\n    \
         SET function_name = excluded.function_name, schema_name = excluded.schema_name,\n        \
         table_name = excluded.table_name, options = excluded.options,\n        \
         enabled_at = now(), enabled_by = current_user, disabled_at = NULL,\n        \
         dropped_at = NULL",
        registry(t),
        literal(&t.audited_table),
        literal(&t.function_name),
        literal(&t.schema),
        literal(&t.table),
        literal(&options)
    )
}

fn options_json(t: &AuditTarget) -> String {
    serde_json::to_string(&t.options).expect("options serialize")
}

fn revoke(t: &AuditTarget) -> String {
    // Triggers check EXECUTE only when they are created: without it, nobody else can attach
    // this SECURITY DEFINER function to a table of theirs and write forged log rows.
    format!("REVOKE ALL ON FUNCTION {}() FROM PUBLIC", func(t))
}

fn comment(t: &AuditTarget) -> String {
    let text = format!(
        "Audit trigger of {} (audited as {}), generated by database_advisor; regenerated after \
         DDL on the table. Do not edit: call advisor_audit_enable() with other options.",
        qualified(&t.schema, &t.table),
        t.audited_table
    );
    format!("COMMENT ON FUNCTION {}() IS {}", func(t), literal(&text))
}

fn truncate_triggers(t: &AuditTarget) -> Vec<String> {
    let create = t.truncate_targets.iter().flat_map(|(schema, name)| {
        let exists = t.has_truncate.contains(&(schema.clone(), name.clone()));
        create_trigger(
            t,
            TRUNCATE_TRIGGER,
            schema,
            name,
            "TRUNCATE",
            "STATEMENT",
            exists,
        )
    });
    let drop = t.stale_truncate.iter().map(|(schema, name)| {
        format!(
            "DROP TRIGGER IF EXISTS {TRUNCATE_TRIGGER} ON {}",
            qualified(schema, name)
        )
    });
    create.chain(drop).collect()
}

/// `ARRAY['a', 'b']::text[]`
fn text_array(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| literal(s)).collect();
    format!("ARRAY[{}]::text[]", inner.join(", "))
}

/// The trigger function. Reads the row only through `to_jsonb`, so added, dropped or renamed
/// columns never make it fail; uses only built-in functions; SECURITY DEFINER with a pinned
/// search_path so roles without rights on the log are still audited.
fn function(t: &AuditTarget) -> String {
    let log = qualified(&t.ext_schema, "advisor_audit_log");
    let me = literal(&t.audited_table);
    let strip = if t.options.exclude_columns.is_empty() {
        String::new()
    } else {
        format!(" - {}", text_array(&t.options.exclude_columns))
    };
    let key = match t.key_source {
        KeySource::None => "NULL".to_string(),
        _ => format!(
            "jsonb_build_object({})",
            t.key_columns
                .iter()
                .map(|c| format!("{}, v_row -> {}", literal(c), literal(c)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let skip = if t.options.skip_unchanged {
        "        IF v_old = v_new THEN\n            RETURN NULL;  -- skip_unchanged: nothing audited changed\n        END IF;\n"
    } else {
        ""
    };
    let changed_only = t.effective_changed_only();
    // Changed columns: the columns the table had when this was generated, compared one by
    // one (plain expressions, no query); a column added since (the event trigger
    // regenerates this after DDL) sends it to the generic query.
    let mut known = t.columns.clone();
    known.sort();
    let compare: String = known
        .iter()
        .map(|c| {
            let c = literal(c);
            let otherwise = if changed_only {
                format!(" ELSE v_unchanged := v_unchanged || {c}::text;")
            } else {
                String::new()
            };
            format!(
                "            IF v_old -> {c} IS DISTINCT FROM v_new -> {c} THEN \
                 v_changed := v_changed || {c}::text;{otherwise} END IF;\n"
            )
        })
        .collect();
    let (unchanged_init, unchanged_agg, unchanged_into, strip_unchanged) = if changed_only {
        (
            " v_unchanged := '{}';",
            ",\n                   coalesce(array_agg(n.key) \
             FILTER (WHERE v_old -> n.key IS NOT DISTINCT FROM n.value), '{}')",
            ", v_unchanged",
            "        -- changed_only: old and new values keep the changed columns only\n        \
             v_old := v_old - v_unchanged;\n        v_new := v_new - v_unchanged;\n",
        )
    } else {
        ("", "", "", "")
    };
    let update = format!(
        "{skip}        v_changed := '{{}}';{unchanged_init}
        IF (v_new - {known}) = '{{}}'::jsonb THEN
{compare}        ELSE
            SELECT coalesce(array_agg(n.key ORDER BY n.key COLLATE \"C\")
                       FILTER (WHERE v_old -> n.key IS DISTINCT FROM n.value), '{{}}'){unchanged_agg}
              INTO v_changed{unchanged_into}
              FROM jsonb_each(v_new) AS n;
        END IF;
{strip_unchanged}",
        known = text_array(&known),
    );
    let columns = "audited_table, schema_name, table_name, operation, row_key, old_values, \
                   new_values,\n            changed_columns, transaction_time, statement_time, \
                   transaction_id, session_user_name,\n            current_user_name, app_user, \
                   application_name, client_addr";
    // SECURITY DEFINER makes current_user the function's owner: the role the session acts as
    // is the `role` setting (SET ROLE), or the session user when none is set.
    // the application user's setting is fixed here (see AuditOptions::actor_setting)
    let who = format!(
        "session_user,\n            CASE current_setting('role') WHEN 'none' THEN \
         session_user::text ELSE current_setting('role') END,\n            \
         nullif(current_setting({}, true), ''),\n            \
         current_setting('application_name'), inet_client_addr()",
        literal(&t.options.actor_setting)
    );
    let when = "transaction_timestamp(), statement_timestamp(), pg_current_xact_id()";
    let body = format!(
        "
{header}
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_row jsonb;
    v_changed text[];
    v_unchanged text[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO {log} ({columns})
        VALUES ({me}, TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, NULL, NULL, NULL,
            NULL, {when}, {who});
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        v_old := to_jsonb(OLD){strip};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        v_new := to_jsonb(NEW){strip};
    END IF;
    v_row := coalesce(v_new, v_old);
    IF TG_OP = 'UPDATE' THEN
{update}    END IF;
    INSERT INTO {log} ({columns})
    VALUES ({me}, TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_OP, {key}, v_old, v_new,
            v_changed, {when}, {who});
    RETURN NULL;
END
",
        header = header(t),
    );
    // replace only a function the caller checked is ours; create it otherwise, so one
    // that someone else creates meanwhile makes this fail rather than be adopted
    format!(
        "{} FUNCTION {}()\nRETURNS trigger\nLANGUAGE plpgsql\nSECURITY DEFINER\n\
         SET search_path = pg_catalog, pg_temp\nAS {}",
        if t.function_exists {
            "CREATE OR REPLACE"
        } else {
            "CREATE"
        },
        func(t),
        dollar_quote(&body)
    )
}

/// The comment at the top of the function body: what it audits, and how.
fn header(t: &AuditTarget) -> String {
    let excl = if t.options.exclude_columns.is_empty() {
        "none".to_string()
    } else {
        crate::quote::ident_list(&t.options.exclude_columns)
    };
    let key = match &t.key_source {
        KeySource::PrimaryKey => "primary key".to_string(),
        KeySource::UniqueIndex(i) => format!("unique index {}", ident(i)),
        KeySource::None => "none (no primary key: full rows are logged)".to_string(),
    };
    crate::quote::comment(&format!(
        "Generated by database_advisor for {}; do not edit.\n\
         Options: exclude_columns = {excl}, changed_only = {}, skip_unchanged = {}; row key: {key}.",
        qualified(&t.schema, &t.table),
        t.effective_changed_only(),
        t.options.skip_unchanged,
    ))
}

/// `$audit$...$audit$`, with a tag that does not occur in the body (column names are user
/// data and could contain `$audit$`).
fn dollar_quote(body: &str) -> String {
    let mut tag = "$audit$".to_string();
    let mut n = 0;
    while body.contains(&tag) {
        n += 1;
        tag = format!("$audit{n}$");
    }
    format!("{tag}{body}{tag}")
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::{function_name, AuditOptions};
    use super::*;

    pub fn target() -> AuditTarget {
        AuditTarget {
            ext_schema: "advisor".into(),
            audited_table: "public.invoices".into(),
            function_name: function_name("public.invoices"),
            schema: "public".into(),
            table: "invoices".into(),
            columns: vec!["id".into(), "amount".into()],
            key_columns: vec!["id".into()],
            key_source: KeySource::PrimaryKey,
            truncate_targets: vec![("public".into(), "invoices".into())],
            stale_truncate: vec![],
            options: AuditOptions {
                exclude_columns: vec![],
                changed_only: false,
                skip_unchanged: true,
                ..AuditOptions::default()
            },
            function_exists: true,
            rename_from: None,
            replace_triggers: true,
            has_row_trigger: false,
            has_truncate: vec![],
        }
    }

    fn all(statements: &[String]) -> String {
        statements.join(";\n")
    }

    #[test]
    fn enable_creates_registry_function_and_both_triggers() {
        let sql = all(&enable_statements(&target()));
        assert!(sql.contains("INSERT INTO advisor.advisor_audit_tables"));
        assert!(
            sql.contains("CREATE OR REPLACE FUNCTION advisor.\"advisor_audit:public.invoices\"()")
        );
        assert!(sql.contains("SECURITY DEFINER\nSET search_path = pg_catalog, pg_temp"));
        assert!(sql.contains(
            "REVOKE ALL ON FUNCTION advisor.\"advisor_audit:public.invoices\"() FROM PUBLIC"
        ));
        assert!(sql.contains("AFTER INSERT OR UPDATE OR DELETE ON public.invoices"));
        assert!(sql.contains("AFTER TRUNCATE ON public.invoices"));
        assert!(sql.contains(
            "ALTER FUNCTION advisor.\"advisor_audit:public.invoices\"() DEPENDS ON EXTENSION database_advisor"
        ));
        assert!(sql.contains("jsonb_build_object('id', v_row -> 'id')"));
        assert!(sql.contains("RETURN NULL;  -- skip_unchanged"));
        assert!(!sql.contains("v_old - v_unchanged"), "full rows by default");
        assert!(sql.contains("IF (v_new - ARRAY['amount', 'id']::text[]) = '{}'::jsonb THEN"));
        assert!(sql.contains(
            "IF v_old -> 'amount' IS DISTINCT FROM v_new -> 'amount' THEN \
             v_changed := v_changed || 'amount'::text; END IF;"
        ));
        assert!(
            sql.contains("FROM jsonb_each(v_new) AS n;"),
            "columns added since"
        );
    }

    #[test]
    fn triggers_are_replaced_or_dropped_and_created_again() {
        let mut t = target();
        t.truncate_targets
            .push(("public".into(), "new_part".into()));
        t.has_truncate = vec![("public".into(), "invoices".into())];
        t.has_row_trigger = true;
        let sql = all(&enable_statements(&t));
        assert!(sql.contains("CREATE OR REPLACE TRIGGER advisor_audit\n"));
        assert!(sql.contains("CREATE OR REPLACE TRIGGER advisor_audit_truncate\n"));
        assert!(!sql.contains("DROP TRIGGER"));
        // PostgreSQL 13: only the triggers that exist are dropped first
        t.replace_triggers = false;
        let sql = all(&enable_statements(&t));
        assert!(!sql.contains("OR REPLACE TRIGGER"));
        assert!(sql.contains(
            "DROP TRIGGER advisor_audit ON public.invoices;\nCREATE TRIGGER advisor_audit\n    \
             AFTER INSERT OR UPDATE OR DELETE ON public.invoices\n    FOR EACH ROW EXECUTE"
        ));
        assert!(sql.contains(
            "DROP TRIGGER advisor_audit_truncate ON public.invoices;\n\
             CREATE TRIGGER advisor_audit_truncate\n    AFTER TRUNCATE ON public.invoices\n"
        ));
        assert!(!sql.contains("DROP TRIGGER advisor_audit_truncate ON public.new_part"));
        assert!(sql.contains(
            "CREATE TRIGGER advisor_audit_truncate\n    AFTER TRUNCATE ON public.new_part\n"
        ));
    }

    #[test]
    fn options_shape_the_function() {
        let mut t = target();
        t.options.exclude_columns = vec!["password_hash".into(), "Card No".into()];
        t.options.changed_only = true;
        t.options.skip_unchanged = false;
        let f = function(&t);
        assert!(f.contains("to_jsonb(OLD) - ARRAY['password_hash', 'Card No']::text[]"));
        assert!(f.contains("to_jsonb(NEW) - ARRAY['password_hash', 'Card No']::text[]"));
        assert!(f.contains("v_old := v_old - v_unchanged;"));
        assert!(f.contains("INTO v_changed, v_unchanged"));
        assert!(f.contains("ELSE v_unchanged := v_unchanged || 'amount'::text; END IF;"));
        assert!(!f.contains("skip_unchanged: nothing"));
    }

    #[test]
    fn no_key_logs_full_rows_and_null_key() {
        let mut t = target();
        t.key_source = KeySource::None;
        t.key_columns.clear();
        t.options.changed_only = true;
        let f = function(&t);
        assert!(f.contains("TG_OP, NULL, v_old, v_new"));
        assert!(
            f.contains("TG_OP, NULL, v_old, v_new,\n            v_changed"),
            "{f}"
        );
        assert!(!f.contains("v_old - v_unchanged"));
        assert!(f.contains("row key: none"));
    }

    #[test]
    fn weird_names_are_quoted_everywhere() {
        let mut t = target();
        t.schema = "My \"Schema\"".into();
        t.table = "select".into();
        t.audited_table = "\"My \"\"Schema\"\"\".\"select\"".into();
        t.function_name = function_name(&t.audited_table);
        t.key_columns = vec!["Id's".into(), "ünï".into()];
        t.truncate_targets = vec![("My \"Schema\"".into(), "part $audit$ 1".into())];
        let sql = all(&enable_statements(&t));
        assert!(sql.contains("ON \"My \"\"Schema\"\"\".\"select\""));
        assert!(
            sql.contains("jsonb_build_object('Id''s', v_row -> 'Id''s', 'ünï', v_row -> 'ünï')")
        );
        assert!(sql.contains("\"part $audit$ 1\""));
        // the function body is dollar-quoted with a tag it does not contain
        let f = function(&t);
        let tag = f[f.find("AS $").unwrap() + 3..]
            .split('\n')
            .next()
            .unwrap()
            .to_string();
        assert_eq!(f.matches(&tag).count(), 2, "{tag}");
    }

    #[test]
    fn names_with_line_breaks_cannot_escape_comments() {
        let mut t = target();
        t.table = "x\nDROP TABLE victim; --".into();
        t.options.exclude_columns = vec!["a\r\nb".into()];
        let f = function(&t);
        for line in f.lines().filter(|l| l.contains("DROP TABLE victim")) {
            assert!(line.starts_with("-- ") || line.contains('"'), "{line}");
        }
        assert!(!f
            .lines()
            .any(|l| l.trim_start().starts_with("DROP TABLE victim")));
    }

    #[test]
    fn dollar_tag_avoids_the_body() {
        assert_eq!(dollar_quote("x"), "$audit$x$audit$");
        assert_eq!(dollar_quote("a $audit$ b"), "$audit1$a $audit$ b$audit1$");
    }

    #[test]
    fn partitions_get_truncate_triggers_and_detached_ones_lose_them() {
        let mut t = target();
        t.truncate_targets = vec![
            ("public".into(), "p1".into()),
            ("public".into(), "p2".into()),
        ];
        t.stale_truncate = vec![("public".into(), "old".into())];
        let sql = all(&refresh_statements(&t));
        assert!(sql.contains("AFTER TRUNCATE ON public.p1"));
        assert!(sql.contains("AFTER TRUNCATE ON public.p2"));
        assert!(sql.contains("DROP TRIGGER IF EXISTS advisor_audit_truncate ON public.old"));
        assert!(
            !sql.contains("AFTER INSERT OR UPDATE"),
            "refresh leaves the row trigger alone"
        );
        assert!(
            sql.contains("DEPENDS ON EXTENSION"),
            "replacing the function drops it"
        );
        let off = all(&disable_statements(&t));
        assert!(off.contains("DROP TRIGGER IF EXISTS advisor_audit ON public.invoices"));
        assert!(off.contains("DROP TRIGGER IF EXISTS advisor_audit_truncate ON public.p2"));
        assert!(off.contains("DROP FUNCTION IF EXISTS advisor.\"advisor_audit:public.invoices\"()"));
        assert!(off.contains("SET disabled_at = now()"));
    }
}
