//! Reading PostgreSQL's `pg_node_tree` text (as stored in `pg_policy.polqual`): which
//! functions an expression calls per row, i.e. outside any sub-select (a `SUBLINK`, which
//! the planner turns into an InitPlan evaluated once per statement), and whether an
//! expression is a tautology (see [`always_true`]).
//!
//! The text is the output of PostgreSQL's `nodeToString()` (`outfuncs.c`): a node is
//! `{NAME :field value :field value ...}`, a list is `(...)`, `<>` is NULL, and tokens are
//! separated by whitespace and the four bracket characters (a backslash escapes the next
//! character). The format is stable for the expression nodes read here (PostgreSQL 13-18).
//! Nothing here evaluates anything: no function or operator is ever called.

use super::Oid;

mod fold;
mod parse;

pub use fold::{always_true, bool_const_tree, fold, Truth};
pub use parse::{parse, same, Node, Value};

/// The columns (attnums > 0) of its own table an expression stored for a relation (a
/// policy's USING or WITH CHECK) reads, in sub-selects too, sorted: what PostgreSQL records
/// in `pg_depend` for it. Its own table is range-table entry 1 of the expression, and a
/// `VAR` refers to it with `varno` 1 from as many `QUERY` levels up as `varlevelsup` says.
/// Empty when the text does not parse.
pub fn own_columns(tree: &str) -> Vec<i16> {
    fn walk(v: &Value, depth: u32, out: &mut Vec<i16>) {
        match v {
            Value::Atom(_) => {}
            Value::List(items) => items.iter().for_each(|i| walk(i, depth, out)),
            Value::Node(n) => {
                if n.name == "VAR" {
                    let level = n.atom("varlevelsup").and_then(|l| l.parse::<u32>().ok());
                    let attno = n.atom("varattno").and_then(|a| a.parse::<i16>().ok());
                    if n.atom("varno") == Some("1") && level == Some(depth) {
                        out.extend(attno.filter(|&a| a > 0));
                    }
                }
                let depth = depth + u32::from(n.name == "QUERY");
                for (_, values) in &n.fields {
                    values.iter().for_each(|v| walk(v, depth, out));
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Some(v) = parse(tree) {
        walk(&v, 0, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// `:funcid` of every `FUNCEXPR` that is not inside a `SUBLINK`, in order of appearance.
pub fn per_row_function_ids(tree: &str) -> Vec<Oid> {
    let bytes = tree.as_bytes();
    let mut stack: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1, // an escaped character inside a token
            b'{' => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len()
                    && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_')
                {
                    end += 1;
                }
                stack.push(&tree[start..end]);
                i = end;
                continue;
            }
            b'}' => {
                stack.pop();
            }
            b':' if stack.last() == Some(&"FUNCEXPR")
                && tree[i..].starts_with(":funcid ")
                && !stack.contains(&"SUBLINK") =>
            {
                let digits: String = tree[i + 8..]
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if let Ok(oid) = digits.parse() {
                    out.push(oid);
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
mod tests;
