//! SQL identifier quoting: the one helper every piece of generated SQL uses.
//! Same rules as PostgreSQL's `quote_identifier()` so identities match `pg_identify_object`.

use crate::snapshot::fast_hash::Set;
use std::sync::OnceLock;

/// Keywords that PostgreSQL 15 quotes (every category but unreserved),
/// from `SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'`: the list until the
/// server's own is set with [`use_server_keywords`] (each major version adds a few).
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

/// The running server's keywords that need quoting, once set.
static SERVER_KEYWORDS: OnceLock<Vec<String>> = OnceLock::new();

/// Quote like the running server: its `pg_get_keywords()` words that are not unreserved.
/// Set once per process (a backend); later calls keep the first list.
pub fn use_server_keywords(mut words: Vec<String>) {
    words.sort_unstable();
    let _ = SERVER_KEYWORDS.set(words);
}

/// Whether [`use_server_keywords`] has been called in this process.
pub fn has_server_keywords() -> bool {
    SERVER_KEYWORDS.get().is_some()
}

/// PostgreSQL 15's keywords that need quoting (the list before a server's is set).
pub fn builtin_quoted_keywords() -> &'static [&'static str] {
    QUOTED_KEYWORDS
}

/// The keywords [`ident`] quotes: the server's when set, else PostgreSQL 15's.
pub fn quoted_keywords() -> Vec<&'static str> {
    match SERVER_KEYWORDS.get() {
        Some(words) => words.iter().map(String::as_str).collect(),
        None => QUOTED_KEYWORDS.to_vec(),
    }
}

/// A keyword `quote_ident` quotes (every keyword but the unreserved ones).
pub fn is_quoted_keyword(name: &str) -> bool {
    // asked for every identifier a run writes (hundreds of thousands): a hash lookup
    static SERVER: OnceLock<Set<&'static str>> = OnceLock::new();
    static BUILTIN: OnceLock<Set<&'static str>> = OnceLock::new();
    let words = match SERVER_KEYWORDS.get() {
        Some(words) => SERVER.get_or_init(|| words.iter().map(String::as_str).collect()),
        None => BUILTIN.get_or_init(|| QUOTED_KEYWORDS.iter().copied().collect()),
    };
    words.contains(name)
}

/// Characters generated SQL never carries as they are: control characters (a line break
/// ends a `--` comment; others garble a terminal) and the Unicode line separators.
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Quote an identifier the way PostgreSQL's `quote_ident` does: bare when it is lower-case
/// ASCII letters, digits and underscores, not starting with a digit, and not a keyword
/// that needs quoting; otherwise in double quotes with embedded quotes doubled. A name with
/// control characters is written `U&"..."` with those characters escaped, so generated
/// SQL is one line per line whatever a name contains (the same identifier to the server).
pub fn ident(name: &str) -> String {
    if is_bare(name) {
        name.to_string()
    } else if name.chars().any(is_unprintable) {
        unicode_ident(name)
    } else {
        double_quoted(name)
    }
}

/// [`ident`] appended to `out`.
pub fn push_ident(out: &mut String, name: &str) {
    if is_bare(name) {
        out.push_str(name);
    } else {
        out.push_str(&ident(name));
    }
}

/// A name `quote_ident` leaves as it is.
fn is_bare(name: &str) -> bool {
    matches!(name.as_bytes().first(), Some(b'a'..=b'z' | b'_'))
        && name
            .bytes()
            .all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && !is_quoted_keyword(name)
}

fn double_quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// A relation as a string literal for a `regclass` argument (`'app."Order Lines"'`):
/// `regclass` input reads only double-quoted names, never `U&""`, so unprintable
/// characters go into the literal's escapes instead.
pub fn regclass_literal(schema: &str, name: &str) -> String {
    literal(&regclass_text(Some(schema), name))
}

/// A relation's name as `regclass` input reads it (`app."Order Lines"`, or the bare name
/// resolved through `search_path`), for a literal or a bound parameter.
pub fn regclass_text(schema: Option<&str>, name: &str) -> String {
    let part = |n: &str| {
        if n.chars().any(is_unprintable) {
            double_quoted(n)
        } else {
            ident(n)
        }
    };
    match schema {
        Some(s) => format!("{}.{}", part(s), part(name)),
        None => part(name),
    }
}

