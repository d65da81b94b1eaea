//! Folding a boolean expression tree to the SQL truth values it may take, without
//! evaluating anything.

use super::parse::{parse, same, Node, Value};
use super::Oid;

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

    pub(super) fn union(self, other: Truth) -> Truth {
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
