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

// --- A generic reader of the text ------------------------------------------------------

/// A value in a node tree: a bare token (a number, `true`, a name, `<>` for NULL), a node,
/// or a list.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Atom(String),
    Node(Node),
    List(Vec<Value>),
}

/// `{NAME :field value ...}`. A field's value is every item up to the next `:field`: usually
/// one, several for a constant's Datum (`:constvalue 4 [ 1 0 0 0 0 0 0 0 ]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub name: String,
    pub fields: Vec<(String, Vec<Value>)>,
}

impl Node {
    pub fn field(&self, name: &str) -> Option<&[Value]> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The field's single bare token: `:opno 96` -> `96`.
    pub fn atom(&self, name: &str) -> Option<&str> {
        match self.field(name)? {
            [Value::Atom(a)] => Some(a),
            _ => None,
        }
    }

    pub fn oid(&self, name: &str) -> Option<Oid> {
        self.atom(name)?.parse().ok()
    }

    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.atom(name)? {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The field's single value, whatever it is (`:arg {VAR ...}`).
    pub fn value(&self, name: &str) -> Option<&Value> {
        match self.field(name)? {
            [v] => Some(v),
            _ => None,
        }
    }

    /// The field's list (`:args ({...} {...})`); `<>` (an empty list) is empty.
    pub fn list(&self, name: &str) -> Option<&[Value]> {
        match self.field(name)? {
            [Value::List(l)] => Some(l),
            [Value::Atom(a)] if a == "<>" => Some(&[]),
            _ => None,
        }
    }
}

/// Trees nested deeper are not read (a bound on the recursion, far above real policies).
const MAX_DEPTH: usize = 200;

fn is_delimiter(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r' | b'(' | b')' | b'{' | b'}')
}

/// The tokens of `pg_strtok()`: `(`, `)`, `{`, `}` alone, anything else up to whitespace or
/// one of those (a backslash escapes the next character and stays in the token).
fn tokenize(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\n' | b'\t' | b'\r' => i += 1,
            b'(' | b')' | b'{' | b'}' => {
                out.push(&text[i..i + 1]);
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len() && !is_delimiter(b[i]) {
                    // escapes precede ASCII; a token always ends on an ASCII delimiter
                    i += if b[i] == b'\\' && i + 1 < b.len() {
                        2
                    } else {
                        1
                    };
                }
                out.push(&text[start..i.min(b.len())]);
            }
        }
    }
    out
}

struct Parser<'a> {
    tokens: Vec<&'a str>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn next(&mut self) -> Option<&'a str> {
        let t = self.tokens.get(self.pos).copied();
        self.pos += 1;
        t
    }

    fn peek(&self) -> Option<&'a str> {
        self.tokens.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.next()? {
            "{" => self.node(depth).map(Value::Node),
            "(" => self.list(depth).map(Value::List),
            ")" | "}" => None,
            word => Some(Value::Atom(word.to_string())),
        }
    }

    fn node(&mut self, depth: usize) -> Option<Node> {
        let name = match self.next()? {
            "{" | "}" | "(" | ")" => return None,
            word => word.to_string(),
        };
        let mut fields: Vec<(String, Vec<Value>)> = Vec::new();
        loop {
            match self.peek()? {
                "}" => {
                    self.pos += 1;
                    return Some(Node { name, fields });
                }
                word if word.starts_with(':') => {
                    self.pos += 1;
                    fields.push((word[1..].to_string(), Vec::new()));
                }
                _ => {
                    let v = self.value(depth + 1)?;
                    match fields.last_mut() {
                        Some((_, values)) => values.push(v),
                        None => fields.push((String::new(), vec![v])),
                    }
                }
            }
        }
    }

    fn list(&mut self, depth: usize) -> Option<Vec<Value>> {
        let mut items = Vec::new();
        loop {
            if self.peek()? == ")" {
                self.pos += 1;
                return Some(items);
            }
            items.push(self.value(depth + 1)?);
        }
    }
}

/// Parse `pg_node_tree` text; `None` when it is not well formed (or nested too deeply).
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser {
        tokens: tokenize(text),
        pos: 0,
    };
    let v = p.value(0)?;
    (p.pos == p.tokens.len()).then_some(v)
}

/// Structurally equal, ignoring `:location` (where the text was in the statement).
pub fn same<'a>(a: &'a Value, b: &'a Value) -> bool {
    match (a, b) {
        (Value::Atom(x), Value::Atom(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Node(x), Value::Node(y)) => {
            let fields = |n: &'a Node| -> Vec<&'a (String, Vec<Value>)> {
                n.fields.iter().filter(|(f, _)| f != "location").collect()
            };
            let (fx, fy) = (fields(x), fields(y));
            x.name == y.name
                && fx.len() == fy.len()
                && fx.iter().zip(&fy).all(|((n1, v1), (n2, v2))| {
                    n1 == n2 && v1.len() == v2.len() && v1.iter().zip(v2).all(|(a, b)| same(a, b))
                })
        }
        _ => false,
    }
}

// --- Folding a boolean expression ------------------------------------------------------

/// What an expression may evaluate to, as a set of SQL truth values. A policy lets a row
/// through only when its expression is TRUE (NULL rejects, in USING and WITH CHECK alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Truth(u8);

impl Truth {
    pub const TRUE: Truth = Truth(1);
    pub const FALSE: Truth = Truth(2);
    pub const NULL: Truth = Truth(4);
    /// Any of the three: what every expression the folder does not understand folds to.
    pub const UNKNOWN: Truth = Truth(7);

