//! The conversation recording: the person's voice and the model's voice on one timeline,
//! rendered to a 16-bit WAV in blocks. No browser types; the page feeds it and turns the
//! blocks into Blob parts.
//!
//! What goes in (see `design.md`, decision 7):
//! - user chunks (16 kHz, exactly what was sent), each at the recording time of its first
//!   sample: a stopped-then-restarted mic leaves silence; nothing is pulled earlier;
//! - the model's chunks as received (24 kHz), per turn, and the playback log saying which
//!   part of each turn was heard when: audio received but never played is not in the file;
//!   an interrupted buffer is cut where playback stopped, with the same fade the listener
//!   heard.
//!
//! Times are seconds on the recording's clock; each playback session brings its own offset
//! (a reconnect gets a new AudioContext whose clock starts at zero).
//!
//! Rendering resamples with the band-limited resampler (16 <-> 24 kHz), mixes in floating
//! point and saturates when converting to int16 (no wrap-around), one block at a time.

use crate::playback::Played;
use crate::protocol::{INPUT_RATE as USER_RATE, OUTPUT_RATE as SOURCE_RATE};
use crate::wav::{self, WavError};

/// Frames rendered per block (one second at 24 kHz).
const BLOCK: usize = SOURCE_RATE as usize;

mod format;
pub mod live;
pub mod stored;
mod stream;

pub use format::Format;
use std::borrow::Cow;
use stream::{mix_block, Segment, Stream};

struct UserChunk {
    at: f64,
    samples: Vec<i16>,
}

struct ModelSession {
    offset: f64,
    rate: u32,
    /// The model's audio per turn (turn `n` at index `n - 1`).
    turns: Vec<Vec<i16>>,
    played: Vec<Played>,
}

/// Which playback session model audio belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId(usize);

