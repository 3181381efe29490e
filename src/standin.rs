//! The offline stand-in for the Live API, with no I/O: it reads the client's JSON, checks it
//! as the real service does, listens to the audio, and answers with the service's JSON
//! (`setupComplete`, an echo of what it heard as 24 kHz audio chunks paced in real time,
//! `interrupted` when the speaker talks over the reply, `generationComplete`,
//! `turnComplete`, resumption handles).
//!
//! Two shells drive it: the page's in-page backend (`web::standin`, no network, the default
//! when no key is given) and the WebSocket emulator the tests run against
//! (`tests/emulator`). Time is the caller's clock in milliseconds; the core only says what is
//! due when.

mod config;
mod reply;
pub mod turns;
mod typed;

use reply::{content, interrupted, turn_complete};
pub mod validate;

#[cfg(any(test, feature = "standin-module"))]
pub mod module;

use crate::protocol::models::{self, StreamEnd};
use crate::protocol::server::wire::{
    InlineData, ModelTurn, Part, ServerContent, SessionResumptionUpdate, SetupComplete,
    Transcription, Usage,
};
use crate::protocol::ServerMessage;
use crate::protocol::{INPUT_RATE, OUTPUT_RATE};
pub use config::StandInConfig;
use std::collections::VecDeque;
use turns::{Action, TurnConfig, Turns};
use validate::{ClientMsg, Reject, SetupInfo};

/// A reply being streamed.
#[derive(Debug)]
struct Reply {
    chunks: VecDeque<Vec<i16>>,
    sent: u32,
    start_ms: f64,
    /// When the last chunk went out.
    last_ms: f64,
    /// The output transcription sent with the first chunk.
    transcript: String,
    /// Once every chunk is out: when the turn's end goes out.
    end_due: Option<f64>,
}

/// One connection's worth of conversation.
#[derive(Debug)]
pub struct StandIn {
    config: StandInConfig,
    setup: Option<SetupInfo>,
    turns: Turns,
    reply: Option<Reply>,
    handles: u32,
    notes: Vec<String>,
    /// Push-to-talk: what was heard since `activityStart`, until `activityEnd`.
    activity: Option<Vec<i16>>,
    /// Text typed within a push-to-talk activity, answered at its end.
    typed: Option<String>,
    /// The function call waiting for its `toolResponse`: (id, whether it blocks the model).
    pending_call: Option<(String, bool)>,
    calls: u32,
    /// A reply held back until the current one ends (no-interruption turns).
    queued: Option<(Vec<i16>, String)>,
    /// An instruction given mid-conversation (a `contextUpdate`, or a resumed session's
    /// setup): each reply's transcript says it follows it.
    instruction: Option<String>,
}

impl StandIn {
    pub fn new(config: StandInConfig) -> Self {
        StandIn {
            turns: Turns::new(config.turns),
            config,
            setup: None,
            reply: None,
            handles: 0,
            notes: Vec::new(),
            activity: None,
            typed: None,
            pending_call: None,
            calls: 0,
            queued: None,
            instruction: None,
        }
    }

    /// The `setup` received, once it has been.
    pub fn setup(&self) -> Option<&SetupInfo> {
        self.setup.as_ref()
    }

