//! Independent checks of what the client sends, as the real service makes them: unknown
//! fields are rejected (close 1007), `setup` must come first, the model must exist (1008).
//! Written against the parsed JSON [`Value`], not the client's types, so a mistake in one
//! cannot hide in the other.

use crate::pcm::{self, PcmError};
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
    ClientContent,
    /// The answers' (id, function name, response as JSON text).
    ToolResponse(Vec<(String, String, String)>),
    ActivityStart,
    ActivityEnd,
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
        &["setup", "realtimeInput", "clientContent", "toolResponse"],
    ),
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

/// Models the stand-in accepts (the current native-audio Live models).
pub const MODELS: &[&str] = &[
    "models/gemini-2.5-flash-native-audio-preview-12-2025",
    "models/gemini-2.5-flash-native-audio-preview-09-2025",
    "models/gemini-2.5-flash-native-audio-latest",
    "models/gemini-3.1-flash-live-preview",
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
        "clientContent" => Ok(ClientMsg::ClientContent),
        _ => parse_tool_response(body),
    }
}

fn parse_setup(body: &Value) -> Result<SetupInfo, Reject> {
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !MODELS.contains(&model) {
        return Err(Reject {
            code: 1008,
            reason: format!(
                "{model} is not found for API version v1beta, or is not supported for bidiGenerateContent."
            ),
        });
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
    let functions = body
        .get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations")?.as_array())
        .flatten()
        .filter_map(|d| d.get("name")?.as_str().map(str::to_owned))
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
                (Some(id), Some(name)) => Ok((id, name, response)),
                _ => Err(invalid(
                    "Each function response needs its call's id and name.",
                )),
            }
        })
        .collect::<Result<_, _>>()
        .map(ClientMsg::ToolResponse)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETUP: &str = r#"{"setup":{"model":"models/gemini-2.5-flash-native-audio-preview-12-2025","generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Aoede"}}}},"inputAudioTranscription":{},"sessionResumption":{"handle":"h1"}}}"#;

    #[test]
    fn documented_setup_is_accepted() {
        let msg = parse(SETUP, false).unwrap();
        assert_eq!(
            msg,
            ClientMsg::Setup(SetupInfo {
                model: "models/gemini-2.5-flash-native-audio-preview-12-2025".into(),
                input_transcription: true,
                output_transcription: false,
                resumption: true,
                resume_handle: Some("h1".into()),
                automatic_activity: true,
                silence_ms: None,
                interrupts: true,
                functions: vec![],
            })
        );
    }

    #[test]
    fn unknown_fields_are_rejected_with_1007() {
        let r = parse(r#"{"realtimeInput":{"turnComplete":true}}"#, true).unwrap_err();
        assert_eq!(r.code, 1007);
        assert_eq!(
            r.reason,
            "Invalid JSON payload received. Unknown name \"turnComplete\" at 'realtimeInput': Cannot find field."
        );
        let r = parse(&SETUP.replace("voiceName", "voice_name_typo"), false).unwrap_err();
        assert_eq!(r.code, 1007);
        assert!(r
            .reason
            .contains("at 'setup.generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig'"));
    }

    #[test]
    fn order_and_shape() {
        assert_eq!(
            parse(r#"{"realtimeInput":{"audioStreamEnd":true}}"#, false)
                .unwrap_err()
                .reason,
            "The first message must be setup."
        );
        assert_eq!(
            parse(SETUP, true).unwrap_err().reason,
            "setup may be sent only once."
        );
        assert_eq!(parse("{", false).unwrap_err().code, 1007);
        assert_eq!(
            parse(r#"{"realtimeInput":{"mediaChunks":[]}}"#, true)
                .unwrap_err()
                .code,
            1007
        );
        assert_eq!(
            parse(r#"{"realtimeInput":{"audioStreamEnd":true}}"#, true).unwrap(),
            ClientMsg::AudioStreamEnd
        );
    }

    #[test]
    fn unknown_model_is_1008() {
        let r = parse(
            r#"{"setup":{"model":"models/gemini-2.0-flash-exp"}}"#,
            false,
        )
        .unwrap_err();
        assert_eq!(r.code, 1008);
        assert_eq!(r.reason, "models/gemini-2.0-flash-exp is not found for API version v1beta, or is not supported for bidiGenerateContent.");
    }

    #[test]
    fn audio_is_decoded() {
        let msg = parse(
            r#"{"realtimeInput":{"audio":{"data":"AQD+/zQS","mimeType":"audio/pcm;rate=16000"}}}"#,
            true,
        );
        assert_eq!(
            msg.unwrap(),
            ClientMsg::Audio {
                rate: 16_000,
                samples: vec![1, -2, 0x1234]
            }
        );
        let odd = parse(
            r#"{"realtimeInput":{"audio":{"data":"AQID","mimeType":"audio/pcm;rate=16000"}}}"#,
            true,
        );
        assert_eq!(odd.unwrap_err().code, 1007);
        let mime = parse(
            r#"{"realtimeInput":{"audio":{"data":"","mimeType":"audio/wav"}}}"#,
            true,
        );
        assert_eq!(
            mime.unwrap_err().reason,
            "Unsupported audio mime type \"audio/wav\"."
        );
    }
}
