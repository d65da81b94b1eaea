//! pg_stat_statements replaces each constant of a statement with `$n`, also the string of a
//! typed literal: `now() - interval '1 day'` becomes `now() - interval $1`, and
//! `date '2026-01-01'` becomes `date $1`, which no longer parse. Written as casts
//! (`$1::interval`, `$1::date`) they mean the same and do. The tokens come from
//! PostgreSQL's own scanner: a type name (an identifier, possibly qualified or quoted, or
//! a keyword that names a type) directly followed by a parameter occurs in no valid
//! statement, so nothing else is touched.

use crate::parse::{code_of, tokens};

/// Keywords (lower case) that end a type name: `interval $1`, `timestamp with time zone
/// $1`, `double precision $1`, `character varying $1`, ...
const TYPE_KEYWORDS: &[&str] = &[
    "interval",
    "timestamp",
    "time",
    "zone",
    "boolean",
    "int",
    "integer",
    "smallint",
    "bigint",
    "real",
    "float",
    "decimal",
    "numeric",
    "dec",
    "char",
    "character",
    "varchar",
    "varying",
    "nchar",
    "bit",
    "precision",
    "json",
];

/// Words that may come before a type keyword in a multi-word type name.
const TYPE_PREFIXES: &[&str] = &[
    "timestamp",
    "time",
    "with",
    "without",
    "double",
    "character",
    "national",
    "bit",
];

/// The word (lower case) a token starts with.
fn word_at(sql: &str, start: usize) -> String {
    sql[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>()
        .to_ascii_lowercase()
}

/// `sql` with each `type $n` written `$n::type`; `None` when there is none.
pub fn cast_typed_params(sql: &str) -> Option<String> {
    if !sql.contains('$') {
        return None;
    }
    let param = code_of("$1")?;
    let ident = code_of("x")?;
    let dot = code_of(".")?;
    let toks = tokens(sql)?;
    let mut edits: Vec<(usize, usize, String)> = Vec::new(); // replace start..end by text
    for i in 1..toks.len() {
        if toks[i].code != param {
            continue;
        }
        let prev = &toks[i - 1];
        let word = word_at(sql, prev.start);
        let names_a_type = prev.code == ident || TYPE_KEYWORDS.contains(&word.as_str());
        if !names_a_type {
            continue;
        }
        // walk back over a qualified name (schema.type) or a multi-word type name
        let mut first = i - 1;
        while first >= 2 && toks[first - 1].code == dot && toks[first - 2].code == ident {
            first -= 2;
        }
        while first >= 1
            && toks[first - 1].code != ident
            && TYPE_PREFIXES.contains(&word_at(sql, toks[first - 1].start).as_str())
        {
            first -= 1;
        }
        let type_name = sql[toks[first].start..toks[i].start].trim_end();
        let digits: String = sql[toks[i].start + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let end = toks[i].start + 1 + digits.len();
        edits.push((toks[first].start, end, format!("${digits}::{type_name}")));
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = sql.to_string();
    for (start, end, text) in edits.into_iter().rev() {
        out.replace_range(start..end, &text);
    }
    Some(out)
}
