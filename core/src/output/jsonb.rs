//! PostgreSQL's `jsonb` binary format (the one `convertToJsonb` writes, unchanged since
//! PostgreSQL 9.4), written from a finding's metadata: no JSON text made and parsed again
//! by `jsonb_in`, no call into the server, so rules' threads may write it. The bytes are
//! those `jsonb_in` makes of serde's text of the same value (the extension's server test
//! compares them): keys sorted by length then bytes, every 32nd entry an offset, numbers
//! and containers aligned to 4 bytes, numbers as `numeric_in` makes them of serde's text
//! (its shortest round-trip form for floats).

use crate::finding::Meta;
use serde_json::Value;

const JB_FSCALAR: u32 = 0x1000_0000;
const JB_FOBJECT: u32 = 0x2000_0000;
const JB_FARRAY: u32 = 0x4000_0000;
const JENTRY_OFFLENMASK: u32 = 0x0FFF_FFFF;
const JENTRY_TYPEMASK: u32 = 0x7000_0000;
const JENTRY_HAS_OFF: u32 = 0x8000_0000;
const JENTRY_ISSTRING: u32 = 0x0000_0000;
const JENTRY_ISNUMERIC: u32 = 0x1000_0000;
const JENTRY_ISBOOL_FALSE: u32 = 0x2000_0000;
const JENTRY_ISBOOL_TRUE: u32 = 0x3000_0000;
const JENTRY_ISNULL: u32 = 0x4000_0000;
const JENTRY_ISCONTAINER: u32 = 0x5000_0000;
const JB_OFFSET_STRIDE: usize = 32;

/// Makes jsonb datums (keeping its buffer from one to the next).
#[derive(Default)]
pub struct Builder {
    buf: Vec<u8>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The bytes of `value`'s jsonb after the varlena header (which must start at a 4-byte
    /// boundary: the format aligns numbers and containers from there).
    pub fn encode(&mut self, value: &Value) -> &[u8] {
        self.encode_meta(&Meta::Value(value))
    }

