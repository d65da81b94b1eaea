//! The hash the snapshot's maps use. Their keys are oids, attribute numbers and short names
//! the server gave us, never chosen to collide, so a multiply-rotate hash (the one rustc
//! uses, "FxHash") serves them; std's SipHash guards against hostile keys at several times
//! the cost, and hashing was 5% of a run on 20,000 tables.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type Map<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type Set<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i.into());
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i.into());
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i.into());
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i16(&mut self, i: i16) {
        self.add(i as u16 as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_work_with_every_key_kind() {
        let mut m: Map<(u32, String), i16> = Map::default();
        for i in 0..1000u32 {
            m.insert((i, format!("col{i}")), i as i16);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m[&(7, "col7".to_string())], 7);
        let s: Set<u32> = (0..100).collect();
        assert!(s.contains(&99) && !s.contains(&100));
    }
}
