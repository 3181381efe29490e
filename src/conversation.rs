//! The conversation, with no browser types: what a person's clicks, the session's events,
//! the microphone's chunks and the timers mean, and what the page must do about them.
//!
//! [`Conversation::handle`] takes one [`Event`] and the caller's clock (ms) and returns the
//! [`Effect`]s for the browser edge to carry out, in order. Its state is enums, not loose
//! flags: the connection ([`Link`]), the microphone ([`Mic`], a switch part of its stop),
//! how turns are taken ([`Turns`]), what follows readiness ([`AfterReady`]), whether the
//! model sounds ([`Sound`]), the stall watch ([`Stall`]); one flag remains (the log has said
//! that sends fail on this connection). Every sequence a person can cause is a host test
//! with exact expectations. It owns the
//! reconnect loop (with [`Reconnect`]'s policy), the per-turn counting, what the log says,
//! the reply-latency and unsent-audio arithmetic, and what the status line and each button
//! show ([`View`]).
//!
//! What the edge reports back: whether audio could start ([`Event::AudioReady`] /
//! [`Event::AudioFailed`]), how opening a connection went ([`Event::Opened`]), a send that
//! failed, when a reply's first sample plays, how a cut landed, and whether the model's
//! audio is still sounding ([`Event::Playing`], on a timer).

pub mod reply;
pub mod words;

mod events;
mod heard;
mod link;
mod mic;
mod stall;
mod tail;
mod talk;

pub use events::{
    AfterReady, AfterStop, Background, Effect, Event, Hold, Link, LogKind, Mic, Plan, Sound,
    Speaker, Stall, Tail, Target, Turns, View,
};

use crate::protocol::models::{StreamEnd, TypedText};
use crate::protocol::ServerEvent;
use crate::reconnect::Reconnect;
use reply::{Audio, Reply};

/// How long Stop Mic waits for the worklet's last partial chunk before stopping anyway.
pub const MIC_STOP_DEADLINE_MS: u32 = 1_000;

/// A connection that ends sooner than this after opening (without `goAway`) keeps the
/// reconnect count going instead of resetting it (ms).
pub const STABLE_MS: f64 = 10_000.0;