    /// [`Builder::encode`] of what `meta` stands for (the same bytes as of
    /// [`Meta::to_value`]'s value).
    pub fn encode_meta(&mut self, meta: &Meta) -> &[u8] {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; 4]); // the varlena header, written by the caller
        if meta.is_container() {
            self.value(meta);
        } else {
            // a scalar at the top is stored as a one-element "raw scalar" array
            self.pad();
            self.push_u32(1 | JB_FARRAY | JB_FSCALAR);
            let entry = self.reserve(1);
            let kind = self.value(meta);
            let len = kind & JENTRY_OFFLENMASK;
            self.set_u32(entry, (kind & JENTRY_TYPEMASK) | len | JENTRY_HAS_OFF);
        }
        assert!(
            self.buf.len() <= JENTRY_OFFLENMASK as usize,
            "metadata under 256 MB"
        );
        &self.buf[4..]
    }

    /// Append `meta`'s data; its JEntry (type and length of what was appended).
    fn value(&mut self, meta: &Meta) -> u32 {
        let start = self.buf.len();
        let kind = match meta {
            Meta::Null => JENTRY_ISNULL,
            Meta::Bool(false) => JENTRY_ISBOOL_FALSE,
            Meta::Bool(true) => JENTRY_ISBOOL_TRUE,
            Meta::Str(s) => {
                self.string(s);
                JENTRY_ISSTRING
            }
            Meta::Int(i) => {
                self.pad(); // the padding counts as the number's
                self.int(*i);
                JENTRY_ISNUMERIC
            }
            Meta::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => return self.value(&Meta::Value(&Value::Number(n))),
                None => JENTRY_ISNULL, // as serde_json makes NaN and infinities
            },
            Meta::Strs(items) => self.array(items.iter().map(|s| Meta::Str(s))),
            Meta::StrRefs(items) => self.array(items.iter().map(|&s| Meta::Str(s))),
            Meta::Object(pairs) => self.object(pairs.iter().map(|(k, v)| (*k, v.clone()))),
            Meta::Value(Value::Number(n)) => {
                self.pad(); // the padding counts as the number's
                self.number(n);
                JENTRY_ISNUMERIC
            }
            Meta::Value(Value::Array(items)) => self.array(items.iter().map(Meta::Value)),
            Meta::Value(Value::Object(map)) => {
                self.object(map.iter().map(|(k, v)| (k.as_str(), Meta::Value(v))))
            }
            Meta::Value(Value::Null) => JENTRY_ISNULL,
            Meta::Value(Value::Bool(b)) => return self.value(&Meta::Bool(*b)),
            Meta::Value(Value::String(s)) => return self.value(&Meta::Str(s)),
        };
        let len = (self.buf.len() - start) as u32;
        assert!(len <= JENTRY_OFFLENMASK, "metadata under 256 MB");
        kind | len
    }

    fn array<'m>(&mut self, items: impl ExactSizeIterator<Item = Meta<'m>>) -> u32 {
        self.pad();
        self.push_u32(items.len() as u32 | JB_FARRAY);
        let entries = self.reserve(items.len());
        let mut total = 0;
        for (i, item) in items.enumerate() {
            let kind = self.value(&item);
            total += kind & JENTRY_OFFLENMASK;
            self.set_u32(entries + 4 * i, entry(kind, total, i));
        }
        JENTRY_ISCONTAINER
    }

    fn object<'m>(&mut self, pairs: impl Iterator<Item = (&'m str, Meta<'m>)>) -> u32 {
        // keys in jsonb's order: shorter first, then bytewise (the last of equal keys wins,
        // as in jsonb_in)
        let mut pairs: Vec<(&str, Meta)> = pairs.collect();
        pairs.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
        let mut k = 0;
        while k + 1 < pairs.len() {
            if pairs[k].0 == pairs[k + 1].0 {
                pairs.remove(k);
            } else {
                k += 1;
            }
        }
        self.pad();
        let n = pairs.len();
        self.push_u32(n as u32 | JB_FOBJECT);
        let entries = self.reserve(2 * n);
        let mut total = 0;
        for (i, (key, _)) in pairs.iter().enumerate() {
            let start = self.buf.len();
            self.string(key);
            let len = (self.buf.len() - start) as u32;
            total += len;
            self.set_u32(entries + 4 * i, entry(JENTRY_ISSTRING | len, total, i));
        }
        for (i, (_, v)) in pairs.iter().enumerate() {
            let kind = self.value(v);
            total += kind & JENTRY_OFFLENMASK;
            self.set_u32(entries + 4 * (n + i), entry(kind, total, n + i));
        }
        JENTRY_ISCONTAINER
    }

    /// A string's bytes (a NUL, which no PostgreSQL text can hold, becomes U+FFFD).
    fn string(&mut self, s: &str) {
        if s.contains('\0') {
            self.buf
                .extend_from_slice(s.replace('\0', "\u{FFFD}").as_bytes());
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
    }

    /// An integer as PostgreSQL's numeric varlena (4-byte header, as jsonb keeps it).
    fn int(&mut self, i: i64) {
        // base-10000 digits, most significant first, without trailing zero digits; what
        // numeric_in makes of the integer's text (a unit test compares them)
        let mut digits = [0u16; 5];
        let (mut n, mut len) = (i.unsigned_abs(), 0);
        while n > 0 {
            digits[len] = (n % 10_000) as u16;
            n /= 10_000;
            len += 1;
        }
        let weight = len.saturating_sub(1) as u16;
        digits[..len].reverse();
        let kept = digits[..len]
            .iter()
            .rposition(|&d| d != 0)
            .map_or(0, |p| p + 1);
        let size = 6 + 2 * kept;
        self.buf.extend_from_slice(&varsize_4b(size));
        // the short header: scale 0, the weight (0 for zero), the sign
        let header: u16 = 0x8000 | if i < 0 { 0x2000 } else { 0 } | weight;
        self.buf.extend_from_slice(&header.to_ne_bytes());
        for d in &digits[..kept] {
            self.buf.extend_from_slice(&d.to_ne_bytes());
        }
    }

    /// A number as PostgreSQL's numeric varlena.
    fn number(&mut self, n: &serde_json::Number) {
        match n.as_i64() {
            Some(i) => self.int(i),
            None => self.buf.extend_from_slice(&numeric(&n.to_string())),
        }
    }

    /// Zero bytes up to a 4-byte boundary of the datum.
    fn pad(&mut self) {
        while !self.buf.len().is_multiple_of(4) {
            self.buf.push(0);
        }
    }

    fn push_u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_ne_bytes());
    }

    /// Room for `n` JEntries; where they start.
    fn reserve(&mut self, n: usize) -> usize {
        let at = self.buf.len();
        self.buf.resize(at + 4 * n, 0);
        at
    }

    fn set_u32(&mut self, at: usize, v: u32) {
        self.buf[at..at + 4].copy_from_slice(&v.to_ne_bytes());
    }
}

