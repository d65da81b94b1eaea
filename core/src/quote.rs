//! SQL identifier quoting: the one helper every piece of generated SQL uses.
//! Same rules as PostgreSQL's `quote_identifier()` so identities match `pg_identify_object`.

/// Keywords that PostgreSQL 15 quotes (every category but unreserved),
/// from `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`.
/// A server test checks this list against the running server's `quote_ident`.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// The keyword list above, for the server test that compares it with `pg_get_keywords()`.
pub fn quoted_keywords() -> &'static [&'static str] {
    QUOTED_KEYWORDS
}

/// Quote an identifier the way PostgreSQL's `quote_ident` does: bare when it is lower-case
/// ASCII letters, digits and underscores, not starting with a digit, and not a keyword
/// that needs quoting; otherwise in double quotes with embedded quotes doubled.
pub fn ident(name: &str) -> String {
    let mut chars = name.chars();
    let safe_start = matches!(chars.next(), Some('a'..='z' | '_'));
    let safe = safe_start
        && name
            .chars()
            .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && QUOTED_KEYWORDS.binary_search(&name).is_err();
    if safe {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.name`, each part quoted by [`ident`].
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// A comma-separated list of quoted identifiers, e.g. a column list.
pub fn ident_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| ident(n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A SQL string literal (standard_conforming_strings = on), for the few places where
/// generated SQL must carry a value; backslashes get the `E''` form like `quote_literal`.
pub fn literal(value: &str) -> String {
    let doubled = value.replace('\'', "''");
    if value.contains('\\') {
        format!("E'{}'", doubled.replace('\\', "\\\\"))
    } else {
        format!("'{doubled}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        let mut sorted = QUOTED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, QUOTED_KEYWORDS);
    }

    #[test]
    fn plain_names_stay_bare() {
        assert_eq!(ident("orders"), "orders");
        assert_eq!(ident("_x1"), "_x1");
        assert_eq!(ident("tenant_id"), "tenant_id");
        // unreserved keywords stay bare, like PostgreSQL does
        assert_eq!(ident("name"), "name");
        assert_eq!(ident("comment"), "comment");
    }

    #[test]
    fn weird_names_are_quoted() {
        assert_eq!(ident("Orders"), "\"Orders\"");
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("my table"), "\"my table\"");
        assert_eq!(ident("1abc"), "\"1abc\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(ident("über"), "\"über\"");
        assert_eq!(ident(""), "\"\"");
        assert_eq!(ident("a-b"), "\"a-b\"");
        assert_eq!(ident("$x"), "\"$x\"");
    }

    #[test]
    fn qualified_and_lists() {
        assert_eq!(qualified("Sales Dept", "order"), "\"Sales Dept\".\"order\"");
        assert_eq!(ident_list(&["a", "B", "select"]), "a, \"B\", \"select\"");
    }

    #[test]
    fn literals() {
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b"), "E'a\\\\b'");
    }
}
