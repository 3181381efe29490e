//! Client -> server messages. Each serialises to one JSON object with exactly one
//! top-level key, camelCase fields in the documented order, optional fields omitted.
//!
//! There is deliberately no "continue signal": an empty `clientContent` interrupts the
//! model by definition and is fatal (1007) on 3.1 models. Stop Mic sends
//! [`ClientMessage::audio_stream_end`] instead of `clientContent {turnComplete: true}`.

use crate::pcm;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// One message from the client. Serialises as `{"<variant>": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ClientMessage {
    /// Sent once, first; nothing else may be sent before `setupComplete`.
    Setup(Setup),
    /// Streamed input: audio, end of audio stream, text, manual activity markers.
    RealtimeInput(RealtimeInput),
    /// Turns appended to the history. Interrupts any current generation.
    ClientContent(ClientContent),
    /// Answers to the model's `toolCall`.
    ToolResponse(ToolResponse),
    /// A new system instruction and/or tools mid-session (models that take it: 3.8 Live).
    ContextUpdate(ContextUpdate),
}

/// `contextUpdate`: only the fields set change; tools go wrapped (`{"tools": []}` clears
/// them), the instruction replaces the setup's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<ContextTools>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContextTools {
    pub tools: Vec<Value>,
}

impl ClientMessage {
    /// `contextUpdate`: `instruction` (blank: none, sent as an empty text) and/or `tools`.
    pub fn context_update(instruction: Option<&str>, tools: Option<Vec<Value>>) -> Self {
        ClientMessage::ContextUpdate(ContextUpdate {
            system_instruction: instruction.map(|text| Content {
                role: None,
                parts: vec![Part::text(text.trim())],
            }),
            tools: tools.map(|tools| ContextTools { tools }),
        })
    }

    /// `realtimeInput.audio` with int16 PCM at `rate` Hz.
    pub fn audio(samples: &[i16], rate: u32) -> Self {
        ClientMessage::RealtimeInput(RealtimeInput {
            audio: Some(MediaBlob {
                data: pcm::to_base64(samples),
                mime_type: format!("audio/pcm;rate={rate}"),
            }),
            ..RealtimeInput::default()
        })
    }

    /// `realtimeInput.audioStreamEnd`: the microphone was turned off; the server flushes
    /// what it has cached. Audio may be sent again later to reopen the stream.
    pub fn audio_stream_end() -> Self {
        ClientMessage::RealtimeInput(RealtimeInput {
            audio_stream_end: Some(true),
            ..RealtimeInput::default()
        })
    }

    /// `realtimeInput.activityStart` (push-to-talk pressed) or `activityEnd` (released).
    pub fn activity(start: bool) -> Self {
        let marker = Some(Enabled {});
        ClientMessage::RealtimeInput(if start {
            RealtimeInput {
                activity_start: marker,
                ..RealtimeInput::default()
            }
        } else {
            RealtimeInput {
                activity_end: marker,
                ..RealtimeInput::default()
            }
        })
    }

    /// `realtimeInput.text`: typed input that does not interrupt generation by itself.
    pub fn realtime_text(text: &str) -> Self {
        ClientMessage::RealtimeInput(RealtimeInput {
            text: Some(text.to_owned()),
            ..RealtimeInput::default()
        })
    }

    /// `clientContent` with one user text turn.
    pub fn user_turn(text: &str, turn_complete: bool) -> Self {
        ClientMessage::ClientContent(ClientContent {
            turns: vec![Content::user_text(text)],
            turn_complete,
        })
    }

    /// `toolResponse` answering one or more function calls.
    pub fn tool_response(responses: Vec<FunctionResponse>) -> Self {
        ClientMessage::ToolResponse(ToolResponse {
            function_responses: responses,
        })
    }

