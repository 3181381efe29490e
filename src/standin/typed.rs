//! The stand-in's answers to typed text and its function calls: text gets a short
//! speech-like reply (and its transcription); "what time is it" (or any text about the time)
//! becomes a `get_current_time` call when the setup declared it, text naming another
//! declared function a call to it, and the tool's answer is spoken back, so the page's
//! whole round trip runs offline.
//!
//! As 3.8 Live does, a call that does not block (the model's default there, or the
//! declaration's `behavior`) is made while the model speaks on ("working on it"); its answer
//! is taken up as its `scheduling` says (`WHEN_IDLE` after the current speech, `SILENT`
//! without a word, `INTERRUPT` or none at once). A blocking call is cancelled
//! (`toolCallCancellation`) when new input comes before its answer, on a model whose calls
//! do not block by default.

use super::validate::{Answer, Reject};
use super::{interrupted, turn_complete, StandIn};
use crate::protocol::models::{self, Calls};
use crate::protocol::server::wire::{Args, FunctionCall, ToolCall, ToolCallCancellation};
use crate::protocol::{ServerMessage, OUTPUT_RATE};
use crate::tools::CURRENT_TIME;

/// A speech-like sound at 24 kHz, `ms` long: a 180 Hz voice with two harmonics, in
/// syllables of 250 ms (a triangle envelope). The sines come from the two-term recurrence
/// `y[n] = 2 cos(w) y[n-1] - y[n-2]`, so the page carries no `sin` (6 KB of wasm).
pub fn speechlike(ms: u32) -> Vec<i16> {
    let n = (u64::from(ms) * u64::from(OUTPUT_RATE) / 1000) as usize;
    let mut voices: Vec<Sine> = [(180.0, 1.0), (360.0, 0.5), (540.0, 0.25)]
        .into_iter()
        .map(|(hz, gain)| Sine::new(hz, gain))
        .collect();
    let syllable = OUTPUT_RATE as usize / 4;
    (0..n)
        .map(|i| {
            let voice: f64 = voices.iter_mut().map(Sine::next).sum();
            let phase = (i % syllable) as f64 / syllable as f64;
            let envelope = 1.0 - (2.0 * phase - 1.0).abs();
            (6000.0 * voice * envelope).round() as i16
        })
        .collect()
}

/// A sine at `hz` (24 kHz) by recurrence; its `cos(w)` by Taylor series (w < 0.15 here).
struct Sine {
    k: f64,
    previous: f64,
    current: f64,
    gain: f64,
}

impl Sine {
    fn new(hz: f64, gain: f64) -> Sine {
        let w = std::f64::consts::TAU * hz / f64::from(OUTPUT_RATE);
        let w2 = w * w;
        let cos = 1.0 - w2 / 2.0 + w2 * w2 / 24.0 - w2 * w2 * w2 / 720.0;
        let sin = w - w * w2 / 6.0 + w * w2 * w2 / 120.0;
        Sine {
            k: 2.0 * cos,
            previous: -sin,
            current: 0.0,
            gain,
        }
    }

    fn next(&mut self) -> f64 {
        let out = self.current;
        let next = self.k * self.current - self.previous;
        self.previous = self.current;
        self.current = next;
        self.gain * out
    }
}

/// How long the reply to `text` speaks: 0.6 s plus 40 ms per character, at most 3 s.
fn reply_ms(text: &str) -> u32 {
    (600 + 40 * text.chars().count() as u32).min(3_000)
}

impl StandIn {
    /// A typed message: a function call if it asks for the time and the tool is declared,
    /// otherwise a spoken reply.
    pub(super) fn text_turn(&mut self, now_ms: f64, text: &str, out: &mut Vec<ServerMessage>) {
        self.new_input(out);
        let lower = text.to_ascii_lowercase();
        let functions = self.setup.as_ref().map(|s| &s.functions);
        let called = functions.into_iter().flatten().find(|f| {
            lower.contains(&f.to_ascii_lowercase())
                || (f.as_str() == CURRENT_TIME && crate::close::mentions(&lower, "time"))
        });
        if let Some(name) = called.cloned() {
            self.calls += 1;
            let id = format!("standin-call-{}", self.calls);
            self.notes.push(format!("tool call {name} ({id})"));
            out.push(ServerMessage {
                tool_call: Some(ToolCall {
                    function_calls: vec![FunctionCall {
                        id: Some(id.clone()),
                        name: name.clone(),
                        args: Some(Args(serde_json::json!({}))),
                    }],
                }),
                ..ServerMessage::default()
            });
            let blocking = !self
                .setup
                .as_ref()
                .is_some_and(|s| s.non_blocking.contains(&name));
            self.pending_call = Some((id, blocking));
            if !blocking {
                // It speaks on while the call runs.
                let transcript = format!("(working on it: {name} runs)");
                self.start_reply(now_ms, speechlike(1_500), transcript);
            }
            return;
        }
        self.notes.push(format!("reply to text: {text}"));
        let transcript = format!("(you typed: {text})");
        self.start_reply(now_ms, speechlike(reply_ms(text)), transcript);
    }

