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

/// The name of the node opened by the `{` at `open`, and where the name ends.
fn node_name(tree: &str, open: usize) -> (&str, usize) {
    let bytes = tree.as_bytes();
    let mut end = open + 1;
    while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    (&tree[open + 1..end], end)
}

/// The columns (attnums > 0) of its own table an expression stored for a relation (a
/// policy's USING or WITH CHECK) reads, in sub-selects too, sorted: what PostgreSQL records
/// in `pg_depend` for it. Its own table is range-table entry 1 of the expression, and a
/// `VAR` refers to it with `varno` 1 from as many `QUERY` levels up as `varlevelsup` says.
/// Empty when the text does not parse.
pub fn own_columns(tree: &str) -> Vec<i16> {
    let mut out = Vec::new();
    let well_formed = scan(
        tree,
        |_| true,
        |var, depth| {
            if let [Some(1), Some(attno), Some(level)] = var {
                if level == depth && attno > 0 {
                    out.push(attno as i16);
                }
            }
            true
        },
    );
    if !well_formed {
        return Vec::new();
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A scan of a tree's text (parsing it into nodes cost ~5 µs a policy): `node` gets each
/// node's name, `var` each `VAR`'s (varno, varattno, varlevelsup) and the number of
/// `QUERY` levels it is in; either returning false stops the scan. Whether the text was
/// scanned to its end, every node closed.
fn scan(
    tree: &str,
    mut node: impl FnMut(&str) -> bool,
    mut var: impl FnMut([Option<i64>; 3], i64) -> bool,
) -> bool {
    let bytes = tree.as_bytes();
    // open nodes: whether each is a QUERY, and for a VAR its (varno, varattno, varlevelsup)
    let mut stack: Vec<(bool, Option<[Option<i64>; 3]>)> = Vec::new();
    let mut depth = 0i64;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1, // an escaped character inside a token
            b'{' => {
                let (name, end) = node_name(tree, i);
                if !node(name) {
                    return false;
                }
                let query = name == "QUERY";
                depth += i64::from(query);
                stack.push((query, (name == "VAR").then_some([None; 3])));
                i = end;
                continue;
            }
            b'}' => match stack.pop() {
                Some((query, fields)) => {
                    depth -= i64::from(query);
                    if fields.is_some_and(|f| !var(f, depth)) {
                        return false;
                    }
                }
                None => return false,
            },
            b':' => {
                if let Some((_, Some(fields))) = stack.last_mut() {
                    let field = ["varno", "varattno", "varlevelsup"].iter().position(|f| {
                        tree[i + 1..].starts_with(f) && tree[i + 1 + f.len()..].starts_with(' ')
                    });
                    if let Some(k) = field {
                        let rest = tree[i + 1..].split_once(' ').map_or("", |(_, r)| r);
                        let number: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_digit() || *c == '-')
                            .collect();
                        fields[k] = number.parse().ok();
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack.is_empty()
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
                let (name, end) = node_name(tree, i);
                stack.push(name);
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

/// The expression nodes whose text PostgreSQL's deparser writes the same whether or not it
/// indents (`PRETTYFLAG_INDENT` changes only sub-selects and `CASE`), none of which
/// names anything but columns of range-table entry 1.
const PLAIN_NODES: [&str; 17] = [
    "VAR",
    "CONST",
    "FUNCEXPR",
    "OPEXPR",
    "DISTINCTEXPR",
    "NULLIFEXPR",
    "SCALARARRAYOPEXPR",
    "BOOLEXPR",
    "RELABELTYPE",
    "COERCEVIAIO",
    "NULLTEST",
    "BOOLEANTEST",
    "COALESCEEXPR",
    "MINMAXEXPR",
    "SQLVALUEFUNCTION",
    "ARRAYEXPR",
    "COLLATEEXPR",
];

/// Whether a stored expression is made only of [`PLAIN_NODES`], every `VAR` a column
/// (attnum > 0) of its own table (range-table entry 1, this level): an expression the
/// loader may deparse with the table's column names alone, without opening the table.
pub fn plain_expression(tree: &str) -> bool {
    let mut nodes = 0;
    let scanned = scan(
        tree,
        |name| {
            nodes += 1;
            PLAIN_NODES.contains(&name)
        },
        |var, depth| matches!(var, [Some(1), Some(attno), Some(0)] if attno > 0 && depth == 0),
    );
    scanned && nodes > 0 && tree.trim_start().starts_with('{')
}

#[cfg(test)]
pub mod fixtures;
#[cfg(test)]
mod tests;
