//! A parsed server frame to [`ServerEvent`]s. Unknown fields are ignored and `null` counts
//! as absent; a known field of the wrong kind (`"turnComplete": "yes"`) is an error that
//! names it, since acting on half a message could drop audio silently.

use super::{pcm, pcm_rate, AudioChunk, FunctionCall, ProtocolError, ServerEvent, UsageMetadata};
use crate::json::Value;

/// One object and where it sits in the frame (`serverContent.modelTurn.parts[1]`), for
/// error messages.
struct At<'a> {
    value: &'a Value,
    path: String,
}

fn wrong(path: &str, key: &str, expected: &'static str) -> ProtocolError {
    ProtocolError::Shape {
        path: join(path, key),
        expected,
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> At<'a> {
    fn field(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| **v != Value::Null)
    }

    fn object(&self, key: &str) -> Result<Option<At<'a>>, ProtocolError> {
        match self.field(key) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(At {
                value,
                path: join(&self.path, key),
            })),
            Some(_) => Err(wrong(&self.path, key, "an object")),
        }
    }

    fn flag(&self, key: &str) -> Result<bool, ProtocolError> {
        match self.field(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(wrong(&self.path, key, "true or false")),
        }
    }

    fn text(&self, key: &str) -> Result<Option<&'a str>, ProtocolError> {
        match self.field(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong(&self.path, key, "a string")),
        }
    }

    fn count(&self, key: &str) -> Result<Option<u64>, ProtocolError> {
        self.field(key)
            .map(|v| v.as_u64().ok_or_else(|| wrong(&self.path, key, "a count")))
            .transpose()
    }

    /// An array of objects (`None` and absent are empty).
    fn objects(&self, key: &str) -> Result<Vec<At<'a>>, ProtocolError> {
        let items = match self.field(key) {
            None => return Ok(Vec::new()),
            Some(Value::Array(items)) => items,
            Some(_) => return Err(wrong(&self.path, key, "a list")),
        };
        items
            .iter()
            .enumerate()
            .map(|(i, value)| match value {
                Value::Object(_) => Ok(At {
                    value,
                    path: format!("{}[{i}]", join(&self.path, key)),
                }),
                _ => Err(wrong(&self.path, key, "a list of objects")),
            })
            .collect()
    }
}

/// The events of one frame, in the order they should be acted on.
pub(super) fn events(message: &Value) -> Result<Vec<ServerEvent>, ProtocolError> {
    if !matches!(message, Value::Object(_)) {
        return Err(ProtocolError::Shape {
            path: "the frame".into(),
            expected: "an object",
        });
    }
    let top = At {
        value: message,
        path: String::new(),
    };
    let mut events = Vec::new();
    if top.field("setupComplete").is_some() {
        events.push(ServerEvent::SetupComplete);
    }
    if let Some(content) = top.object("serverContent")? {
        server_content(content, &mut events)?;
    }
    if let Some(call) = top.object("toolCall")? {
        let calls = call.objects("functionCalls")?;
        let calls = calls
            .into_iter()
            .map(function_call)
            .collect::<Result<_, _>>()?;
        events.push(ServerEvent::ToolCall(calls));
    }
    if let Some(cancel) = top.object("toolCallCancellation")? {
        let ids = match cancel.field("ids") {
            None => Vec::new(),
            Some(Value::Array(ids)) => ids
                .iter()
                .map(|id| id.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| wrong(&cancel.path, "ids", "a list of strings"))?,
            Some(_) => return Err(wrong(&cancel.path, "ids", "a list of strings")),
        };
        events.push(ServerEvent::ToolCallCancellation(ids));
    }
    if let Some(activity) = top.object("voiceActivity")? {
        match activity.text("voiceActivityType")? {
            Some("ACTIVITY_START") => events.push(ServerEvent::VoiceActivity { start: true }),
            Some("ACTIVITY_END") => events.push(ServerEvent::VoiceActivity { start: false }),
            _ => {} // unspecified, or a type added later
        }
    }
    if let Some(update) = top.object("sessionResumptionUpdate")? {
        events.push(ServerEvent::ResumptionUpdate {
            new_handle: update
                .text("newHandle")?
                .filter(|h| !h.is_empty())
                .map(str::to_owned),
            resumable: update.flag("resumable")?,
        });
    }
    if let Some(go_away) = top.object("goAway")? {
        events.push(ServerEvent::GoAway {
            time_left: go_away.text("timeLeft")?.and_then(super::parse_duration),
        });
    }
    if let Some(usage) = top.object("usageMetadata")? {
        events.push(ServerEvent::Usage(UsageMetadata {
            prompt_token_count: usage.count("promptTokenCount")?,
            response_token_count: usage.count("responseTokenCount")?,
            total_token_count: usage.count("totalTokenCount")?,
        }));
    }
    Ok(events)
}

