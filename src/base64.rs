//! Base64 (RFC 4648, standard alphabet), the form audio takes inside JSON, both ways.
//!
//! Written here rather than taken from the `base64` crate: the page needs one alphabet and
//! one padding rule, and the crate's engine was 7 KB of the page's wasm. Decoding accepts
//! the padding present or left out (as the service's protobuf JSON reader does) and
//! ignores the unused low bits of the last symbol; anything else outside the alphabet is
//! an error that says where. Tested against the `base64` crate.

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why text is not base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A byte outside the alphabet (or `=` before the end) at `offset`.
    InvalidByte { offset: usize, byte: u8 },
    /// `length` symbols (without padding) leave a single symbol over: 6 bits, not a byte.
    InvalidLength { length: usize },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidByte { offset, byte } => {
                write!(f, "invalid byte {byte:#04x} at offset {offset}")
            }
            Error::InvalidLength { length } => {
                write!(f, "{length} symbols cannot end a base64 text")
            }
        }
    }
}

impl std::error::Error for Error {}

/// `bytes` as padded base64.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let symbol = |n: u32, shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        out.push(symbol(n, 18));
        out.push(symbol(n, 12));
        out.push(if group.len() > 1 { symbol(n, 6) } else { '=' });
        out.push(if group.len() > 2 { symbol(n, 0) } else { '=' });
    }
    out
}

/// The value of one symbol, or `None` outside the alphabet.
fn value(byte: u8) -> Option<u32> {
    Some(u32::from(match byte {
        b'A'..=b'Z' => byte - b'A',
        b'a'..=b'z' => byte - b'a' + 26,
        b'0'..=b'9' => byte - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Base64 text to bytes.
pub fn decode(text: &str) -> Result<Vec<u8>, Error> {
    let input = text.as_bytes();
    // Up to two `=` at the end, and only where they complete a group of four.
    let pad = input
        .iter()
        .rev()
        .take(2)
        .take_while(|&&b| b == b'=')
        .count();
    let symbols = &input[..input.len() - pad];
    if pad > 0 && !input.len().is_multiple_of(4) {
        return Err(Error::InvalidByte {
            offset: symbols.len(),
            byte: b'=',
        });
    }
    if symbols.len() % 4 == 1 {
        return Err(Error::InvalidLength {
            length: symbols.len(),
        });
    }
    if pad > 0 && (symbols.len() % 4) + pad != 4 {
        return Err(Error::InvalidByte {
            offset: symbols.len(),
            byte: b'=',
        });
    }
    let mut out = Vec::with_capacity(symbols.len() / 4 * 3 + 2);
    for (index, group) in symbols.chunks(4).enumerate() {
        let mut n = 0u32;
        for (i, &byte) in group.iter().enumerate() {
            let offset = index * 4 + i;
            n |= value(byte).ok_or(Error::InvalidByte { offset, byte })? << (18 - 6 * i);
        }
        let [_, a, b, c] = n.to_be_bytes();
        out.extend_from_slice(&[a, b, c][..group.len() - 1]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    use ::base64::Engine as _;

    #[test]
    fn known_values() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg==");
        assert_eq!(encode(b"fo"), "Zm8=");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(&[1, 0, 0xFE, 0xFF, 0x34, 0x12]), "AQD+/zQS");
        assert_eq!(decode("Zg==").unwrap(), b"f");
        assert_eq!(decode("Zg").unwrap(), b"f", "padding may be left out");
        assert_eq!(decode("Zm8=").unwrap(), b"fo");
        assert_eq!(decode("AQD+/zQS").unwrap(), [1, 0, 0xFE, 0xFF, 0x34, 0x12]);
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            decode("AQ!D").unwrap_err(),
            Error::InvalidByte {
                offset: 2,
                byte: b'!'
            }
        );
        assert_eq!(
            decode("AQ!D").unwrap_err().to_string(),
            "invalid byte 0x21 at offset 2"
        );
        assert_eq!(
            decode("AQIDB").unwrap_err(),
            Error::InvalidLength { length: 5 }
        );
        assert_eq!(
            decode("Zg=").unwrap_err(),
            Error::InvalidByte {
                offset: 2,
                byte: b'='
            }
        );
        assert_eq!(
            decode("Zm9v=").unwrap_err(),
            Error::InvalidByte {
                offset: 4,
                byte: b'='
            }
        );
        assert_eq!(
            decode("Z===").unwrap_err(),
            Error::InvalidByte {
                offset: 1,
                byte: b'='
            }
        );
        assert_eq!(
            decode("Zg==Zg==").unwrap_err(),
            Error::InvalidByte {
                offset: 2,
                byte: b'='
            }
        );
        assert_eq!(
            decode("AQ D").unwrap_err(),
            Error::InvalidByte {
                offset: 2,
                byte: b' '
            }
        );
    }

    #[test]
    fn agrees_with_the_base64_crate() {
        // Every length 0..300 of a varied byte pattern, both ways.
        let data: Vec<u8> = (0..300u32).map(|i| (i * 151 + 7) as u8).collect();
        for n in 0..data.len() {
            let ours = encode(&data[..n]);
            assert_eq!(ours, STANDARD.encode(&data[..n]));
            assert_eq!(decode(&ours).unwrap(), &data[..n]);
            let unpadded = STANDARD_NO_PAD.encode(&data[..n]);
            assert_eq!(decode(&unpadded).unwrap(), &data[..n]);
        }
        // Every 4-symbol text over a reduced alphabet with padding and stray bytes: where the
        // crate accepts, we read the same bytes.
        let symbols = b"AZaz09+/=-!";
        for &a in symbols {
            for &b in symbols {
                for &c in symbols {
                    for &d in symbols {
                        let text = String::from_utf8(vec![a, b, c, d]).unwrap();
                        if let Ok(theirs) = STANDARD.decode(&text) {
                            assert_eq!(decode(&text).unwrap(), theirs, "{text}");
                        }
                    }
                }
            }
        }
    }
}
