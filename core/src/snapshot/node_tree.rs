//! Reading PostgreSQL's `pg_node_tree` text (as stored in `pg_policy.polqual`): which
//! functions an expression calls per row, i.e. outside any sub-select (a `SUBLINK`, which
//! the planner turns into an InitPlan evaluated once per statement).

use super::Oid;

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
mod tests {
    use super::*;

    #[test]
    fn finds_calls_outside_sublinks_only() {
        // tenant_id = current_setting('app.t')::int  (from PostgreSQL 15)
        let per_row = "{OPEXPR :opno 96 :opfuncid 65 :args ({VAR :varno 1 :varattno 2} \
            {COERCEVIAIO :arg {FUNCEXPR :funcid 2077 :funcresulttype 25 :args ({CONST \
            :consttype 25 :constvalue 9 [ 36 0 0 0 97 112 112 46 116 ]}) :location 42} \
            :resulttype 23}) :location 40}";
        assert_eq!(per_row_function_ids(per_row), [2077]);
        // tenant_id = (SELECT current_setting('app.t')::int)
        let once = "{OPEXPR :opno 96 :args ({VAR :varno 1} {SUBLINK :subLinkType 4 \
            :subselect {QUERY :targetList ({TARGETENTRY :expr {COERCEVIAIO :arg {FUNCEXPR \
            :funcid 2077 :args ({CONST :consttype 25})}}})} :location 53}) :location 51}";
        assert!(per_row_function_ids(once).is_empty());
    }

    #[test]
    fn escaped_braces_in_names_do_not_confuse_it() {
        let tree = "{FUNCEXPR :funcid 42 :args ({CONST :resname a\\{b})} {FUNCEXPR :funcid 43}";
        assert_eq!(per_row_function_ids(tree), [42, 43]);
    }
}
