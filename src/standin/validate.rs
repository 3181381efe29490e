//! Independent checks of what the client sends, as the real service makes them: unknown
//! fields are rejected (close 1007), `setup` must come first, the model must exist (1008).
//! Written against the parsed JSON [`Value`], not the client's types, so a mistake in one
//! cannot hide in the other.

use crate::pcm::{self, PcmError};
use crate::protocol::models;

mod content;
mod model;
use serde_json::Value;

/// A message the stand-in understood.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMsg {
    Setup(SetupInfo),
    /// 16 kHz (or as declared) int16 samples.
    Audio {
        rate: u32,
        samples: Vec<i16>,
    },
    AudioStreamEnd,
    Text(String),
    /// A `clientContent` turn: its user text, and whether it completes the turn.
    ClientContent {
        text: String,
        turn_complete: bool,
    },
    /// The answers.
    ToolResponse(Vec<Answer>),
    /// `contextUpdate`: the new instruction's text and the new tools' function names (each
    /// `None` when not changed).
    ContextUpdate {
        instruction: Option<String>,
        functions: Option<Vec<String>>,
    },
    ActivityStart,
    ActivityEnd,
}

/// One function response.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub id: String,
    pub name: String,
    /// The response as JSON text.
    pub response: String,
    /// `scheduling`, as sent (`INTERRUPT`, `WHEN_IDLE`, `SILENT`).
    pub scheduling: Option<String>,
    /// `willContinue: true`: an interim answer, more to follow.
    pub will_continue: bool,
}

/// The parts of `setup` the stand-in acts on.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SetupInfo {
    pub model: String,
    pub input_transcription: bool,
    pub output_transcription: bool,
    pub resumption: bool,
    pub resume_handle: Option<String>,
    /// `false`: push-to-talk (`automaticActivityDetection.disabled`).
    pub automatic_activity: bool,
    /// `silenceDurationMs`, if set.
    pub silence_ms: Option<u32>,
    /// `false`: `activityHandling: NO_INTERRUPTION`.
    pub interrupts: bool,
    /// `systemInstruction`'s text.
    pub instruction: Option<String>,
    /// The declared functions' names.
    pub functions: Vec<String>,
    /// Those whose calls do not block the model (the model's default, or the declaration's
    /// `behavior`).
    pub non_blocking: Vec<String>,
}

/// A rejection: the close code and the reason the real service would give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub code: u16,
    pub reason: String,
}

fn invalid(reason: impl Into<String>) -> Reject {
    Reject {
        code: 1007,
        reason: reason.into(),
    }
}

/// Field names allowed in each object, by path. `*` marks a free-form object.
const SCHEMA: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "setup",
            "realtimeInput",
            "clientContent",
            "toolResponse",
            "contextUpdate",
        ],
    ),
    ("contextUpdate", &["systemInstruction", "tools"]),
    ("contextUpdate.systemInstruction", &["role", "parts"]),
    ("contextUpdate.tools", &["tools"]),
    (
        "setup",
        &[
            "model",
            "generationConfig",
            "systemInstruction",
            "tools",
            "realtimeInputConfig",
            "inputAudioTranscription",
            "outputAudioTranscription",
            "sessionResumption",
            "contextWindowCompression",
            "proactivity",
        ],
    ),
    (
        "setup.generationConfig",
        &[
            "responseModalities",
            "speechConfig",
            "temperature",
            "topP",
            "topK",
            "maxOutputTokens",
            "candidateCount",
            "presencePenalty",
            "frequencyPenalty",
            "mediaResolution",
            "thinkingConfig",
            "enableAffectiveDialog",
        ],
    ),
    (
        "setup.generationConfig.speechConfig",
        &["voiceConfig", "languageCode"],
    ),
    (
        "setup.generationConfig.speechConfig.voiceConfig",
        &["prebuiltVoiceConfig"],
    ),
    (
        "setup.generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig",
        &["voiceName"],
    ),
    ("setup.systemInstruction", &["role", "parts"]),
    (
        "setup.realtimeInputConfig",
        &[
            "automaticActivityDetection",
            "activityHandling",
            "turnCoverage",
        ],
    ),
    (
        "setup.realtimeInputConfig.automaticActivityDetection",
        &[
            "disabled",
            "startOfSpeechSensitivity",
            "endOfSpeechSensitivity",
            "prefixPaddingMs",
            "silenceDurationMs",
        ],
    ),
    ("setup.inputAudioTranscription", &[]),
    ("setup.outputAudioTranscription", &[]),
    ("setup.sessionResumption", &["handle", "transparent"]),
    (
        "setup.contextWindowCompression",
        &["slidingWindow", "triggerTokens"],
    ),
    (
        "setup.contextWindowCompression.slidingWindow",
        &["targetTokens"],
    ),
    (
        "realtimeInput",
        &[
            "audio",
            "audioStreamEnd",
            "text",
            "video",
            "activityStart",
            "activityEnd",
            "mediaChunks",
        ],
    ),
    ("realtimeInput.audio", &["data", "mimeType"]),
    ("realtimeInput.activityStart", &[]),
    ("realtimeInput.activityEnd", &[]),
    ("clientContent", &["turns", "turnComplete"]),
    ("toolResponse", &["functionResponses"]),
];

fn check_fields(path: &str, object: &serde_json::Map<String, Value>) -> Result<(), Reject> {
    let Some((_, allowed)) = SCHEMA.iter().find(|(p, _)| *p == path) else {
        return Ok(()); // free-form (tools, parts, responses...)
    };
    for (name, value) in object {
        if !allowed.contains(&name.as_str()) {
            let at = if path.is_empty() {
                String::new()
            } else {
                format!(" at '{path}'")
            };
            return Err(invalid(format!(
                "Invalid JSON payload received. Unknown name \"{name}\"{at}: Cannot find field."
            )));
        }
        if let Value::Object(inner) = value {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path}.{name}")
            };
            check_fields(&child, inner)?;
        }
    }
    Ok(())
}

