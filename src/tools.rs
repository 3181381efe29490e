//! Function calling: the declarations sent in `setup.tools`, and the answers the page gives
//! to the model's `toolCall`s.
//!
//! Two built-in tools work out of the box: `get_current_time` (the person's clock and time
//! zone) and a notebook (`save_note`, `read_notes`) the conversation can write to and read
//! back. The person may declare more as JSON in the settings; a browser page cannot run
//! them, so each may carry a `"response"` (kept in the page, not sent) that answers it, as a
//! mock. Every call is answered, ids matched: an unknown function, or one without a response,
//! gets an `error` response, never silence (the model would wait for it).

use crate::protocol::client::{FunctionResponse, Scheduling};
use crate::protocol::models::Calls;
use crate::protocol::FunctionCall;
use serde_json::{json, Value};

pub const CURRENT_TIME: &str = "get_current_time";
pub const SAVE_NOTE: &str = "save_note";
pub const READ_NOTES: &str = "read_notes";

/// The page's clock as the edge reads it (JavaScript `Date`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WallClock {
    /// `2026-11-23T20:31:05.123Z`.
    pub utc: String,
    /// The local date and time in words, as the browser writes it.
    pub local: String,
    /// The IANA time zone, e.g. `Europe/Berlin`.
    pub zone: String,
}

/// The tools of a conversation: which are declared, and how the page answers each.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Toolbox {
    builtin: bool,
    /// The built-ins' declarations, when they are on.
    builtins: Vec<Value>,
    /// The person's declarations.
    declared: Vec<Declared>,
}

/// A declared function as the page keeps it: what is sent, and the page-side keys (the
/// service refuses unknown fields, so they never leave the page).
#[derive(Debug, Clone, PartialEq)]
struct Declared {
    declaration: Value,
    /// `"response"`: the canned answer.
    response: Option<Value>,
    /// `"delay_ms"`: the answer goes this long after the call (a slow tool to watch run).
    delay_ms: u32,
    /// `"scheduling"`: when the model takes the answer up (`INTERRUPT`, `WHEN_IDLE`,
    /// `SILENT`; models with asynchronous calls only).
    scheduling: Option<Scheduling>,
}

/// The longest `delay_ms` a declared tool may have (a minute).
pub const MAX_DELAY_MS: u32 = 60_000;

/// The built-in tools' declarations, as sent.
fn builtin_declarations() -> Vec<Value> {
    vec![
        json!({"name": CURRENT_TIME,
               "description": "The current date, time and time zone of the person you are talking to."}),
        json!({"name": SAVE_NOTE, "description": "Saves a short note for later in this conversation.",
               "parameters": {"type": "OBJECT",
                 "properties": {"text": {"type": "STRING", "description": "The note, in a sentence or two."}},
                 "required": ["text"]}}),
        json!({"name": READ_NOTES, "description": "Reads back the notes saved so far."}),
    ]
}

/// The person's function declarations as the settings give them, read from their JSON text
/// at the edge: by the browser's `JSON.parse` in the page (`web::tools::declarations`;
/// serde_json's text parser would add 7 KB gzip to the page for this one field), by
/// serde_json on the host (`From<&str>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Declarations {
    /// Blank text: nothing declared.
    #[default]
    Blank,
    Json(Value),
    /// The text is not JSON: the reader's words.
    NotJson(String),
}

impl From<&str> for Declarations {
    fn from(text: &str) -> Declarations {
        if text.trim().is_empty() {
            return Declarations::Blank;
        }
        match serde_json::from_str(text) {
            Ok(value) => Declarations::Json(value),
            Err(e) => Declarations::NotJson(e.to_string()),
        }
    }
}

/// A function name as the API allows it: a letter or `_` first, then letters, digits, `_`,
/// `.`, `:` or `-`, at most 64 in all.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-'))
        && name.len() <= 64
}

impl Toolbox {
    /// The built-in tools (or none) and the person's declarations: JSON text holding a list
    /// of function declarations, or of tools (`{"functionDeclarations": [...]}`), or one of
    /// either. Blank text declares nothing. Errors are in words, with where.
    pub fn new(builtin: bool, declarations: &str) -> Result<Toolbox, String> {
        Toolbox::declaring(builtin, &declarations.into())
    }

    /// The same, from declarations already read ([`Declarations`]).
    pub fn declaring(builtin: bool, declarations: &Declarations) -> Result<Toolbox, String> {
        let mut toolbox = Toolbox {
            builtin,
            builtins: if builtin {
                builtin_declarations()
            } else {
                Vec::new()
            },
            declared: Vec::new(),
        };
        let value = match declarations {
            Declarations::Blank => return Ok(toolbox),
            Declarations::Json(value) => value.clone(),
            Declarations::NotJson(e) => return Err(format!("Tools are not JSON: {e}.")),
        };
        let items = match value {
            Value::Array(items) => items,
            one => vec![one],
        };
        for item in items {
            match item.get("functionDeclarations") {
                Some(Value::Array(inner)) => {
                    for d in inner {
                        toolbox.declare(d.clone())?;
                    }
                }
                Some(_) => return Err("Tools: functionDeclarations must be a list.".into()),
                None => toolbox.declare(item)?,
            }
        }
        Ok(toolbox)
    }