    /// The JSON text, by serde_json (the host's and the tests' writer; the page's edge
    /// writes with the browser's `JSON.stringify`).
    pub fn to_json(&self) -> String {
        // Serialising these types cannot fail: every map key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An empty JSON object, `{}`: how the API switches on a feature with default settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Enabled {}

/// `setup`: the session's configuration.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setup {
    /// With the `models/` prefix.
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation_config: Option<GenerationConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_instruction: Option<Content>,
    /// Tool declarations, passed through as given (`[{"functionDeclarations": [...]}]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realtime_input_config: Option<TurnTaking>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_audio_transcription: Option<Enabled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_audio_transcription: Option<Enabled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_resumption: Option<SessionResumption>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_window_compression: Option<ContextWindowCompression>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proactivity: Option<Proactivity>,
}

impl Setup {
    /// A spoken-reply session with `model` (the `models/` prefix is added if missing).
    pub fn audio(model: &str, voice: &str) -> Self {
        let model = model.trim();
        let model = if model.starts_with("models/") {
            model.to_owned()
        } else {
            format!("models/{model}")
        };
        Setup {
            model,
            generation_config: Some(GenerationConfig {
                response_modalities: vec![Modality::Audio],
                speech_config: Some(SpeechConfig::voice(voice)),
                thinking_config: None,
                enable_affective_dialog: None,
            }),
            ..Setup::default()
        }
    }

    /// Adds a system instruction; blank text leaves it out.
    pub fn with_system_instruction(mut self, text: &str) -> Self {
        self.system_instruction = (!text.trim().is_empty()).then(|| Content {
            role: None,
            parts: vec![Part::text(text)],
        });
        self
    }

    /// Asks for `inputTranscription` / `outputTranscription` messages.
    pub fn with_transcription(mut self, input: bool, output: bool) -> Self {
        self.input_audio_transcription = input.then_some(Enabled {});
        self.output_audio_transcription = output.then_some(Enabled {});
        self
    }

    /// Turns on session resumption; `handle` continues an earlier conversation.
    pub fn with_resumption(mut self, handle: Option<String>) -> Self {
        self.session_resumption = Some(SessionResumption { handle });
        self
    }

    /// Sliding-window context compression, which lifts the 15-minute audio session limit.
    pub fn with_sliding_window(mut self) -> Self {
        self.context_window_compression = Some(ContextWindowCompression {
            sliding_window: SlidingWindow::default(),
        });
        self
    }

    /// Automatic (server-side) voice activity detection on or off, default settings.
    pub fn with_automatic_activity_detection(self, on: bool) -> Self {
        self.with_turn_taking(TurnTaking {
            automatic: on,
            ..TurnTaking::default()
        })
    }

    /// How turns are taken (`realtimeInputConfig`); all defaults leave it out.
    pub fn with_turn_taking(mut self, turns: TurnTaking) -> Self {
        self.realtime_input_config = Some(turns);
        self
    }

    /// Function declarations (`[{"functionDeclarations": [...]}]`); none leaves it out.
    pub fn with_tools(mut self, tools: Vec<Value>) -> Self {
        self.tools = (!tools.is_empty()).then_some(tools);
        self
    }
}

/// `realtimeInputConfig`: automatic activity detection and its tuning, and whether talking
/// over the model interrupts it. `None` fields are left out (the service's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct TurnTaking {
    /// Off: push-to-talk, the client sends `activityStart` / `activityEnd`.
    pub automatic: bool,
    pub start_sensitivity: Option<Sensitivity>,
    pub end_sensitivity: Option<Sensitivity>,
    /// Speech needed before a start is committed (ms).
    pub prefix_padding_ms: Option<u32>,
    /// Silence needed before an end is committed (ms).
    pub silence_duration_ms: Option<u32>,
    /// `false`: `activityHandling: NO_INTERRUPTION` (the model talks on over you).
    pub interrupts: bool,
}

impl Default for TurnTaking {
    fn default() -> Self {
        TurnTaking {
            automatic: true,
            start_sensitivity: None,
            end_sensitivity: None,
            prefix_padding_ms: None,
            silence_duration_ms: None,
            interrupts: true,
        }
    }
}

