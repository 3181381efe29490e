//! Noticing a server that stops answering on an open socket: once an answer is due (the
//! person's turn ended: `audioStreamEnd`, `activityEnd`, a typed message; or the model's turn
//! is under way) and nothing has come for [`STALL_MS`], the page says so, once, and says so
//! again when the server answers. Silence while nobody expects anything is normal.

use super::{Conversation, Effect, Link, LogKind, Out, Sound, Stall};
use crate::protocol::ServerEvent;

/// How long an answer may be overdue before the page says the server seems stuck (ms).
pub const STALL_MS: f64 = 10_000.0;

impl Conversation {
    /// Something came from the server at `now`.
    pub(super) fn server_spoke(&mut self, now: f64, event: &ServerEvent, out: &mut Out) {
        if self.stall == Stall::Overdue {
            out.log(LogKind::Info, "The server answers again.");
            self.stall = Stall::Due { since: now };
            self.settle();
        }
        match event {
            ServerEvent::Audio(_) => self.stall = Stall::Due { since: now },
            // Generation is over (the service may hold `turnComplete` back until the reply
            // has played): silence now is normal.
            ServerEvent::GenerationComplete
            | ServerEvent::TurnComplete
            | ServerEvent::Interrupted => self.stall = Stall::Idle,
            _ => {
                if let Stall::Due { since } = &mut self.stall {
                    *since = now;
                }
            }
        }
    }

    /// After an event's effects: an input that ends the person's turn makes an answer due.
    pub(super) fn answer_due_after(&mut self, now: f64, effects: &[Effect]) {
        let ends_turn = effects.iter().any(|e| {
            matches!(
                e,
                Effect::SendStreamEnd | Effect::SendText(_) | Effect::SendActivity { start: false }
            )
        });
        if ends_turn && self.stall == Stall::Idle {
            self.stall = Stall::Due { since: now };
        }
    }

    /// On the page's timer: says once that an answer is overdue.
    pub(super) fn check_stall(&mut self, now: f64, out: &mut Out) {
        let Stall::Due { since } = &mut self.stall else {
            return;
        };
        // While the model's audio plays there is something to hear; the wait counts after.
        if self.sound == Sound::Playing {
            *since = since.max(now);
        }
        let live = matches!(self.link, Link::Live { .. });
        if live && now - *since > STALL_MS {
            self.stall = Stall::Overdue;
            let text = "The server has sent nothing for 10 s while an answer was due. The connection is still open; if it stays silent, Disconnect and connect again.";
            out.log(LogKind::Warn, text);
            self.set_status("stalled", text);
        }
    }

    /// A new connection: nothing is due on it yet.
    pub(super) fn reset_stall(&mut self) {
        self.stall = Stall::Idle;
    }
}