/// The conversation's state.
pub struct Conversation {
    link: Link,
    mic: Mic,
    policy: Reconnect,
    /// The latest resumption handle.
    handle: Option<String>,
    next_mic: u32,
    /// When the page last reopened a lost microphone by itself (audio clock, s).
    mic_reopened: Option<f64>,
    /// Microphone samples (16 kHz) that no connection took, since the last one.
    unsent: u64,
    /// The log has said that sends fail, on this connection (said once).
    send_failing: bool,
    reply: Reply,
    sound: Sound,
    /// When Connect was pressed and when the audio graph was ready (ms).
    connect_at: (f64, f64),
    status: (&'static str, String),
    shown: Option<View>,
    turns: Turns,
    /// How the model takes typed text, and what ends a turn when the microphone stops
    /// (its row in the model table).
    typed: TypedText,
    stream_end: StreamEnd,
    /// Silence streamed after the microphone stopped, until the model takes the turn.
    tail: Tail,
    hold: Hold,
    /// Talk was pressed while idle: the microphone starts once the session is ready.
    after_ready: AfterReady,
    /// How the connection's opening went, when it answered before the audio graph was ready.
    early_open: Option<Result<(), crate::session::SessionError>>,
    /// Whether an answer from the server is due, and overdue (see [`stall`]).
    stall: Stall,
    /// When the current connection became live, and the reconnect attempt that opened it.
    live_since: f64,
    last_attempt: u32,
    /// Tokens the service reported (`usageMetadata.totalTokenCount`) in this conversation.
    tokens: u64,
    /// Whether the model still works in the background (`interactionStatus`).
    background: Background,
    /// What went wrong, for the banner, until the person dismisses it or tries again.
    alert: Option<String>,
}

impl Default for Conversation {
    fn default() -> Self {
        Conversation::new(Reconnect::default())
    }
}

impl Conversation {
    pub fn new(policy: Reconnect) -> Self {
        Conversation {
            link: Link::Idle,
            mic: Mic::Off,
            policy,
            handle: None,
            next_mic: 0,
            mic_reopened: None,
            unsent: 0,
            send_failing: false,
            reply: Reply::default(),
            sound: Sound::Silent,
            connect_at: (0.0, 0.0),
            status: ("idle", "Not connected.".into()),
            shown: None,
            turns: Turns::Automatic,
            typed: TypedText::RealtimeText,
            stream_end: StreamEnd::EndsTurn,
            tail: Tail::Off,
            hold: Hold::Up,
            after_ready: AfterReady::Nothing,
            tokens: 0,
            background: Background::Idle,
            stall: Stall::Idle,
            live_since: 0.0,
            last_attempt: 0,
            early_open: None,
            alert: None,
        }
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    pub fn mic(&self) -> Mic {
        self.mic
    }

    /// What the page shows now.
    /// Push-to-talk is held down now (a press the conversation took; for the record).
    pub fn held(&self) -> bool {
        self.hold == Hold::Down
    }

    pub fn view(&self) -> View {
        let live = matches!(self.link, Link::Live { .. });
        let settled = matches!(self.mic, Mic::Off | Mic::On { .. });
        View {
            state: self.status.0,
            text: self.status.1.clone(),
            connect: self.link == Link::Idle,
            disconnect: self.link != Link::Idle,
            mic_start: live && self.mic == Mic::Off,
            mic_stop: matches!(self.mic, Mic::On { .. }),
            talk: self.link == Link::Idle || (live && settled),
            talking: self.mic != Mic::Off,
            typing: live,
            push_to_talk: live && self.push_to_talk(),
            held: self.hold == Hold::Down,
            alert: self.alert.clone(),
        }
    }

    /// One event at `now` (ms): what the edge must do, in order; the status line and the
    /// buttons come last, when they changed.
    pub fn handle(&mut self, now: f64, event: Event) -> Vec<Effect> {
        let mut out = Out(Vec::new());
        self.step(now, event, &mut out);
        self.tail_held_to_the_link();
        self.answer_due_after(now, &out.0);
        let view = self.view();
        if self.shown.as_ref() != Some(&view) {
            self.shown = Some(view.clone());
            out.0.push(Effect::Show(view));
        }
        out.0
    }

    fn step(&mut self, now: f64, event: Event, out: &mut Out) {
        match event {
            Event::Connect(plan) => self.connect(now, plan, out),
            Event::Talk(plan) => self.talk(now, plan, out),
            Event::Invalid(why) if self.link == Link::Idle => {
                out.log(LogKind::Error, &why);
                self.fail("error", &why);
            }
            Event::Dismiss => self.alert = None,
            Event::Hold => self.hold(out),
            Event::Release => self.release(),
            Event::Text(text) => self.text(&text, out),
            Event::SwitchMic => {
                if matches!(self.mic, Mic::On { .. }) {
                    self.stop_mic(now, out);
                    if let Mic::Stopping { then, .. } = &mut self.mic {
                        *then = AfterStop::Reopen;
                    }
                }
            }
            Event::AudioReady if self.link == Link::Starting => self.audio_ready(now, out),
            Event::AudioFailed(why) if self.link == Link::Starting => {
                self.link = Link::Idle;
                // The connection opening alongside is closed (now, or when it opens).
                if self.early_open.take().is_some_and(|r| r.is_ok()) {
                    out.push(Effect::Close);
                }
                out.push(Effect::EndAudio);
                out.log(LogKind::Error, &why);
                self.fail("error", &why);
            }
            Event::Opened(result) => self.opened(now, result, out),
            Event::Ended { error, handle } => {
                if handle.is_some() {
                    self.handle = handle;
                }
                match self.link {
                    Link::Live { goaway } => {
                        // A connection that failed soon after opening does not count as a
                        // success: a server that accepts and then fails each time is given
                        // up on, not retried forever.
                        let stable = goaway || now - self.live_since >= STABLE_MS;
                        let attempt = if stable { 0 } else { self.last_attempt };
                        self.after_end(error, goaway, attempt, true, out)
                    }
                    Link::Closing => self.finish(None, out),
                    Link::Renewing => self.renewed(out),
                    _ => {}
                }
            }
            Event::RetryDue => {
                if let Link::Waiting { attempt } = self.link {
                    self.link = Link::Opening { attempt };
                    out.push(Effect::Open {
                        handle: self.handle.clone(),
                    });
                }
            }
            // A fresh token for the connection being opened: open it now.
            Event::TokenReady => {
                if let Link::Opening { .. } = self.link {
                    out.push(Effect::Open {
                        handle: self.handle.clone(),
                    });
                }
            }
            Event::Renew => self.renew(out),
            Event::Disconnect => self.disconnect(out),
            Event::Server(event) => {
                self.server_spoke(now, &event, out);
                self.turn_taken(now, &event, out);
                self.server(event, out)
            }
            Event::BadFrame(why) => out.log(LogKind::Warn, &why),
            Event::StartMic => self.start_mic(out),
            Event::StopMic => self.stop_mic(now, out),
            Event::ToggleMic => match self.mic {
                Mic::On { .. } => self.stop_mic(now, out),
                Mic::Off => self.start_mic(out),
                Mic::Starting { .. } | Mic::Stopping { .. } => {}
            },
            Event::MicOpened { id, result } => self.mic_opened(id, result, out),
            Event::MicChunk { id, samples, time } if self.mic_is(id) => {
                self.mic_chunk(samples, time, out)
            }
            Event::MicFlushed { id } => self.mic_stopped(now, id, out),
            Event::MicDeadline { id } => {
                if matches!(self.mic, Mic::Stopping { id: current, .. } if current == id) {
                    out.log(
                        LogKind::Warn,
                        "The microphone did not deliver its last audio within 1 s; stopped anyway.",
                    );
                    self.mic_stopped(now, id, out);
                }
            }
            Event::MicFailed { id, error } if self.mic_is(id) => {
                out.push(Effect::CloseMic { id });
                if matches!(self.link, Link::Live { .. }) {
                    self.audio_ended(now, out);
                }
                self.fail_mic(&error, out);
            }
            Event::MicLost { id } if self.mic_is(id) => self.mic_lost(now, id, out),
            Event::SendFailed { samples, error } => {
                self.unsent += samples as u64;
                if !self.send_failing {
                    self.send_failing = true;
                    out.log(LogKind::Warn, &error);
                }
            }
            Event::Stretched(samples) => self.reply.stretched(samples),
            Event::EchoCancellationOff if matches!(self.mic, Mic::On { .. }) => out.log(
                LogKind::Warn,
                "The browser did not turn on echo cancellation for this microphone: through speakers the model may hear itself and stop. Use headphones, or another microphone or browser.",
            ),
            Event::AudioPaused(Some(state)) if self.link != Link::Idle => {
                let text = format!("The browser paused the audio ({state}). Click anywhere or press a key to resume it.");
                out.log(LogKind::Warn, &text);
                self.set_status("paused", &text);
            }
            Event::AudioPaused(None) if self.link != Link::Idle => {
                out.log(LogKind::Info, "The audio runs again.");
                self.settle();
            }
            Event::AudioPaused(_) => {}
            Event::FrameTiming(s) => out.log(
                LogKind::Info,
                &format!(
                    "Model audio frames so far: {}; arrival to scheduled: median {:.1} ms, 99th percentile {:.1} ms, longest {:.1} ms.",
                    s.count,
                    s.median,
                    s.p99,
                    s.max),
            ),
            Event::Cut { silent_after_ms } => out.log(
                LogKind::Info,
                &format!(
                    "Playback cut: silent {:.1} ms after interrupted",
                    silent_after_ms),
            ),
            Event::Playing(playing) => {
                self.check_stall(now, out);
                self.tail_tick(now, out);
                let sound = if playing { Sound::Playing } else { Sound::Silent };
                if sound != self.sound {
                    self.sound = sound;
                    if playing && matches!(self.link, Link::Live { .. }) {
                        self.set_status("speaking", "The model is speaking. Talk to interrupt it.");
                    } else {
                        self.settle();
                    }
                }
            }
            // Late or stale: an earlier microphone's chunk, failure or echo report, a second
            // AudioReady, settings refused while a conversation runs (it keeps its own).
            Event::AudioReady
            | Event::AudioFailed(_)
            | Event::MicChunk { .. }
            | Event::MicFailed { .. }
            | Event::MicLost { .. }
            | Event::EchoCancellationOff
            | Event::Invalid(_) => {}
        }
    }

    /// The resting state: listening with the mic on, ready with it off.
    fn settle(&mut self) {
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        match self.mic {
            Mic::Starting { .. } => {}
            _ if self.push_to_talk() && self.hold != Hold::Down => {
                self.set_status("ready", "Hold the talk button (or the space bar) to talk.")
            }
            Mic::On { .. } | Mic::Stopping { .. } => {
                self.set_status("listening", "Listening. Talk to the model.")
            }
            Mic::Off => self.set_status("ready", "Connected. Press Start Mic to talk."),
        }
        if self.background == Background::Working {
            self.status
                .1
                .push_str(" The model is still working in the background.");
        }
    }

    fn push_to_talk(&self) -> bool {
        self.turns == Turns::PushToTalk
    }

    fn set_status(&mut self, state: &'static str, text: &str) {
        self.status = (state, text.to_owned());
    }

    /// The status line and the banner say what went wrong.
    fn fail(&mut self, state: &'static str, text: &str) {
        self.set_status(state, text);
        self.alert = Some(text.to_owned());
    }
}

/// The effects of one event, with a shorthand for log lines.
struct Out(Vec<Effect>);

impl Out {
    fn push(&mut self, effect: Effect) {
        self.0.push(effect);
    }

    fn log(&mut self, kind: LogKind, text: &str) {
        self.0.push(Effect::Log {
            kind,
            text: text.to_owned(),
        });
    }
}

#[cfg(test)]
mod tests;
