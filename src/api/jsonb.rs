//! A finding's metadata straight into a `jsonb` datum, written in jsonb's binary format
//! (the one `convertToJsonb` writes, unchanged since PostgreSQL 9.4): no JSON text made by
//! serde and parsed again by `jsonb_in`, no FFI call per key (~3 µs a finding, a quarter of
//! `advisor_findings` on large catalogs). The bytes are those `jsonb_in` makes of serde's
//! text (a server test compares them): keys sorted by length then bytes, every 32nd entry
//! an offset, numbers and containers aligned to 4 bytes, numbers as `numeric_in` makes
//! them of serde's text (its shortest round-trip form for floats). No call into the
//! server: rules' threads may encode.

#[cfg(any(test, feature = "pg_test"))]
use pgrx::pg_sys;
use serde_json::Value;
use std::collections::HashMap;

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

/// Makes jsonb datums; keeps the number conversions it has made (integers repeat a lot).
#[derive(Default)]
pub struct Builder {
    numerics: HashMap<i64, Vec<u8>>,
    buf: Vec<u8>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The jsonb datum of `value`, palloc'd in the current memory context (for tests: rows
    /// take [`Builder::encode`]).
    #[cfg(any(test, feature = "pg_test"))]
    pub fn datum(&mut self, value: &Value) -> pg_sys::Datum {
        let body = self.encode(value);
        let size = 4 + body.len();
        // SAFETY: a palloc'd copy with its varlena header set
        unsafe {
            let out = pg_sys::palloc(size).cast::<u8>();
            std::ptr::copy_nonoverlapping(body.as_ptr(), out.add(4), body.len());
            pgrx::varlena::set_varsize_4b(out.cast(), size as i32);
            pg_sys::Datum::from(out)
        }
    }

    /// The bytes of `value`'s jsonb after the varlena header (which must start at a 4-byte
    /// boundary: the format aligns numbers and containers from there).
    pub fn encode(&mut self, value: &Value) -> &[u8] {
        self.buf.clear();
        self.buf.extend_from_slice(&[0; 4]); // the varlena header, written by the caller
        match value {
            Value::Object(_) | Value::Array(_) => {
                self.value(value);
            }
            scalar => {
                // a scalar at the top is stored as a one-element "raw scalar" array
                self.pad();
                self.push_u32(1 | JB_FARRAY | JB_FSCALAR);
                let entry = self.reserve(1);
                let meta = self.value(scalar);
                let len = meta & JENTRY_OFFLENMASK;
                self.set_u32(entry, (meta & JENTRY_TYPEMASK) | len | JENTRY_HAS_OFF);
            }
        }
        assert!(
            self.buf.len() <= JENTRY_OFFLENMASK as usize,
            "metadata under 256 MB"
        );
        &self.buf[4..]
    }

    /// Append `value`'s data; its JEntry (type and length of what was appended).
    fn value(&mut self, value: &Value) -> u32 {
        let start = self.buf.len();
        let kind = match value {
            Value::Null => JENTRY_ISNULL,
            Value::Bool(false) => JENTRY_ISBOOL_FALSE,
            Value::Bool(true) => JENTRY_ISBOOL_TRUE,
            Value::String(s) => {
                self.string(s);
                JENTRY_ISSTRING
            }
            Value::Number(n) => {
                self.pad(); // the padding counts as the number's
                self.number(n);
                JENTRY_ISNUMERIC
            }
            Value::Array(items) => {
                self.pad();
                self.push_u32(items.len() as u32 | JB_FARRAY);
                let entries = self.reserve(items.len());
                let mut total = 0;
                for (i, item) in items.iter().enumerate() {
                    let meta = self.value(item);
                    total += meta & JENTRY_OFFLENMASK;
                    self.set_u32(entries + 4 * i, entry(meta, total, i));
                }
                JENTRY_ISCONTAINER
            }
            Value::Object(map) => {
                self.pad();
                let n = map.len();
                self.push_u32(n as u32 | JB_FOBJECT);
                let entries = self.reserve(2 * n);
                // keys in jsonb's order: shorter first, then bytewise
                let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
                pairs.sort_by(|a, b| (a.0.len(), a.0.as_bytes()).cmp(&(b.0.len(), b.0.as_bytes())));
                let mut total = 0;
                for (i, (key, _)) in pairs.iter().enumerate() {
                    let start = self.buf.len();
                    self.string(key);
                    total += (self.buf.len() - start) as u32;
                    let meta = JENTRY_ISSTRING | (self.buf.len() - start) as u32;
                    self.set_u32(entries + 4 * i, entry(meta, total, i));
                }
                for (i, (_, v)) in pairs.iter().enumerate() {
                    let meta = self.value(v);
                    total += meta & JENTRY_OFFLENMASK;
                    self.set_u32(entries + 4 * (n + i), entry(meta, total, n + i));
                }
                JENTRY_ISCONTAINER
            }
        };
        let len = (self.buf.len() - start) as u32;
        assert!(len <= JENTRY_OFFLENMASK, "metadata under 256 MB");
        kind | len
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

    /// A number as PostgreSQL's numeric varlena (4-byte header, as jsonb keeps it).
    fn number(&mut self, n: &serde_json::Number) {
        let int = n.as_i64();
        if let Some(bytes) = int.and_then(|i| self.numerics.get(&i)) {
            self.buf.extend_from_slice(bytes);
            return;
        }
        let bytes = numeric(&n.to_string());
        self.buf.extend_from_slice(&bytes);
        if let (Some(i), true) = (int, self.numerics.len() < 4096) {
            self.numerics.insert(i, bytes);
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
    // SAFETY: out holds len bytes, the first four the header being set
    unsafe { pgrx::varlena::set_varsize_4b(out.as_mut_ptr().cast(), len as i32) };
    out
}
