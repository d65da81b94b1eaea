//! A finding's metadata straight into a `jsonb` datum, written in jsonb's binary format
//! (the one `convertToJsonb` writes, unchanged since PostgreSQL 9.4): no JSON text made by
//! serde and parsed again by `jsonb_in`, no FFI call per key (~3 µs a finding, a quarter of
//! `advisor_findings` on large catalogs). The bytes are those `jsonb_in` makes of serde's
//! text (a server test compares them): keys sorted by length then bytes, every 32nd entry
//! an offset, numbers and containers aligned to 4 bytes, numbers converted by PostgreSQL
//! (integers exactly, others from serde's shortest round-trip text).

use crate::builtin::Builtin;
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
pub struct Builder {
    int8_numeric: Builtin,
    numeric_in: Builtin,
    numerics: HashMap<i64, Vec<u8>>,
    buf: Vec<u8>,
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            int8_numeric: Builtin::new(Builtin::INT8_NUMERIC),
            numeric_in: Builtin::new(Builtin::NUMERIC_IN),
            numerics: HashMap::new(),
            buf: Vec::new(),
        }
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
        if let Some(i) = n.as_i64() {
            if let Some(bytes) = self.numerics.get(&i) {
                self.buf.extend_from_slice(bytes);
                return;
            }
        }
        // SAFETY: strict built-ins returning a numeric; its VARSIZE bytes are copied
        let bytes = unsafe {
            let d = match n.as_i64() {
                Some(i) => self.int8_numeric.call1(pg_sys::Datum::from(i)),
                None => {
                    let text =
                        std::ffi::CString::new(n.to_string()).expect("a number's text has no NUL");
                    self.numeric_in.call3([
                        pg_sys::Datum::from(text.as_ptr()),
                        pg_sys::Datum::from(pg_sys::InvalidOid),
                        pg_sys::Datum::from(-1i32),
                    ])
                }
            };
            // a plain 4-byte-header value, made just now
            let ptr = d.cast_mut_ptr::<pg_sys::varlena>();
            let size = pgrx::varlena::varsize_4b(ptr);
            std::slice::from_raw_parts(ptr.cast::<u8>(), size).to_vec()
        };
        self.buf.extend_from_slice(&bytes);
        if let (Some(i), true) = (n.as_i64(), self.numerics.len() < 4096) {
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
