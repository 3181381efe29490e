//! JSON text to a [`Value`] tree and back (RFC 8259), for the protocol and the stand-in.
//!
//! Why not serde_json: it was 11% of the page's wasm code (66 KB of function bodies with
//! serde, plus the float parsing and printing it pulls in), for messages whose shape is a
//! handful of fixed objects. This module is the part the page needs: numbers are kept as
//! their text (exact for tool arguments passed through, and no float code), objects keep
//! their order (duplicate keys: the last wins, as in serde_json), nesting is limited to
//! [`MAX_DEPTH`] so a hostile frame cannot overflow the stack. The host tests and the fuzz
//! target check it against serde_json.

use std::fmt;

/// Arrays and objects nested deeper than this are an error (serde_json's limit too).
pub const MAX_DEPTH: usize = 127;

/// A JSON value. Numbers are their validated text (`"-1.5e3"`).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// Members in order, keys unique.
    Object(Vec<(String, Value)>),
}

/// Where and why text is not JSON. `line` and `column` count from 1 (column in bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub line: usize,
    pub column: usize,
    pub message: &'static str,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

impl std::error::Error for Error {}

impl Value {
    /// An object from `(key, value)` pairs, in order.
    pub fn object<K: Into<String>>(members: impl IntoIterator<Item = (K, Value)>) -> Value {
        let mut object = Value::Object(Vec::new());
        for (key, value) in members {
            object.insert(key, value);
        }
        object
    }

    /// `{}`.
    pub fn empty_object() -> Value {
        Value::Object(Vec::new())
    }

    /// Sets `key` (replacing an earlier value in place); does nothing unless an object.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        if let Value::Object(members) = self {
            let key = key.into();
            match members.iter_mut().find(|(k, _)| *k == key) {
                Some(member) => member.1 = value,
                None => members.push((key, value)),
            }
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The value at a JSON Pointer (RFC 6901, without `~` escapes): `/a/b/0`.
    pub fn pointer(&self, path: &str) -> Option<&Value> {
        let mut at = self;
        for token in crate::ascii::split(path, b'/').skip(1) {
            at = match at {
                Value::Object(_) => at.get(token)?,
                Value::Array(items) => items.get(crate::ascii::number_as::<usize>(token)?)?,
                _ => return None,
            };
        }
        Some(at)
    }

    pub fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A number written as a non-negative integer that fits a `u64` (`12`, not `12.0`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(text) => crate::ascii::number(text),
            _ => None,
        }
    }

    /// The compact JSON text (no spaces), as the service and serde_json write it.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// Appends the compact JSON text to `out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(text) => out.push_str(text),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_json())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Value {
        Value::Number(crate::text(&n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Number(crate::text(&n))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

/// `s[range]` where both ends sit next to ASCII bytes (always character boundaries), without
/// the indexing's panic path: that path formats its message with `char`'s and `Range`'s
/// `Debug` and core's Unicode tables, about 4 KB of the page's wasm for a panic that cannot
/// happen here. (Empty if the range were not on boundaries.)
fn cut(s: &str, range: std::ops::Range<usize>) -> &str {
    s.get(range).unwrap_or_default()
}

/// A string literal with the escapes JSON requires (quote, backslash, control characters).
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, byte) in s.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0C => "\\f",
            0..=0x1F => "",
            _ => continue,
        };
        out.push_str(cut(s, plain..i));
        plain = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        } else {
            out.push_str(escape);
        }
    }
    out.push_str(cut(s, plain..s.len()));
    out.push('"');
}

/// Parses one JSON text (whitespace around it allowed, nothing else).
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    parser.skip_space();
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at < parser.bytes.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

mod parser;
use parser::Parser;

#[cfg(test)]
mod tests;