/// Parses and checks one client frame. `setup_done` says whether `setup` came already.
pub fn parse(text: &str, setup_done: bool) -> Result<ClientMsg, Reject> {
    let value = serde_json::from_str::<Value>(text)
        .map_err(|e| invalid(format!("Invalid JSON payload received. {e}")))?;
    let Value::Object(top) = &value else {
        return Err(invalid(
            "Invalid JSON payload received. Expected an object.",
        ));
    };
    check_fields("", top)?;
    if top.len() != 1 {
        return Err(invalid(
            "Exactly one of setup, realtimeInput, clientContent, toolResponse must be set.",
        ));
    }
    let (kind, body) = top.iter().next().ok_or_else(|| invalid("Empty message."))?;
    if (kind == "setup") == setup_done {
        return Err(invalid(if setup_done {
            "setup may be sent only once."
        } else {
            "The first message must be setup."
        }));
    }
    match kind.as_str() {
        "setup" => parse_setup(body).map(ClientMsg::Setup),
        "realtimeInput" => parse_realtime(body),
        "clientContent" => Ok(content::client_content(body)),
        "contextUpdate" => Ok(content::context_update(body)),
        _ => content::tool_response(body),
    }
}

fn parse_setup(body: &Value) -> Result<SetupInfo, Reject> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let known = model
        .strip_prefix("models/")
        .and_then(|id| models::MODELS.iter().find(|m| m.id == id));
    let Some(row) = known else {
        return Err(Reject {
            code: 1008,
            reason: format!(
                "{model} is not found for API version v1beta, or is not supported for bidiGenerateContent."
            ),
        });
    };
    if let Some(reason) = model::refused_for(row, body) {
        return Err(invalid(reason));
    }
    let modalities = body.pointer("/generationConfig/responseModalities");
    if let Some(m) = modalities {
        let ok = m.as_array().is_some_and(|a| {
            a.iter()
                .all(|x| matches!(x.as_str(), Some("AUDIO" | "TEXT")))
        });
        if !ok {
            return Err(invalid("Request contains an invalid argument."));
        }
    }
    let resumption = body.get("sessionResumption");
    let detection = body.pointer("/realtimeInputConfig/automaticActivityDetection");
    let handling = body.pointer("/realtimeInputConfig/activityHandling");
    let handling = handling.map(|h| h.as_str().unwrap_or_default());
    if !matches!(
        handling,
        None | Some("START_OF_ACTIVITY_INTERRUPTS" | "NO_INTERRUPTION")
    ) {
        return Err(invalid(format!(
            "Invalid value at 'setup.realtime_input_config.activity_handling' ({})",
            handling.unwrap_or_default()
        )));
    }
    let (functions, non_blocking) = model::functions(row, body);
    Ok(SetupInfo {
        model: model.to_owned(),
        input_transcription: body.get("inputAudioTranscription").is_some(),
        output_transcription: body.get("outputAudioTranscription").is_some(),
        resumption: resumption.is_some(),
        resume_handle: resumption
            .and_then(|r| r.get("handle"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        automatic_activity: detection
            .and_then(|d| d.get("disabled"))
            .and_then(Value::as_bool)
            != Some(true),
        silence_ms: detection
            .and_then(|d| d.get("silenceDurationMs"))
            .and_then(Value::as_u64)
            .map(|ms| ms.min(60_000) as u32),
        interrupts: handling != Some("NO_INTERRUPTION"),
        instruction: content::instruction(body),
        functions,
        non_blocking,
    })
}

fn parse_realtime(body: &Value) -> Result<ClientMsg, Reject> {
    let Value::Object(fields) = body else {
        return Err(invalid("realtimeInput must be an object."));
    };
    if fields.len() != 1 {
        return Err(invalid("Exactly one realtimeInput field must be set."));
    }
    if body.get("mediaChunks").is_some() {
        return Err(invalid(
            "realtimeInput.mediaChunks is deprecated; use realtimeInput.audio.",
        ));
    }
    if let Some(audio) = body.get("audio") {
        let mime = audio
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let rate = mime
            .strip_prefix("audio/pcm;rate=")
            .and_then(|r| r.parse::<u32>().ok())
            .filter(|r| (8_000..=48_000).contains(r))
            .ok_or_else(|| invalid(format!("Unsupported audio mime type \"{mime}\".")))?;
        let data = audio
            .get("data")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let samples = pcm::from_base64(data).map_err(|e| match e {
            PcmError::Base64 { .. } => invalid("Invalid value at 'realtime_input.audio.data' (TYPE_BYTES), Base64 decoding failed."),
            PcmError::OddLength { .. } => invalid("Audio data must hold whole 16-bit samples."),
        })?;
        return Ok(ClientMsg::Audio { rate, samples });
    }
    if let Some(end) = body.get("audioStreamEnd") {
        return match end {
            Value::Bool(true) => Ok(ClientMsg::AudioStreamEnd),
            _ => Err(invalid("audioStreamEnd must be true.")),
        };
    }
    if let Some(text) = body.get("text") {
        return Ok(ClientMsg::Text(
            text.as_str().unwrap_or_default().to_owned(),
        ));
    }
    if body.get("activityStart").is_some() {
        return Ok(ClientMsg::ActivityStart);
    }
    Ok(ClientMsg::ActivityEnd)
}

#[cfg(test)]
mod tests;
