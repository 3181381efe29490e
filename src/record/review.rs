//! Reviewing a stored conversation: its record read back (the JSON the page stores beside
//! the recording, [`Export`]), the lines shown beside the player (turns, tool calls and
//! notes in time order, each with what a reviewer asks of it), which line is being heard at
//! a time, where the turns and marks fall on the waveform, and the waveform's peaks read
//! from the stored WAV a piece at a time. No browser types: `web::review` draws it.

use super::export::{Export, SCHEMA, VERSION};
use super::{NoteKind, Who};
use crate::wav::{describe_header, HEADER_LEN};
use std::fmt;

/// Why a stored record cannot be reviewed.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewError {
    /// Not a record: the JSON parser's words.
    NotARecord(String),
    /// Another schema's JSON.
    OtherSchema(String),
    /// A record written by a newer version of the page.
    Newer(u32),
}

impl fmt::Display for ReviewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewError::NotARecord(e) => write!(f, "the stored record is not readable ({e})"),
            ReviewError::OtherSchema(s) => write!(f, "the stored file is a \"{s}\", not a record"),
            ReviewError::Newer(v) => write!(
                f,
                "the record is version {v}; this page reads up to version {VERSION}"
            ),
        }
    }
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    You,
    Typed,
    Model,
    Tool,
    Note(NoteKind),
}

/// A line beside the player: from `at` to `end` (s from the WAV's first sample), who or
/// what, the words, and the detail (cut off, unheard, latency, the tool's answer).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub at: f64,
    pub end: f64,
    pub kind: LineKind,
    pub text: String,
    pub detail: String,
}

/// A stretch of the waveform: a turn (who, cut off or not).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub start: f64,
    pub end: f64,
    pub who: Who,
    pub interrupted: bool,
}

/// A point marked on the waveform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Where the model was cut off.
    Cut,
    /// A tool call asked.
    Tool,
    /// A reconnect, a warning or an error.
    Note(NoteKind),
}

/// A stored conversation's record, ready to review.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub record: Export,
    pub lines: Vec<Line>,
}

impl Review {
    /// Reads a stored record (its JSON). The page reads it with the browser's JSON parser
    /// instead ([`Review::check`], then [`Review::new`]).
    pub fn parse(json: &str) -> Result<Review, ReviewError> {
        #[derive(serde::Deserialize)]
        struct Head {
            schema: String,
            version: u32,
        }
        let head: Head =
            serde_json::from_str(json).map_err(|e| ReviewError::NotARecord(e.to_string()))?;
        Review::check(&head.schema, head.version)?;
        let record =
            serde_json::from_str(json).map_err(|e| ReviewError::NotARecord(e.to_string()))?;
        Ok(Review::new(record))
    }

    /// Whether a record's `schema` and `version` are ones this page reads.
    pub fn check(schema: &str, version: u32) -> Result<(), ReviewError> {
        if schema != SCHEMA {
            return Err(ReviewError::OtherSchema(schema.to_owned()));
        }
        if version > VERSION {
            return Err(ReviewError::Newer(version));
        }
        Ok(())
    }

    /// The review of a record read.
    pub fn new(record: Export) -> Review {
        let lines = lines(&record);
        Review { record, lines }
    }

    /// The line being heard at `t` (s): the last to begin at or before it.
    pub fn line_at(&self, t: f64) -> Option<usize> {
        // A click lands the player a hair before the line's start (its time is rounded to
        // the sample): a millisecond counts as there.
        let n = self.lines.partition_point(|l| l.at <= t + 0.001);
        n.checked_sub(1)
    }

    /// The turns as bands on the waveform.
    pub fn bands(&self) -> Vec<Band> {
        let turns = self.record.turns.iter().filter(|t| !t.typed);
        turns
            .map(|t| Band {
                start: t.start,
                end: t.end,
                who: t.who,
                interrupted: t.interrupted,
            })
            .collect()
    }

    /// Who is heard at `t` among `bands`: the model where its turn is (it is laid over
    /// your voice), else you.
    pub fn heard_at(bands: &[Band], t: f64) -> Who {
        let model = |b: &Band| b.who == Who::Model && b.start <= t && t < b.end;
        if bands.iter().any(model) {
            Who::Model
        } else {
            Who::You
        }
    }

    /// The points marked on the waveform: cut-offs, tool calls, reconnects and errors.
    pub fn marks(&self) -> Vec<(f64, Mark)> {
        let cuts = self.record.turns.iter().filter(|t| t.interrupted);
        let mut marks: Vec<(f64, Mark)> = cuts.map(|t| (t.end, Mark::Cut)).collect();
        marks.extend(self.record.tools.iter().map(|c| (c.asked, Mark::Tool)));
        let notes = self.record.notes.iter();
        marks.extend(notes.map(|n| (n.at, Mark::Note(n.kind))));
        marks
    }

