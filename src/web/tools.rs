//! The page's side of function calling: the clock the built-in time tool reads, and one
//! `toolResponse` per `toolCall` (the answers themselves are the pure [`Toolbox`]'s).

use super::session::Current;
use crate::conversation::LogKind;
use crate::protocol::client::FunctionResponse;
use crate::protocol::{ClientMessage, FunctionCall};
use crate::tools::{Toolbox, WallClock};
use js_sys::{Array, Date, Intl, Object, Reflect};

/// The person's clock and time zone, from JavaScript's `Date` and `Intl`.
pub fn wall_clock() -> WallClock {
    let now = Date::new_0();
    let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    let zone = Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|z| z.as_string())
        .unwrap_or_default();
    WallClock {
        utc: now.to_iso_string().into(),
        local: now.to_string().into(),
        zone,
    }
}

/// Answers every call in one `toolResponse`; returns the log lines (and the send error, if
/// the connection would not take it).
pub fn answer(
    toolbox: &Toolbox,
    notes: &mut Vec<String>,
    calls: &[FunctionCall],
    session: &Current,
) -> Vec<(LogKind, String)> {
    let clock = wall_clock();
    let mut lines = Vec::new();
    let mut responses: Vec<FunctionResponse> = Vec::new();
    for call in calls {
        let (response, line) = toolbox.answer(call, &clock, notes);
        responses.push(response);
        lines.push((LogKind::Info, line));
    }
    if let Err(e) = session.send_message(&ClientMessage::tool_response(responses)) {
        lines.push((
            LogKind::Warn,
            format!("The tool answers could not be sent: {e}"),
        ));
    }
    lines
}
