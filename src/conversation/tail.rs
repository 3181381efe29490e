//! A reply every time on models whose turn detection needs trailing audio. On 3.8 Live the
//! service ignores `audioStreamEnd` as a turn's end: its voice activity detection ends a turn
//! only while audio keeps arriving, so a page that stops sending when the person clicks Stop
//! gets no reply (openclaw/openclaw#152830, the live service probed on 2026-09-19; the fix
//! that works there streams silence, #152844). So after the microphone stops the page sends
//! digital silence, paced in real time, until the service shows it has taken the turn (the
//! end of the person's speech, the reply's first audio or words, a call, the turn's end) or
//! [`TAIL_MAX_MS`] has passed, and only then `audioStreamEnd`. The silence goes to the model
//! only: the recording's base track stays the person's real microphone.

use super::{Conversation, Effect, Link, LogKind, Out, Stall, Tail};
use crate::protocol::models::StreamEnd;
use crate::protocol::{ServerEvent, INPUT_RATE};

/// The longest the page streams silence after the microphone stops (ms): well past the
/// service's end-of-speech pause (a setting, `silenceDurationMs`), and short enough that a
/// turn with nothing to answer does not keep the stream open.
pub const TAIL_MAX_MS: f64 = 5_000.0;

impl Conversation {
    /// The microphone stopped (automatic turns): end the stream now, or trail it.
    pub(super) fn end_stream(&mut self, now: f64, out: &mut Out) {
        if self.stream_end == StreamEnd::EndsTurn {
            out.push(Effect::SendStreamEnd);
            return;
        }
        self.tail = Tail::Streaming {
            since: now,
            sent: 0,
            behind_reply: self.reply.under_way(),
        };
        // An answer is due from here, as after `audioStreamEnd`.
        if self.stall == Stall::Idle {
            self.stall = Stall::Due { since: now };
        }
    }

    /// On the page's timer: the silence due since the last tick, or the end at the bound.
    pub(super) fn tail_tick(&mut self, now: f64, out: &mut Out) {
        let Tail::Streaming { since, sent, .. } = &mut self.tail else {
            return;
        };
        let elapsed = (now - *since).clamp(0.0, TAIL_MAX_MS);
        let due = (elapsed * f64::from(INPUT_RATE) / 1000.0) as u64;
        if due > *sent {
            out.push(Effect::SendSilence((due - *sent) as usize));
            *sent = due;
        }
        if elapsed >= TAIL_MAX_MS {
            self.close_tail(
                &format!(
                    "The model took no turn within {:.0} s of silence; audioStreamEnd sent.",
                    TAIL_MAX_MS / 1000.0
                ),
                out,
            );
        }
    }

    /// A server event during the tail: the first sign that the service took the turn ends it.
    pub(super) fn turn_taken(&mut self, now: f64, event: &ServerEvent, out: &mut Out) {
        let Tail::Streaming {
            since,
            behind_reply,
            ..
        } = &mut self.tail
        else {
            return;
        };
        let sign = match event {
            // The end of the person's speech, or the model waiting for more of it.
            ServerEvent::VoiceActivity { start: false } | ServerEvent::WaitingForInput => true,
            // The reply under way when the microphone stopped ends; the next one answers.
            ServerEvent::TurnComplete | ServerEvent::Interrupted if *behind_reply => {
                *behind_reply = false;
                false
            }
            ServerEvent::Audio(_)
            | ServerEvent::OutputTranscription(_)
            | ServerEvent::GenerationComplete
            | ServerEvent::ToolCall(_)
            | ServerEvent::TurnComplete => !*behind_reply,
            _ => false,
        };
        if sign {
            let after = now - *since;
            self.close_tail(
                &format!("The model took your turn after {after:.0} ms of trailing silence; audioStreamEnd sent."),
                out,
            );
        }
    }

    /// The microphone runs again: the stream goes on, nothing ends.
    pub(super) fn stop_tail(&mut self) {
        self.tail = Tail::Off;
    }

    /// No trailing silence outlives the connection it was for.
    pub(super) fn tail_held_to_the_link(&mut self) {
        if !matches!(self.link, Link::Live { .. }) {
            self.tail = Tail::Off;
        }
    }

    fn close_tail(&mut self, why: &str, out: &mut Out) {
        self.tail = Tail::Off;
        out.push(Effect::SendStreamEnd);
        out.log(LogKind::Info, why);
    }
}