/// The recording so far.
#[derive(Default)]
pub struct Recorder {
    user: Vec<UserChunk>,
    sessions: Vec<ModelSession>,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder::default()
    }

    /// A chunk the microphone sent (16 kHz), whose first sample was captured at `at`.
    pub fn add_user(&mut self, at: f64, samples: &[i16]) {
        if samples.is_empty() || !at.is_finite() {
            return;
        }
        self.user.push(UserChunk {
            at,
            samples: samples.to_vec(),
        });
    }

    /// A new playback session: its clock's zero is `offset` on the recording's clock and it
    /// counts frames at `rate`.
    pub fn begin_session(&mut self, offset: f64, rate: u32) -> SessionId {
        self.sessions.push(ModelSession {
            offset,
            rate: rate.max(1),
            turns: Vec::new(),
            played: Vec::new(),
        });
        SessionId(self.sessions.len() - 1)
    }

    /// Model audio (24 kHz) of `turn` (from 1), in the order received.
    pub fn add_model(&mut self, session: SessionId, turn: u64, samples: &[i16]) {
        if let Some(s) = self.sessions.get_mut(session.0) {
            append_turn(&mut s.turns, turn, samples);
        }
    }

    /// The session's playback log as it stands (it changes when an interruption cuts).
    pub fn set_played(&mut self, session: SessionId, played: &[Played]) {
        if let Some(s) = self.sessions.get_mut(session.0) {
            s.played.clear();
            s.played.extend_from_slice(played);
        }
    }

    /// More of the session's playback log, in order: entries whose `heard` is final
    /// ([`crate::playback::Scheduler::settled_since`]), so nothing is copied twice.
    pub fn add_played(&mut self, session: SessionId, played: &[Played]) {
        if let Some(s) = self.sessions.get_mut(session.0) {
            s.played.extend_from_slice(played);
        }
    }

    /// Whether anything was recorded.
    pub fn is_empty(&self) -> bool {
        self.span().is_none()
    }

    /// Samples held (user and model), for the memory figure.
    pub fn stored_samples(&self) -> usize {
        let user: usize = self.user.iter().map(|c| c.samples.len()).sum();
        let model: usize = self
            .sessions
            .iter()
            .flat_map(|s| s.turns.iter())
            .map(Vec::len)
            .sum();
        user + model
    }

    /// The model's heard pieces as (start time in seconds, segment at 24 kHz with `at` = 0).
    fn model_pieces(&self) -> Vec<(f64, Segment<'_>)> {
        let mut pieces = Vec::new();
        for s in &self.sessions {
            for p in &s.played {
                let turn = p.turn.checked_sub(1).and_then(|t| s.turns.get(t as usize));
                if let Some(piece) = turn.and_then(|turn| piece(s.offset, s.rate, turn, p)) {
                    pieces.push(piece);
                }
            }
        }
        pieces
    }

    /// (start, end) of the recording in seconds, if anything was recorded.
    pub fn span(&self) -> Option<(f64, f64)> {
        let user = self
            .user
            .iter()
            .map(|c| (c.at, c.at + c.samples.len() as f64 / f64::from(USER_RATE)));
        let model = self
            .model_pieces()
            .into_iter()
            .map(|(at, s)| (at, at + s.samples.len() as f64 / f64::from(SOURCE_RATE)));
        user.chain(model)
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
    }

    /// Length of the recording in seconds.
    pub fn duration(&self) -> f64 {
        self.span().map_or(0.0, |(a, b)| b - a)
    }

    /// Frames a file in `format` will hold.
    pub fn frames(&self, format: Format) -> u64 {
        frames_in(self.duration(), format)
    }

    /// Size in bytes of the file in `format`.
    pub fn wav_len(&self, format: Format) -> u64 {
        wav::HEADER_LEN as u64 + self.frames(format) * u64::from(format.channels()) * 2
    }

    /// The WAV file in `format`, as a sequence of byte blocks (header first).
    pub fn render(&self, format: Format) -> Result<Render<'_>, WavError> {
        let (origin, end) = self.span().unwrap_or((0.0, 0.0));
        let frames = frames_in(end - origin, format);
        let header = wav::header(format.rate(), format.channels(), frames)?;
        let mut user: Vec<Segment<'_>> = self
            .user
            .iter()
            .map(|c| Segment {
                at: ((c.at - origin) * f64::from(USER_RATE)).round() as i64,
                samples: Cow::Borrowed(&c.samples),
                fade: None,
                fade_in: 0,
            })
            .collect();
        let mut model: Vec<Segment<'_>> = self
            .model_pieces()
            .into_iter()
            .map(|(at, s)| Segment {
                at: ((at - origin) * f64::from(SOURCE_RATE)).round() as i64,
                ..s
            })
            .collect();
        user.sort_by_key(|s| s.at);
        model.sort_by_key(|s| s.at);
        Ok(Render {
            header: Some(header),
            user: Stream::new(user, USER_RATE, format.rate()),
            model: Stream::new(model, SOURCE_RATE, format.rate()),
            stereo: format.channels() == 2,
            left: frames,
            user_block: Vec::with_capacity(BLOCK),
            model_block: Vec::with_capacity(BLOCK),
        })
    }

    /// The recording's outline for a picture: `columns` equal slices of its span, each with
    /// the largest absolute sample (0..=1) of the person's track and of the model's (as
    /// heard, faded where cut). Reads the stored samples once, without resampling.
    pub fn peaks(&self, columns: usize) -> Vec<[f32; 2]> {
        let mut out = vec![[0.0f32; 2]; columns];
        let Some((origin, end)) = self.span() else {
            return out;
        };
        if columns == 0 || end <= origin {
            return out;
        }
        let per_sec = columns as f64 / (end - origin);
        let mut mark = |track: usize, at: f64, segment: &Segment<'_>, rate: u32| {
            let first = (at - origin) * per_sec;
            let step = per_sec / f64::from(rate);
            for i in 0..segment.samples.len() {
                let column = ((first + i as f64 * step) as usize).min(columns - 1);
                let peak = &mut out[column][track];
                *peak = peak.max(segment.value(i).abs());
            }
        };
        for c in &self.user {
            let segment = Segment {
                at: 0,
                samples: Cow::Borrowed(&c.samples),
                fade: None,
                fade_in: 0,
            };
            mark(0, c.at, &segment, USER_RATE);
        }
        for (at, segment) in self.model_pieces() {
            mark(1, at, &segment, SOURCE_RATE);
        }
        out
    }

    /// The whole file in one buffer (tests and small recordings).
    pub fn to_wav(&self, format: Format) -> Result<Vec<u8>, WavError> {
        Ok(self.render(format)?.flatten().collect())
    }
}

/// Appends model audio to turn `turn` (from 1) of a session's per-turn audio.
fn append_turn(turns: &mut Vec<Vec<i16>>, turn: u64, samples: &[i16]) {
    let Some(index) = (turn as usize).checked_sub(1) else {
        return;
    };
    if turns.len() <= index {
        turns.resize_with(index + 1, Vec::new);
    }
    turns[index].extend_from_slice(samples);
}

