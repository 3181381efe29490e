//! The conversation as a reviewable record: its turns (who, when, what was said, cut off or
//! not, how much of a reply went unheard), its tool calls, reconnects and errors in words,
//! and each reply's latency, on the recording's own clock, so that the words and events line
//! up with the WAV to the sample. No browser types: the page feeds it what it already knows
//! (the microphone's chunks, the model's audio and the player's log, transcripts, calls, log
//! lines) and exports it ([`export`]) as JSON, WebVTT captions and WAV cue points.
//!
//! Times are seconds on the page's clock, the recorder's clock; [`Record::export`] makes them
//! relative to the file's first sample.

use crate::playback::Played;
use crate::protocol::OUTPUT_RATE;
use serde::{Deserialize, Serialize};

pub mod export;
pub mod latency;
pub mod review;
mod speech;

pub use export::Export;
use speech::Speech;

/// Who spoke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Who {
    You,
    Model,
}

impl From<crate::conversation::Speaker> for Who {
    fn from(speaker: crate::conversation::Speaker) -> Self {
        match speaker {
            crate::conversation::Speaker::You => Who::You,
            crate::conversation::Speaker::Model => Who::Model,
        }
    }
}

/// What shaped the conversation (never a key or token).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub model: String,
    pub voice: String,
    pub instruction: String,
}

impl From<&crate::protocol::Setup> for Settings {
    fn from(setup: &crate::protocol::Setup) -> Self {
        let voice = setup
            .generation_config
            .as_ref()
            .and_then(|g| g.speech_config.as_ref())
            .map(|s| s.voice_config.prebuilt_voice_config.voice_name.clone());
        let instruction = setup.system_instruction.iter().flat_map(|c| &c.parts);
        let instruction: Vec<&str> = instruction.filter_map(|p| p.text.as_deref()).collect();
        Settings {
            model: setup.model.clone(),
            voice: voice.unwrap_or_default(),
            instruction: instruction.join(" "),
        }
    }
}

/// Something that happened that is not a turn: a reconnect, a warning or an error, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoteKind {
    Reconnect,
    Warning,
    Error,
}

/// Tokens the service reported (`usageMetadata`), summed over its reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub prompt: u64,
    pub response: u64,
    pub total: u64,
}

