//! A generic reader of `pg_node_tree` text: nodes, lists and bare tokens.

use super::Oid;

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
