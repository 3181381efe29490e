//! The stand-in's answers to typed text and its function calls: text gets a short
//! speech-like reply (and its transcription); "what time is it" (or any text about the time)
//! becomes a `get_current_time` call when the setup declared it, and the tool's answer is
//! spoken back, so the page's whole round trip runs offline.

use super::{StandIn, Value};
use crate::protocol::OUTPUT_RATE;
use crate::tools::CURRENT_TIME;

/// A speech-like sound at 24 kHz: a 180 Hz voice with two harmonics, in syllables of about
/// 250 ms, `ms` long.
pub fn speechlike(ms: u32) -> Vec<i16> {
    let rate = f64::from(OUTPUT_RATE);
    let n = (u64::from(ms) * u64::from(OUTPUT_RATE) / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let tau = std::f64::consts::TAU;
            let voice = (tau * 180.0 * t).sin()
                + 0.5 * (tau * 360.0 * t).sin()
                + 0.25 * (tau * 540.0 * t).sin();
            let syllables = (tau * 2.0 * t).sin().abs();
            (6000.0 * voice * syllables).round() as i16
        })
        .collect()
}

/// How long the reply to `text` speaks: 0.6 s plus 40 ms per character, at most 3 s.
fn reply_ms(text: &str) -> u32 {
    (600 + 40 * text.chars().count() as u32).min(3_000)
}

impl StandIn {
    /// A typed message: a function call if it asks for the time and the tool is declared,
    /// otherwise a spoken reply.
    pub(super) fn text_turn(&mut self, now_ms: f64, text: &str, out: &mut Vec<Value>) {
        let declared = self
            .setup
            .as_ref()
            .is_some_and(|s| s.functions.iter().any(|f| f == CURRENT_TIME));
        if declared && text.to_lowercase().contains("time") {
            self.calls += 1;
            let id = format!("standin-call-{}", self.calls);
            self.notes.push(format!("tool call {CURRENT_TIME} ({id})"));
            let call = Value::object([
                ("id", id.as_str().into()),
                ("name", CURRENT_TIME.into()),
                ("args", Value::empty_object()),
            ]);
            let calls = Value::object([("functionCalls", vec![call].into())]);
            out.push(Value::object([("toolCall", calls)]));
            self.pending_call = Some((id, text.to_owned()));
            return;
        }
        self.notes.push(format!("reply to text: {text}"));
        let transcript = format!("(you typed: {text})");
        self.start_reply(now_ms, speechlike(reply_ms(text)), transcript);
    }

    /// A `toolResponse`: the pending call's answer is spoken back; others are noted.
    pub(super) fn tool_answered(&mut self, now_ms: f64, answers: &[(String, String, String)]) {
        for (id, name, response) in answers {
            let pending = self.pending_call.as_ref().is_some_and(|(p, _)| p == id);
            if !pending {
                self.notes
                    .push(format!("tool response for {id} ({name}): not asked for"));
                continue;
            }
            self.pending_call = None;
            self.notes.push(format!("tool response {id}: {response}"));
            let transcript = format!("(the tool said: {response})");
            self.start_reply(now_ms, speechlike(2_000), transcript);
        }
    }
}
