//! Server -> client messages, decoded into a flat, ordered list of [`ServerEvent`]s.
//!
//! The service sends JSON in binary frames (often pretty-printed); text frames work too.
//! Unknown fields are ignored (the service adds fields over time). Every part of a
//! `modelTurn` is delivered, not just the first. Malformed input is an error value.

use crate::pcm::{self, PcmError};
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// One thing the service said, in the order it should be acted on.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerEvent {
    /// The session is configured; audio may be sent now.
    SetupComplete,
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

/// A function the model wants called.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FunctionCall {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub args: serde_json::Value,
}

/// Token counts (all optional: the service sends what it has).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    pub prompt_token_count: Option<u64>,
    pub response_token_count: Option<u64>,
    pub total_token_count: Option<u64>,
}

/// Why a server frame could not be understood. The session reports it and goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// The frame is not UTF-8 text.
    NotUtf8 { valid_up_to: usize },
    /// The frame is not the JSON shape of a server message.
    Json {
        line: usize,
        column: usize,
        detail: String,
    },
    /// An audio part's payload could not be read.
    Audio { part: usize, error: PcmError },
    /// An inline data part carries a type this client cannot play.
    UnsupportedMime { part: usize, mime: String },
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::NotUtf8 { valid_up_to } => write!(
                f,
                "server frame is not UTF-8 text (invalid byte at offset {valid_up_to})"
            ),
            ProtocolError::Json {
                line,
                column,
                detail,
            } => write!(
                f,
                "server frame is not a valid message (line {line}, column {column}: {detail})"
            ),
            ProtocolError::Audio { part, error } => {
                write!(f, "model audio in part {part} is unreadable: {error}")
            }
            ProtocolError::UnsupportedMime { part, mime } => write!(
                f,
                "model sent {mime:?} in part {part}; only audio/pcm is supported"
            ),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// Decodes one frame (the bytes of a binary frame, or a text frame's UTF-8).
pub fn decode(frame: &[u8]) -> Result<Vec<ServerEvent>, ProtocolError> {
    let text = std::str::from_utf8(frame).map_err(|e| ProtocolError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    let raw: RawMessage = serde_json::from_str(text).map_err(|e| ProtocolError::Json {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    raw.into_events()
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

/// Parses a protobuf JSON duration (`"50s"`, `"0.250s"`).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let seconds: f64 = text.trim().strip_suffix('s')?.parse().ok()?;
    // `try_`: a finite but huge value (a hostile "1e300s") must not panic the page.
    Duration::try_from_secs_f64(seconds).ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    setup_complete: Option<serde_json::Value>,
    server_content: Option<RawServerContent>,
    tool_call: Option<RawToolCall>,
    tool_call_cancellation: Option<RawToolCallCancellation>,
    go_away: Option<RawGoAway>,
    session_resumption_update: Option<RawResumptionUpdate>,
    usage_metadata: Option<UsageMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawServerContent {
    model_turn: Option<RawContent>,
    #[serde(default)]
    turn_complete: bool,
    #[serde(default)]
    generation_complete: bool,
    #[serde(default)]
    interrupted: bool,
    input_transcription: Option<RawTranscription>,
    output_transcription: Option<RawTranscription>,
}

#[derive(Deserialize)]
struct RawContent {
    #[serde(default)]
    parts: Vec<RawPart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawPart {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    inline_data: Option<RawBlob>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBlob {
    #[serde(default)]
    mime_type: String,
    #[serde(default)]
    data: String,
}

#[derive(Deserialize)]
struct RawTranscription {
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawToolCall {
    #[serde(default)]
    function_calls: Vec<FunctionCall>,
}

#[derive(Deserialize)]
struct RawToolCallCancellation {
    #[serde(default)]
    ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawGoAway {
    time_left: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResumptionUpdate {
    new_handle: Option<String>,
    #[serde(default)]
    resumable: bool,
}

impl RawMessage {
    fn into_events(self) -> Result<Vec<ServerEvent>, ProtocolError> {
        let mut events = Vec::new();
        if self.setup_complete.is_some() {
            events.push(ServerEvent::SetupComplete);
        }
        if let Some(content) = self.server_content {
            content.push_events(&mut events)?;
        }
        if let Some(call) = self.tool_call {
            events.push(ServerEvent::ToolCall(call.function_calls));
        }
        if let Some(cancel) = self.tool_call_cancellation {
            events.push(ServerEvent::ToolCallCancellation(cancel.ids));
        }
        if let Some(update) = self.session_resumption_update {
            events.push(ServerEvent::ResumptionUpdate {
                new_handle: update.new_handle.filter(|h| !h.is_empty()),
                resumable: update.resumable,
            });
        }
        if let Some(go_away) = self.go_away {
            events.push(ServerEvent::GoAway {
                time_left: go_away.time_left.as_deref().and_then(parse_duration),
            });
        }
        if let Some(usage) = self.usage_metadata {
            events.push(ServerEvent::Usage(usage));
        }
        Ok(events)
    }
}

impl RawServerContent {
    /// Order: what the user said, what the model said, then the turn's state changes.
    fn push_events(self, events: &mut Vec<ServerEvent>) -> Result<(), ProtocolError> {
        if let Some(t) = self.input_transcription.filter(|t| !t.text.is_empty()) {
            events.push(ServerEvent::InputTranscription(t.text));
        }
        let parts = self.model_turn.map(|turn| turn.parts).unwrap_or_default();
        for (index, part) in parts.into_iter().enumerate() {
            if let Some(blob) = part.inline_data {
                let rate =
                    pcm_rate(&blob.mime_type).ok_or_else(|| ProtocolError::UnsupportedMime {
                        part: index,
                        mime: blob.mime_type.clone(),
                    })?;
                let samples = pcm::from_base64(&blob.data)
                    .map_err(|error| ProtocolError::Audio { part: index, error })?;
                events.push(ServerEvent::Audio(AudioChunk { rate, samples }));
            }
            if let Some(text) = part.text.filter(|t| !t.is_empty()) {
                events.push(ServerEvent::Text {
                    text,
                    thought: part.thought,
                });
            }
        }
        if let Some(t) = self.output_transcription.filter(|t| !t.text.is_empty()) {
            events.push(ServerEvent::OutputTranscription(t.text));
        }
        if self.interrupted {
            events.push(ServerEvent::Interrupted);
        }
        if self.generation_complete {
            events.push(ServerEvent::GenerationComplete);
        }
        if self.turn_complete {
            events.push(ServerEvent::TurnComplete);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