    fn union(self, other: Truth) -> Truth {
        Truth(self.0 | other.0)
    }

    fn values(self) -> impl Iterator<Item = Truth> {
        [Truth::TRUE, Truth::FALSE, Truth::NULL]
            .into_iter()
            .filter(move |v| self.0 & v.0 != 0)
    }

    /// Apply a three-valued operator to every pair of possible values.
    fn combine(self, other: Truth, op: fn(Truth, Truth) -> Truth) -> Truth {
        let mut out = Truth(0);
        for a in self.values() {
            for b in other.values() {
                out = out.union(op(a, b));
            }
        }
        out
    }

    fn map(self, op: fn(Truth) -> Truth) -> Truth {
        self.values().fold(Truth(0), |acc, v| acc.union(op(v)))
    }
}

fn and3(a: Truth, b: Truth) -> Truth {
    if a == Truth::FALSE || b == Truth::FALSE {
        Truth::FALSE
    } else if a == Truth::NULL || b == Truth::NULL {
        Truth::NULL
    } else {
        Truth::TRUE
    }
}

fn or3(a: Truth, b: Truth) -> Truth {
    if a == Truth::TRUE || b == Truth::TRUE {
        Truth::TRUE
    } else if a == Truth::NULL || b == Truth::NULL {
        Truth::NULL
    } else {
        Truth::FALSE
    }
}

fn not3(a: Truth) -> Truth {
    match a {
        Truth::TRUE => Truth::FALSE,
        Truth::FALSE => Truth::TRUE,
        other => other,
    }
}

const BOOL: Oid = 16;
const INT8: Oid = 20;
const INT2: Oid = 21;
const INT4: Oid = 23;
const TEXT: Oid = 25;

#[derive(Clone, Copy)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// The built-in comparison operators folded on two constants: (`pg_operator.oid`, its
/// `oprcode` function, operand type, comparison). OIDs assigned at initdb from
/// `pg_operator.dat` / `pg_proc.dat`, the same in every release since long before 13.
/// Every one is strict (NULL in, NULL out).
const OPERATORS: &[(Oid, Oid, Oid, Cmp)] = &[
    (94, 63, INT2, Cmp::Eq),   // int2eq
    (519, 145, INT2, Cmp::Ne), // int2ne
    (95, 64, INT2, Cmp::Lt),   // int2lt
    (522, 148, INT2, Cmp::Le), // int2le
    (520, 146, INT2, Cmp::Gt), // int2gt
    (524, 151, INT2, Cmp::Ge), // int2ge
    (96, 65, INT4, Cmp::Eq),   // int4eq
    (518, 144, INT4, Cmp::Ne), // int4ne
    (97, 66, INT4, Cmp::Lt),   // int4lt
    (523, 149, INT4, Cmp::Le), // int4le
    (521, 147, INT4, Cmp::Gt), // int4gt
    (525, 150, INT4, Cmp::Ge), // int4ge
    (410, 467, INT8, Cmp::Eq), // int8eq
    (411, 468, INT8, Cmp::Ne), // int8ne
    (412, 469, INT8, Cmp::Lt), // int8lt
    (414, 471, INT8, Cmp::Le), // int8le
    (413, 470, INT8, Cmp::Gt), // int8gt
    (415, 472, INT8, Cmp::Ge), // int8ge
    (98, 67, TEXT, Cmp::Eq),   // texteq
    (531, 157, TEXT, Cmp::Ne), // textne
    (91, 60, BOOL, Cmp::Eq),   // booleq
    (85, 84, BOOL, Cmp::Ne),   // boolne
];

/// Collations under which different bytes are different strings: the database default
/// (always deterministic), `C` and `POSIX`.
fn deterministic_collation(collation: Option<Oid>) -> bool {
    matches!(collation, Some(100 | 950 | 951))
}

/// The bytes of a constant's `:constvalue` (`4 [ 1 0 0 0 0 0 0 0 ]`: a by-value Datum's
/// bytes in memory order, or a by-reference value's bytes, printed as C `char`s, so
/// possibly negative). `None` for NULL (`<>`) or anything malformed.
fn const_bytes(n: &Node) -> Option<Vec<u8>> {
    let vals = n.field("constvalue")?;
    match (vals.get(1), vals.last()) {
        (Some(Value::Atom(open)), Some(Value::Atom(close))) if open == "[" && close == "]" => {}
        _ => return None,
    }
    vals[2..vals.len() - 1]
        .iter()
        .map(|v| match v {
            Value::Atom(a) => a
                .parse::<i16>()
                .ok()
                .filter(|b| (-128..=255).contains(b))
                .map(|b| b as u8),
            _ => None,
        })
        .collect()
}

/// A by-value Datum as the machine word it is (the extension runs in the server, so the
/// byte order is ours; a 4-byte Datum on 32-bit builds).
fn datum_word(bytes: &[u8]) -> Option<u64> {
    match bytes.len() {
        8 => Some(u64::from_ne_bytes(bytes.try_into().ok()?)),
        4 => Some(u32::from_ne_bytes(bytes.try_into().ok()?) as u64),
        _ => None,
    }
}

/// A non-NULL constant of type `ty`, checked against its declared length.
fn typed_const(v: &Value, ty: Oid) -> Option<&Node> {
    let Value::Node(n) = v else { return None };
    let len = match ty {
        BOOL => "1",
        INT2 => "2",
        INT4 => "4",
        INT8 => "8",
        _ => "-1",
    };
    (n.name == "CONST" && n.oid("consttype") == Some(ty) && n.atom("constlen") == Some(len))
        .then_some(n)
}

