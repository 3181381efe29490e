//! Decimal numbers for the words people read (log lines, errors, file sizes), written with
//! integer formatting only: `format!("{x:.1}")` pulls core's float formatting (the Dragon4
//! and Grisu algorithms, about 15 KB of wasm before optimisation) into the page.

use std::fmt;

/// `x` rounded to `places` decimals (half away from zero), for `Display`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fixed {
    x: f64,
    places: u32,
}

/// `x` with `places` decimals (at most 6): `fixed(1.25, 1)` shows `1.3`, `fixed(-0.04, 1)`
/// shows `0.0`, not-a-number shows `NaN`.
pub fn fixed(x: f64, places: u32) -> Fixed {
    Fixed {
        x,
        places: places.min(6),
    }
}

/// `x` with up to 3 decimals and no trailing zeros: `short(4.0)` shows `4`, `short(2.50)`
/// shows `2.5`.
pub fn short(x: f64) -> String {
    let text = crate::text(&fixed(x, 3));
    if text.bytes().any(|b| b == b'.') {
        let zeros = text.bytes().rev().take_while(|&b| b == b'0').count();
        let digits = text.get(..text.len() - zeros).unwrap_or_default();
        digits.strip_suffix('.').unwrap_or(digits).to_owned()
    } else {
        text
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.x.is_nan() {
            return f.write_str("NaN");
        }
        if self.x.is_infinite() {
            return f.write_str(if self.x > 0.0 { "inf" } else { "-inf" });
        }
        let scale = 10u64.pow(self.places);
        // Saturates far beyond anything shown here (1.8e19 / scale).
        let n = (self.x.abs() * scale as f64).round() as u64;
        let sign = if self.x < 0.0 && n > 0 { "-" } else { "" };
        let (whole, part) = (n / scale, n % scale);
        if self.places == 0 {
            write!(f, "{sign}{whole}")
        } else {
            write!(
                f,
                "{sign}{whole}.{part:0width$}",
                width = self.places as usize
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_people_expect() {
        let show = |x: f64, p: u32| fixed(x, p).to_string();
        assert_eq!(show(1.25, 1), "1.3");
        assert_eq!(show(171.46, 1), "171.5");
        assert_eq!(show(0.0, 2), "0.00");
        assert_eq!(show(9.999, 2), "10.00");
        assert_eq!(show(-0.04, 1), "0.0");
        assert_eq!(show(-2.55, 1), "-2.6");
        assert_eq!(show(120.0, 0), "120");
        assert_eq!(show(0.05, 3), "0.050");
        assert_eq!(show(f64::NAN, 1), "NaN");
        assert_eq!(show(f64::INFINITY, 1), "inf");
        assert_eq!(show(1.0, 9), "1.000000");
        assert_eq!(short(4.0), "4");
        assert_eq!(short(2.50), "2.5");
        assert_eq!(short(0.1234), "0.123");
        assert_eq!(short(f64::NAN), "NaN");
    }
}
