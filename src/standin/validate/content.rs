//! The turn-level messages: `clientContent`, `toolResponse`, `contextUpdate`.

use super::model::declarations;
use super::{invalid, Answer, ClientMsg, Reject};
use serde_json::Value;

/// The user text of a `clientContent` (its turns' text parts, joined) and its `turnComplete`.
pub(super) fn client_content(body: &Value) -> ClientMsg {
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

pub(super) fn tool_response(body: &Value) -> Result<ClientMsg, Reject> {
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
                    will_continue: a.get("willContinue").and_then(Value::as_bool) == Some(true),
                }),
                _ => Err(invalid(
                    "Each function response needs its call's id and name.",
                )),
            }
        })
        .collect::<Result<_, _>>()
        .map(ClientMsg::ToolResponse)
}

/// The text of a setup's or a `contextUpdate`'s `systemInstruction`, if it has one.
pub(super) fn instruction(body: &Value) -> Option<String> {
    body.get("systemInstruction").map(|content| {
        let parts = content.get("parts").and_then(Value::as_array);
        let texts = parts.into_iter().flatten();
        let texts: Vec<&str> = texts.filter_map(|p| p.get("text")?.as_str()).collect();
        texts.join(" ")
    })
}

/// `contextUpdate`: the new instruction's text and the new tools' function names.
pub(super) fn context_update(body: &Value) -> ClientMsg {
    ClientMsg::ContextUpdate {
        instruction: instruction(body),
        // Wrapped as `{"tools": [...]}`, the shape a setup's `tools` has one level down.
        functions: body.get("tools").map(|wrapped| {
            let names = declarations(wrapped).filter_map(|d| d.get("name")?.as_str());
            names.map(str::to_owned).collect()
        }),
    }
}
