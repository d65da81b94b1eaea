//! [`Meta`]: a finding's metadata as a rule writes it, and [`meta!`](crate::meta).

/// A finding's metadata as a rule writes it, borrowing what it names ([`meta!`] makes an
/// object): made into jsonb without a tree of owned keys and values, or into a
/// `serde_json::Value`.
#[derive(Clone, Debug)]
pub enum Meta<'a> {
    Null,
    Bool(bool),
    Int(i64),
    /// A NaN or an infinity is null, as in `serde_json`.
    Float(f64),
    Str(&'a str),
    Strs(&'a [String]),
    /// The same, borrowed names.
    StrRefs(&'a [&'a str]),
    /// Keys and values in any order (of equal keys the last counts).
    Object(&'a [(&'a str, Meta<'a>)]),
    Value(&'a serde_json::Value),
}

impl<'a> Meta<'a> {
    pub fn is_container(&self) -> bool {
        match self {
            Meta::Strs(_) | Meta::StrRefs(_) | Meta::Object(_) => true,
            Meta::Value(v) => v.is_array() || v.is_object(),
            _ => false,
        }
    }

    /// An object's value of `key` (the last, of equal keys).
    pub fn get(&self, key: &str) -> Option<&Meta<'a>> {
        match self {
            Meta::Object(pairs) => pairs.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Meta::Null => Value::Null,
            Meta::Bool(b) => Value::Bool(*b),
            Meta::Int(i) => Value::from(*i),
            Meta::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Meta::Str(s) => Value::from(*s),
            Meta::Strs(items) => {
                Value::Array(items.iter().map(|s| Value::from(s.as_str())).collect())
            }
            Meta::StrRefs(items) => Value::Array(items.iter().map(|&s| Value::from(s)).collect()),
            Meta::Object(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect(),
            ),
            Meta::Value(v) => (*v).clone(),
        }
    }
}

/// `meta!({"key": value, ...})`: a [`Meta::Object`] of values converted with `Meta::from`.
#[macro_export]
macro_rules! meta {
    ({ $($key:literal : $value:expr),* $(,)? }) => {
        $crate::finding::Meta::Object(&[$(($key, $crate::finding::Meta::from($value))),*])
    };
}

impl<'a> From<&'a str> for Meta<'a> {
    fn from(s: &'a str) -> Meta<'a> {
        Meta::Str(s)
    }
}
impl<'a> From<&'a std::borrow::Cow<'_, str>> for Meta<'a> {
    fn from(s: &'a std::borrow::Cow<'_, str>) -> Meta<'a> {
        Meta::Str(s)
    }
}
impl<'a> From<&'a String> for Meta<'a> {
    fn from(s: &'a String) -> Meta<'a> {
        Meta::Str(s)
    }
}
impl<'a> From<&'a [String]> for Meta<'a> {
    fn from(items: &'a [String]) -> Meta<'a> {
        Meta::Strs(items)
    }
}
impl<'a> From<&'a Vec<String>> for Meta<'a> {
    fn from(items: &'a Vec<String>) -> Meta<'a> {
        Meta::Strs(items)
    }
}
impl<'a> From<&'a Vec<&'a str>> for Meta<'a> {
    fn from(items: &'a Vec<&'a str>) -> Meta<'a> {
        Meta::StrRefs(items)
    }
}
impl<'a> From<&'a serde_json::Value> for Meta<'a> {
    fn from(v: &'a serde_json::Value) -> Meta<'a> {
        Meta::Value(v)
    }
}
impl From<bool> for Meta<'_> {
    fn from(b: bool) -> Self {
        Meta::Bool(b)
    }
}
impl From<f64> for Meta<'_> {
    fn from(f: f64) -> Self {
        Meta::Float(f)
    }
}
macro_rules! meta_ints {
    ($($t:ty),*) => {$(
        impl From<$t> for Meta<'_> {
            fn from(i: $t) -> Self {
                Meta::Int(i64::from(i))
            }
        }
    )*};
}
meta_ints!(i16, i32, i64, u16, u32);
impl<'a, T: Into<Meta<'a>>> From<Option<T>> for Meta<'a> {
    fn from(v: Option<T>) -> Meta<'a> {
        v.map_or(Meta::Null, Into::into)
    }
}
impl<'a> From<&'a Option<String>> for Meta<'a> {
    fn from(v: &'a Option<String>) -> Meta<'a> {
        v.as_deref().map_or(Meta::Null, Meta::Str)
    }
}