    /// One sentence for the top of the view: turns, replies, calls, latency.
    pub fn summary(&self) -> String {
        let turns = &self.record.turns;
        let yours = turns.iter().filter(|t| t.who == Who::You).count();
        let replies = turns.iter().filter(|t| t.who == Who::Model).count();
        let cut = turns.iter().filter(|t| t.interrupted).count();
        let calls = self.record.tools.len();
        let mut out = format!(
            "{}, {}",
            count(yours, "turn of yours", "turns of yours"),
            count(replies, "reply", "replies")
        );
        if cut > 0 {
            out.push_str(&format!(" ({cut} cut off)"));
        }
        out.push_str(&format!(", {}", count(calls, "tool call", "tool calls")));
        if self.record.tokens.total > 0 {
            out.push_str(&format!(", {} tokens", self.record.tokens.total));
        }
        match &self.record.latency {
            Some(l) => out.push_str(&format!(
                ". Replies began {} ms after you stopped (median), {} ms at worst.",
                whole(l.median_ms),
                whole(l.worst_ms)
            )),
            None => out.push('.'),
        }
        if let Some(consent) = &self.record.consent {
            out.push_str(&format!(
                " Told before the first Talk, at {}: \"{}\"",
                consent.shown_at, consent.text
            ));
        }
        out
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The record's turns, tool calls and notes as lines in time order (ties: turns first).
fn lines(record: &Export) -> Vec<Line> {
    let mut lines = Vec::new();
    for turn in &record.turns {
        let kind = match (turn.who, turn.typed) {
            (Who::You, false) => LineKind::You,
            (Who::You, true) => LineKind::Typed,
            (Who::Model, _) => LineKind::Model,
        };
        let mut detail = Vec::new();
        if turn.interrupted {
            detail.push("cut off".to_owned());
        }
        if let Some(unheard) = turn.unheard.filter(|&s| s >= 0.05) {
            let tenths = (unheard * 10.0).round() as u64;
            detail.push(format!("{}.{} s not heard", tenths / 10, tenths % 10));
        }
        if let Some(l) = &turn.latency {
            detail.push(format!(
                "began {} ms after you stopped ({} to its first audio, {} buffered)",
                whole(l.total_ms),
                whole(l.to_first_audio_ms),
                whole(l.buffered_ms)
            ));
        }
        if let Some(usage) = turn.usage {
            detail.push(format!("{} tokens", usage.total));
        }
        let text = if turn.text.is_empty() {
            "(no words)".to_owned()
        } else {
            turn.text.clone()
        };
        lines.push(Line {
            at: turn.start,
            end: turn.end,
            kind,
            text,
            detail: detail.join("; "),
        });
    }
    for call in &record.tools {
        let detail = match (&call.answer, call.answered, call.cancelled) {
            (_, _, Some(_)) => "cancelled".to_owned(),
            (Some(answer), Some(at), None) => format!(
                "answered after {} ms: {answer}",
                whole((at - call.asked) * 1000.0)
            ),
            _ => "not answered".to_owned(),
        };
        let end = call.answered.or(call.cancelled).unwrap_or(call.asked);
        lines.push(Line {
            at: call.asked,
            end,
            kind: LineKind::Tool,
            text: format!("{}({})", call.name, call.args),
            detail,
        });
    }
    for note in &record.notes {
        lines.push(Line {
            at: note.at,
            end: note.at,
            kind: LineKind::Note(note.kind),
            text: note.text.clone(),
            detail: String::new(),
        });
    }
    // A turn, then a call or note at the same instant.
    super::export::in_order(lines, |l| l.at)
}

/// Milliseconds as a whole number (integers print with less code in the page than floats).
fn whole(ms: f64) -> i64 {
    ms.round() as i64
}

/// "1:02.3": a time in a recording, to the tenth of a second.
pub fn clock(t: f64) -> String {
    let tenths = (t.max(0.0) * 10.0).round() as u64;
    format!("{}:{:02}.{}", tenths / 600, tenths / 10 % 60, tenths % 10)
}

/// "PT4.606S": a time in a recording as a `<time datetime>` duration, to the millisecond.
pub fn duration(t: f64) -> String {
    let ms = (t.max(0.0) * 1000.0).round() as u64;
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

/// The loudest sample (0..=1, over both channels) of each of `columns` equal stretches of a
/// stored 16-bit WAV, read a piece at a time so a long file never sits in memory whole.
#[derive(Debug, Clone)]
pub struct Peaks {
    channels: u16,
    rate: u32,
    frames: u64,
    seen: u64,
    /// A sample split across two pieces: its first byte.
    carry: Option<u8>,
    out: Vec<f32>,
}

impl Peaks {
    /// For a file whose first bytes are `header` and whose size is `file_len`; `None` for
    /// anything but a 16-bit PCM WAV of ours.
    pub fn new(header: &[u8], file_len: u64, columns: usize) -> Option<Peaks> {
        let (rate, channels, seconds) = describe_header(header, file_len)?;
        Some(Peaks {
            channels,
            rate,
            frames: (seconds * f64::from(rate)).round() as u64,
            seen: 0,
            carry: None,
            out: vec![0.0; columns.max(1)],
        })
    }

    /// Where the audio starts in the file, and where it ends.
    pub fn data(&self) -> (u64, u64) {
        let len = self.frames * u64::from(self.channels) * 2;
        (HEADER_LEN as u64, HEADER_LEN as u64 + len)
    }

    /// Seconds of audio.
    pub fn duration(&self) -> f64 {
        self.frames as f64 / f64::from(self.rate)
    }

    /// The next piece of the audio (the bytes after the last piece's).
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if let (Some(low), Some((&high, rest))) = (self.carry, bytes.split_first()) {
            self.carry = None;
            self.sample(i16::from_le_bytes([low, high]));
            bytes = rest;
        }
        let mut pairs = bytes.chunks_exact(2);
        for pair in &mut pairs {
            self.sample(i16::from_le_bytes([pair[0], pair[1]]));
        }
        self.carry = pairs.remainder().first().copied();
    }

    fn sample(&mut self, s: i16) {
        let frame = self.seen / u64::from(self.channels);
        self.seen += 1;
        if frame >= self.frames {
            return;
        }
        let column = (frame * self.out.len() as u64 / self.frames) as usize;
        let level = f32::from(s).abs() / 32_768.0;
        let peak = &mut self.out[column];
        *peak = peak.max(level);
    }

    /// The peaks, one per column.
    pub fn finish(self) -> Vec<f32> {
        self.out
    }
}

#[cfg(test)]
mod tests;