    /// A `toolResponse`: the pending call's answer is spoken back (when its `scheduling`
    /// says); others are noted. `scheduling` is refused where the model refuses it, as the
    /// service does; an interim answer (`willContinue`) keeps the call, or abandons it where
    /// the model does.
    pub(super) fn tool_answered(
        &mut self,
        now_ms: f64,
        answers: &[Answer],
        out: &mut Vec<ServerMessage>,
    ) -> Result<(), Reject> {
        let model = models::lookup(self.setup.as_ref().map_or("", |s| s.model.as_str()));
        if answers.iter().any(|a| a.scheduling.is_some()) && !model.scheduling {
            // The service's words, as 3.8 Live Extended Thinking closes the session
            // (openclaw/openclaw#152413, probed 2026-09-19).
            return Err(Reject {
                code: 1007,
                reason: "Function response scheduling is not supported for this model".into(),
            });
        }
        for a in answers {
            let (id, name, response) = (&a.id, &a.name, &a.response);
            let pending = self.pending_call.as_ref().is_some_and(|(p, _)| p == id);
            if !pending {
                self.notes
                    .push(format!("tool response for {id} ({name}): not asked for"));
                continue;
            }
            if a.will_continue {
                if !model.interim_answers {
                    // Taken, but the model abandons the call: the final answer, when it
                    // comes, is never spoken (the same report).
                    self.pending_call = None;
                    self.notes
                        .push(format!("interim answer for {id}: call abandoned"));
                }
                continue;
            }
            self.pending_call = None;
            self.notes.push(format!("tool response {id}: {response}"));
            let transcript = format!("(the tool said: {response})");
            match a.scheduling.as_deref() {
                Some("SILENT") => {}
                // start_reply holds it until the current speech ends.
                Some("WHEN_IDLE") => self.start_reply(now_ms, speechlike(2_000), transcript),
                _ => {
                    if self.reply.take().is_some() {
                        self.turns.cancel_reply();
                        out.push(interrupted());
                        out.push(turn_complete());
                    }
                    self.start_reply(now_ms, speechlike(2_000), transcript);
                }
            }
        }
        Ok(())
    }

    /// `contextUpdate` (3.8 Live; refused elsewhere, as the service does): a new instruction,
    /// which later replies say they follow, and a new list of tools.
    pub(super) fn context_update(
        &mut self,
        instruction: Option<String>,
        functions: Option<Vec<String>>,
    ) -> Result<(), Reject> {
        let model = self
            .setup
            .as_ref()
            .map(|s| s.model.clone())
            .unwrap_or_default();
        if !models::lookup(&model).context_update {
            return Err(Reject {
                code: 1007,
                reason: format!("contextUpdate is not supported for {model}."),
            });
        }
        if let Some(text) = instruction {
            self.notes.push(format!("new instruction: {text}"));
            self.instruction = Some(text).filter(|t| !t.trim().is_empty());
        }
        if let (Some(names), Some(setup)) = (functions, self.setup.as_mut()) {
            setup.non_blocking.retain(|f| names.contains(f));
            setup.functions = names;
        }
        Ok(())
    }

    /// New input (typed text, or an utterance) before a blocking call's answer: on a model
    /// whose calls do not block by default (3.8 Live), the call is cancelled.
    pub(super) fn new_input(&mut self, out: &mut Vec<ServerMessage>) {
        let model = self.setup.as_ref().map(|s| models::lookup(&s.model));
        if model.is_none_or(|m| m.calls != Calls::NonBlockingByDefault) {
            return;
        }
        if let Some((id, true)) = self.pending_call.take() {
            self.notes
                .push(format!("tool call {id} cancelled by new input"));
            out.push(ServerMessage {
                tool_call_cancellation: Some(ToolCallCancellation { ids: vec![id] }),
                ..ServerMessage::default()
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recurrence_is_a_sine() {
        let mut sine = Sine::new(180.0, 1.0);
        for i in 0..72_000 {
            let expected = (std::f64::consts::TAU * 180.0 * f64::from(i) / 24_000.0).sin();
            assert!((sine.next() - expected).abs() < 1e-6, "sample {i}");
        }
    }

    #[test]
    fn speechlike_is_as_long_as_asked_and_in_syllables() {
        let s = speechlike(1_000);
        assert_eq!(s.len(), 24_000);
        // Silent where each syllable starts and ends, loud in its middle.
        assert_eq!(s[0], 0);
        assert_eq!(s[6_000], 0);
        let peak = s[2_000..4_000]
            .iter()
            .map(|x| x.unsigned_abs())
            .max()
            .unwrap();
        assert!((6_000..=10_500).contains(&peak), "{peak}");
    }
}
