//! Server -> client messages: the typed [`ServerMessage`] (serde derives, [`wire`]) and the
//! flat, ordered list of [`ServerEvent`]s the core acts on ([`events`]).
//!
//! The service sends JSON in binary frames (often pretty-printed); text frames work too.
//! The text is the edge's job: the page reads it with the browser's `JSON.parse` and
//! serde-wasm-bindgen, the host with [`decode`] (serde_json). Unknown fields are ignored
//! (the service adds fields over time). Every part of a `modelTurn` is delivered, not just
//! the first. Malformed input is an error value that names the field.

use crate::pcm::PcmError;
use serde_json::Value;
use std::fmt;
use std::time::Duration;

pub use events::events;
pub use wire::{Args, ServerMessage, TurnCompleteReason, MAX_ARGS_DEPTH};

/// One thing the service said, in the order it should be acted on.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    /// The session is configured; audio may be sent now.
    SetupComplete,
    /// The session's id, as `setupComplete` gave it (for the log).
    SessionId(String),
    /// A chunk of the model's speech.
    Audio(AudioChunk),
    /// A text part of the model's turn; `thought` marks reasoning summaries.
    Text { text: String, thought: bool },
    /// Transcription of the user's speech (a fragment).
    InputTranscription(String),
    /// Transcription of the model's speech (a fragment).
    OutputTranscription(String),
    /// The user talked over the model: stop playback now, drop what is queued.
    Interrupted,
    /// The model has finished generating this turn (playback may still be going on).
    GenerationComplete,
    /// The turn is over. Playback drains what it has; nothing is cut.
    TurnComplete,
    /// Why the turn ended, when the service says (`turnCompleteReason`, e.g.
    /// `NEED_MORE_INPUT`); comes just before [`ServerEvent::TurnComplete`].
    TurnCompleteReason(TurnCompleteReason),
    /// The model is waiting for the person (`waitingForInput`).
    WaitingForInput,
    /// Whether the session still works in the background (`interactionStatus`:
    /// `IN_PROGRESS`, more may follow) or is done (`IDLE`); comes with `turnComplete`.
    InteractionStatus(String),
    /// The service's activity detection heard the person start (`true`) or stop talking
    /// (`voiceActivity`).
    VoiceActivity { start: bool },
    /// A provisional transcription of the person's speech, replaced by the next one or by
    /// the final [`ServerEvent::InputTranscription`].
    InterimInputTranscription(String),
    /// The model asks for function calls.
    ToolCall(Vec<FunctionCall>),
    /// Earlier function calls, by id, are no longer wanted.
    ToolCallCancellation(Vec<String>),
    /// The server will close the connection soon; reconnect with the latest handle.
    GoAway { time_left: Option<Duration> },
    /// A handle to resume this conversation on a new connection.
    ResumptionUpdate {
        new_handle: Option<String>,
        resumable: bool,
    },
    /// Token accounting that rides along with other messages.
    Usage(UsageMetadata),
}

/// Model audio: int16 mono PCM at `rate` Hz.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioChunk {
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl AudioChunk {
    /// The chunk as pieces of at most `max_ms` of audio each (at least one sample), in
    /// order: a part holding minutes of audio is played piece by piece, each a short task.
    pub fn pieces(self, max_ms: u32) -> Vec<AudioChunk> {
        let max = (u64::from(self.rate) * u64::from(max_ms) / 1000).max(1) as usize;
        if self.samples.len() <= max {
            return vec![self];
        }
        self.samples
            .chunks(max)
            .map(|piece| AudioChunk {
                rate: self.rate,
                samples: piece.to_vec(),
            })
            .collect()
    }
}

/// A function the model wants called.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall {
    pub id: Option<String>,
    pub name: String,
    /// The arguments object (`null` when the model sent none).
    pub args: Value,
}

/// Token counts (all optional: the service sends what it has).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageMetadata {
    pub prompt_token_count: Option<u64>,
    pub response_token_count: Option<u64>,
    pub total_token_count: Option<u64>,
}