/// The name PostgreSQL gives an object it names itself (`makeObjectName`): `stem` cut on a
/// character boundary so that it and `suffix` fit in 63 bytes, the suffix kept whole.
pub fn object_name(stem: &str, suffix: &str) -> String {
    const MAX: usize = 63; // NAMEDATALEN - 1
    let mut cut = stem.len().min(MAX.saturating_sub(suffix.len()));
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &stem[..cut])
}

/// `U&"..."`: backslashes doubled, unprintable characters as `\XXXX` / `\+XXXXXX`.
fn unicode_ident(name: &str) -> String {
    let mut out = String::from("U&\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\\\"),
            c if is_unprintable(c) => out.push_str(&unicode_escape(c)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `\XXXX` (or `\+XXXXXX` beyond the BMP), the escape of `U&""` identifiers.
fn unicode_escape(c: char) -> String {
    let code = c as u32;
    if code <= 0xFFFF {
        format!("\\{code:04X}")
    } else {
        format!("\\+{code:06X}")
    }
}

/// Rewrites SQL that PostgreSQL printed (`pg_get_expr`, `pg_get_indexdef`, an identity
/// from `pg_identify_object`) so that it means the same but holds no unprintable
/// character: quoted identifiers that carry one become `U&"..."`, string literals `E'...'`
/// with escapes. The texts it is for have no comments or dollar quotes.
pub fn printable_sql(text: &str) -> String {
    if !text.chars().any(is_unprintable) {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '"' && c != '\'' {
            out.push(c);
            i += 1;
            continue;
        }
        // an E'' literal: its prefix was already copied
        let escaped = c == '\''
            && i > 0
            && matches!(chars[i - 1], 'E' | 'e')
            && (i < 2 || !(chars[i - 2].is_alphanumeric() || chars[i - 2] == '_'));
        // the token ends at a closing quote that is not doubled (nor backslashed in E'')
        let mut body = String::new();
        let mut j = i + 1;
        let mut closed = false;
        while j < chars.len() {
            if escaped && chars[j] == '\\' && j + 1 < chars.len() {
                body.push(chars[j]);
                body.push(chars[j + 1]);
                j += 2;
                continue;
            }
            if chars[j] == c {
                if chars.get(j + 1) == Some(&c) {
                    body.push(c);
                    body.push(c);
                    j += 2;
                    continue;
                }
                closed = true;
                break;
            }
            body.push(chars[j]);
            j += 1;
        }
        if !closed || !body.chars().any(is_unprintable) {
            out.extend(&chars[i..(j + 1).min(chars.len())]);
        } else if c == '"' {
            out.push_str(&unicode_ident(&body.replace("\"\"", "\"")));
        } else if escaped {
            out.push('\'');
            out.push_str(&escape_unprintable(&body));
            out.push('\'');
        } else {
            // 'x' -> E'x': backslashes become literal backslashes, then the escapes
            out.push('E');
            out.push('\'');
            out.push_str(&escape_unprintable(&body.replace('\\', "\\\\")));
            out.push('\'');
        }
        i = j + 1;
    }
    out
}

/// Unprintable characters as the escapes of an `E''` literal.
fn escape_unprintable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if is_unprintable(c) && (c as u32) < 0x80 => format!("\\x{:02X}", c as u32),
            c if is_unprintable(c) => format!("\\u{:04X}", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// `schema.name`, each part quoted by [`ident`].
pub fn qualified(schema: &str, name: &str) -> String {
    let mut out = String::with_capacity(schema.len() + name.len() + 1);
    push_ident(&mut out, schema);
    out.push('.');
    push_ident(&mut out, name);
    out
}

/// A comma-separated list of quoted identifiers, e.g. a column list.
pub fn ident_list<S: AsRef<str>>(names: &[S]) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_ident(&mut out, name.as_ref());
    }
    out
}

/// A SQL string literal (standard_conforming_strings = on), for the few places where
/// generated SQL must carry a value. Backslashes and unprintable characters take the
/// `E''` form with escapes, like `quote_literal`, but never a raw line break.
pub fn literal(value: &str) -> String {
    let doubled = value.replace('\'', "''");
    if !value.chars().any(|c| c == '\\' || is_unprintable(c)) {
        return format!("'{doubled}'");
    }
    format!("E'{}'", escape_unprintable(&doubled.replace('\\', "\\\\")))
}

/// Text as `--` comment lines: every line break that would end a comment (`\n`, `\r`)
/// starts a new `-- ` line, so nothing in the text can become a statement.
pub fn comment(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split(['\n', '\r'])
        .map(|line| format!("-- {line}").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text for one line of a report: unprintable characters shown as `<U+000A>`, so a name
/// cannot start a line of its own.
pub fn printable(text: &str) -> String {
    if !text.chars().any(is_unprintable) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if is_unprintable(c) {
                format!("<U+{:04X}>", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
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
        assert_eq!(literal("a\nb'\r"), "E'a\\x0Ab''\\x0D'");
        assert_eq!(literal("x\u{2028}"), "E'x\\u2028'");
    }

    #[test]
    fn names_with_control_characters_stay_on_one_line() {
        let evil = "x\nALTER ROLE mallory SUPERUSER;--";
        assert_eq!(ident(evil), "U&\"x\\000AALTER ROLE mallory SUPERUSER;--\"");
        assert_eq!(ident("a\\b\t\"c"), "U&\"a\\\\b\\0009\"\"c\"");
        assert_eq!(ident("\u{85}\u{2029}"), "U&\"\\0085\\2029\"");
        // a backslash alone needs no U& form
        assert_eq!(ident("a\\b"), "\"a\\b\"");
        for c in (0u32..0x20).chain([0x7F, 0x85, 0x2028]) {
            let name = format!("a{}b", char::from_u32(c).unwrap());
            assert!(!ident(&name).chars().any(is_unprintable), "{c:#x}");
            assert!(!literal(&name).chars().any(is_unprintable), "{c:#x}");
        }
    }

    #[test]
    fn printed_sql_is_rewritten_to_one_line() {
        assert_eq!(printable_sql("public.f(integer)"), "public.f(integer)");
        assert_eq!(
            printable_sql("\"a\nb\".\"x\"\"y\"(\"t\rt\", integer)"),
            "U&\"a\\000Ab\".\"x\"\"y\"(U&\"t\\000Dt\", integer)"
        );
        // literals: plain ones become E'' (their backslashes kept literal), E'' ones stay
        assert_eq!(
            printable_sql("(a = 'x\ny''z\\') OR (b = E'p\\'\tq')"),
            "(a = E'x\\x0Ay''z\\\\') OR (b = E'p\\'\\x09q')"
        );
        // a quote inside a literal is not an identifier, and the reverse
        assert_eq!(
            printable_sql("'say \"hi\"\n' || \"it's\n\""),
            "E'say \"hi\"\\x0A' || U&\"it's\\000A\""
        );
        // an unterminated quote is kept as it is
        assert_eq!(printable_sql("\"a\nb"), "\"a\nb");
    }

    #[test]
    fn object_names_keep_their_suffix() {
        assert_eq!(
            object_name("orders_customer_id", "_fkey"),
            "orders_customer_id_fkey"
        );
        let long = "é".repeat(40); // 80 bytes
        let name = object_name(&long, "_idx");
        assert!(name.len() <= 63 && name.ends_with("_idx"), "{name}");
        assert!(name.starts_with("ééé"));
    }

    #[test]
    fn regclass_literals() {
        assert_eq!(
            regclass_literal("app", "Order Lines"),
            "'app.\"Order Lines\"'"
        );
        assert_eq!(regclass_literal("a'b", "t\nx"), "E'\"a''b\".\"t\\x0Ax\"'");
    }

    #[test]
    fn comments_cannot_be_ended_by_their_text() {
        assert_eq!(comment("a\nb"), "-- a\n-- b");
        assert_eq!(
            comment("x\r\nALTER ROLE m SUPERUSER;\rDROP TABLE t;"),
            "-- x\n-- ALTER ROLE m SUPERUSER;\n-- DROP TABLE t;"
        );
        for line in comment("p\n\n*/ q\r").lines() {
            assert!(line.starts_with("--"), "{line}");
        }
    }

    #[test]
    fn printable_report_text() {
        assert_eq!(printable("t\n[x] fake"), "t<U+000A>[x] fake");
        assert_eq!(printable("plain"), "plain");
    }
}