impl Tokens {
    fn add(&mut self, more: &crate::protocol::UsageMetadata) {
        self.prompt += more.prompt_token_count.unwrap_or(0);
        self.response += more.response_token_count.unwrap_or(0);
        self.total += more.total_token_count.unwrap_or(0);
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Turn {
    who: Who,
    /// First and last sample heard (page s); for a typed message, when it was sent.
    start: f64,
    end: f64,
    text: String,
    typed: bool,
    interrupted: bool,
    /// The model's: (playback session, its turn number), audio received (24 kHz samples),
    /// the position in it the listener heard up to, and when its first audio arrived.
    key: Option<(usize, u64)>,
    received: u64,
    heard_to: f64,
    arrived: Option<f64>,
    heard: bool,
    /// The model's: how many samples of digital silence open its audio (known once a
    /// sound came), and whether `start` is its first sound heard (else its first sample).
    lead: Option<u64>,
    audible: bool,
    /// The model's: the tokens reported for it.
    usage: Option<Tokens>,
    /// Yours: a push-to-talk hold (press to release), or a span the detector found inside
    /// one (`absorbed`: its words went to the hold, it is not a turn of its own).
    held: bool,
    absorbed: bool,
}

impl Turn {
    fn new(who: Who, at: f64) -> Self {
        Turn {
            who,
            start: at,
            end: at,
            text: String::new(),
            typed: false,
            interrupted: false,
            key: None,
            received: 0,
            heard_to: 0.0,
            arrived: None,
            heard: false,
            lead: None,
            audible: false,
            usage: None,
            held: false,
            absorbed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Call {
    id: String,
    name: String,
    args: String,
    asked: f64,
    answered: Option<(f64, String)>,
    cancelled: Option<f64>,
}

/// The record so far.
#[derive(Debug, Clone, Default)]
pub struct Record {
    settings: Settings,
    turns: Vec<Turn>,
    calls: Vec<Call>,
    notes: Vec<(f64, NoteKind, String)>,
    /// Playback sessions: (offset of the audio clock on the page clock, its rate).
    sessions: Vec<(f64, u32)>,
    speech: Speech,
    /// The model turn the latest audio or words belong to.
    current: Option<usize>,
    /// Words for the span the detector still hears (the service's transcript often comes
    /// before the detector has seen the pause that ends it): its start, and the words.
    open_words: Option<(f64, String)>,
    /// A typed message whose own transcript line (the page shows it as the person's turn)
    /// is still to come: it is not a second turn.
    echo: Option<String>,
    /// Every token reported in the conversation.
    tokens: Tokens,
    /// When push-to-talk was pressed, while it is held.
    holding: Option<f64>,
    /// How many replies had been heard, and how many latencies told, at the last
    /// [`Record::new_latencies`].
    heard_seen: usize,
    told: usize,
    /// What the person was told of the archive before the first Talk (`Record::consent`).
    consent: Option<crate::archive::Consent>,
}

impl Record {
    pub fn new(settings: Settings) -> Self {
        Record {
            settings,
            ..Record::default()
        }
    }

    /// A new playback session whose audio clock is at `offset` on the page clock, running at
    /// `rate`; its index names it in [`Self::model_audio`] and [`Self::played`].
    pub fn begin_session(&mut self, offset: f64, rate: u32) -> usize {
        self.sessions.push((offset, rate.max(1)));
        self.sessions.len() - 1
    }

    /// A microphone chunk (16 kHz) whose first sample was captured at `time`: where the
    /// person spoke is found in it (speech above the threshold, pauses under 0.7 s joined).
    pub fn mic(&mut self, time: f64, samples: &[i16]) {
        for (start, end) in self.speech.feed(time, samples) {
            self.spoke(start, end);
        }
    }

    fn spoke(&mut self, start: f64, end: f64) {
        let mut turn = Turn::new(Who::You, start);
        turn.end = end;
        if let Some((_, words)) = self.open_words.take_if(|(at, _)| *at == start) {
            turn.text = words;
        }
        // Speech within a push-to-talk hold is that turn's (its last chunk may run a little
        // past the release): its words join the hold's.
        let hold = self
            .turns
            .iter()
            .rposition(|t| t.held && overlaps(t, start, end));
        if let Some(hold) = hold {
            turn.absorbed = true;
            join(&mut self.turns[hold].text, &turn.text);
        }
        self.insert(turn);
    }

    /// Push-to-talk pressed at `now` (`down`), or released: a hold is the person's turn, from
    /// press to release (the release is where its reply's latency counts from); speech the
    /// detector found within it joins it.
    pub fn hold(&mut self, now: f64, down: bool) {
        if down {
            self.holding.get_or_insert(now);
            return;
        }
        let Some(start) = self.holding.take() else {
            return;
        };
        let mut turn = Turn::new(Who::You, start);
        turn.end = now;
        turn.held = true;
        for spoken in &mut self.turns {
            let inside = spoken.who == Who::You && !spoken.typed && !spoken.held;
            if inside && !spoken.absorbed && overlaps(spoken, start, now) {
                spoken.absorbed = true;
                join(&mut turn.text, &spoken.text);
            }
        }
        self.insert(turn);
    }

    /// Turns are kept in the order they began to be known (indexes stay put); the export
    /// orders them by where they were heard.
    fn insert(&mut self, turn: Turn) -> usize {
        self.turns.push(turn);
        self.turns.len() - 1
    }

    /// A typed message, sent at `now`.
    pub fn typed(&mut self, now: f64, text: &str) {
        let mut turn = Turn::new(Who::You, now);
        turn.typed = true;
        turn.text = text.trim().to_owned();
        self.echo = Some(turn.text.clone());
        self.insert(turn);
    }

    /// A final transcript line: the person's goes with their latest spoken turn, the
    /// model's with the reply being received (or a reply of words only, at `now`).
    pub fn transcript(&mut self, now: f64, who: Who, text: &str) {
        if who == Who::You && self.echo.as_deref() == Some(text.trim()) {
            self.echo = None;
            return;
        }
        if let (Who::You, Some((start, _))) = (who, self.speech.open()) {
            let words = &mut self.open_words.get_or_insert((start, String::new())).1;
            if !words.is_empty() {
                words.push(' ');
            }
            words.push_str(text.trim());
            return;
        }
        let index = match who {
            Who::You => self
                .turns
                .iter()
                .rposition(|t| t.who == Who::You && !t.typed && !t.absorbed && t.start <= now),
            Who::Model => self.current,
        };
        let index = index.unwrap_or_else(|| {
            let index = self.insert(Turn::new(who, now));
            if who == Who::Model {
                self.current = Some(index);
            }
            index
        });
        let turn = &mut self.turns[index];
        if !turn.text.is_empty() {
            turn.text.push(' ');
        }
        turn.text.push_str(text.trim());
    }

    /// The model's audio (24 kHz) arrived at `now` for playback turn `turn` of `session`.
    pub fn model_audio(&mut self, now: f64, session: usize, turn: u64, samples: &[i16]) {
        let key = Some((session, turn));
        let index = match self.turns.iter().rposition(|t| t.key == key) {
            Some(index) => index,
            // Words that came before its audio (a transcript first) are its.
            None => match self.current.filter(|&c| self.turns[c].key.is_none()) {
                Some(c) => c,
                None => self.insert(Turn::new(Who::Model, now)),
            },
        };
        let reply = &mut self.turns[index];
        if reply.key.is_none() {
            reply.key = key;
            reply.arrived = Some(now);
            (reply.start, reply.end) = (now, now);
        }
        if reply.lead.is_none() {
            let first = samples.iter().position(|&s| s != 0);
            reply.lead = first.map(|at| reply.received + at as u64);
        }
        reply.received += samples.len() as u64;
        self.current = Some(index);
    }

    /// The reply being received is over (`turnComplete`, or cut off): later words start a
    /// new one.
    pub fn model_done(&mut self, interrupted: bool) {
        if let Some(c) = self.current.take() {
            self.turns[c].interrupted |= interrupted;
        }
    }

    /// The service's token counts: they belong to the reply being received, or (as they
    /// usually come, with or after `turnComplete`) to the last reply.
    pub fn usage(&mut self, usage: &crate::protocol::UsageMetadata) {
        self.tokens.add(usage);
        let last = self.turns.iter().rposition(|t| t.who == Who::Model);
        if let Some(turn) = self.current.or(last).and_then(|i| self.turns.get_mut(i)) {
            turn.usage.get_or_insert_with(Tokens::default).add(usage);
        }
    }

    /// The player's settled buffers of `session`: where each reply was heard (from its first
    /// sound: a reply that opens with digital silence starts where the listener hears it
    /// begin), and how far.
    pub fn played(&mut self, session: usize, entries: &[Played]) {
        let Some(&(offset, rate)) = self.sessions.get(session) else {
            return;
        };
        let rate_f = f64::from(rate);
        for p in entries {
            let Some(index) = self
                .turns
                .iter()
                .position(|t| t.key == Some((session, p.turn)))
            else {
                continue;
            };
            let start = offset + p.start as f64 / rate_f;
            let end = offset + (p.start + p.heard) as f64 / rate_f;
            // Frames per source sample.
            let ratio = rate_f / f64::from(OUTPUT_RATE);
            let source_end = p.source_pos + p.heard as f64 / ratio;
            let turn = &mut self.turns[index];
            let lead = turn.lead.map(|l| l as f64).filter(|&l| l < source_end);
            let sound = lead.map(|l| start + (l - p.source_pos).max(0.0) * ratio / rate_f);
            match sound {
                Some(at) if !turn.audible || at < turn.start => {
                    turn.start = at;
                    turn.audible = true;
                }
                None if !turn.audible && (!turn.heard || start < turn.start) => turn.start = start,
                _ => {}
            }
            turn.end = if turn.heard { turn.end.max(end) } else { end };
            turn.heard = true;
            turn.heard_to = turn.heard_to.max(source_end);
            // Cut short: an interruption, or playback stopped (a cancelled bridge was not).
            turn.interrupted |= p.heard < p.frames && !p.cancelled;
        }
    }

    /// A function call asked at `now`.
    pub fn tool_asked(&mut self, now: f64, id: &str, name: &str, args: &str) {
        self.calls.push(Call {
            id: id.to_owned(),
            name: name.to_owned(),
            args: args.to_owned(),
            asked: now,
            answered: None,
            cancelled: None,
        });
    }

    /// The page answered call `id` at `now` (`answer`: what it said, in words).
    pub fn tool_answered(&mut self, now: f64, id: &str, answer: &str) {
        if let Some(call) = self.calls.iter_mut().rev().find(|c| c.id == id) {
            call.answered = Some((now, answer.to_owned()));
        }
    }

    /// The model cancelled call `id` at `now`.
    pub fn tool_cancelled(&mut self, now: f64, id: &str) {
        if let Some(call) = self.calls.iter_mut().rev().find(|c| c.id == id) {
            call.cancelled = Some(now);
        }
    }

    /// A reconnect, a warning or an error at `now`, in words.
    pub fn note(&mut self, now: f64, kind: NoteKind, text: &str) {
        self.notes.push((now, kind, text.to_owned()));
    }
}

/// Whether `turn` and the span `start..end` share any time.
fn overlaps(turn: &Turn, start: f64, end: f64) -> bool {
    turn.start < end && start < turn.end
}

/// Appends `more` to `words`, a space between.
fn join(words: &mut String, more: &str) {
    if !more.is_empty() && !words.is_empty() {
        words.push(' ');
    }
    words.push_str(more);
}

#[cfg(test)]
mod tests;
