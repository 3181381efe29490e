//! The connection's life: Connect, opening, the reconnect loop, Disconnect, the end.

use super::{
    AfterReady, Background, Conversation, Effect, Hold, Link, LogKind, Mic, Out, Plan, Sound, Tail,
    Target, Turns,
};
use crate::protocol::INPUT_RATE;
use crate::session::SessionError;

impl Conversation {
    pub(super) fn connect(&mut self, now: f64, plan: Plan, out: &mut Out) {
        if self.link != Link::Idle {
            return;
        }
        let Plan {
            target,
            model,
            push_to_talk,
        } = plan;
        self.turns = if push_to_talk {
            Turns::PushToTalk
        } else {
            Turns::Automatic
        };
        let row = crate::protocol::models::lookup(&model);
        self.typed = row.typed_text;
        self.stream_end = row.stream_end;
        self.tail = Tail::Off;
        self.hold = Hold::Up;
        self.after_ready = AfterReady::Nothing;
        self.tokens = 0;
        self.early_open = None;
        self.alert = None;
        self.link = Link::Starting;
        self.connect_at = (now, now);
        self.handle = None;
        self.unsent = 0;
        self.set_status("connecting", "Connecting...");
        match target {
            Target::Remote(url) => out.log(LogKind::Info, &format!("Connecting to {url}")),
            Target::Offline => out.log(
                LogKind::Info,
                "Connecting to the offline stand-in (in this page, no network): it echoes what you say.",
            ),
        }
        out.log(LogKind::Info, &format!("Model {model}"));
        // The connection opens while the audio graph is made (the socket's handshake runs
        // on the network thread while the main thread makes the AudioContext); the session
        // is taken up once audio is ready.
        out.push(Effect::Open { handle: None });
        out.push(Effect::StartAudio);
    }

    /// The audio graph is ready: the opening connection is awaited, or taken up if it
    /// already answered.
    pub(super) fn audio_ready(&mut self, now: f64, out: &mut Out) {
        self.connect_at.1 = now;
        self.link = Link::Opening { attempt: 0 };
        if let Some(result) = self.early_open.take() {
            self.opened(now, result, out);
        }
    }

    pub(super) fn opened(&mut self, now: f64, result: Result<(), SessionError>, out: &mut Out) {
        match (result, &self.link) {
            // Faster than the audio graph: kept until it is ready.
            (result, Link::Starting) => self.early_open = Some(result),
            (Ok(()), &Link::Opening { attempt }) => {
                self.last_attempt = attempt;
                self.live_since = now;
                self.link = Link::Live { goaway: false };
                self.background = Background::Idle;
                self.reset_stall();
                self.send_failing = false;
                // Attempt 0 opens the conversation; later ones continue it.
                if attempt > 0 {
                    let secs = std::mem::take(&mut self.unsent) as f64 / f64::from(INPUT_RATE);
                    out.log(LogKind::Reconnected, &format!(
                        "Reconnected; the conversation continues ({:.1} s of microphone audio could not be sent meanwhile).",
                        secs));
                } else {
                    out.push(Effect::BeginRecording);
                    out.log(LogKind::Server, "setupComplete: the session is ready.");
                    let (clicked, audio) = self.connect_at;
                    out.log(
                        LogKind::Info,
                        &format!(
                            "Connect to ready: {:.1} ms (the audio graph {:.1} ms; the connection, opened alongside, {:.1} ms after it).",
                            now - clicked,
                            audio - clicked,
                            now - audio),
                    );
                }
                self.set_status("ready", "Connected. The session is ready.");
                self.settle();
                // A push-to-talk turn held across a reconnect goes on, on the new connection.
                if self.push_to_talk()
                    && self.hold != Hold::Up
                    && matches!(self.mic, Mic::On { .. })
                {
                    out.push(Effect::SendActivity { start: true });
                }
                if std::mem::replace(&mut self.after_ready, AfterReady::Nothing)
                    == AfterReady::StartMic
                {
                    self.start_mic(out);
                }
            }
            // Disconnect was pressed while it opened (or it is stale): close it at once.
            (Ok(()), _) => out.push(Effect::Close),
            (Err(error), Link::Opening { attempt }) => {
                let attempt = *attempt;
                self.after_end(error, false, attempt, attempt > 0, out);
            }
            (Err(_), Link::Closing) => self.finish(None, out),
            (Err(_), _) => {}
        }
    }