    /// One client frame at `now_ms`: the frames to send back at once, or the close the
    /// real service would answer with (the connection then ends).
    pub fn receive(&mut self, now_ms: f64, text: &str) -> Result<Vec<ServerMessage>, Reject> {
        let msg = validate::parse(text, self.setup.is_some())?;
        let mut out = Vec::new();
        match msg {
            ClientMsg::Setup(info) => {
                if let Some(handle) = &info.resume_handle {
                    if !handle.starts_with(&self.config.accepted_handles) {
                        return Err(Reject {
                            code: 1008,
                            reason: "Invalid session resumption handle.".into(),
                        });
                    }
                }
                self.notes.push(format!("setup {}", info.model));
                if let Some(ms) = info.silence_ms {
                    self.turns = Turns::new(TurnConfig {
                        silence_ms: ms,
                        ..self.config.turns
                    });
                }
                let resumable = info.resumption;
                // A resumed conversation goes on with the setup's instruction (the page
                // resumes to change it on models without contextUpdate).
                if info.resume_handle.is_some() {
                    self.instruction = info.instruction.clone().filter(|t| !t.trim().is_empty());
                }
                // 3.8 Live names its sessions (the prefix tells the connection).
                let session_id = (info.model == "models/gemini-3.8-live")
                    .then(|| format!("{}session", self.config.handle_prefix));
                self.setup = Some(info);
                out.push(ServerMessage {
                    setup_complete: Some(SetupComplete { session_id }),
                    ..ServerMessage::default()
                });
                if resumable {
                    out.push(self.handle());
                }
            }
            ClientMsg::Audio { rate, samples } => {
                let samples = if rate == INPUT_RATE {
                    samples
                } else {
                    resample_nearest(&samples, rate)
                };
                if self.automatic() {
                    let actions = self.turns.on_audio(&samples);
                    self.act(now_ms, actions, &mut out);
                } else if let Some(heard) = self.activity.as_mut() {
                    heard.extend_from_slice(&samples);
                }
            }
            ClientMsg::AudioStreamEnd => {
                if self.model().stream_end == StreamEnd::EndsTurn {
                    let actions = self.turns.on_stream_end();
                    self.act(now_ms, actions, &mut out);
                } else {
                    // 3.8: not a turn's end; what was said waits for audio to come again
                    // (and is then answered with it), as the live service does
                    // (openclaw/openclaw#152830).
                    self.notes
                        .push("audioStreamEnd: no turn's end on this model".into());
                }
            }
            ClientMsg::ClientContent {
                text,
                turn_complete: complete,
            } => {
                // "A message here will interrupt any current model generation."
                if self.reply.take().is_some() {
                    self.turns.cancel_reply();
                    out.push(interrupted());
                    out.push(turn_complete());
                }
                // A completed user turn is answered (3.8 Live takes typed text this way).
                if complete && !text.trim().is_empty() {
                    self.text_turn(now_ms, &text, &mut out);
                }
            }
            ClientMsg::ActivityStart if !self.automatic() => {
                if self.reply.is_some() {
                    self.act(now_ms, vec![Action::Interrupt], &mut out);
                }
                self.activity = Some(Vec::new());
            }
            ClientMsg::ActivityEnd if !self.automatic() => {
                if let Some(heard) = self.activity.take() {
                    match self.typed.take() {
                        Some(text) => self.text_turn(now_ms, &text, &mut out),
                        None if !heard.is_empty() => {
                            self.act(now_ms, vec![Action::Reply(heard)], &mut out)
                        }
                        None => {}
                    }
                }
            }
            ClientMsg::ActivityStart | ClientMsg::ActivityEnd => {
                return Err(Reject {
                    code: 1007,
                    reason: "Explicit activity control is not supported when automatic activity detection is enabled.".into(),
                });
            }
            ClientMsg::Text(text) if self.activity.is_some() => self.typed = Some(text),
            ClientMsg::Text(text) => {
                // With automatic activity detection, typed text counts as activity.
                if self.reply.is_some() {
                    self.act(now_ms, vec![Action::Interrupt], &mut out);
                }
                self.text_turn(now_ms, &text, &mut out);
            }
            ClientMsg::ContextUpdate {
                instruction,
                functions,
            } => self.context_update(instruction, functions)?,
            ClientMsg::ToolResponse(answers) => self.tool_answered(now_ms, &answers, &mut out)?,
        }
        out.extend(self.poll(now_ms));
        Ok(out)
    }

