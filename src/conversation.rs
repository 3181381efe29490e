//! The conversation, with no browser types: what a person's clicks, the session's events,
//! the microphone's chunks and the timers mean, and what the page must do about them.
//!
//! [`Conversation::handle`] takes one [`Event`] and the caller's clock (ms) and returns the
//! [`Effect`]s for the browser edge to carry out, in order. Its state is two enums, the
//! connection ([`Link`]) and the microphone ([`Mic`]), instead of loose flags, so every
//! sequence a person can cause is a host test with exact expectations. It owns the
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

use crate::protocol::{ServerEvent, INPUT_RATE};
use crate::reconnect::Reconnect;
use crate::session::SessionError;
use reply::{Audio, Reply};

/// How long Stop Mic waits for the worklet's last partial chunk before stopping anyway.
pub const MIC_STOP_DEADLINE_MS: u32 = 1_000;

/// The connection's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// No conversation: before the first Connect, or after one ended.
    Idle,
    /// Connect was pressed; the audio graph is being made.
    Starting,
    /// A connection is opening: attempt 0 starts the conversation, later ones continue it.
    Opening { attempt: u32 },
    /// `setupComplete` came; `goaway` once the server announced the end of this connection.
    Live { goaway: bool },
    /// Between connections, until the retry timer fires ([`Event::RetryDue`]).
    Waiting { attempt: u32 },
    /// Disconnect was pressed; waiting for the connection to close.
    Closing,
}

/// The microphone's state. `id` tells one opening of the microphone from the next, so a
/// late event of an earlier one changes nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mic {
    Off,
    /// Start Mic was pressed (the permission prompt may be open).
    Starting {
        id: u32,
    },
    On {
        id: u32,
    },
    /// Stop Mic was pressed at `since` (ms): waiting for the last partial chunk.
    Stopping {
        id: u32,
        since: f64,
    },
}

/// Where a conversation connects, for the log (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The in-page offline stand-in.
    Offline,
    /// A server, its URL redacted.
    Remote(String),
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Connect {
        target: Target,
        model: String,
    },
    /// The AudioContext and the player are running.
    AudioReady,
    AudioFailed(String),
    /// How opening the connection asked for by [`Effect::Open`] went.
    Opened(Result<(), SessionError>),
    Server(ServerEvent),
    /// A frame that could not be understood (the words say why).
    BadFrame(String),
    /// The connection ended; `handle` is the latest resumption handle it gave.
    Ended {
        error: SessionError,
        handle: Option<String>,
    },
    RetryDue,
    Disconnect,
    StartMic,
    StopMic,
    /// The `m` key.
    ToggleMic,
    /// The microphone asked for by [`Effect::OpenMic`] runs at `Ok(device rate)`, or not.
    MicOpened {
        id: u32,
        result: Result<f32, String>,
    },
    /// 16 kHz samples whose first was captured at `time` (the audio clock, s).
    MicChunk {
        id: u32,
        samples: Vec<i16>,
        time: f64,
    },
    /// Everything captured has been delivered (after [`Effect::FlushMic`]).
    MicFlushed {
        id: u32,
    },
    /// [`MIC_STOP_DEADLINE_MS`] passed after [`Effect::FlushMic`].
    MicDeadline {
        id: u32,
    },
    MicFailed {
        id: u32,
        error: String,
    },
    SendFailed {
        samples: usize,
        error: String,
    },
    /// The turn's first sample plays at `plays_at` (page clock, ms).
    ReplyStarts {
        plays_at: f64,
        prebuffer_ms: f64,
    },
    /// An interruption's fade ends this long after the `interrupted` call.
    Cut {
        silent_after_ms: f64,
    },
    /// Whether the model's audio is sounding or queued (polled on a timer).
    Playing(bool),
}

/// A log line's kind (its CSS class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Info,
    Warn,
    Error,
    Server,
}

