//! 16-bit little-endian PCM: the only audio format the Live API speaks, both ways.
//!
//! Conversions between `i16` samples, their little-endian bytes, base64 text (the form
//! they take inside JSON) and `f32` samples in [-1, 1] (the Web Audio form).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::{alphabet, Engine as _};
use std::fmt;

/// The standard alphabet, padded when written; read with or without its padding, as
/// protobuf's JSON readers do.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a block of bytes or text could not be read as PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PcmError {
    /// The text is not valid base64; `detail` says where.
    Base64 { detail: String },
    /// 16-bit PCM needs an even number of bytes.
    OddLength { bytes: usize },
}

impl fmt::Display for PcmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PcmError::Base64 { detail } => write!(f, "audio data is not valid base64 ({detail})"),
            PcmError::OddLength { bytes } => write!(
                f,
                "audio data has {bytes} bytes; 16-bit PCM needs an even number"
            ),
        }
    }
}

impl std::error::Error for PcmError {}

/// Samples to little-endian bytes.
pub fn to_le_bytes(samples: &[i16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * 2);
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

/// Little-endian bytes to samples; an odd byte count is an error, not a truncation.
pub fn from_le_bytes(bytes: &[u8]) -> Result<Vec<i16>, PcmError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(PcmError::OddLength { bytes: bytes.len() });
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect())
}

/// Samples to base64 of their little-endian bytes (standard alphabet, padded).
pub fn to_base64(samples: &[i16]) -> String {
    BASE64.encode(to_le_bytes(samples))
}

/// Base64 of little-endian bytes to samples.
pub fn from_base64(text: &str) -> Result<Vec<i16>, PcmError> {
    let bytes = BASE64.decode(text).map_err(|e| PcmError::Base64 {
        detail: e.to_string(),
    })?;
    from_le_bytes(&bytes)
}

/// One int16 sample to a float in [-1, 1): -32768 -> -1.0, 32767 -> 0.99997.
#[inline]
pub fn i16_to_f32(s: i16) -> f32 {
    f32::from(s) / 32768.0
}

/// One float sample to int16, clamped first so +1.0 gives 32767 rather than wrapping to -32768.
/// NaN becomes 0.
#[inline]
pub fn f32_to_i16(x: f32) -> i16 {
    if x.is_nan() {
        return 0;
    }
    let scaled = (x * 32768.0).round();
    scaled.clamp(-32768.0, 32767.0) as i16
}

/// A linear level as dBFS for the page's meters, floored at -60 dB (silence and NaN too).
pub fn dbfs(linear: f32) -> f64 {
    (20.0 * f64::from(linear.max(1e-6)).log10()).max(-60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_little_endian() {
        assert_eq!(
            to_le_bytes(&[1, -2, 0x1234, i16::MIN, i16::MAX]),
            vec![0x01, 0x00, 0xFE, 0xFF, 0x34, 0x12, 0x00, 0x80, 0xFF, 0x7F]
        );
    }

    #[test]
    fn bytes_round_trip_every_value() {
        let all: Vec<i16> = (i16::MIN..=i16::MAX).collect();
        assert_eq!(from_le_bytes(&to_le_bytes(&all)).unwrap(), all);
    }

    #[test]
    fn odd_length_is_an_error() {
        assert_eq!(
            from_le_bytes(&[1, 2, 3]),
            Err(PcmError::OddLength { bytes: 3 })
        );
        assert_eq!(
            from_base64("AQID").unwrap_err().to_string(),
            "audio data has 3 bytes; 16-bit PCM needs an even number"
        );
    }

    #[test]
    fn base64_known_value_and_round_trip() {
        // [1, -2, 4660] -> 01 00 FE FF 34 12 -> "AQD+/zQS"
        assert_eq!(to_base64(&[1, -2, 0x1234]), "AQD+/zQS");
        assert_eq!(from_base64("AQD+/zQS").unwrap(), vec![1, -2, 0x1234]);
        let ramp: Vec<i16> = (0..4801).map(|i| (i * 13 - 30000) as i16).collect();
        assert_eq!(from_base64(&to_base64(&ramp)).unwrap(), ramp);
        assert_eq!(to_base64(&[]), "");
        assert_eq!(from_base64("").unwrap(), Vec::<i16>::new());
    }

    #[test]
    fn bad_base64_is_an_error() {
        assert_eq!(
            from_base64("AQ!D").unwrap_err().to_string(),
            "audio data is not valid base64 (Invalid symbol 33, offset 2.)"
        );
    }

    #[test]
    fn float_conversion_clamps_at_the_edges() {
        assert_eq!(f32_to_i16(-1.0), -32768);
        assert_eq!(f32_to_i16(1.0), 32767); // not -32768: no wrap-around
        assert_eq!(f32_to_i16(1.5), 32767);
        assert_eq!(f32_to_i16(-7.0), -32768);
        assert_eq!(f32_to_i16(0.5), 16384);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        assert_eq!(f32_to_i16(f32::INFINITY), 32767);
        assert_eq!(i16_to_f32(-32768), -1.0);
        assert_eq!(i16_to_f32(16384), 0.5);
        for s in [i16::MIN, -1, 0, 1, 12345, i16::MAX] {
            assert_eq!(f32_to_i16(i16_to_f32(s)), s);
        }
    }

    #[test]
    fn levels_in_dbfs_for_the_meters() {
        assert_eq!(super::dbfs(1.0), 0.0);
        assert!((super::dbfs(0.5) - -6.0206).abs() < 1e-4);
        assert_eq!(super::dbfs(0.0), -60.0);
        assert_eq!(super::dbfs(f32::NAN), -60.0);
    }
}