    /// A connection ended (or failed to open) on its `attempt`: continue on a new one, or
    /// end the conversation.
    /// `resuming`: the conversation has been live (only then is there one to continue).
    pub(super) fn after_end(
        &mut self,
        error: SessionError,
        goaway: bool,
        attempt: u32,
        resuming: bool,
        out: &mut Out,
    ) {
        let delay = (resuming && self.handle.is_some())
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

    /// Closes a live connection to resume the conversation on a new one (its setup is the
    /// edge's); without a resumption handle the conversation could not go on, so nothing
    /// is done and the log says when the change applies.
    pub(super) fn renew(&mut self, out: &mut Out) {
        if !matches!(self.link, Link::Live { .. }) {
            return;
        }
        if self.handle.is_none() {
            out.log(
                LogKind::Info,
                "The new instruction and tools apply from the next reconnect or conversation: the server has not yet given a resumption handle.",
            );
            return;
        }
        self.link = Link::Renewing;
        out.push(Effect::Close);
        out.log(
            LogKind::Info,
            "Resuming on a new connection with the new instruction and tools (this model takes them only when a connection starts)...",
        );
        self.set_status("reconnecting", "Applying the new instruction and tools...");
    }

    /// The renewed connection closed: open the next at once, resuming the conversation.
    pub(super) fn renewed(&mut self, out: &mut Out) {
        self.link = Link::Opening { attempt: 1 };
        // The model's unfinished turn plays out; its next audio is a new turn.
        out.push(Effect::TurnComplete);
        self.reply.end();
        out.push(Effect::Open {
            handle: self.handle.clone(),
        });
    }

    pub(super) fn disconnect(&mut self, out: &mut Out) {
        match self.link {
            Link::Idle | Link::Closing => {}
            Link::Starting => self.finish(None, out),
            Link::Waiting { .. } => {
                out.push(Effect::CancelRetry);
                self.finish(None, out);
            }
            Link::Opening { .. } | Link::Live { .. } | Link::Renewing => {
                if matches!(self.link, Link::Live { .. }) {
                    out.push(Effect::Close);
                }
                self.link = Link::Closing;
                self.set_status("closing", "Disconnecting...");
            }
        }
    }

    /// The conversation is over: audio stops, the recording keeps everything so far.
    pub(super) fn finish(&mut self, error: Option<SessionError>, out: &mut Out) {
        self.link = Link::Idle;
        // A connection that opened before the audio graph was ready is closed too.
        if self.early_open.take().is_some_and(|r| r.is_ok()) {
            out.push(Effect::Close);
        }
        if let Mic::Starting { id } | Mic::On { id } | Mic::Stopping { id, .. } = self.mic {
            out.push(Effect::CloseMic { id });
        }
        self.mic = Mic::Off;
        self.hold = Hold::Up;
        self.after_ready = AfterReady::Nothing;
        self.sound = Sound::Silent;
        self.reply.end();
        out.push(Effect::EndAudio);
        out.push(Effect::DrawRecording);
        match error {
            Some(error) => {
                let text = error.to_string();
                out.log(LogKind::Error, &text);
                let normal = matches!(&error, SessionError::Closed(info) if info.code == 1000);
                self.fail(if normal { "closed" } else { "error" }, &text);
            }
            None => {
                out.log(LogKind::Info, "Disconnected.");
                self.set_status("closed", "Disconnected.");
            }
        }
    }
}
