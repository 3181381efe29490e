//! The server's messages as plain types with serde derives: camelCase names, every field
//! optional (`null` counts as absent, absent is left out when written), unknown fields ignored
//! as Google's SDKs do, the documented string values as enums with a catch-all for values
//! added later.
//!
//! Any serde deserializer fills them: serde_json on the host, serde-wasm-bindgen over the
//! browser's `JSON.parse` in the page. [`super::events`] turns one into the flat list of
//! [`super::ServerEvent`]s the core acts on. The offline stand-in writes its answers as
//! these types too.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::fmt;

/// `setupComplete`: `{}`, or with the session's id (newer services, 3.8 Live): what a person
/// quotes when asking the provider about a session.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupComplete {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
}

/// One server message. The service sends one union field per message, with
/// `usageMetadata` sometimes riding along; every field present is acted on.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerMessage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_complete: Option<SetupComplete>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_content: Option<ServerContent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call: Option<ToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_cancellation: Option<ToolCallCancellation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_activity: Option<VoiceActivity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_resumption_update: Option<SessionResumptionUpdate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub go_away: Option<GoAway>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage_metadata: Option<Usage>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerContent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_turn: Option<ModelTurn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interrupted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation_complete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_complete: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_complete_reason: Option<TurnCompleteReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for_input: Option<bool>,
    /// `IN_PROGRESS` (background work goes on: more may follow) or `IDLE`, sent with
    /// `turnComplete` (3.8 Live's background reasoning); kept as the service spells it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_transcription: Option<Transcription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interim_input_transcription: Option<Transcription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_transcription: Option<Transcription>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ModelTurn {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A reasoning summary rather than an answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_data: Option<InlineData>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineData {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// Base64 of the payload (little-endian int16 PCM for audio).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct Transcription {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub function_calls: Vec<FunctionCall>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct FunctionCall {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    /// Any JSON value, kept whole (`None`: the model sent none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Args>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct ToolCallCancellation {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoiceActivity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voice_activity_type: Option<VoiceActivityType>,
}

/// `voiceActivity.voiceActivityType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VoiceActivityType {
    ActivityStart,
    ActivityEnd,
    /// `TYPE_UNSPECIFIED`, or a value added later.
    #[serde(other)]
    Other,
}

/// `serverContent.turnCompleteReason`: the documented values, and any other as the service
/// spelled it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum TurnCompleteReason {
    Unspecified,
    MalformedFunctionCall,
    ResponseRejected,
    NeedMoreInput,
    Other(String),
}

impl From<String> for TurnCompleteReason {
    fn from(text: String) -> Self {
        match text.as_str() {
            "" | "TURN_COMPLETE_REASON_UNSPECIFIED" => TurnCompleteReason::Unspecified,
            "MALFORMED_FUNCTION_CALL" => TurnCompleteReason::MalformedFunctionCall,
            "RESPONSE_REJECTED" => TurnCompleteReason::ResponseRejected,
            "NEED_MORE_INPUT" => TurnCompleteReason::NeedMoreInput,
            _ => TurnCompleteReason::Other(text),
        }
    }
}

impl Serialize for TurnCompleteReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for TurnCompleteReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TurnCompleteReason::Unspecified => "TURN_COMPLETE_REASON_UNSPECIFIED",
            TurnCompleteReason::MalformedFunctionCall => "MALFORMED_FUNCTION_CALL",
            TurnCompleteReason::ResponseRejected => "RESPONSE_REJECTED",
            TurnCompleteReason::NeedMoreInput => "NEED_MORE_INPUT",
            TurnCompleteReason::Other(text) => text,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResumptionUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_handle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumable: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GoAway {
    /// A protobuf JSON duration, `"9.5s"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_left: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_token_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_token_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_token_count: Option<u64>,
}

/// A list where `null` means empty, as protobuf JSON allows.
fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

/// How deep a tool call's arguments may nest (serde_json's own limit for its parser). The
/// browser's `JSON.parse` has none this small, and serde-wasm-bindgen follows any depth, so
/// without it a hostile frame would overflow the page's stack: a trap, not an error.
pub const MAX_ARGS_DEPTH: usize = 128;

/// A function call's arguments: any JSON value, at most [`MAX_ARGS_DEPTH`] levels deep.
#[derive(Debug, Clone, PartialEq)]
pub struct Args(pub Value);

impl Serialize for Args {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Args {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Bounded(MAX_ARGS_DEPTH).deserialize(deserializer).map(Args)
    }
}

/// A JSON value with `.0` levels of nesting left. serde_json's own `Value` visitor, with a
/// depth count added; numbers the JSON model cannot hold (NaN, infinities) become `null`
/// as they do there.
struct Bounded(usize);

impl<'de> DeserializeSeed<'de> for Bounded {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Bounded {
    fn deeper<E: de::Error>(&self) -> Result<Bounded, E> {
        match self.0.checked_sub(1) {
            Some(left) => Ok(Bounded(left)),
            None => Err(E::custom(format_args!(
                "nested more than {MAX_ARGS_DEPTH} levels deep"
            ))),
        }
    }
}

impl<'de> Visitor<'de> for Bounded {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let deeper = self.deeper()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Bounded(deeper.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let deeper = self.deeper()?;
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Bounded(deeper.0))?;
            members.insert(key, value);
        }
        Ok(Value::Object(members))
    }
}