fn int_value(n: &Node, ty: Oid) -> Option<i64> {
    let word = datum_word(&const_bytes(n)?)?;
    Some(match ty {
        INT2 => word as i16 as i64,
        INT4 => word as i32 as i64,
        _ => word as i64,
    })
}

fn bool_value(n: &Node) -> Option<bool> {
    Some(datum_word(&const_bytes(n)?)? != 0)
}

/// The characters of a text constant: a varlena with a 4-byte (or 1-byte) header, not
/// compressed or toasted (constants from the parser never are).
fn text_value(n: &Node) -> Option<Vec<u8>> {
    let bytes = const_bytes(n)?;
    let first = *bytes.first()?;
    let (header, total) = if cfg!(target_endian = "little") {
        if first == 0x01 {
            return None; // a TOAST pointer
        } else if first & 0x01 == 0x01 {
            (1, (first >> 1) as usize)
        } else if first & 0x03 == 0 {
            let h = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?);
            (4, (h >> 2) as usize)
        } else {
            return None; // compressed
        }
    } else if first == 0x80 {
        return None;
    } else if first & 0x80 == 0x80 {
        (1, (first & 0x7f) as usize)
    } else if first & 0xc0 == 0 {
        let h = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
        (4, (h & 0x3fff_ffff) as usize)
    } else {
        return None;
    };
    (total == bytes.len() && total >= header).then(|| bytes[header..].to_vec())
}

/// A whitelisted comparison of two constants of its own operand type.
fn fold_comparison(n: &Node) -> Truth {
    let (Some(opno), Some(func)) = (n.oid("opno"), n.oid("opfuncid")) else {
        return Truth::UNKNOWN;
    };
    let Some(&(_, _, ty, cmp)) = OPERATORS.iter().find(|o| o.0 == opno && o.1 == func) else {
        return Truth::UNKNOWN;
    };
    let Some([a, b]) = n.list("args") else {
        return Truth::UNKNOWN;
    };
    let (Some(a), Some(b)) = (typed_const(a, ty), typed_const(b, ty)) else {
        return Truth::UNKNOWN;
    };
    match (a.flag("constisnull"), b.flag("constisnull")) {
        (Some(false), Some(false)) => {}
        (Some(_), Some(_)) => return Truth::NULL,
        _ => return Truth::UNKNOWN,
    }
    use std::cmp::Ordering;
    let order: Option<Ordering> = match ty {
        INT2 | INT4 | INT8 => int_value(a, ty)
            .zip(int_value(b, ty))
            .map(|(x, y)| x.cmp(&y)),
        BOOL => bool_value(a).zip(bool_value(b)).map(|(x, y)| x.cmp(&y)),
        // texteq / textne only: equal bytes are equal under any collation; different bytes
        // are unequal only under a deterministic one (any non-Equal order stands for that)
        _ => match (text_value(a), text_value(b)) {
            (Some(x), Some(y)) if x == y => Some(Ordering::Equal),
            (Some(_), Some(_)) if deterministic_collation(n.oid("inputcollid")) => {
                Some(Ordering::Less)
            }
            _ => None,
        },
    };
    let Some(order) = order else {
        return Truth::UNKNOWN;
    };
    let holds = match cmp {
        Cmp::Eq => order == Ordering::Equal,
        Cmp::Ne => order != Ordering::Equal,
        Cmp::Lt => order == Ordering::Less,
        Cmp::Le => order != Ordering::Greater,
        Cmp::Gt => order == Ordering::Greater,
        Cmp::Ge => order != Ordering::Less,
    };
    if holds {
        Truth::TRUE
    } else {
        Truth::FALSE
    }
}

fn fold_bool_const(n: &Node) -> Truth {
    if n.oid("consttype") != Some(BOOL) {
        return Truth::UNKNOWN;
    }
    match n.flag("constisnull") {
        Some(true) => Truth::NULL,
        Some(false) => match bool_value(n) {
            Some(true) => Truth::TRUE,
            Some(false) => Truth::FALSE,
            None => Truth::UNKNOWN,
        },
        None => Truth::UNKNOWN,
    }
}

/// `x IS [NOT] NULL`: never NULL itself; known when `x` is a constant.
fn fold_null_test(n: &Node) -> Truth {
    let is_null_test = match n.atom("nulltesttype") {
        Some("0") => true,
        Some("1") => false,
        _ => return Truth::UNKNOWN,
    };
    let scalar_const = match n.value("arg") {
        Some(Value::Node(arg)) if arg.name == "CONST" && n.flag("argisrow") == Some(false) => {
            arg.flag("constisnull")
        }
        _ => None,
    };
    match scalar_const {
        Some(is_null) if is_null == is_null_test => Truth::TRUE,
        Some(_) => Truth::FALSE,
        None => Truth::TRUE.union(Truth::FALSE),
    }
}

/// `x IS [NOT] TRUE / FALSE / UNKNOWN`: never NULL; follows from what `x` may be.
fn fold_boolean_test(n: &Node) -> Truth {
    let Some(test) = n.atom("booltesttype").and_then(|t| t.parse::<u8>().ok()) else {
        return Truth::UNKNOWN;
    };
    let arg = n.value("arg").map_or(Truth::UNKNOWN, fold_value);
    let tested = match test / 2 {
        0 => Truth::TRUE,
        1 => Truth::FALSE,
        2 => Truth::NULL,
        _ => return Truth::UNKNOWN,
    };
    let negated = test % 2 == 1;
    arg.values().fold(Truth(0), |acc, v| {
        acc.union(if (v == tested) != negated {
            Truth::TRUE
        } else {
            Truth::FALSE
        })
    })
}

