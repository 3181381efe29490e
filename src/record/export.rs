//! The record on the file's time base, and the forms it leaves the page in: JSON (a
//! documented, versioned schema: `docs/record.md`), WebVTT captions (`<v You>`, `<v Model>`),
//! and WAV cue points with labels (`cue ` and `LIST`/`adtl` chunks, which audio editors show
//! as markers).

use super::{NoteKind, Record, Settings, Tokens, Turn, Who};
use crate::archive::Consent;
use crate::protocol::OUTPUT_RATE;
use serde::{Deserialize, Serialize};

/// What the JSON's `schema` says.
pub const SCHEMA: &str = "gemini-live-voice.record";
/// Its version: bumped when a field changes meaning or goes away (new fields do not).
pub const VERSION: u32 = 1;

/// The record, times in seconds from the WAV's first sample (and, as `*_sample`, in its
/// frames at `rate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub schema: String,
    pub version: u32,
    /// The WAV's sample rate.
    pub rate: u32,
    pub settings: Settings,
    pub turns: Vec<TurnOut>,
    pub tools: Vec<CallOut>,
    pub notes: Vec<NoteOut>,
    /// Over the replies with a latency; `None` when none has.
    pub latency: Option<Summary>,
    /// Every token the service reported in the conversation (absent in records written
    /// before it was kept: zero).
    #[serde(default)]
    pub tokens: Tokens,
    /// The archive's line the page showed before the first Talk, and when (absent when the
    /// conversation was not archived).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnOut {
    pub who: Who,
    pub start: f64,
    pub end: f64,
    pub start_sample: u64,
    pub end_sample: u64,
    pub text: String,
    /// A typed message (its start and end are when it was sent).
    pub typed: bool,
    /// The model was cut off (by the person talking over it, or a typed message).
    pub interrupted: bool,
    /// The model's: seconds of its reply that were received but never heard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unheard: Option<f64>,
    /// The model's: from the end of the person's turn before it to its first sample heard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// The model's: the tokens the service reported for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Tokens>,
}

/// One reply's latency (ms, to a tenth).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// From the end of the person's speech (or a typed message's send) to the reply's first
    /// sample heard.
    pub total_ms: f64,
    /// The part until the reply's first audio reached the page.
    pub to_first_audio_ms: f64,
    /// The rest: the jitter buffer and the audio output.
    pub buffered_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub replies: usize,
    pub median_ms: f64,
    pub worst_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallOut {
    pub id: String,
    pub name: String,
    /// The arguments as the model sent them (JSON text).
    pub args: String,
    pub asked: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteOut {
    pub at: f64,
    pub kind: NoteKind,
    pub text: String,
}

/// Seconds to the microsecond (the JSON then prints them short).
fn secs(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

fn ms(t: f64) -> f64 {
    (t * 1e4).round() / 10.0
}

impl Record {
    /// The record so far on the WAV's time base: `origin` is the page-clock time of its first
    /// sample, `rate` its sample rate.
    /// The archive's line was shown to the person (before the first Talk): the record keeps
    /// it, and it is what allows the conversation to be uploaded.
    pub fn consent(&mut self, consent: Consent) {
        self.consent = Some(consent);
    }

    /// What the record keeps of the archive's line, if it was shown.
    pub fn consented(&self) -> Option<&Consent> {
        self.consent.as_ref()
    }

    pub fn export(&self, origin: f64, rate: u32) -> Export {
        // Nothing is before the file's first sample (a push-to-talk hold begins a moment
        // before the microphone it starts).
        let at = |t: f64| secs((t - origin).max(0.0));
        let sample = |t: f64| ((t - origin) * f64::from(rate)).round().max(0.0) as u64;
        let mut turns: Vec<&Turn> = self
            .turns
            .iter()
            .filter(|t| !t.absorbed && (t.who == Who::You || t.heard || !t.text.is_empty()))
            // A hold let go before the microphone's first sample holds nothing.
            .filter(|t| !(t.held && t.end <= origin))
            .collect();
        // The span the detector still hears, or the push-to-talk hold still down.
        let open = self.speech.open().map(|(start, end)| {
            let mut turn = Turn::new(Who::You, start);
            turn.end = end;
            if let Some((_, words)) = self.open_words.as_ref().filter(|(at, _)| *at == start) {
                turn.text = words.clone();
            }
            turn
        });
        let in_hold = |t: &Turn| {
            let held = self.turns.iter().filter(|h| h.held);
            held.clone().any(|h| super::overlaps(h, t.start, t.end))
                || self.holding.is_some_and(|start| t.end > start)
        };
        let holding = self.holding.map(|start| {
            let mut turn = Turn::new(Who::You, start);
            turn.held = true;
            if let Some(spoken) = open.as_ref().filter(|t| in_hold(t)) {
                turn.end = spoken.end.max(start);
                turn.text = spoken.text.clone();
            }
            turn
        });
        let open = open.filter(|t| !in_hold(t));
        turns.extend(open.as_ref());
        turns.extend(holding.as_ref());
        let turns = in_order(turns, |t| t.start);
        let mut out = Vec::with_capacity(turns.len());
        for (i, turn) in turns.iter().enumerate() {
            let model = turn.who == Who::Model;
            let unheard = (model && turn.received > 0).then(|| {
                let heard = if turn.heard { turn.heard_to } else { 0.0 };
                secs(((turn.received as f64 - heard) / f64::from(OUTPUT_RATE)).max(0.0))
            });
            out.push(TurnOut {
                who: turn.who,
                start: at(turn.start),
                end: at(turn.end),
                start_sample: sample(turn.start),
                end_sample: sample(turn.end),
                text: turn.text.clone(),
                typed: turn.typed,
                interrupted: turn.interrupted,
                unheard,
                latency: latency(&turns[..i], turn),
                usage: turn.usage,
            });
        }
        let totals = out.iter().filter_map(|t| Some(t.latency?.total_ms));
        let totals = in_order(totals.collect(), |&ms| ms);
        let latency = (!totals.is_empty()).then(|| Summary {
            replies: totals.len(),
            median_ms: if totals.len() % 2 == 1 {
                totals[totals.len() / 2]
            } else {
                ms((totals[totals.len() / 2 - 1] + totals[totals.len() / 2]) / 2000.0)
            },
            worst_ms: totals[totals.len() - 1],
        });
        Export {
            schema: SCHEMA.to_owned(),
            version: VERSION,
            rate,
            settings: self.settings.clone(),
            turns: out,
            tools: self
                .calls
                .iter()
                .map(|c| CallOut {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    args: c.args.clone(),
                    asked: at(c.asked),
                    answered: c.answered.as_ref().map(|(t, _)| at(*t)),
                    answer: c.answered.as_ref().map(|(_, words)| words.clone()),
                    cancelled: c.cancelled.map(at),
                })
                .collect(),
            notes: self
                .notes
                .iter()
                .map(|(t, kind, text)| NoteOut {
                    at: at(*t),
                    kind: *kind,
                    text: text.clone(),
                })
                .collect(),
            latency,
            tokens: self.tokens,
            consent: self.consent.clone(),
        }
    }
}

/// `items` ordered by `key`, ties in the order given. Turns come nearly in order, so each
/// finds its place by binary search: less code in the page than a general sort's.
pub(super) fn in_order<T>(items: Vec<T>, key: impl Fn(&T) -> f64) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        let at = out.partition_point(|o| key(o) <= key(&item));
        out.insert(at, item);
    }
    out
}