/// What of a played buffer was heard, as (start time in seconds on the recording's clock,
/// segment of `turn`'s 24 kHz audio with `at` = 0), for a session whose clock starts at
/// `offset` and counts frames at `rate`. `None` when nothing of it was heard.
fn piece<'t>(offset: f64, rate: u32, turn: &'t [i16], p: &Played) -> Option<(f64, Segment<'t>)> {
    let rate = f64::from(rate);
    let per_frame = f64::from(SOURCE_RATE) / rate; // source samples per frame
    let first = p.source_pos.round().max(0.0) as usize;
    let last = (p.source_pos + p.heard as f64 * per_frame).round().max(0.0) as usize;
    let last = last.min(turn.len());
    if last <= first {
        return None;
    }
    // Source sample i sounds at start + (i - source_pos) / 24 kHz.
    let at =
        offset + p.start as f64 / rate + (first as f64 - p.source_pos) / f64::from(SOURCE_RATE);
    let fade = p.fade_from.map(|f| {
        let i = (p.source_pos + (f.saturating_sub(p.start)) as f64 * per_frame)
            .round()
            .max(0.0) as usize;
        i.clamp(first, last) - first
    });
    // A buffer that resumes its turn after a gap fades in over its first frames.
    let fade_in = (p.fade_in as f64 * per_frame).round() as usize;
    let samples = Cow::Borrowed(&turn[first..last]);
    Some((
        at,
        Segment {
            at: 0,
            samples,
            fade,
            fade_in: fade_in.min(last - first),
        },
    ))
}

/// Frames `seconds` of audio take in `format` (the tolerance keeps float noise in a whole
/// number of frames from adding one).
fn frames_in(seconds: f64, format: Format) -> u64 {
    (seconds * f64::from(format.rate()) - 1e-6).ceil().max(0.0) as u64
}

/// The download's name: the local date and time the recording started, and the format,
/// e.g. `conversation-2026-11-21-14-05-09-mono24.wav`.
pub fn file_name(date: [u32; 6], format: Format) -> String {
    let [y, mo, d, h, mi, s] = date;
    format!(
        "conversation-{y:04}-{mo:02}-{d:02}-{h:02}-{mi:02}-{s:02}-{}.wav",
        format.id()
    )
}

/// The stored file's name while it is being written: a name still like this on the next
/// visit is a recording whose tab died.
pub fn part_name(name: &str) -> String {
    format!("{}.part.wav", name.strip_suffix(".wav").unwrap_or(name))
}

/// When a stored recording began, from its name ("2026-11-23 14:02"); the name itself if it
/// is not one of ours.
pub fn stored_when(name: &str) -> String {
    let stem = name.strip_prefix("conversation-").unwrap_or(name);
    match stem.get(..16).map(|s| s.split('-').collect::<Vec<_>>()) {
        Some(p) if p.len() == 5 && p.iter().all(|x| x.bytes().all(|b| b.is_ascii_digit())) => {
            format!("{}-{}-{} {}:{}", p[0], p[1], p[2], p[3], p[4])
        }
        _ => name.to_owned(),
    }
}

/// How a stored recording is listed: "Conversation of 2026-11-23 14:02 (8:12, 23.6 MB)", or
/// "Recover the conversation of ..." for one whose tab died before it ended. `header` is
/// the file's first 44 bytes; `busy`: another tab is writing it now (neither damaged nor to
/// recover, however its header reads).
pub fn stored_label(name: &str, size: u64, header: &[u8], busy: bool) -> String {
    let when = stored_when(name);
    let described = crate::wav::describe_header(header, size);
    if busy {
        let so_far = described.map_or(String::new(), |(_, _, s)| {
            format!(" ({})", describe(s, size))
        });
        return format!("Being recorded in another tab: the conversation of {when}{so_far}");
    }
    let Some((_, _, seconds)) = described else {
        // Not a WAV header of ours (a write cut short at the very start, or another file):
        // listed, so it can be downloaded as it is or deleted.
        return format!(
            "Damaged recording of {when} ({} kB, no readable header)",
            size.div_ceil(1000)
        );
    };
    let what = if name.ends_with(".part.wav") {
        "Recover the conversation of"
    } else {
        "Conversation of"
    };
    format!("{what} {when} ({})", describe(seconds, size))
}

/// "1:05, 3.1 MB": a duration and a size for people.
pub fn describe(seconds: f64, bytes: u64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let size = if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6)
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    };
    format!("{}:{:02}, {size}", total / 60, total % 60)
}

/// The WAV file as blocks of bytes: the header, then up to one second of audio per block.
pub struct Render<'a> {
    header: Option<[u8; wav::HEADER_LEN]>,
    user: Stream<'a>,
    model: Stream<'a>,
    stereo: bool,
    left: u64,
    user_block: Vec<f32>,
    model_block: Vec<f32>,
}

impl Iterator for Render<'_> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if let Some(h) = self.header.take() {
            return Some(h.to_vec());
        }
        if self.left == 0 {
            return None;
        }
        let n = (self.left as usize).min(BLOCK);
        self.left -= n as u64;
        self.user.take(n, &mut self.user_block);
        self.model.take(n, &mut self.model_block);
        Some(mix_block(&self.user_block, &self.model_block, self.stereo))
    }
}

#[cfg(test)]
mod tests;