/// `coalesce(a, b, ...)` of booleans: the first argument that is not NULL.
fn fold_coalesce(n: &Node) -> Truth {
    let (Some(BOOL), Some(args)) = (n.oid("coalescetype"), n.list("args")) else {
        return Truth::UNKNOWN;
    };
    let mut out = Truth(0);
    let mut all_before_may_be_null = true;
    for arg in args {
        let t = fold_value(arg);
        if all_before_may_be_null {
            out = out.union(Truth(t.0 & !Truth::NULL.0));
        }
        all_before_may_be_null &= t.0 & Truth::NULL.0 != 0;
    }
    if all_before_may_be_null {
        out = out.union(Truth::NULL);
    }
    out
}

/// Disjuncts of nested ORs, flattened.
fn disjuncts<'v>(args: &'v [Value], out: &mut Vec<&'v Value>) {
    for arg in args {
        match arg {
            Value::Node(n) if n.name == "BOOLEXPR" && n.atom("boolop") == Some("or") => {
                disjuncts(n.list("args").unwrap_or(&[]), out)
            }
            other => out.push(other),
        }
    }
}

/// A column or constant (possibly relabelled): the same value wherever it appears in one
/// evaluation. Anything that calls a function might not be (a volatile function can
/// return NULL once and a value the next time).
fn plain_operand(v: &Value) -> bool {
    match v {
        Value::Node(n) => match n.name.as_str() {
            "VAR" | "CONST" => true,
            "RELABELTYPE" => n.value("arg").is_some_and(plain_operand),
            _ => false,
        },
        _ => false,
    }
}

/// A test that is never NULL, of a plain operand, under any number of NOTs: (the operand,
/// the test family, whether it holds when the family's condition does).
fn never_null_test(v: &Value) -> Option<(&Value, u8, bool)> {
    let Value::Node(n) = v else { return None };
    let (arg, family, positive) = match n.name.as_str() {
        "BOOLEXPR" if n.atom("boolop") == Some("not") => {
            let [inner] = n.list("args")? else {
                return None;
            };
            let (arg, family, positive) = never_null_test(inner)?;
            return Some((arg, family, !positive));
        }
        // a row's IS NULL and IS NOT NULL are both false when only some fields are NULL
        "NULLTEST" if n.flag("argisrow") == Some(false) => match n.atom("nulltesttype")? {
            "0" => (n.value("arg")?, 0, true),
            "1" => (n.value("arg")?, 0, false),
            _ => return None,
        },
        "BOOLEANTEST" => {
            let test: u8 = n.atom("booltesttype")?.parse().ok()?;
            if test > 5 {
                return None;
            }
            (n.value("arg")?, 1 + test / 2, test.is_multiple_of(2))
        }
        _ => return None,
    };
    plain_operand(arg).then_some((arg, family, positive))
}

/// Two disjuncts that are each other's negation (`x IS NULL OR x IS NOT NULL`): the OR is
/// TRUE whatever `x` is.
fn has_complementary_pair(disjuncts: &[&Value]) -> bool {
    let tests: Vec<_> = disjuncts
        .iter()
        .filter_map(|d| never_null_test(d))
        .collect();
    tests.iter().enumerate().any(|(i, (a, fa, pa))| {
        tests[i + 1..]
            .iter()
            .any(|(b, fb, pb)| fa == fb && pa != pb && same(a, b))
    })
}

fn fold_value(v: &Value) -> Truth {
    let Value::Node(n) = v else {
        return Truth::UNKNOWN;
    };
    match n.name.as_str() {
        "CONST" => fold_bool_const(n),
        "BOOLEXPR" => {
            let Some(args) = n.list("args") else {
                return Truth::UNKNOWN;
            };
            match n.atom("boolop") {
                Some("and") => args
                    .iter()
                    .fold(Truth::TRUE, |acc, a| acc.combine(fold_value(a), and3)),
                Some("or") => {
                    let mut flat = Vec::new();
                    disjuncts(args, &mut flat);
                    if has_complementary_pair(&flat) {
                        return Truth::TRUE;
                    }
                    flat.iter()
                        .fold(Truth::FALSE, |acc, a| acc.combine(fold_value(a), or3))
                }
                Some("not") if args.len() == 1 => fold_value(&args[0]).map(not3),
                _ => Truth::UNKNOWN,
            }
        }
        "NULLTEST" => fold_null_test(n),
        "BOOLEANTEST" => fold_boolean_test(n),
        "OPEXPR" => fold_comparison(n),
        // CoalesceExpr is labelled COALESCE up to PostgreSQL 15, COALESCEEXPR from 16
        "COALESCE" | "COALESCEEXPR" => fold_coalesce(n),
        _ => Truth::UNKNOWN,
    }
}

/// What the boolean expression in `tree` may evaluate to, found by folding constants,
/// AND/OR/NOT, `IS [NOT] NULL` / `IS [NOT] TRUE...` tests, `coalesce` and a whitelist of
/// built-in integer, text and boolean comparisons of two constants. Nothing is executed:
/// every other node (a function or operator call, a column, a sub-select) may be anything.
pub fn fold(tree: &str) -> Truth {
    parse(tree).map_or(Truth::UNKNOWN, |v| fold_value(&v))
}