/// The 4-byte varlena header of a datum of `len` bytes (PostgreSQL's SET_VARSIZE_4B).
fn varsize_4b(len: usize) -> [u8; 4] {
    let header = if cfg!(target_endian = "little") {
        (len as u32) << 2
    } else {
        len as u32 & 0x3FFF_FFFF
    };
    header.to_ne_bytes()
}

/// The JEntry of child `i`: its length, or every `JB_OFFSET_STRIDE`th the end offset.
fn entry(meta: u32, total: u32, i: usize) -> u32 {
    if i.is_multiple_of(JB_OFFSET_STRIDE) {
        (meta & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF
    } else {
        meta
    }
}

/// What `numeric_in` makes of a JSON number's text (serde's: digits, a point, an
/// exponent), as `set_var_from_str` then `make_result` build it: base-10000 digits without
/// leading or trailing zero digits, the display scale, the short header when scale and
/// weight fit it. A 4-byte-header varlena.
fn numeric(text: &str) -> Vec<u8> {
    const DEC_DIGITS: i32 = 4;
    let bytes = text.as_bytes();
    let mut at = 0;
    let negative = bytes.first() == Some(&b'-');
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        at = 1;
    }
    // decimal digits, and the weight (in decimal digits) of the first and the scale
    let mut decimal: Vec<u8> = Vec::with_capacity(bytes.len() + 8);
    let (mut dweight, mut dscale, mut point) = (-1i32, 0i32, false);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'0'..=b'9' => {
                decimal.push(b - b'0');
                if point {
                    dscale += 1;
                } else {
                    dweight += 1;
                }
            }
            b'.' => point = true,
            _ => break,
        }
        at += 1;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        let exponent: i32 = text[at + 1..].parse().unwrap_or(0);
        dweight += exponent;
        dscale = (dscale - exponent).max(0);
    }
    let weight = if dweight >= 0 {
        (dweight + DEC_DIGITS) / DEC_DIGITS - 1
    } else {
        -((-dweight - 1) / DEC_DIGITS + 1)
    };
    let offset = (weight + 1) * DEC_DIGITS - (dweight + 1);
    let n = (decimal.len() as i32 + offset + DEC_DIGITS - 1) / DEC_DIGITS;
    let at = |i: i32| -> i16 {
        let i = i - offset;
        if i < 0 {
            0
        } else {
            decimal.get(i as usize).copied().unwrap_or(0) as i16
        }
    };
    let mut digits: Vec<i16> = (0..n)
        .map(|k| {
            let i = k * DEC_DIGITS;
            ((at(i) * 10 + at(i + 1)) * 10 + at(i + 2)) * 10 + at(i + 3)
        })
        .collect();
    // no leading or trailing zero digits; zero is positive, of weight 0
    let leading = digits.iter().take_while(|&&d| d == 0).count();
    digits.drain(..leading);
    let mut weight = weight - leading as i32;
    while digits.last() == Some(&0) {
        digits.pop();
    }
    let negative = negative && !digits.is_empty();
    if digits.is_empty() {
        weight = 0;
    }
    const NUMERIC_NEG: u16 = 0x4000;
    let short = dscale <= 0x3F && (-64..=63).contains(&weight);
    let mut out = vec![0u8; 4];
    if short {
        let header: u16 = 0x8000
            | if negative { 0x2000 } else { 0 }
            | ((dscale as u16) << 7)
            | if weight < 0 { 0x0040 } else { 0 }
            | (weight as u16 & 0x003F);
        out.extend_from_slice(&header.to_ne_bytes());
    } else {
        let sign_dscale = if negative { NUMERIC_NEG } else { 0 } | (dscale as u16 & 0x3FFF);
        out.extend_from_slice(&sign_dscale.to_ne_bytes());
        out.extend_from_slice(&(weight as i16).to_ne_bytes());
    }
    for d in digits {
        out.extend_from_slice(&d.to_ne_bytes());
    }
    let len = out.len();
    out[..4].copy_from_slice(&varsize_4b(len));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta;
    use serde_json::json;

    #[test]
    fn integers_are_what_numeric_in_makes_of_their_text() {
        let mut builder = Builder::new();
        let mut cases = vec![
            0,
            1,
            -1,
            9999,
            10_000,
            -10_000,
            12_345_678,
            100_000_000,
            i64::MAX,
            i64::MIN,
        ];
        cases.extend(
            (0..63)
                .map(|k| 1i64 << k)
                .flat_map(|p| [p - 1, p, p + 1, -p]),
        );
        cases.extend(
            (0..19)
                .map(|k| 10i64.pow(k))
                .flat_map(|p| [p, 7 * p, -3 * p]),
        );
        for i in cases {
            builder.buf.clear();
            builder.int(i);
            assert_eq!(builder.buf, numeric(&i.to_string()), "{i}");
        }
    }

    /// A rule's metadata written straight into jsonb is the jsonb of the value it stands
    /// for (whose bytes the extension's server test compares with `jsonb_in`'s).
    #[test]
    fn meta_is_written_as_its_value() {
        let names = vec!["a".to_string(), "ünïcödé \"q\"".to_string()];
        let none: Option<String> = None;
        let some = Some("x".to_string());
        let tree = json!({"nested": [1, {"b": null}]});
        let many: Vec<(String, Meta)> = (0..40).map(|i| (format!("k{i}"), Meta::Int(i))).collect();
        let many: Vec<(&str, Meta)> = many.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let long: Vec<String> = (0..70).map(|i| format!("e{i}")).collect();
        let mut builder = Builder::new();
        let mut same = |meta: &Meta| {
            let direct = builder.encode_meta(meta).to_vec();
            let value = meta.to_value();
            assert_eq!(direct, builder.encode(&value), "{value}");
            value
        };
        same(&meta!({}));
        let value = same(
            &meta!({"schema": &names[1], "rows": 12_i64, "ratio": 0.1 + 0.2,
            "big": i64::MAX, "neg": -7_i32, "none": &none, "some": &some, "on": true,
            "off": false, "names": &names, "tree": &tree, "nan": f64::NAN,
            "inf": f64::INFINITY, "nul": "a\u{0}b", "inner": meta!({"z": 1_i64, "a": "y"})}),
        );
        assert_eq!(value["nan"], serde_json::Value::Null);
        assert_eq!(value["inner"], json!({"a": "y", "z": 1}));
        // equal keys: the last counts, as in jsonb_in
        assert_eq!(same(&meta!({"k": 1_i64, "k": 2_i64})), json!({"k": 2}));
        same(&Meta::Object(&many));
        same(&Meta::Strs(&long));
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        same(&Meta::StrRefs(&refs));
        same(&Meta::Int(42));
        same(&Meta::Str("top"));
        same(&Meta::Null);
        same(&Meta::Value(&tree));
    }
}