impl LogKind {
    pub fn class(self) -> &'static str {
        match self {
            LogKind::Info => "info",
            LogKind::Warn => "warn",
            LogKind::Error => "error",
            LogKind::Server => "server",
        }
    }
}

/// Who a transcript line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    You,
    Model,
}

/// What the status line and the buttons show. `state` names the state for styling and
/// tests; `text` is for people; each flag says whether that button is enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub state: &'static str,
    pub text: String,
    pub connect: bool,
    pub disconnect: bool,
    pub mic_start: bool,
    pub mic_stop: bool,
}

/// Something for the edge to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make the AudioContext and the player; answer [`Event::AudioReady`] or `AudioFailed`.
    StartAudio,
    /// Stop capture and playback and close the AudioContext (the recording keeps all).
    EndAudio,
    /// Open a connection (resuming `handle`); answer [`Event::Opened`].
    Open {
        handle: Option<String>,
    },
    /// Close the connection normally.
    Close,
    /// Answer [`Event::RetryDue`] after this many ms.
    RetryAfter(u32),
    CancelRetry,
    /// The recording's model track starts on this connection's audio clock.
    BeginRecording,
    /// Open the microphone; answer [`Event::MicOpened`] with `id`.
    OpenMic {
        id: u32,
    },
    /// Ask for the last partial chunk; answer [`Event::MicFlushed`], and
    /// [`Event::MicDeadline`] after `deadline_ms` unless cancelled by `CloseMic`.
    FlushMic {
        id: u32,
        deadline_ms: u32,
    },
    /// Release microphone `id` (tracks stopped, graph disconnected).
    CloseMic {
        id: u32,
    },
    /// A microphone chunk: into the recording (always: the person's voice is its continuous
    /// base track) and, if `send`, to the model.
    MicAudio {
        samples: Vec<i16>,
        time: f64,
        send: bool,
    },
    SendStreamEnd,
    /// 24 kHz model audio to play and record; `first` of its turn (answer
    /// [`Event::ReplyStarts`]).
    Play {
        samples: Vec<i16>,
        first: bool,
    },
    /// Cut playback now (answer [`Event::Cut`]).
    Interrupt,
    /// Let what is queued play out.
    TurnComplete,
    Transcript {
        speaker: Speaker,
        text: String,
    },
    Log {
        kind: LogKind,
        text: String,
    },
    Show(View),
    /// Redraw the recording's picture.
    DrawRecording,
}