/// `realtimeInputConfig` as sent: the flags become the API's enum spellings.
impl Serialize for TurnTaking {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Detection {
            disabled: bool,
            #[serde(skip_serializing_if = "Option::is_none")]
            start_of_speech_sensitivity: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            end_of_speech_sensitivity: Option<&'static str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            prefix_padding_ms: Option<u32>,
            #[serde(skip_serializing_if = "Option::is_none")]
            silence_duration_ms: Option<u32>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            automatic_activity_detection: Detection,
            #[serde(skip_serializing_if = "Option::is_none")]
            activity_handling: Option<&'static str>,
        }
        let high_low = |s: Option<Sensitivity>, high, low| {
            s.map(|s| if s == Sensitivity::High { high } else { low })
        };
        Wire {
            automatic_activity_detection: Detection {
                disabled: !self.automatic,
                start_of_speech_sensitivity: high_low(
                    self.start_sensitivity,
                    "START_SENSITIVITY_HIGH",
                    "START_SENSITIVITY_LOW",
                ),
                end_of_speech_sensitivity: high_low(
                    self.end_sensitivity,
                    "END_SENSITIVITY_HIGH",
                    "END_SENSITIVITY_LOW",
                ),
                prefix_padding_ms: self.prefix_padding_ms,
                silence_duration_ms: self.silence_duration_ms,
            },
            activity_handling: (!self.interrupts).then_some("NO_INTERRUPTION"),
        }
        .serialize(serializer)
    }
}

/// How readily speech is taken to start or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    High,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    pub response_modalities: Vec<Modality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speech_config: Option<SpeechConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking_config: Option<ThinkingConfig>,
    /// The model adapts its tone to the person's (2.5 native audio, v1alpha).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_affective_dialog: Option<bool>,
}

/// `thinkingConfig`: a budget (2.5) or a level (3.x), never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ThinkingConfig {
    /// Tokens the model may think with; 0 turns thinking off.
    #[serde(rename = "thinkingBudget")]
    Budget(i32),
    /// `MINIMAL`, `LOW`, `MEDIUM` or `HIGH`.
    #[serde(rename = "thinkingLevel")]
    Level(String),
}

/// `proactivity`: the model may stay silent when what it hears is not meant for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Proactivity {
    pub proactive_audio: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Modality {
    Audio,
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpeechConfig {
    pub voice_config: VoiceConfig,
}

impl SpeechConfig {
    pub fn voice(name: &str) -> Self {
        SpeechConfig {
            voice_config: VoiceConfig {
                prebuilt_voice_config: PrebuiltVoiceConfig {
                    voice_name: name.to_owned(),
                },
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceConfig {
    pub prebuilt_voice_config: PrebuiltVoiceConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrebuiltVoiceConfig {
    pub voice_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResumption {
    /// The `newHandle` of an earlier session; `None` starts a new, resumable one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContextWindowCompression {
    pub sliding_window: SlidingWindow,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlidingWindow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_tokens: Option<u64>,
}

/// A turn: a role and its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub parts: Vec<Part>,
}

impl Content {
    pub fn user_text(text: &str) -> Self {
        Content {
            role: Some("user".to_owned()),
            parts: vec![Part::text(text)],
        }
    }
}

/// A text part or an inline media part.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_data: Option<MediaBlob>,
}

impl Part {
    pub fn text(text: &str) -> Self {
        Part {
            text: Some(text.to_owned()),
            inline_data: None,
        }
    }
}

/// Base64 data with its mime type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaBlob {
    pub data: String,
    pub mime_type: String,
}

/// `realtimeInput`: exactly one field is set per message.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RealtimeInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<MediaBlob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_stream_end: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Manual turn-taking only (automatic activity detection disabled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_start: Option<Enabled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_end: Option<Enabled>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientContent {
    pub turns: Vec<Content>,
    pub turn_complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolResponse {
    pub function_responses: Vec<FunctionResponse>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionResponse {
    pub id: String,
    pub name: String,
    pub response: Value,
    /// When the model speaks about a non-blocking call's answer (models that run calls
    /// asynchronously only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling: Option<Scheduling>,
}

/// When the model takes up a non-blocking call's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Scheduling {
    /// At once, interrupting what it is saying.
    Interrupt,
    /// Once it has finished what it is saying.
    WhenIdle,
    /// Taken in without a word.
    Silent,
}

impl Scheduling {
    /// From the API's spelling.
    pub fn parse(s: &str) -> Option<Scheduling> {
        match s {
            "INTERRUPT" => Some(Scheduling::Interrupt),
            "WHEN_IDLE" => Some(Scheduling::WhenIdle),
            "SILENT" => Some(Scheduling::Silent),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