/// A reply's latency: from the end of the person's turn just before it (none if the model
/// spoke last, or began before the person finished) to its first sample heard.
fn latency(before: &[&Turn], reply: &Turn) -> Option<Latency> {
    if reply.who != Who::Model || !reply.heard {
        return None;
    }
    let arrived = reply.arrived?;
    let last = before.iter().rev().find(|t| t.end <= reply.start)?;
    if last.who != Who::You
        || before
            .iter()
            .any(|t| t.who == Who::Model && t.start > last.end)
    {
        return None;
    }
    Some(Latency {
        total_ms: ms(reply.start - last.end),
        to_first_audio_ms: ms(arrived - last.end),
        buffered_ms: ms(reply.start - arrived),
    })
}

impl Export {
    /// The JSON file.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Captions: one cue per turn with words, `<v You>` or `<v Model>`; a typed message
    /// shows for two seconds (or until the next turn).
    pub fn webvtt(&self) -> String {
        let mut out = String::from("WEBVTT\n");
        for (i, turn) in self.turns.iter().enumerate() {
            if turn.text.is_empty() {
                continue;
            }
            let next = self.turns.get(i + 1).map_or(f64::INFINITY, |t| t.start);
            let end = if turn.end > turn.start {
                turn.end
            } else {
                (turn.start + 2.0).min(next).max(turn.start + 0.001)
            };
            let who = match turn.who {
                Who::You => "You",
                Who::Model => "Model",
            };
            out.push_str(&format!(
                "\n{} --> {}\n<v {who}>{}\n",
                timestamp(turn.start),
                timestamp(end),
                escape(&turn.text)
            ));
        }
        out
    }

    /// The WAV's `cue ` and `LIST`/`adtl` chunks: a cue point on each turn's first sample,
    /// labelled "You: ..." or "Model: ..." (the first 80 characters of its words).
    pub fn cue_chunks(&self) -> Vec<u8> {
        let mut cues = Vec::new();
        let mut labels = b"adtl".to_vec();
        let count = self.turns.len() as u32;
        cues.extend_from_slice(&count.to_le_bytes());
        for (i, turn) in self.turns.iter().enumerate() {
            let id = i as u32 + 1;
            let position = u32::try_from(turn.start_sample).unwrap_or(u32::MAX);
            for field in [id, position] {
                cues.extend_from_slice(&field.to_le_bytes());
            }
            cues.extend_from_slice(b"data");
            for field in [0, 0, position] {
                cues.extend_from_slice(&field.to_le_bytes());
            }
            let mut text = label(turn).into_bytes();
            text.push(0);
            let mut sub = id.to_le_bytes().to_vec();
            sub.extend_from_slice(&text);
            chunk(&mut labels, b"labl", &sub);
        }
        let mut out = Vec::new();
        chunk(&mut out, b"cue ", &cues);
        chunk(&mut out, b"LIST", &labels);
        out
    }
}

/// Appends a RIFF chunk (padded to an even length).
fn chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

fn label(turn: &TurnOut) -> String {
    let who = match (turn.who, turn.interrupted) {
        (Who::You, _) => "You",
        (Who::Model, false) => "Model",
        (Who::Model, true) => "Model (cut off)",
    };
    let words: String = turn.text.chars().take(80).collect();
    let more = if turn.text.chars().count() > 80 {
        "..."
    } else {
        ""
    };
    if words.is_empty() {
        who.to_owned()
    } else {
        format!("{who}: {words}{more}")
    }
}

/// `hh:mm:ss.ttt`.
fn timestamp(t: f64) -> String {
    let ms = (t.max(0.0) * 1000.0).round() as u64;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Cue text is markup: `&`, `<` and `>` are escaped; a line break would end the cue.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}
