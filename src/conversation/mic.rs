//! The microphone's life: Start Mic, the permission prompt, Stop Mic waiting for its own
//! last chunk (or its deadline), failures.

use super::{
    AfterStop, Conversation, Effect, Link, LogKind, Mic, Out, Sound, Tail, MIC_STOP_DEADLINE_MS,
};
use crate::device::CaptureError;

/// A lost microphone is reopened by the page at most once in this many seconds: a device
/// that keeps dropping out gets the person's own Start Mic, not a loop.
pub const REOPEN_LOST_AFTER_S: f64 = 10.0;

impl Conversation {
    pub(super) fn start_mic(&mut self, out: &mut Out) {
        self.open_mic(false, out);
    }

    fn open_mic(&mut self, system_default: bool, out: &mut Out) {
        if self.mic != Mic::Off || !matches!(self.link, Link::Live { .. }) {
            return;
        }
        self.alert = None;
        // The stream goes on with the microphone: no trailing silence, no end.
        self.stop_tail();
        self.next_mic += 1;
        let id = self.next_mic;
        self.mic = Mic::Starting { id };
        self.set_status("starting", "Starting the microphone...");
        out.push(Effect::OpenMic { id, system_default });
    }

    /// The microphone's track ended under it. While a conversation runs, the system's
    /// default microphone takes over (once in [`REOPEN_LOST_AFTER_S`]), so a headset that
    /// connects or an unplugged microphone does not end the person's turn-taking; the
    /// stream to the model goes on, the recording keeps what each microphone heard.
    pub(super) fn mic_lost(&mut self, now: f64, id: u32, out: &mut Out) {
        out.push(Effect::CloseMic { id });
        let recent = self
            .mic_reopened
            .is_some_and(|at| now - at < REOPEN_LOST_AFTER_S);
        let on = matches!(self.mic, Mic::On { .. });
        if !on || recent || !matches!(self.link, Link::Live { .. }) {
            if matches!(self.link, Link::Live { .. }) {
                self.audio_ended(now, out);
            }
            self.fail_mic(&CaptureError::DeviceLost.to_string(), out);
            return;
        }
        self.mic_reopened = Some(now);
        self.mic = Mic::Off;
        // As a switch of microphones: a push-to-talk turn ends with the one it was held on.
        if self.push_to_talk() {
            self.audio_ended(now, out);
        }
        out.log(
            LogKind::Warn,
            "The microphone stopped (unplugged, switched, or taken by the system). Opening the system's default microphone: the conversation goes on.",
        );
        self.open_mic(true, out);
    }

    pub(super) fn stop_mic(&mut self, now: f64, out: &mut Out) {
        if let Mic::On { id } = self.mic {
            self.mic = Mic::Stopping {
                id,
                since: now,
                then: AfterStop::Off,
            };
            out.push(Effect::FlushMic {
                id,
                deadline_ms: MIC_STOP_DEADLINE_MS,
            });
        }
    }

    pub(super) fn mic_opened(&mut self, id: u32, result: Result<f32, String>, out: &mut Out) {
        if self.mic != (Mic::Starting { id }) {
            if result.is_ok() {
                out.push(Effect::CloseMic { id });
            }
            return;
        }
        match result {
            Ok(rate) if matches!(self.link, Link::Live { .. }) => {
                self.mic = Mic::On { id };
                out.log(
                    LogKind::Info,
                    &format!(
                        "Microphone on ({:.0} Hz device rate, sent as 16 kHz)",
                        f64::from(rate)
                    ),
                );
                self.settle();
                self.mic_running(out);
            }
            // The session ended while the permission prompt was open.
            Ok(_) => {
                self.mic = Mic::Off;
                out.push(Effect::CloseMic { id });
            }
            Err(error) => self.fail_mic(&error, out),
        }
    }

    /// The microphone delivered its last chunk (or the deadline passed): it is off.
    pub(super) fn mic_stopped(&mut self, now: f64, id: u32, out: &mut Out) {
        let Mic::Stopping {
            id: current, then, ..
        } = self.mic
        else {
            return;
        };
        if current != id {
            return;
        }
        self.mic = Mic::Off;
        out.push(Effect::CloseMic { id });
        out.push(Effect::DrawRecording);
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        if then == AfterStop::Reopen {
            // Another microphone: the audio stream goes on (a push-to-talk turn ends).
            if self.push_to_talk() {
                self.audio_ended(now, out);
            }
            out.log(LogKind::Info, "Switching to the chosen microphone.");
            self.start_mic(out);
            return;
        }
        let ptt = self.push_to_talk();
        self.audio_ended(now, out);
        out.log(
            LogKind::Info,
            match (ptt, self.tail) {
                (true, _) => "Microphone off.",
                (false, Tail::Off) => "Microphone off (audioStreamEnd sent).",
                (false, Tail::Streaming { .. }) => "Microphone off. Silence goes on to the model until it takes your turn (this model needs it), then audioStreamEnd.",
            },
        );
        if self.sound == Sound::Playing {
            self.set_status("speaking", "The model is speaking.");
        } else {
            self.settle();
        }
    }

    pub(super) fn fail_mic(&mut self, error: &str, out: &mut Out) {
        self.mic = Mic::Off;
        out.log(LogKind::Error, error);
        let live = matches!(self.link, Link::Live { .. });
        self.fail(if live { "ready" } else { "closed" }, error);
    }

    pub(super) fn mic_is(&self, id: u32) -> bool {
        matches!(self.mic, Mic::On { id: c } | Mic::Stopping { id: c, .. } if c == id)
    }
}