    /// When the next reply chunk is due, if a reply is under way.
    pub fn next_due(&self) -> Option<f64> {
        let reply = self.reply.as_ref()?;
        if reply.chunks.is_empty() {
            return reply.end_due;
        }
        // Chunk n (from 0) waits for (n + 1 - burst) steps; burst 0 and 1 both send the
        // first chunk at once.
        let paced = (reply.sent + 1).saturating_sub(self.config.burst.max(1));
        let step = f64::from(self.config.chunk_ms) / self.config.pace.max(1e-3);
        let due = reply.start_ms + step * f64::from(paced);
        if self.config.jitter_ms <= 0.0 || paced == 0 {
            return Some(due);
        }
        let mut rng = fastrand::Rng::with_seed(self.config.jitter_seed ^ u64::from(reply.sent));
        let jitter = self.config.jitter_ms * (2.0 * rng.f64() - 1.0);
        Some((due + jitter).max(reply.last_ms))
    }

    /// The frames due at `now_ms` (reply chunks, and the turn's end after the last).
    pub fn poll(&mut self, now_ms: f64) -> Vec<ServerMessage> {
        let mut out = Vec::new();
        while let Some(due) = self.next_due().filter(|due| *due <= now_ms) {
            self.send_next_chunk(due, &mut out);
        }
        out
    }

    /// What happened, in words, for a verbose log (drained).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }

    fn handle(&mut self) -> ServerMessage {
        self.handles += 1;
        let handle = format!("{}{}", self.config.handle_prefix, self.handles);
        ServerMessage {
            session_resumption_update: Some(SessionResumptionUpdate {
                new_handle: Some(handle),
                resumable: Some(true),
            }),
            ..ServerMessage::default()
        }
    }

    fn act(&mut self, now_ms: f64, actions: Vec<Action>, out: &mut Vec<ServerMessage>) {
        for action in actions {
            match action {
                Action::Interrupt if !self.interrupts() => {
                    self.notes
                        .push("talked over; it goes on (no interruption)".into());
                }
                Action::Interrupt => {
                    self.notes.push("interrupted".into());
                    self.reply = None;
                    out.push(interrupted());
                    if self.config.turn_complete_on_interrupt {
                        out.push(turn_complete());
                    }
                }
                Action::Reply(heard) => {
                    self.new_input(out);
                    // In whole milliseconds: no float formatting in the stand-in's module
                    // (core's is about 9 KB gzip there, a sixth of the module).
                    let heard_ms = heard.len() as u64 * 1000 / u64::from(INPUT_RATE);
                    self.notes.push(format!("reply: echo of {heard_ms} ms"));
                    if self.setup.as_ref().is_some_and(|s| s.input_transcription) {
                        let text = format!("(heard {heard_ms} ms of speech)");
                        out.push(content(ServerContent {
                            input_transcription: Some(Transcription { text: Some(text) }),
                            ..ServerContent::default()
                        }));
                    }
                    let audio = turns::upsample_16k_to_24k(&heard);
                    let transcript = format!("(echo of {heard_ms} ms)");
                    self.start_reply(now_ms, audio, transcript);
                }
            }
        }
    }

    /// The model's row (the common subset before `setup`).
    fn model(&self) -> models::Model {
        models::lookup(self.setup.as_ref().map_or("", |s| s.model.as_str()))
    }

    fn automatic(&self) -> bool {
        self.setup.as_ref().is_none_or(|s| s.automatic_activity)
    }

    fn interrupts(&self) -> bool {
        self.setup.as_ref().is_none_or(|s| s.interrupts)
    }
}

/// Any declared input rate to 16 kHz by nearest sample (turn detection only needs energy).
pub fn resample_nearest(samples: &[i16], rate: u32) -> Vec<i16> {
    let to = u64::from(INPUT_RATE);
    let out = (samples.len() as u64 * to / u64::from(rate.max(1))) as usize;
    (0..out)
        .map(|i| samples[((i as u64 * u64::from(rate)) / to) as usize])
        .collect()
}

#[cfg(test)]
mod tests;
