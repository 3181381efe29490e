//! What the service refuses per model, and which declared functions block (the model table,
//! [`crate::protocol::models`]).

use crate::protocol::models::{Calls, Model, Proactive, Thinking};
use serde_json::Value;

/// Every function declaration in a setup `body`'s tools.
pub(super) fn declarations(body: &Value) -> impl Iterator<Item = &Value> {
    body.get("tools")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tool| tool.get("functionDeclarations")?.as_array())
        .flatten()
}

/// The declared functions' names, and those whose calls do not block the model (the
/// model's default, or the declaration's `behavior`).
pub(super) fn functions(model: &Model, body: &Value) -> (Vec<String>, Vec<String>) {
    let name = |d: &Value| d.get("name")?.as_str().map(str::to_owned);
    let functions = declarations(body).filter_map(name).collect();
    let non_blocking = declarations(body)
        .filter(|d| match d.get("behavior").and_then(Value::as_str) {
            Some(behavior) => behavior == "NON_BLOCKING",
            None => matches!(
                model.calls,
                Calls::NonBlockingByDefault | Calls::NonBlockingOnly
            ),
        })
        .filter_map(name)
        .collect();
    (functions, non_blocking)
}

/// What the service refuses for `model` in a setup `body`, in its words (close 1007): the
/// fields the model table ([`models`]) marks as refused.
pub(super) fn refused_for(model: &Model, body: &Value) -> Option<String> {
    let id = model.id;
    if let Some(thinking) = body.pointer("/generationConfig/thinkingConfig") {
        if let Some(refused) = thinking_refused(model, thinking) {
            return Some(refused);
        }
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
    let behavior = |d: &Value| d.get("behavior").and_then(Value::as_str).map(str::to_owned);
    let behaviors: Vec<String> = declarations(body).filter_map(behavior).collect();
    match model.calls {
        Calls::Blocking if !behaviors.is_empty() => Some(format!(
            "function_declarations.behavior is not supported for models/{id}: function calls are synchronous."
        )),
        Calls::NonBlockingOnly if behaviors.iter().any(|b| b == "BLOCKING") => Some(format!(
            "function_declarations.behavior BLOCKING is not supported for models/{id}: function calls are asynchronous only."
        )),
        _ => None,
    }
}

/// What the service says of a `thinkingConfig` the model does not take in that form.
fn thinking_refused(model: &Model, thinking: &Value) -> Option<String> {
    let id = model.id;
    let level = thinking.get("thinkingLevel");
    let budget = thinking.get("thinkingBudget");
    match model.thinking {
        // The service's words on 3.8 Live (openclaw/openclaw#152413, probed 2026-09-19).
        Thinking::No => Some("Thinking level is not supported for this model".into()),
        Thinking::Budget if level.is_some() => Some(format!(
            "thinking_level is not supported for models/{id}; use thinking_budget."
        )),
        Thinking::Levels(_) if budget.is_some() => Some(format!(
            "thinking_budget is not supported for models/{id}; use thinking_level."
        )),
        Thinking::Levels(levels) => {
            let level = level?.as_str().unwrap_or_default();
            (!levels.iter().any(|l| l.eq_ignore_ascii_case(level))).then(|| {
                format!(
                    "thinking_level {level} is not supported for models/{id}; supported: {}.",
                    levels.join(", ").to_ascii_uppercase()
                )
            })
        }
        Thinking::Budget => None,
    }
}
