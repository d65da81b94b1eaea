//! Numbers as a finding's text shows them: "52,000", "4.1 MB", "3 hours". Each is a
//! value that writes itself into the text being formatted (`format!("{}", human_count(n))`)
//! instead of a `String` of its own: a run formats several per finding, for ~100,000
//! findings on a large catalog.

use std::fmt;

/// "3 hours", "2 days", "45 minutes", "12 seconds".
pub fn human_duration(seconds: f64) -> Duration {
    Duration(seconds)
}

/// "0 bytes", "12 kB", "4.1 MB", "3.2 GB" (binary units, like `pg_size_pretty`'s names).
pub fn human_bytes(bytes: i64) -> Bytes {
    Bytes(bytes)
}

/// 52000 -> "52,000"
pub fn human_count(n: i64) -> Count {
    Count(n)
}

/// See [`human_duration`].
#[derive(Clone, Copy, Debug)]
pub struct Duration(f64);

/// See [`human_bytes`].
#[derive(Clone, Copy, Debug)]
pub struct Bytes(i64);

/// See [`human_count`].
#[derive(Clone, Copy, Debug)]
pub struct Count(i64);

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.max(0.0);
        let (value, unit) = if s >= 2.0 * 86400.0 {
            (s / 86400.0, "day")
        } else if s >= 2.0 * 3600.0 {
            (s / 3600.0, "hour")
        } else if s >= 2.0 * 60.0 {
            (s / 60.0, "minute")
        } else {
            (s, "second")
        };
        let n = value.floor() as i64;
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
        let bytes = self.0;
        if bytes < 1024 {
            return write!(f, "{bytes} bytes");
        }
        // the value in its unit is bytes / 1024^unit, exactly: rounded here in integers as
        // `{:.1}` / `{:.0}` round the exact value (half to even), without float formatting
        let mut unit = 1;
        while unit + 1 < UNITS.len() && bytes >> (10 * unit) >= 1024 {
            unit += 1;
        }
        let shift = 10 * unit as u32;
        if bytes >> shift < 10 {
            let tenths = div_round_half_even(bytes as u128 * 10, shift);
            write!(f, "{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
        } else {
            let whole = div_round_half_even(bytes as u128, shift);
            write!(f, "{whole} {}", UNITS[unit])
        }
    }
}

/// `n / 2^shift`, rounded to the nearest integer, ties to even.
fn div_round_half_even(n: u128, shift: u32) -> u128 {
    let q = n >> shift;
    let r = n - (q << shift);
    let half = 1u128 << (shift - 1);
    if r > half || (r == half && q % 2 == 1) {
        q + 1
    } else {
        q
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the digits, last first, with a comma before every third
        let mut buf = [0u8; 27];
        let mut at = buf.len();
        let mut n = self.0.unsigned_abs();
        let mut written = 0;
        loop {
            if written > 0 && written % 3 == 0 {
                at -= 1;
                buf[at] = b',';
            }
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            written += 1;
            if n == 0 {
                break;
            }
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        // ASCII digits and commas
        f.write_str(std::str::from_utf8(&buf[at..]).expect("ASCII"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humans() {
        assert_eq!(human_duration(3.0 * 3600.0 + 5.0).to_string(), "3 hours");
        assert_eq!(human_duration(90.0).to_string(), "90 seconds");
        assert_eq!(human_duration(86400.0 * 9.5).to_string(), "9 days");
        assert_eq!(human_duration(-3.0).to_string(), "0 seconds");
        assert_eq!(human_bytes(512).to_string(), "512 bytes");
        assert_eq!(human_bytes(-5).to_string(), "-5 bytes");
        assert_eq!(human_bytes(8192).to_string(), "8.0 kB");
        assert_eq!(human_bytes(4_300_000).to_string(), "4.1 MB");
        assert_eq!(human_count(52000).to_string(), "52,000");
        assert_eq!(human_count(999).to_string(), "999");
        assert_eq!(human_count(0).to_string(), "0");
        assert_eq!(human_count(-1234567).to_string(), "-1,234,567");
        assert_eq!(
            human_count(i64::MIN).to_string(),
            "-9,223,372,036,854,775,808"
        );
    }

    /// What the sizes read before: float division and `{:.1}` / `{:.0}`.
    fn bytes_as_floats(bytes: i64) -> String {
        const UNITS: [&str; 5] = ["bytes", "kB", "MB", "GB", "TB"];
        let mut value = bytes.max(0) as f64;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        if unit == 0 {
            format!("{bytes} bytes")
        } else if value < 10.0 {
            format!("{value:.1} {}", UNITS[unit])
        } else {
            format!("{value:.0} {}", UNITS[unit])
        }
    }

    #[test]
    fn sizes_round_as_float_formatting_did() {
        // every unit boundary and tie (x.x5, x.5) and their neighbours, then a spread
        let mut samples: Vec<i64> = Vec::new();
        for unit in 1..=4u32 {
            let base = 1i64 << (10 * unit);
            for tenths in 0..=10_250i64 {
                let exact = base * tenths / 10;
                let tie = base * (2 * tenths + 1) / 20;
                samples.extend([exact - 1, exact, exact + 1, tie - 1, tie, tie + 1]);
            }
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            samples.push((x >> (x % 40 + 8)) as i64);
        }
        samples.extend([0, 1, 1023, 1024, 1025, i64::MAX >> 12]);
        // (beyond 2^53 bytes the floats were not exact)
        for b in samples.into_iter().filter(|b| (0..1 << 53).contains(b)) {
            assert_eq!(human_bytes(b).to_string(), bytes_as_floats(b), "{b} bytes");
        }
    }
}