/// Is the expression TRUE for every row (a tautology such as `true`, `1 = 1`,
/// `id IS NULL OR id IS NOT NULL`)? `x = x` is not: it is NULL where `x` is NULL.
pub fn always_true(tree: &str) -> bool {
    fold(tree) == Truth::TRUE
}

/// The node tree of the constant `true` or `false`, as PostgreSQL stores it (for
/// hand-built snapshots).
pub fn bool_const_tree(value: bool) -> String {
    format!(
        "{{CONST :consttype 16 :consttypmod -1 :constcollid 0 :constlen 1 :constbyval true \
         :constisnull false :location -1 :constvalue 1 [ {} 0 0 0 0 0 0 0 ]}}",
        u8::from(value)
    )
}

/// Node trees of policy expressions as PostgreSQL 15 stores them in `pg_policy`
/// (`polqual::text`), on a table `(id int, owner_id int, flag boolean)`.
#[cfg(test)]
pub mod fixtures {
    const VAR_ID: &str = "{VAR :varno 1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 \
                          :varlevelsup 0 :varnosyn 1 :varattnosyn 1 :location 40}";

    /// `USING (true)`
    pub const TRUE: &str = "{CONST :consttype 16 :consttypmod -1 :constcollid 0 :constlen 1 \
        :constbyval true :constisnull false :location 37 :constvalue 1 [ 1 0 0 0 0 0 0 0 ]}";