fn function_call(call: At<'_>) -> Result<FunctionCall, ProtocolError> {
    Ok(FunctionCall {
        id: call.text("id")?.map(str::to_owned),
        name: call
            .text("name")?
            .ok_or_else(|| wrong(&call.path, "name", "a function name"))?
            .to_owned(),
        args: call.field("args").cloned().unwrap_or_default(),
    })
}

/// Order: what the user said, what the model said, then the turn's state changes.
fn server_content(content: At<'_>, events: &mut Vec<ServerEvent>) -> Result<(), ProtocolError> {
    if let Some(said) = content.object("interimInputTranscription")? {
        if let Some(text) = said.text("text")?.filter(|t| !t.is_empty()) {
            events.push(ServerEvent::InterimInputTranscription(text.to_owned()));
        }
    }
    if let Some(said) = content.object("inputTranscription")? {
        if let Some(text) = said.text("text")?.filter(|t| !t.is_empty()) {
            events.push(ServerEvent::InputTranscription(text.to_owned()));
        }
    }
    let parts = match content.object("modelTurn")? {
        Some(turn) => turn.objects("parts")?,
        None => Vec::new(),
    };
    for (index, part) in parts.into_iter().enumerate() {
        if let Some(blob) = part.object("inlineData")? {
            let mime = blob.text("mimeType")?.unwrap_or_default();
            let rate = pcm_rate(mime).ok_or_else(|| ProtocolError::UnsupportedMime {
                part: index,
                mime: mime.to_owned(),
            })?;
            let samples = pcm::from_base64(blob.text("data")?.unwrap_or_default())
                .map_err(|error| ProtocolError::Audio { part: index, error })?;
            events.push(ServerEvent::Audio(AudioChunk { rate, samples }));
        }
        if let Some(text) = part.text("text")?.filter(|t| !t.is_empty()) {
            events.push(ServerEvent::Text {
                text: text.to_owned(),
                thought: part.flag("thought")?,
            });
        }
    }
    if let Some(said) = content.object("outputTranscription")? {
        if let Some(text) = said.text("text")?.filter(|t| !t.is_empty()) {
            events.push(ServerEvent::OutputTranscription(text.to_owned()));
        }
    }
    for (flag, event) in [
        ("interrupted", ServerEvent::Interrupted),
        ("generationComplete", ServerEvent::GenerationComplete),
        ("waitingForInput", ServerEvent::WaitingForInput),
    ] {
        if content.flag(flag)? {
            events.push(event);
        }
    }
    if let Some(reason) = content.text("turnCompleteReason")? {
        let unspecified = reason.is_empty() || reason == "TURN_COMPLETE_REASON_UNSPECIFIED";
        if !unspecified {
            events.push(ServerEvent::TurnCompleteReason(reason.to_owned()));
        }
    }
    if content.flag("turnComplete")? {
        events.push(ServerEvent::TurnComplete);
    }
    Ok(())
}