/// Why a server frame could not be understood. The session reports it and goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// The frame is not UTF-8 text (the offset of the first bad byte, when the reader says).
    NotUtf8 { valid_up_to: Option<usize> },
    /// The frame is not JSON text (`line` and `column` from 1; 0 when the reader does not
    /// say, as the browser's `JSON.parse` does not everywhere).
    Json {
        line: usize,
        column: usize,
        detail: String,
    },
    /// A known field holds the wrong kind of value (`path` like
    /// `serverContent.modelTurn.parts[1].inlineData.data`; `.` is the frame itself).
    Shape { path: String, detail: String },
    /// An audio part's payload could not be read.
    Audio { part: usize, error: PcmError },
    /// An inline data part carries a type this client cannot play.
    UnsupportedMime { part: usize, mime: String },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::NotUtf8 {
                valid_up_to: Some(at),
            } => write!(
                f,
                "server frame is not UTF-8 text (invalid byte at offset {at})"
            ),
            ProtocolError::NotUtf8 { valid_up_to: None } => {
                f.write_str("server frame is not UTF-8 text")
            }
            ProtocolError::Json {
                line: 0, detail, ..
            } => {
                write!(f, "server frame is not JSON ({detail})")
            }
            ProtocolError::Json {
                line,
                column,
                detail,
            } => write!(
                f,
                "server frame is not JSON (line {line}, column {column}: {detail})"
            ),
            ProtocolError::Shape { path, detail } => {
                write!(f, "server frame is not a valid message ({path}: {detail})")
            }
            ProtocolError::Audio { part, error } => {
                write!(f, "model audio in part {part} is unreadable: {error}")
            }
            ProtocolError::UnsupportedMime { part, mime } => write!(
                f,
                "model sent \"{mime}\" in part {part}; only audio/pcm is supported"
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Reads one frame's JSON text (the bytes of a binary frame, or a text frame's UTF-8) with
/// serde_json: the host's and the stand-in module's reader (the page uses the browser's).
pub fn decode_message(frame: &[u8]) -> Result<ServerMessage, ProtocolError> {
    let text = std::str::from_utf8(frame).map_err(|e| ProtocolError::NotUtf8 {
        valid_up_to: Some(e.valid_up_to()),
    })?;
    let mut reader = serde_json::Deserializer::from_str(text);
    let message = serde_path_to_error::deserialize(&mut reader)
        .map_err(|e| shape_error(e.path().to_string(), e.into_inner()))?;
    reader.end().map_err(|e| shape_error(".".into(), e))?;
    Ok(message)
}

/// [`decode_message`], then its [`events`].
pub fn decode(frame: &[u8]) -> Result<Vec<ServerEvent>, ProtocolError> {
    events(decode_message(frame)?)
}

/// A serde_json error with its path: a syntax error is [`ProtocolError::Json`] with its
/// place, the wrong kind of value a [`ProtocolError::Shape`] that names the field.
fn shape_error(path: String, inner: serde_json::Error) -> ProtocolError {
    // serde_json's message ends " at line L column C"; the fields say where.
    let mut detail = inner.to_string();
    if let Some(at) = detail.rfind(" at line ") {
        detail.truncate(at);
    }
    if inner.is_data() {
        ProtocolError::Shape { path, detail }
    } else {
        ProtocolError::Json {
            line: inner.line(),
            column: inner.column(),
            detail,
        }
    }
}

/// Parses an audio mime type: `audio/pcm;rate=24000` (also `audio/L16`, any case, spaces
/// around `;`). A missing rate means the documented output rate, 24 kHz.
pub fn pcm_rate(mime: &str) -> Option<u32> {
    let mut fields = mime.split(';').map(str::trim);
    let kind = fields.next()?.to_ascii_lowercase();
    if kind != "audio/pcm" && kind != "audio/l16" {
        return None;
    }
    let mut rate = super::OUTPUT_RATE;
    for field in fields {
        if let Some((key, value)) = field.split_once('=') {
            if key.trim().eq_ignore_ascii_case("rate") {
                rate = value.trim().parse().ok()?;
            }
        }
    }
    (1_000..=384_000).contains(&rate).then_some(rate)
}

/// Parses a protobuf JSON duration (`"50s"`, `"0.250s"`: seconds, up to 9 decimals).
/// Anything else (a sign, an exponent, more seconds than a `u64`) is `None`, never a panic.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let number = text.trim().strip_suffix('s')?;
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 9 {
        return None;
    }
    let nanos = fraction.bytes().chain(std::iter::repeat(b'0')).take(9);
    let nanos = nanos.fold(0, |n, b| n * 10 + u32::from(b - b'0'));
    Some(Duration::new(whole.parse().ok()?, nanos))
}

mod events;
pub mod wire;

#[cfg(test)]
mod tests;