/// The conversation's state.
pub struct Conversation {
    link: Link,
    mic: Mic,
    policy: Reconnect,
    /// The latest resumption handle.
    handle: Option<String>,
    connected_once: bool,
    next_mic: u32,
    /// Microphone samples (16 kHz) that no connection took, since the last one.
    unsent: u64,
    send_failing: bool,
    /// When the latest microphone chunk went out (ms).
    last_sent_at: Option<f64>,
    reply: Reply,
    playing: bool,
    status: (&'static str, String),
    shown: Option<View>,
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
            connected_once: false,
            next_mic: 0,
            unsent: 0,
            send_failing: false,
            last_sent_at: None,
            reply: Reply::default(),
            playing: false,
            status: ("idle", "Not connected.".into()),
            shown: None,
        }
    }

    pub fn link(&self) -> &Link {
        &self.link
    }

    pub fn mic(&self) -> Mic {
        self.mic
    }

    /// What the page shows now.
    pub fn view(&self) -> View {
        let live = matches!(self.link, Link::Live { .. });
        View {
            state: self.status.0,
            text: self.status.1.clone(),
            connect: self.link == Link::Idle,
            disconnect: self.link != Link::Idle,
            mic_start: live && self.mic == Mic::Off,
            mic_stop: matches!(self.mic, Mic::On { .. }),
        }
    }

    /// One event at `now` (ms): what the edge must do, in order; the status line and the
    /// buttons come last, when they changed.
    pub fn handle(&mut self, now: f64, event: Event) -> Vec<Effect> {
        let mut out = Out(Vec::new());
        self.step(now, event, &mut out);
        let view = self.view();
        if self.shown.as_ref() != Some(&view) {
            self.shown = Some(view.clone());
            out.0.push(Effect::Show(view));
        }
        out.0
    }

    fn step(&mut self, now: f64, event: Event, out: &mut Out) {
        match event {
            Event::Connect { target, model } => self.connect(target, &model, out),
            Event::AudioReady if self.link == Link::Starting => {
                self.link = Link::Opening { attempt: 0 };
                out.push(Effect::Open { handle: None });
            }
            Event::AudioFailed(why) if self.link == Link::Starting => {
                self.link = Link::Idle;
                out.push(Effect::EndAudio);
                out.log(LogKind::Error, &why);
                self.set_status("error", &why);
            }
            Event::Opened(result) => self.opened(result, out),
            Event::Ended { error, handle } => {
                if handle.is_some() {
                    self.handle = handle;
                }
                match self.link {
                    Link::Live { goaway } => self.after_end(error, goaway, 0, out),
                    Link::Closing => self.finish(None, out),
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
            Event::Disconnect => self.disconnect(out),
            Event::Server(event) => self.server(event, out),
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
                let send = matches!(self.link, Link::Live { .. });
                if send {
                    self.last_sent_at = Some(now);
                } else {
                    self.unsent += samples.len() as u64;
                }
                out.push(Effect::MicAudio {
                    samples,
                    time,
                    send,
                });
            }
            Event::MicFlushed { id } => self.mic_stopped(id, out),
            Event::MicDeadline { id } => {
                if matches!(self.mic, Mic::Stopping { id: current, .. } if current == id) {
                    out.log(
                        LogKind::Warn,
                        "The microphone did not deliver its last audio within 1 s; stopped anyway.",
                    );
                    self.mic_stopped(id, out);
                }
            }
            Event::MicFailed { id, error } if self.mic_is(id) => {
                out.push(Effect::CloseMic { id });
                if matches!(self.link, Link::Live { .. }) {
                    out.push(Effect::SendStreamEnd);
                }
                self.fail_mic(&error, out);
            }
            Event::SendFailed { samples, error } => {
                self.unsent += samples as u64;
                if !self.send_failing {
                    self.send_failing = true;
                    out.log(LogKind::Warn, &error);
                }
            }
            Event::ReplyStarts {
                plays_at,
                prebuffer_ms,
            } => {
                if let Some(sent) = self.last_sent_at {
                    out.log(LogKind::Info, &format!(
                        "Reply latency: the first sample plays {:.1} ms after the last microphone chunk was sent ({prebuffer_ms:.0} ms of it is the playback buffer).",
                        plays_at - sent
                    ));
                }
            }
            Event::Cut { silent_after_ms } => out.log(
                LogKind::Info,
                &format!("Playback cut: silent {silent_after_ms:.1} ms after interrupted"),
            ),
            Event::Playing(playing) => {
                if playing != self.playing {
                    self.playing = playing;
                    if playing && matches!(self.link, Link::Live { .. }) {
                        self.set_status("speaking", "The model is speaking. Talk to interrupt it.");
                    } else {
                        self.settle();
                    }
                }
            }
            // Late or stale: an earlier microphone's chunk or failure, a second AudioReady.
            Event::AudioReady
            | Event::AudioFailed(_)
            | Event::MicChunk { .. }
            | Event::MicFailed { .. } => {}
        }
    }

    fn connect(&mut self, target: Target, model: &str, out: &mut Out) {
        if self.link != Link::Idle {
            return;
        }
        self.link = Link::Starting;
        self.connected_once = false;
        self.handle = None;
        self.unsent = 0;
        self.last_sent_at = None;
        self.set_status("connecting", "Connecting...");
        match target {
            Target::Remote(url) => out.log(LogKind::Info, &format!("Connecting to {url}")),
            Target::Offline => out.log(
                LogKind::Info,
                "Connecting to the offline stand-in (in this page, no network): it echoes what you say.",
            ),
        }
        out.log(LogKind::Info, &format!("Model {model}"));
        out.push(Effect::StartAudio);
    }

    fn opened(&mut self, result: Result<(), SessionError>, out: &mut Out) {
        match (result, &self.link) {
            (Ok(()), Link::Opening { .. }) => {
                self.link = Link::Live { goaway: false };
                self.send_failing = false;
                if self.connected_once {
                    let secs = std::mem::take(&mut self.unsent) as f64 / f64::from(INPUT_RATE);
                    out.log(LogKind::Server, &format!(
                        "Reconnected; the conversation continues ({secs:.1} s of microphone audio could not be sent meanwhile)."
                    ));
                } else {
                    out.push(Effect::BeginRecording);
                    out.log(LogKind::Server, "setupComplete: the session is ready.");
                }
                self.connected_once = true;
                self.set_status("ready", "Connected. The session is ready.");
                self.settle();
            }
            // Disconnect was pressed while it opened (or it is stale): close it at once.
            (Ok(()), _) => out.push(Effect::Close),
            (Err(error), Link::Opening { attempt }) => {
                let attempt = *attempt;
                self.after_end(error, false, attempt, out);
            }
            (Err(_), Link::Closing) => self.finish(None, out),
            (Err(_), _) => {}
        }
    }

    /// A connection ended (or failed to open) on its `attempt`: continue on a new one, or
    /// end the conversation.
    fn after_end(&mut self, error: SessionError, goaway: bool, attempt: u32, out: &mut Out) {
        let delay = (self.connected_once && self.handle.is_some())
            .then(|| self.policy.decide(&error, goaway, attempt))
            .flatten();
        let Some(delay) = delay else {
            return self.finish(Some(error), out);
        };
        let attempt = attempt + 1;
        self.link = Link::Waiting { attempt };
        let why = if goaway {
            "The server ended the connection as it announced (goAway).".to_owned()
        } else {
            error.to_string()
        };
        out.log(
            LogKind::Warn,
            &format!(
                "{why} Reconnecting with the resumption handle {} (attempt {attempt})...",
                self.handle.as_deref().unwrap_or_default()
            ),
        );
        self.set_status(
            "reconnecting",
            "Reconnecting; the conversation will continue...",
        );
        // The model's unfinished turn plays out; its next audio is a new turn.
        out.push(Effect::TurnComplete);
        self.reply.end();
        out.push(Effect::RetryAfter(delay));
    }

    fn disconnect(&mut self, out: &mut Out) {
        match self.link {
            Link::Idle | Link::Closing => {}
            Link::Starting => self.finish(None, out),
            Link::Waiting { .. } => {
                out.push(Effect::CancelRetry);
                self.finish(None, out);
            }
            Link::Opening { .. } | Link::Live { .. } => {
                if matches!(self.link, Link::Live { .. }) {
                    out.push(Effect::Close);
                }
                self.link = Link::Closing;
                self.set_status("closing", "Disconnecting...");
            }
        }
    }

    /// The conversation is over: audio stops, the recording keeps everything so far.
    fn finish(&mut self, error: Option<SessionError>, out: &mut Out) {
        self.link = Link::Idle;
        if let Mic::Starting { id } | Mic::On { id } | Mic::Stopping { id, .. } = self.mic {
            out.push(Effect::CloseMic { id });
        }
        self.mic = Mic::Off;
        self.playing = false;
        self.reply.end();
        out.push(Effect::EndAudio);
        out.push(Effect::DrawRecording);
        match error {
            Some(error) => {
                let text = error.to_string();
                out.log(LogKind::Error, &text);
                let normal = matches!(&error, SessionError::Closed(info) if info.code == 1000);
                self.set_status(if normal { "closed" } else { "error" }, &text);
            }
            None => {
                out.log(LogKind::Info, "Disconnected.");
                self.set_status("closed", "Disconnected.");
            }
        }
    }

    fn server(&mut self, event: ServerEvent, out: &mut Out) {
        let event = match event {
            ServerEvent::Audio(chunk) => {
                match self.reply.audio(chunk) {
                    Audio::Play { samples, first } => out.push(Effect::Play { samples, first }),
                    Audio::Refused(why) => out.log(LogKind::Warn, &why),
                }
                return;
            }
            other => other,
        };
        match &event {
            ServerEvent::InputTranscription(text) => out.push(Effect::Transcript {
                speaker: Speaker::You,
                text: text.clone(),
            }),
            ServerEvent::OutputTranscription(text) => out.push(Effect::Transcript {
                speaker: Speaker::Model,
                text: text.clone(),
            }),
            ServerEvent::Interrupted => {
                self.set_status("interrupted", "You interrupted the model.");
                out.push(Effect::Interrupt);
            }
            ServerEvent::TurnComplete => out.push(Effect::TurnComplete),
            ServerEvent::GoAway { .. } => {
                if let Link::Live { goaway } = &mut self.link {
                    *goaway = true;
                }
            }
            _ => {}
        }
        if matches!(event, ServerEvent::TurnComplete | ServerEvent::Interrupted) {
            if let Some(line) = self.reply.end() {
                out.log(LogKind::Server, &line);
            }
        }
        out.log(LogKind::Server, &words::describe(&event));
    }

    fn start_mic(&mut self, out: &mut Out) {
        if self.mic != Mic::Off || !matches!(self.link, Link::Live { .. }) {
            return;
        }
        self.next_mic += 1;
        let id = self.next_mic;
        self.mic = Mic::Starting { id };
        self.set_status("starting", "Starting the microphone...");
        out.push(Effect::OpenMic { id });
    }

    fn stop_mic(&mut self, now: f64, out: &mut Out) {
        if let Mic::On { id } = self.mic {
            self.mic = Mic::Stopping { id, since: now };
            out.push(Effect::FlushMic {
                id,
                deadline_ms: MIC_STOP_DEADLINE_MS,
            });
        }
    }

    fn mic_opened(&mut self, id: u32, result: Result<f32, String>, out: &mut Out) {
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
                    &format!("Microphone on ({rate} Hz device rate, sent as 16 kHz)"),
                );
                self.set_status("listening", "Listening. Talk to the model.");
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
    fn mic_stopped(&mut self, id: u32, out: &mut Out) {
        if !matches!(self.mic, Mic::Stopping { id: current, .. } if current == id) {
            return;
        }
        self.mic = Mic::Off;
        out.push(Effect::CloseMic { id });
        out.push(Effect::DrawRecording);
        if matches!(self.link, Link::Live { .. }) {
            out.push(Effect::SendStreamEnd);
            out.log(LogKind::Info, "Microphone off (audioStreamEnd sent).");
            if self.playing {
                self.set_status("speaking", "The model is speaking.");
            } else {
                self.settle();
            }
        }
    }

    fn fail_mic(&mut self, error: &str, out: &mut Out) {
        self.mic = Mic::Off;
        out.log(LogKind::Error, error);
        let live = matches!(self.link, Link::Live { .. });
        self.set_status(if live { "ready" } else { "closed" }, error);
    }

    fn mic_is(&self, id: u32) -> bool {
        matches!(self.mic, Mic::On { id: c } | Mic::Stopping { id: c, .. } if c == id)
    }

    /// The resting state: listening with the mic on, ready with it off.
    fn settle(&mut self) {
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        match self.mic {
            Mic::Starting { .. } => {}
            Mic::On { .. } | Mic::Stopping { .. } => {
                self.set_status("listening", "Listening. Talk to the model.")
            }
            Mic::Off => self.set_status("ready", "Connected. Press Start Mic to talk."),
        }
    }

    fn set_status(&mut self, state: &'static str, text: &str) {
        self.status = (state, text.to_owned());
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