    fn declare(&mut self, mut declaration: Value) -> Result<(), String> {
        if !matches!(declaration, Value::Object(_)) {
            return Err("Tools: each function declaration must be an object.".into());
        }
        let Some(name) = declaration.get("name").and_then(Value::as_str) else {
            return Err("Tools: each function declaration needs a \"name\".".into());
        };
        let name = name.to_owned();
        if !valid_name(&name) {
            return Err(format!("Tools: \"{name}\" is not a valid function name (a letter or _ first, then letters, digits, _ . : -, at most 64)."));
        }
        if self.names().any(|n| n == name) {
            return Err(format!("Tools: \"{name}\" is declared twice."));
        }
        // The page-side keys stay in the page: the service refuses unknown fields.
        let mut take = |key: &str| match &mut declaration {
            Value::Object(members) => members.shift_remove(key),
            _ => None,
        };
        let response = take("response");
        let delay_ms = match take("delay_ms") {
            None => 0,
            Some(v) => match v.as_u64() {
                Some(ms) if ms <= u64::from(MAX_DELAY_MS) => ms as u32,
                _ => return Err(format!("Tools: \"delay_ms\" of \"{name}\" must be a whole number of milliseconds up to {MAX_DELAY_MS}, not {v}.")),
            },
        };
        let scheduling = match take("scheduling") {
            None => None,
            Some(v) => match v.as_str().and_then(Scheduling::parse) {
                Some(s) => Some(s),
                None => return Err(format!("Tools: \"scheduling\" of \"{name}\" must be \"INTERRUPT\", \"WHEN_IDLE\" or \"SILENT\", not {v}.")),
            },
        };
        self.declared.push(Declared {
            declaration,
            response,
            delay_ms,
            scheduling,
        });
        Ok(())
    }

    /// Every declared function's name, the built-ins first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let builtin: &[&str] = if self.builtin {
            &[CURRENT_TIME, SAVE_NOTE, READ_NOTES]
        } else {
            &[]
        };
        let declared = self
            .declared
            .iter()
            .filter_map(|d| d.declaration.get("name").and_then(Value::as_str));
        builtin.iter().copied().chain(declared)
    }

    /// `setup.tools`: one tool holding every declaration (empty when there are none), as
    /// the model's function calls take them ([`Calls`]): a model that only blocks refuses
    /// `behavior`, one that never blocks refuses `BLOCKING`, so those are left out. The
    /// built-ins answer at once, so they block where the model takes `BLOCKING` (on 3.8
    /// Live a call would otherwise not, and the model would start talking over an answer
    /// that is already there).
    pub fn setup_tools(&self, calls: Calls) -> Vec<Value> {
        let mut all = self.builtins.clone();
        if matches!(
            calls,
            Calls::BlockingByDefault | Calls::NonBlockingByDefault
        ) {
            for d in &mut all {
                if let Value::Object(members) = d {
                    members.insert("behavior".into(), json!("BLOCKING"));
                }
            }
        }
        all.extend(self.declared.iter().map(|d| {
            let mut d = d.declaration.clone();
            if let Value::Object(members) = &mut d {
                let refused = match calls {
                    Calls::Blocking => members.contains_key("behavior"),
                    Calls::NonBlockingOnly => members.get("behavior") == Some(&json!("BLOCKING")),
                    _ => false,
                };
                if refused {
                    members.shift_remove("behavior");
                }
            }
            d
        }));
        if all.is_empty() {
            return Vec::new();
        }
        vec![json!({"functionDeclarations": all})]
    }

    /// The answer to one call, and a line for the log saying what was done.
    pub fn answer(
        &self,
        call: &FunctionCall,
        clock: &WallClock,
        notes: &mut Vec<String>,
    ) -> (FunctionResponse, String) {
        let name = call.name.as_str();
        let (response, said) = match name {
            CURRENT_TIME if self.builtin => (
                json!({"utc": clock.utc, "local": clock.local, "timeZone": clock.zone}),
                format!("the time ({})", clock.local),
            ),
            SAVE_NOTE if self.builtin => {
                match call.args.get("text").and_then(Value::as_str) {
                    Some(text) if !text.trim().is_empty() => {
                        notes.push(text.trim().to_owned());
                        let saved = json!({"saved": notes.len()});
                        (saved, format!("note {} saved: \"{}\"", notes.len(), text.trim()))
                    }
                    _ => error("save_note needs a non-empty \"text\"."),
                }
            }
            READ_NOTES if self.builtin => {
                (
                    json!({"notes": notes}),
                    format!("{} note(s) read back", notes.len()),
                )
            }
            _ => match self.find(name).map(|d| &d.response) {
                Some(Some(canned)) => (canned.clone(), "its response from the settings".into()),
                Some(None) => error(&format!(
                    "{name} has no implementation in this page (give it a \"response\" in the tool settings)."
                )),
                None => error(&format!("There is no function named {name} here.")),
            },
        };
        let id = call.id.clone().unwrap_or_default();
        let line = format!("Tool call {name} ({id}) answered: {said}.");
        let response = FunctionResponse {
            id,
            name: name.to_owned(),
            response,
            scheduling: None,
        };
        (response, line)
    }

    fn find(&self, name: &str) -> Option<&Declared> {
        self.declared
            .iter()
            .find(|d| d.declaration.get("name").and_then(Value::as_str) == Some(name))
    }

    /// How `name`'s answer goes: after how many ms, and with what `scheduling` (only for a
    /// model that takes it: the others refuse the field, see `Model::scheduling`). The built-ins
    /// answer at once.
    pub fn timing(&self, name: &str, scheduling: bool) -> (u32, Option<Scheduling>) {
        self.find(name).map_or((0, None), |d| {
            (d.delay_ms, d.scheduling.filter(|_| scheduling))
        })
    }
}

fn error(text: &str) -> (Value, String) {
    (json!({"error": text}), format!("an error (\"{text}\")"))
}

#[cfg(test)]
mod tests;