    /// `WITH CHECK (1=1)`
    pub const ONE_EQ_ONE: &str = "{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset \
        false :opcollid 0 :inputcollid 0 :args ({CONST :consttype 23 :consttypmod -1 \
        :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 49 \
        :constvalue 4 [ 1 0 0 0 0 0 0 0 ]} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
        :constlen 4 :constbyval true :constisnull false :location 51 :constvalue 4 \
        [ 1 0 0 0 0 0 0 0 ]}) :location 50}";

    /// `USING ('a' = 'a')`
    pub const TEXT_EQ: &str = "{OPEXPR :opno 98 :opfuncid 67 :opresulttype 16 :opretset \
        false :opcollid 0 :inputcollid 100 :args ({CONST :consttype 25 :consttypmod -1 \
        :constcollid 100 :constlen -1 :constbyval false :constisnull false :location 38 \
        :constvalue 5 [ 20 0 0 0 97 ]} {CONST :consttype 25 :consttypmod -1 :constcollid 100 \
        :constlen -1 :constbyval false :constisnull false :location 44 :constvalue 5 \
        [ 20 0 0 0 97 ]}) :location 42}";

    /// `USING (2 > 1)`
    pub const TWO_GT_ONE: &str = "{OPEXPR :opno 521 :opfuncid 147 :opresulttype 16 :opretset \
        false :opcollid 0 :inputcollid 0 :args ({CONST :consttype 23 :consttypmod -1 \
        :constcollid 0 :constlen 4 :constbyval true :constisnull false :location 38 \
        :constvalue 4 [ 2 0 0 0 0 0 0 0 ]} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
        :constlen 4 :constbyval true :constisnull false :location 42 :constvalue 4 \
        [ 1 0 0 0 0 0 0 0 ]}) :location 40}";

    /// `USING (id IS NOT NULL OR id IS NULL)`
    pub const NULL_OR_NOT_NULL: &str = "{BOOLEXPR :boolop or :args ({NULLTEST :arg {VAR :varno \
        1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 \
        :varattnosyn 1 :location 38} :nulltesttype 1 :argisrow false :location 41} {NULLTEST \
        :arg {VAR :varno 1 :varattno 1 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 \
        :varnosyn 1 :varattnosyn 1 :location 56} :nulltesttype 0 :argisrow false :location \
        59}) :location 53}";

    /// `USING (true OR owner_id = 5)`
    pub const TRUE_OR_OWNER: &str = "{BOOLEXPR :boolop or :args ({CONST :consttype 16 \
        :consttypmod -1 :constcollid 0 :constlen 1 :constbyval true :constisnull false \
        :location 38 :constvalue 1 [ 1 0 0 0 0 0 0 0 ]} {OPEXPR :opno 96 :opfuncid 65 \
        :opresulttype 16 :opretset false :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 \
        :varattno 2 :vartype 23 :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 \
        :varattnosyn 2 :location 46} {CONST :consttype 23 :consttypmod -1 :constcollid 0 \
        :constlen 4 :constbyval true :constisnull false :location 57 :constvalue 4 \
        [ 5 0 0 0 0 0 0 0 ]}) :location 55}) :location 43}";

    /// `USING (NOT false)`
    pub const NOT_FALSE: &str = "{BOOLEXPR :boolop not :args ({CONST :consttype 16 \
        :consttypmod -1 :constcollid 0 :constlen 1 :constbyval true :constisnull false \
        :location 42 :constvalue 1 [ 0 0 0 0 0 0 0 0 ]}) :location 38}";

    /// `USING (owner_id = 5)`
    pub const OWNER_IS_5: &str = "{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset \
        false :opcollid 0 :inputcollid 0 :args ({VAR :varno 1 :varattno 2 :vartype 23 \
        :vartypmod -1 :varcollid 0 :varlevelsup 0 :varnosyn 1 :varattnosyn 2 :location 38} \
        {CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true \
        :constisnull false :location 49 :constvalue 4 [ 5 0 0 0 0 0 0 0 ]}) :location 47}";

    /// `USING (id = id)`: NULL where id is NULL, so not a tautology
    pub fn id_eq_id() -> String {
        format!(
            "{{OPEXPR :opno 96 :opfuncid 65 :opresulttype 16 :opretset false :opcollid 0 \
             :inputcollid 0 :args ({VAR_ID} {}) :location 43}}",
            VAR_ID.replace(":location 40", ":location 45")
        )
    }
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

    // --- folding -----------------------------------------------------------------------

    use super::fixtures as fx;

    /// `{CONST}` of type int4 holding `v` (little-endian, as printed on x86-64 / arm64).
    fn int4(v: i32) -> String {
        let bytes: Vec<String> = (v as i64)
            .to_le_bytes()
            .iter()
            .map(|&b| (b as i8).to_string())
            .collect();
        format!(
            "{{CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 :constbyval true \
             :constisnull false :location 7 :constvalue 4 [ {} ]}}",
            bytes.join(" ")
        )
    }

    const NULL_INT4: &str = "{CONST :consttype 23 :consttypmod -1 :constcollid 0 :constlen 4 \
        :constbyval true :constisnull true :location 7 :constvalue <>}";
    const NULL_BOOL: &str = "{CONST :consttype 16 :consttypmod -1 :constcollid 0 :constlen 1 \
        :constbyval true :constisnull true :location 7 :constvalue <>}";
    const OWNER: &str = "{VAR :varno 1 :varattno 2 :vartype 23 :vartypmod -1 :varcollid 0 \
        :varlevelsup 0 :varnosyn 1 :varattnosyn 2 :location 3}";
    const FLAG: &str = "{VAR :varno 1 :varattno 3 :vartype 16 :vartypmod -1 :varcollid 0 \
        :varlevelsup 0 :varnosyn 1 :varattnosyn 3 :location 3}";

    fn op(opno: u32, func: u32, a: &str, b: &str) -> String {
        format!(
            "{{OPEXPR :opno {opno} :opfuncid {func} :opresulttype 16 :opretset false :opcollid 0 \
             :inputcollid 0 :args ({a} {b}) :location 5}}"
        )
    }

    fn boolexpr(op: &str, args: &[&str]) -> String {
        format!(
            "{{BOOLEXPR :boolop {op} :args ({}) :location 1}}",
            args.join(" ")
        )
    }

    fn nulltest(arg: &str, kind: u8, row: bool) -> String {
        format!("{{NULLTEST :arg {arg} :nulltesttype {kind} :argisrow {row} :location 9}}")
    }

    fn text(s: &str, collation: u32) -> String {
        let mut bytes = ((s.len() as u32 + 4) << 2).to_le_bytes().to_vec();
        bytes.extend(s.bytes());
        let printed: Vec<String> = bytes.iter().map(|&b| (b as i8).to_string()).collect();
        format!(
            "{{CONST :consttype 25 :consttypmod -1 :constcollid {collation} :constlen -1 \
             :constbyval false :constisnull false :location 3 :constvalue {} [ {} ]}}",
            bytes.len(),
            printed.join(" ")
        )
    }

    fn text_op(opno: u32, func: u32, a: &str, b: &str, collation: u32) -> String {
        format!(
            "{{OPEXPR :opno {opno} :opfuncid {func} :opresulttype 16 :opretset false :opcollid 0 \
             :inputcollid {collation} :args ({} {}) :location 5}}",
            text(a, collation),
            text(b, collation)
        )
    }

    #[test]
    fn parses_the_generic_shape() {
        let Some(Value::Node(n)) = parse(fx::ONE_EQ_ONE) else {
            panic!("not a node")
        };
        assert_eq!(n.name, "OPEXPR");
        assert_eq!(n.oid("opno"), Some(96));
        assert_eq!(n.flag("opretset"), Some(false));
        let args = n.list("args").unwrap();
        assert_eq!(args.len(), 2);
        let Value::Node(c) = &args[0] else { panic!() };
        assert_eq!(c.field("constvalue").unwrap().len(), 11, "4 [ 8 bytes ]");
        // NIL lists, escaped tokens and strings
        let Some(Value::Node(n)) = parse("{FOO :a <> :b a\\(b\\ c :c (i 1 2) :d \"x\"}") else {
            panic!()
        };
        assert_eq!(n.list("a"), Some(&[][..]));
        assert_eq!(n.atom("b"), Some("a\\(b\\ c"));
        assert_eq!(n.list("c").unwrap().len(), 3);
        assert_eq!(n.atom("d"), Some("\"x\""));
    }

    #[test]
    fn malformed_or_hostile_text_is_unknown_never_a_panic() {
        for bad in [
            "",
            "{",
            "}",
            "{OPEXPR :args ({CONST}",
            "{CONST} trailing",
            "((((",
            "{CONST :consttype 16 :constisnull false :constvalue 1 [ 1 0 0 ]}",
            "{CONST :consttype 16 :constisnull false :constvalue 1 [ 999 0 0 0 0 0 0 0 ]}",
            "{CONST :consttype 16 :constisnull false :constvalue 1 [ 1 0 0 0 0 0 0 0 }",
            "{BOOLEXPR :boolop not :args <>}",
            "{BOOLEXPR :boolop xor :args ({CONST})}",
            "\\",
            "{é\\é :x é}",
        ] {
            assert_eq!(fold(bad), Truth::UNKNOWN, "{bad}");
        }
        // nested far deeper than any policy: not read (and no stack overflow)
        let deep = format!(
            "{}{}{}",
            "{BOOLEXPR :boolop not :args (".repeat(5000),
            fx::TRUE,
            ")}".repeat(5000)
        );
        assert_eq!(fold(&deep), Truth::UNKNOWN);
        let shallow = format!(
            "{}{}{}",
            "{BOOLEXPR :boolop not :args (".repeat(4),
            fx::TRUE,
            ") :location 1}".repeat(4)
        );
        assert_eq!(fold(&shallow), Truth::TRUE);
    }

    #[test]
    fn tautologies_from_postgres_15_trees() {
        for tree in [
            fx::TRUE,
            fx::ONE_EQ_ONE,
            fx::TEXT_EQ,
            fx::TWO_GT_ONE,
            fx::NULL_OR_NOT_NULL,
            fx::TRUE_OR_OWNER,
            fx::NOT_FALSE,
        ] {
            assert!(always_true(tree), "{tree}");
        }
        assert!(always_true(&bool_const_tree(true)));
        assert!(!always_true(&bool_const_tree(false)));
        assert_eq!(fold(fx::OWNER_IS_5), Truth::UNKNOWN);
        assert_eq!(
            fold(&fx::id_eq_id()),
            Truth::UNKNOWN,
            "NULL where id is NULL"
        );
    }

    #[test]
    fn three_valued_logic() {
        let t = fx::TRUE;
        let f = bool_const_tree(false);
        // AND: true only when every argument is
        assert!(always_true(&boolexpr("and", &[fx::ONE_EQ_ONE, t])));
        assert_eq!(fold(&boolexpr("and", &[t, &f])), Truth::FALSE);
        assert_eq!(fold(&boolexpr("and", &[t, NULL_BOOL])), Truth::NULL);
        assert_eq!(fold(&boolexpr("and", &[t, fx::OWNER_IS_5])), Truth::UNKNOWN);
        assert_eq!(fold(&boolexpr("and", &[&f, fx::OWNER_IS_5])), Truth::FALSE);
        // OR: true as soon as one argument is, also nested
        assert!(always_true(&boolexpr("or", &[fx::OWNER_IS_5, t])));
        assert!(always_true(&boolexpr(
            "or",
            &[fx::OWNER_IS_5, &boolexpr("or", &[&f, fx::TWO_GT_ONE])]
        )));
        assert_eq!(fold(&boolexpr("or", &[&f, NULL_BOOL])), Truth::NULL);
        // NOT NULL is NULL: a policy NOT (NULL = 1) lets nothing through
        let null_eq = op(96, 65, NULL_INT4, &int4(1));
        assert_eq!(fold(&null_eq), Truth::NULL);
        assert_eq!(fold(&boolexpr("not", &[&null_eq])), Truth::NULL);
        assert_eq!(fold(NULL_BOOL), Truth::NULL);
    }

    #[test]
    fn comparisons_of_constants() {
        // int4: signed, printed as signed chars
        assert!(always_true(&op(97, 66, &int4(-1), &int4(0)))); // -1 < 0
        assert!(always_true(&op(525, 150, &int4(70000), &int4(-70000)))); // >=
        assert_eq!(fold(&op(96, 65, &int4(1), &int4(2))), Truth::FALSE);
        assert!(always_true(&op(518, 144, &int4(1), &int4(2)))); // <>
        assert!(always_true(&op(523, 149, &int4(2), &int4(2)))); // <=
                                                                 // int2 and int8
        let int2 = |v: i16| {
            int4(v as i32)
                .replace(":consttype 23", ":consttype 21")
                .replace(":constlen 4", ":constlen 2")
        };
        let int8 = |v: i64| {
            let bytes: Vec<String> = v
                .to_le_bytes()
                .iter()
                .map(|&b| (b as i8).to_string())
                .collect();
            format!("{{CONST :consttype 20 :consttypmod -1 :constcollid 0 :constlen 8 :constbyval true \
                     :constisnull false :location 7 :constvalue 8 [ {} ]}}", bytes.join(" "))
        };
        assert!(always_true(&op(95, 64, &int2(-300), &int2(300))));
        assert!(always_true(&op(
            413,
            470,
            &int8(5_000_000_000),
            &int8(4_999_999_999)
        )));
        assert_eq!(fold(&op(410, 467, &int8(1 << 40), &int8(1))), Truth::FALSE);
        // bool = bool
        assert!(always_true(&op(91, 60, fx::TRUE, fx::TRUE)));
        assert!(always_true(&op(85, 84, fx::TRUE, &bool_const_tree(false))));
        // text: equal bytes are equal under any collation, different bytes only differ
        // under a deterministic one
        assert!(always_true(&text_op(98, 67, "tenant", "tenant", 100)));
        assert!(always_true(&text_op(98, 67, "ü", "ü", 12345)));
        assert_eq!(fold(&text_op(98, 67, "a", "b", 100)), Truth::FALSE);
        assert!(always_true(&text_op(531, 157, "a", "A", 950)));
        assert_eq!(
            fold(&text_op(531, 157, "a", "A", 12345)),
            Truth::UNKNOWN,
            "case-insensitive?"
        );
        let long = "x".repeat(300);
        assert!(always_true(&text_op(98, 67, &long, &long, 100)));
    }

    #[test]
    fn only_whitelisted_operators_on_matching_constants() {
        // a user-defined operator (any OID not in the list) is never folded
        assert_eq!(fold(&op(16500, 16501, &int4(1), &int4(1))), Truth::UNKNOWN);
        // opno and opfuncid must agree
        assert_eq!(fold(&op(96, 66, &int4(1), &int4(1))), Truth::UNKNOWN);
        // int4 = int4 on something that is not an int4 constant
        assert_eq!(fold(&op(96, 65, OWNER, &int4(1))), Truth::UNKNOWN);
        assert_eq!(fold(&op(96, 65, &int4(1), fx::TRUE)), Truth::UNKNOWN);
        let func = "{FUNCEXPR :funcid 16400 :funcresulttype 23 :funcretset false :funcvariadic \
                    false :funcformat 0 :funccollid 0 :inputcollid 0 :args <> :location 7}";
        assert_eq!(fold(&op(96, 65, func, func)), Truth::UNKNOWN);
        // a sub-select is not looked into
        let sublink = "{SUBLINK :subLinkType 4 :subLinkId 0 :testexpr <> :operName <> :subselect \
                       {QUERY :commandType 1} :location 7}";
        assert_eq!(fold(sublink), Truth::UNKNOWN);
    }

    #[test]
    fn null_tests() {
        let null_or_not = |a: &str, b: &str| boolexpr("or", &[a, b]);
        // the pair over the same column, either order, among other disjuncts
        assert!(always_true(&null_or_not(
            &nulltest(OWNER, 0, false),
            &nulltest(OWNER, 1, false)
        )));
        assert!(always_true(&boolexpr(
            "or",
            &[
                fx::OWNER_IS_5,
                &nulltest(OWNER, 1, false),
                &boolexpr("or", &[&nulltest(OWNER, 0, false)])
            ]
        )));
        // NOT (x IS NULL) is x IS NOT NULL
        assert!(always_true(&null_or_not(
            &boolexpr("not", &[&nulltest(OWNER, 0, false)]),
            &nulltest(OWNER, 0, false)
        )));
        // not the same column
        assert!(!always_true(&null_or_not(
            &nulltest(OWNER, 0, false),
            &nulltest(FLAG, 1, false)
        )));
        // both the same test
        assert!(!always_true(&null_or_not(
            &nulltest(OWNER, 1, false),
            &nulltest(OWNER, 1, false)
        )));
        // rows: (a, b) with only a NULL is neither NULL nor NOT NULL
        assert!(!always_true(&null_or_not(
            &nulltest(OWNER, 0, true),
            &nulltest(OWNER, 1, true)
        )));
        // a function could return NULL once and a value the next time
        let f = "{FUNCEXPR :funcid 1598 :funcresulttype 701 :funcretset false :funcvariadic \
                 false :funcformat 0 :funccollid 0 :inputcollid 0 :args <> :location 7}";
        assert!(!always_true(&null_or_not(
            &nulltest(f, 0, false),
            &nulltest(f, 1, false)
        )));
        // AND of the pair is never true
        assert_eq!(
            fold(&boolexpr(
                "and",
                &[&nulltest(OWNER, 0, false), &nulltest(OWNER, 1, false)]
            )),
            Truth::TRUE.union(Truth::FALSE)
        );
        // on constants
        assert!(always_true(&nulltest(NULL_INT4, 0, false)));
        assert!(always_true(&nulltest(&int4(3), 1, false)));
        assert_eq!(fold(&nulltest(&int4(3), 0, false)), Truth::FALSE);
    }

    #[test]
    fn boolean_tests_and_coalesce() {
        let bt =
            |arg: &str, t: u8| format!("{{BOOLEANTEST :arg {arg} :booltesttype {t} :location 4}}");
        // flag IS TRUE OR flag IS NOT TRUE; flag IS UNKNOWN OR NOT (flag IS UNKNOWN)
        assert!(always_true(&boolexpr("or", &[&bt(FLAG, 0), &bt(FLAG, 1)])));
        assert!(always_true(&boolexpr(
            "or",
            &[&bt(FLAG, 4), &boolexpr("not", &[&bt(FLAG, 4)])]
        )));
        assert!(
            !always_true(&boolexpr("or", &[&bt(FLAG, 0), &bt(FLAG, 2)])),
            "NULL is neither"
        );
        // NULL IS NOT TRUE, (1 = 1) IS TRUE
        assert!(always_true(&bt(NULL_BOOL, 1)));
        assert!(always_true(&bt(fx::ONE_EQ_ONE, 0)));
        assert_eq!(fold(&bt(FLAG, 0)), Truth::TRUE.union(Truth::FALSE));
        let coalesce = |label: &str, args: &[&str]| {
            format!(
                "{{{label} :coalescetype 16 :coalescecollid 0 :args ({}) :location 1}}",
                args.join(" ")
            )
        };
        // coalesce(NULL, true), coalesce(true, flag): true
        assert!(always_true(&coalesce("COALESCE", &[NULL_BOOL, fx::TRUE])));
        assert!(always_true(&coalesce("COALESCEEXPR", &[fx::TRUE, FLAG])));
        // coalesce(flag, true): flag may be false
        assert_eq!(
            fold(&coalesce("COALESCE", &[FLAG, fx::TRUE])),
            Truth::TRUE.union(Truth::FALSE)
        );
        // coalesce(owner_id = 5, NULL): may be NULL
        assert_eq!(
            fold(&coalesce("COALESCE", &[fx::OWNER_IS_5, NULL_BOOL])),
            Truth::UNKNOWN
        );
        assert_eq!(
            fold(&coalesce("COALESCE", &[NULL_BOOL, NULL_BOOL])),
            Truth::NULL
        );
        // not a boolean coalesce
        assert_eq!(
            fold(
                &coalesce("COALESCE", &[fx::TRUE]).replace(":coalescetype 16", ":coalescetype 23")
            ),
            Truth::UNKNOWN
        );
    }
}
