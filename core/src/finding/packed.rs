//! A finding as a run holds it between its rule and its output row.

use super::{Category, Finding, Level};
use crate::output::jsonb;

/// A [`Finding`] packed into one allocation of exactly its texts' size: identity, detail,
/// remediation, fingerprint and the metadata's jsonb bytes back to back. A `Finding` holds
/// five allocations, most of them with the slack of the string they were written into: on
/// 20,000 tables the 134,001 findings of a run took ~200 MB as `Finding`s, ~110 MB packed,
/// and the run holds them all until its last rule ends (the order is worst first across
/// rules).
#[derive(Clone, Debug, PartialEq)]
pub struct Packed {
    pub rule: &'static str,
    pub level: Level,
    pub category: Category,
    pub object_type: &'static str,
    bytes: Box<[u8]>,
    /// Where the identity, detail, remediation and fingerprint end in `bytes` (the
    /// metadata is the rest).
    ends: [u32; 4],
    has_remediation: bool,
}

impl Packed {
    /// Pack `f`, its metadata as jsonb: the bytes made on its rule's thread
    /// (`metadata_encoded`), else encoded now with `builder`.
    pub fn new(f: Finding, builder: &mut jsonb::Builder) -> Packed {
        let meta: &[u8] = match &f.metadata_encoded {
            Some(bytes) => bytes,
            None => builder.encode(&f.metadata),
        };
        let remediation = f.remediation.as_deref().unwrap_or("");
        let texts = [
            f.object_identity.as_str(),
            f.detail.as_str(),
            remediation,
            f.fingerprint.as_str(),
        ];
        let mut bytes =
            Vec::with_capacity(texts.iter().map(|t| t.len()).sum::<usize>() + meta.len());
        let mut ends = [0; 4];
        for (end, text) in ends.iter_mut().zip(texts) {
            bytes.extend_from_slice(text.as_bytes());
            // a finding's texts are far below 4 GB (a value PostgreSQL returns is below 1 GB)
            *end = u32::try_from(bytes.len()).expect("a finding's texts under 4 GB");
        }
        bytes.extend_from_slice(meta);
        Packed {
            rule: f.rule,
            level: f.level,
            category: f.category,
            object_type: f.object_type,
            bytes: bytes.into_boxed_slice(),
            ends,
            has_remediation: f.remediation.is_some(),
        }
    }

    fn text(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        // SAFETY: bytes start..end are one of the strs `new` copied in, whole
        unsafe { std::str::from_utf8_unchecked(&self.bytes[start..end]) }
    }

    pub fn object_identity(&self) -> &str {
        self.text(0)
    }

    pub fn detail(&self) -> &str {
        self.text(1)
    }

    pub fn remediation(&self) -> Option<&str> {
        self.has_remediation.then(|| self.text(2))
    }

    pub fn fingerprint(&self) -> &str {
        self.text(3)
    }

    /// The metadata in jsonb's binary format (a datum's body, without its varlena header).
    pub fn metadata_jsonb(&self) -> &[u8] {
        &self.bytes[self.ends[3] as usize..]
    }
}

/// What settings, suppressions and the order of a run read of a finding, packed or not.
pub trait Ranked {
    fn rank(&self) -> Rank<'_>;
    fn set_level(&mut self, level: Level);
}

/// A finding's place in a run: its rule, level and category, its object and fingerprint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rank<'a> {
    pub rule: &'static str,
    pub level: Level,
    pub category: Category,
    pub identity: &'a str,
    pub fingerprint: &'a str,
}

impl Ranked for Finding {
    fn rank(&self) -> Rank<'_> {
        let (identity, fingerprint) = (&self.object_identity, &self.fingerprint);
        Rank {
            rule: self.rule,
            level: self.level,
            category: self.category,
            identity,
            fingerprint,
        }
    }
    fn set_level(&mut self, level: Level) {
        self.level = level;
    }
}

impl Ranked for Packed {
    fn rank(&self) -> Rank<'_> {
        Rank {
            rule: self.rule,
            level: self.level,
            category: self.category,
            identity: self.object_identity(),
            fingerprint: self.fingerprint(),
        }
    }
    fn set_level(&mut self, level: Level) {
        self.level = level;
    }
}

/// What a finding's row shows besides its [`Rank`], packed or not.
pub trait Shown: Ranked {
    fn object_type(&self) -> &'static str;
    fn detail(&self) -> &str;
    fn remediation(&self) -> Option<&str>;
    /// The metadata in jsonb's binary format: as made on the rule's thread, else made now
    /// with `builder`.
    fn jsonb<'a>(&'a self, builder: &'a mut jsonb::Builder) -> &'a [u8];
}

impl Shown for Finding {
    fn object_type(&self) -> &'static str {
        self.object_type
    }
    fn detail(&self) -> &str {
        &self.detail
    }
    fn remediation(&self) -> Option<&str> {
        self.remediation.as_deref()
    }
    fn jsonb<'a>(&'a self, builder: &'a mut jsonb::Builder) -> &'a [u8] {
        match &self.metadata_encoded {
            Some(bytes) => bytes,
            None => builder.encode(&self.metadata),
        }
    }
}

impl Shown for Packed {
    fn object_type(&self) -> &'static str {
        self.object_type
    }
    fn detail(&self) -> &str {
        Packed::detail(self)
    }
    fn remediation(&self) -> Option<&str> {
        Packed::remediation(self)
    }
    fn jsonb<'a>(&'a self, _: &'a mut jsonb::Builder) -> &'a [u8] {
        self.metadata_jsonb()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta;

    fn finding(remediation: Option<&str>) -> Finding {
        Finding {
            rule: "unused_index",
            level: Level::Warning,
            category: Category::Performance,
            object_type: "index",
            object_identity: "public.\"ïx\"\"1\"".into(),
            detail: "never scanned".into(),
            remediation: remediation.map(str::to_string),
            metadata: serde_json::json!({"scans": 0, "schema": "public"}),
            metadata_encoded: None,
            fingerprint: "unused_index:public.\"ïx\"\"1\"".into(),
        }
    }

    #[test]
    fn packed_gives_back_every_field() {
        let mut builder = jsonb::Builder::new();
        for remediation in [
            Some("DROP INDEX CONCURRENTLY public.\"ïx\"\"1\";"),
            Some(""),
            None,
        ] {
            let f = finding(remediation);
            let expected_meta = jsonb::Builder::new().encode(&f.metadata).to_vec();
            let p = Packed::new(f.clone(), &mut builder);
            assert_eq!(
                (p.rule, p.level, p.category, p.object_type),
                (f.rule, f.level, f.category, f.object_type)
            );
            assert_eq!(p.object_identity(), f.object_identity);
            assert_eq!(p.detail(), f.detail);
            assert_eq!(p.remediation(), f.remediation.as_deref());
            assert_eq!(p.fingerprint(), f.fingerprint);
            assert_eq!(p.metadata_jsonb(), expected_meta);
        }
    }

    #[test]
    fn packed_keeps_the_bytes_made_on_the_rules_thread() {
        let config = crate::config::Config {
            metadata_jsonb: true,
            ..Default::default()
        };
        let f = finding(None).with_meta(&config, meta!({"scans": 3_i64}));
        let made = f.metadata_encoded.clone().expect("encoded by with_meta");
        let p = Packed::new(f, &mut jsonb::Builder::new());
        assert_eq!(p.metadata_jsonb(), &*made);
        assert_eq!(p.detail(), "never scanned");
    }
}
