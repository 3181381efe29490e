//! The recursive-descent reader behind [`super::parse`]: one pass over the bytes, strings
//! without escapes copied as one slice (audio payloads are tens of kilobytes of base64).

use super::{Error, Value, MAX_DEPTH};

pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl Parser<'_> {
    pub(super) fn error(&self, message: &'static str) -> Error {
        let before = &self.bytes[..self.at.min(self.bytes.len())];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Error {
            line,
            column: before.len() - line_start + 1,
            message,
        }
    }

    pub(super) fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    /// A value starting at the current byte (whitespace already skipped).
    pub(super) fn value(&mut self, depth: usize) -> Result<Value, Error> {
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value) -> Result<Value, Error> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected value"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.at += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error("invalid number (leading zero)"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number (no digits after '.')"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number (no digits in exponent)"));
            }
        }
        Ok(Value::Number(
            super::cut(self.text, start..self.at).to_owned(),
        ))
    }

    /// A string literal, the current byte being its opening quote.
    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = String::new();
        let mut plain = self.at;
        loop {
            let Some(byte) = self.peek() else {
                return Err(self.error("EOF while parsing a string"));
            };
            match byte {
                b'"' => {
                    out.push_str(super::cut(self.text, plain..self.at));
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(super::cut(self.text, plain..self.at));
                    self.at += 1;
                    self.escape(&mut out)?;
                    plain = self.at;
                }
                0..=0x1F => return Err(self.error("control character in string")),
                // Multi-byte UTF-8 never contains these bytes, so the slices stay on
                // character boundaries.
                _ => self.at += 1,
            }
        }
    }

    /// One escape, after its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), Error> {
        let Some(byte) = self.peek() else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.at += 1;
        let c = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode()?,
            _ => {
                self.at -= 1;
                return Err(self.error("invalid escape"));
            }
        };
        out.push(c);
        Ok(())
    }

    /// `\uXXXX` (after the `u`), joining a surrogate pair; a lone surrogate is an error.
    fn unicode(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.at..].starts_with(b"\\u") {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("invalid low surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in hex escape")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| char::from(b).to_digit(16))
                .ok_or_else(|| self.error("invalid hex escape"))?;
            code = code * 16 + digit;
            self.at += 1;
        }
        Ok(code)
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_space();
            items.push(self.value(depth)?);
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Value::Array(items));
                }
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.at += 1;
        let mut members = Vec::new();
        self.skip_space();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'"') => {}
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("key must be a string")),
            }
            let key = self.string()?;
            self.skip_space();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.at += 1;
            self.skip_space();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_space();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Value::Object(without_duplicates(members)));
                }
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => return Err(self.error("expected ',' or '}'")),
            }
        }
    }
}

/// Duplicate keys: the last value wins, at the first one's place (as [`Value::insert`]).
/// Small objects are scanned; larger ones sort their places by key (n log n for a hostile
/// object of a million keys).
/// Sorts `places` by `less` (a strict total order): heapsort, n log n at worst, no memory,
/// and a tenth of the code of the standard library's sorts (a hash map or `sort_unstable`
/// here each brought 1-2 KB into the page for this one use).
pub(super) fn heapsort(places: &mut [usize], less: impl Fn(usize, usize) -> bool) {
    let sift = |places: &mut [usize], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(places[child], places[child + 1]) {
            child += 1;
        }
        if !less(places[root], places[child]) {
            break;
        }
        places.swap(root, child);
        root = child;
    };
    let n = places.len();
    for start in (0..n / 2).rev() {
        sift(places, start, n);
    }
    for end in (1..n).rev() {
        places.swap(0, end);
        sift(places, 0, end);
    }
}

fn without_duplicates(mut members: Vec<(String, Value)>) -> Vec<(String, Value)> {
    // (a later place, the first place of its key)
    let moves: Vec<(usize, usize)> = if members.len() <= 8 {
        (1..members.len())
            .filter_map(|i| {
                let first = members[..i].iter().position(|m| m.0 == members[i].0)?;
                Some((i, first))
            })
            .collect()
    } else {
        // The places in key order (ties in place order): each run of one key starts at
        // its first place.
        let mut order: Vec<usize> = (0..members.len()).collect();
        heapsort(&mut order, |a, b| (&members[a].0, a) < (&members[b].0, b));
        let mut moves = Vec::new();
        let mut first = order[0];
        for pair in order.windows(2) {
            if members[pair[1]].0 == members[pair[0]].0 {
                moves.push((pair[1], first));
            } else {
                first = pair[1];
            }
        }
        moves
    };
    if moves.is_empty() {
        return members;
    }
    let mut keep = vec![true; members.len()];
    for (i, at) in moves {
        members[at].1 = std::mem::take(&mut members[i].1);
        keep[i] = false;
    }
    let mut index = 0;
    members.retain(|_| {
        index += 1;
        keep[index - 1]
    });
    members
}
