//! Independent checks of what the client sends, as the real service makes them: unknown
//! fields are rejected (close 1007), `setup` must come first, the model must exist (1008).
//! Written against the parsed JSON [`Value`], not the client's types, so a mistake in one
//! cannot hide in the other.

use crate::pcm::{self, PcmError};
use crate::protocol::models::{self, Calls, Model, Proactive};
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

/// What the service refuses for `model` in a setup `body`, in its words (close 1007): the
/// fields the model table ([`models`]) marks as refused.
fn refused_for(model: &Model, body: &Value) -> Option<String> {
    let id = model.id;
    if !model.thinking && body.pointer("/generationConfig/thinkingConfig").is_some() {
        return Some(format!("thinking_config is not supported for models/{id}."));
    }
    if !model.affective_dialog
        && body
            .pointer("/generationConfig/enableAffectiveDialog")
            .is_some()
    {
        return Some(format!(
            "enable_affective_dialog is not supported for models/{id}."
        ));
    }
    let proactive = body.pointer("/proactivity/proactiveAudio");
    match model.proactive_audio {
        Proactive::No if body.get("proactivity").is_some() => {
            return Some(format!("proactivity is not supported for models/{id}."));
        }
        Proactive::AlwaysOn if proactive == Some(&Value::Bool(false)) => {
            return Some(format!(
                "Proactive audio is always on for models/{id}; proactive_audio: false is not allowed."
            ));
        }
        _ => {}
    }
    let behavior = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations")?.as_array())
        .flatten()
        .any(|d| d.get("behavior").is_some());
    if !model.async_calls() && behavior {
        return Some(format!(
            "function_declarations.behavior is not supported for models/{id}: function calls are synchronous."
        ));
    }
    None
}

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
        "clientContent" => Ok(parse_client_content(body)),
        "contextUpdate" => Ok(ClientMsg::ContextUpdate {
            instruction: body.get("systemInstruction").map(|content| {
                let parts = content.get("parts").and_then(Value::as_array);
                let texts = parts.into_iter().flatten();
                let texts: Vec<&str> = texts.filter_map(|p| p.get("text")?.as_str()).collect();
                texts.join(" ")
            }),
            functions: body.pointer("/tools/tools").map(|tools| {
                let tools = tools.as_array().into_iter().flatten();
                let declared = tools.filter_map(|t| t.get("functionDeclarations")?.as_array());
                let names = declared.flatten().filter_map(|d| d.get("name")?.as_str());
                names.map(str::to_owned).collect()
            }),
        }),
        _ => parse_tool_response(body),
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
    if let Some(reason) = refused_for(row, body) {
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
    let declarations: Vec<&Value> = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations")?.as_array())
        .flatten()
        .collect();
    let name = |d: &&Value| d.get("name")?.as_str().map(str::to_owned);
    let functions = declarations.iter().filter_map(name).collect();
    let non_blocking = declarations
        .iter()
        .filter(|d| match d.get("behavior").and_then(Value::as_str) {
            Some(behavior) => behavior == "NON_BLOCKING",
            None => row.calls == Calls::NonBlockingByDefault,
        })
        .filter_map(name)
        .collect();
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

/// The user text of a `clientContent` (its turns' text parts, joined) and its `turnComplete`.
fn parse_client_content(body: &Value) -> ClientMsg {
    let text: Vec<&str> = body
        .get("turns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|turn| turn.get("role").and_then(Value::as_str) != Some("model"))
        .filter_map(|turn| turn.get("parts")?.as_array())
        .flatten()
        .filter_map(|part| part.get("text")?.as_str())
        .collect();
    ClientMsg::ClientContent {
        text: text.join(" "),
        turn_complete: body.get("turnComplete").and_then(Value::as_bool) == Some(true),
    }
}

fn parse_tool_response(body: &Value) -> Result<ClientMsg, Reject> {
    let answers = body
        .get("functionResponses")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("toolResponse.functionResponses must be a list."))?;
    answers
        .iter()
        .map(|a| {
            let field = |name: &str| a.get(name).and_then(Value::as_str).map(str::to_owned);
            let response = a.get("response").map(Value::to_string).unwrap_or_default();
            match (field("id"), field("name")) {
                (Some(id), Some(name)) => Ok(Answer {
                    id,
                    name,
                    response,
                    scheduling: field("scheduling"),
                }),
                _ => Err(invalid(
                    "Each function response needs its call's id and name.",
                )),
            }
        })
        .collect::<Result<_, _>>()
        .map(ClientMsg::ToolResponse)
}

#[cfg(test)]
mod tests;
