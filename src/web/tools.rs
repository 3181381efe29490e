//! The page's side of function calling: the clock the built-in time tool reads, and one
//! `toolResponse` per `toolCall` (the answers themselves are the pure [`Toolbox`]'s).

use super::session::Current;
use crate::conversation::LogKind;
use crate::protocol::client::FunctionResponse;
use crate::protocol::server::Args;
use crate::protocol::{ClientMessage, FunctionCall};
use crate::tools::{Declarations, Toolbox, WallClock};
use gloo_timers::callback::Timeout;
use js_sys::{Array, Date, Intl, Object};
use wasm_bindgen::JsCast;

/// The person's function declarations from the settings' JSON text, read by the browser's
/// `JSON.parse` and serde-wasm-bindgen, at most as deep as a call's arguments may be.
pub fn declarations(text: &str) -> Declarations {
    if text.trim().is_empty() {
        return Declarations::Blank;
    }
    let read = js_sys::JSON::parse(text)
        .map_err(super::js_error)
        .and_then(|v| {
            serde_wasm_bindgen::from_value::<Args>(v).map_err(|e| super::js_error(e.into()))
        });
    match read {
        Ok(Args(value)) => Declarations::Json(value),
        Err(e) => Declarations::NotJson(e),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Intl.DateTimeFormat`'s resolved options (js-sys gives them as a plain `Object`).
    type Resolved;
    #[wasm_bindgen(method, getter, js_name = timeZone)]
    fn time_zone(this: &Resolved) -> Option<String>;
}

/// The person's clock and time zone, from JavaScript's `Date` and `Intl`.
pub fn wall_clock() -> WallClock {
    let now = Date::new_0();
    let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let zone = options
        .unchecked_ref::<Resolved>()
        .time_zone()
        .unwrap_or_default();
    WallClock {
        utc: now.to_iso_string().into(),
        local: now.to_string().into(),
        zone,
    }
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallState {
    /// Its answer waits on a timer (a declared delay).
    Running,
    Answered,
    /// The model cancelled it (`toolCallCancellation`).
    Cancelled,
}

/// A call's card: its id, where it stands, and the words shown (its log line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: String,
    pub state: CallState,
    pub words: String,
}

/// Answers the calls: those due at once in one `toolResponse`, the others (a declared
/// `delay_ms`) on their own timers in `running`, each calling `due(id)` when its time
/// comes. `scheduling`: the model takes `scheduling`. Returns the cards to show and the
/// log lines (with the send error, if the connection would not take the answers).
pub fn answer(
    toolbox: &Toolbox,
    notes: &mut Vec<String>,
    calls: &[FunctionCall],
    session: &Current,
    scheduling: bool,
    running: &mut Running,
    due: impl Fn(String) + Clone + 'static,
) -> (Vec<Card>, Vec<(LogKind, String)>) {
    let clock = wall_clock();
    let (mut cards, mut lines) = (Vec::new(), Vec::new());
    let mut now: Vec<FunctionResponse> = Vec::new();
    for call in calls {
        let (mut response, line) = toolbox.answer(call, &clock, notes);
        let (delay_ms, scheduling) = toolbox.timing(&call.name, scheduling);
        response.scheduling = scheduling;
        let id = response.id.clone();
        if delay_ms == 0 {
            now.push(response);
            cards.push(Card {
                id,
                state: CallState::Answered,
                words: line.clone(),
            });
            lines.push((LogKind::Info, line));
            continue;
        }
        let words = format!(
            "Tool call {} ({id}) running: it answers in {:.1} s.",
            call.name,
            f64::from(delay_ms) / 1000.0
        );
        cards.push(Card {
            id: id.clone(),
            state: CallState::Running,
            words: words.clone(),
        });
        lines.push((LogKind::Info, words));
        let due = due.clone();
        let timer = Timeout::new(delay_ms, move || due(id));
        running.calls.push((response, line, timer));
    }
    if !now.is_empty() {
        if let Err(e) = session.send_message(&ClientMessage::tool_response(now)) {
            lines.push((
                LogKind::Warn,
                format!("The tool answers could not be sent: {e}"),
            ));
        }
    }
    (cards, lines)
}

/// Calls whose answers wait on a timer. Each entry owns its timer: dropping it (a
/// cancellation, a new conversation) cancels it.
#[derive(Default)]
pub struct Running {
    calls: Vec<(FunctionResponse, String, Timeout)>,
}

impl Running {
    /// Call `id`'s time has come: its answer goes out. Returns its card and log line.
    pub fn due(&mut self, id: &str, session: &Current) -> Option<(Card, LogKind, String)> {
        let at = self.calls.iter().position(|(r, _, _)| r.id == id)?;
        let (response, line, _) = self.calls.remove(at);
        let card = Card {
            id: response.id.clone(),
            state: CallState::Answered,
            words: line.clone(),
        };
        match session.send_message(&ClientMessage::tool_response(vec![response])) {
            Ok(()) => Some((card, LogKind::Info, line)),
            Err(e) => Some((card, LogKind::Warn, format!("{line} Not sent: {e}"))),
        }
    }

    /// `toolCallCancellation`: these calls' answers are not wanted any more. Returns the
    /// cards of the calls stopped (a call already answered is not running).
    pub fn cancel(&mut self, ids: &[String]) -> Vec<Card> {
        let (gone, kept) = std::mem::take(&mut self.calls)
            .into_iter()
            .partition(|(r, _, _)| ids.contains(&r.id));
        self.calls = kept;
        gone.into_iter()
            .map(|(r, _, _)| {
                let words = format!("Tool call {} ({}) cancelled by the model.", r.name, r.id);
                Card {
                    id: r.id,
                    state: CallState::Cancelled,
                    words,
                }
            })
            .collect()
    }
}
