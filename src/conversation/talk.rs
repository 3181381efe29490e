//! Talking beyond Start/Stop Mic: the one-click talk control, push-to-talk (audio goes out
//! only while held, each hold marked by `activityStart` / `activityEnd`), typed messages,
//! and what becomes of each microphone chunk.

use super::{AfterReady, Conversation, Effect, Hold, Link, LogKind, Mic, Out, Plan, Speaker};
use crate::protocol::models::TypedText;

impl Conversation {
    /// The one-click control: from idle, connect and start the microphone once ready; when
    /// live, start or stop the microphone.
    pub(super) fn talk(&mut self, now: f64, plan: Plan, out: &mut Out) {
        match (&self.link, self.mic) {
            (Link::Idle, _) => {
                self.connect(now, plan, out);
                self.after_ready = AfterReady::StartMic;
            }
            (Link::Live { .. }, Mic::Off) => self.start_mic(out),
            (Link::Live { .. }, Mic::On { .. }) => self.stop_mic(now, out),
            _ => {}
        }
    }

    /// Push-to-talk pressed: the microphone starts if it is off, and `activityStart` goes
    /// out once it runs.
    pub(super) fn hold(&mut self, out: &mut Out) {
        if !self.push_to_talk() || !matches!(self.link, Link::Live { .. }) {
            return;
        }
        match (self.hold, self.mic) {
            // Pressed again before the last words went out: the same turn goes on.
            (Hold::Ending, _) => self.hold = Hold::Down,
            (Hold::Up, Mic::Off) => {
                self.hold = Hold::Down;
                self.start_mic(out);
            }
            (Hold::Up, Mic::Starting { .. }) => self.hold = Hold::Down,
            (Hold::Up, Mic::On { .. }) => {
                self.hold = Hold::Down;
                out.push(Effect::SendActivity { start: true });
                self.set_status(
                    "listening",
                    "Talking (push-to-talk). Release to let the model answer.",
                );
            }
            (Hold::Down, _) | (Hold::Up, Mic::Stopping { .. }) => {}
        }
    }

    /// Push-to-talk released: the chunk holding the last words goes out, then `activityEnd`.
    pub(super) fn release(&mut self) {
        if self.hold != Hold::Down {
            return;
        }
        if matches!(self.mic, Mic::Starting { .. }) {
            // Released before the microphone ran: nothing was said, nothing is marked.
            self.hold = Hold::Up;
        } else {
            // activityEnd follows the last words (or the microphone's stop).
            self.hold = Hold::Ending;
        }
        self.settle();
    }

    /// `activityStart` for a hold that began while the microphone was starting.
    pub(super) fn mic_running(&mut self, out: &mut Out) {
        if self.push_to_talk() && self.hold == Hold::Down {
            out.push(Effect::SendActivity { start: true });
            self.set_status(
                "listening",
                "Talking (push-to-talk). Release to let the model answer.",
            );
        }
    }

    /// One microphone chunk: to the recording and the model, as the mode says.
    pub(super) fn mic_chunk(&mut self, samples: Vec<i16>, time: f64, out: &mut Out) {
        let live = matches!(self.link, Link::Live { .. });
        if self.push_to_talk() && live && self.hold == Hold::Up {
            // Not held: not sent, and not recorded either (the recording holds what the
            // model was given; the room between turns stays private and silent).
            return;
        }
        if !live {
            self.unsent += samples.len() as u64;
        }
        out.push(Effect::MicAudio {
            samples,
            time,
            send: live,
        });
        if live && self.hold == Hold::Ending {
            self.hold = Hold::Up;
            out.push(Effect::SendActivity { start: false });
        }
    }

    /// The microphone stopped (or failed) in a live conversation: the model is told its
    /// audio has ended (`audioStreamEnd`, after trailing silence where the model needs it;
    /// or `activityEnd` for a push-to-talk turn).
    pub(super) fn audio_ended(&mut self, now: f64, out: &mut Out) {
        if !self.push_to_talk() {
            self.end_stream(now, out);
        } else if std::mem::replace(&mut self.hold, Hold::Up) != Hold::Up {
            out.push(Effect::SendActivity { start: false });
        }
    }

    /// A typed message, shown as the person's turn: a `clientContent` turn where the model
    /// takes one, or `realtimeInput.text` (wrapped in activity markers for push-to-talk,
    /// where the service does not detect activity in realtime input itself).
    pub(super) fn text(&mut self, text: &str, out: &mut Out) {
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if !matches!(self.link, Link::Live { .. }) {
            out.log(
                LogKind::Warn,
                "Not sent: a typed message needs a live conversation (Connect first).",
            );
            return;
        }
        let mark =
            self.push_to_talk() && self.hold == Hold::Up && self.typed == TypedText::RealtimeText;
        if mark {
            out.push(Effect::SendActivity { start: true });
        }
        out.push(Effect::SendText(text.to_owned()));
        if mark {
            out.push(Effect::SendActivity { start: false });
        }
        out.push(Effect::Transcript {
            speaker: Speaker::You,
            text: text.to_owned(),
        });
        out.log(LogKind::Info, &format!("You typed: {text}"));
    }
}
