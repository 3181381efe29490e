//! The playback scheduler's arithmetic, with no browser types: where on the audio clock each
//! piece of the model's audio plays, how much silence an underrun inserted, what an
//! interruption cuts, and the log of what was actually heard (the recorder's model track).
//!
//! Everything is counted in frames of the AudioContext (its own rate), as integers, so no
//! rounding accumulates. The model's 24 kHz audio is resampled to the context rate here,
//! with the same band-limited, stateful resampler the capture uses, so every buffer holds
//! context-rate samples and starts on a whole frame. (Letting the browser resample each
//! 24 kHz buffer on its own is not gap-free: in Chromium at 44.1 kHz a chunk boundary can
//! lose a frame, a 0.30 error on a 0.5 sine; see `bench_browser_resampling_of_24k_buffers_vs_ours`.)
//!
//! Rules (see `design.md`, decisions 4-6):
//! - the first audio of a turn starts `prebuffer` after it arrives (jitter headroom), and
//!   never before the previous turn has finished;
//! - later audio of the turn follows on a running cursor with no gap; if the cursor has
//!   fallen behind the clock (an underrun), it re-anchors at `now + prebuffer` and the
//!   inserted silence is counted;
//! - no hard edge, ever ([`bridge`]): the last few ms received go out faded as a bridge,
//!   cancelled if more audio comes in time; a turn that ran dry fades out on its own last
//!   sample and fades back in;
//! - nothing is scheduled more than `lookahead` ahead of the clock; the rest waits in a queue
//!   and goes out on [`Scheduler::pump`], so an interruption has little to cancel;
//! - `interrupted` fades out over `fade` frames starting `lead` frames after the call, stops
//!   everything, clears the queue and drops audio of the interrupted turn until its
//!   `turnComplete` (or a pause of [`DROP_GAP_MS`]); `turnComplete` drains (nothing is cut).

pub mod bridge;
pub mod jitter;
mod pump;
pub mod stretch;

use bridge::Bridge;
use jitter::Jitter;
use live_dsp::resample::Resampler;
use std::collections::VecDeque;

use crate::protocol::OUTPUT_RATE as SOURCE_RATE;

mod config;
mod error;
mod log;
pub use config::PlaybackConfig;
pub use error::PlaybackError;
pub use log::{Cut, Play, PlaybackStats, Played, Received};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TurnState {
    /// No turn in progress; the next audio opens one.
    Idle,
    Playing,
    /// Interrupted: audio is dropped until `turnComplete`, or until the model's stream has
    /// been quiet for [`DROP_GAP_MS`] since `last` (the frame of the interruption or of the
    /// last chunk dropped): a server that never sends the `turnComplete` must not silence
    /// every later turn.
    Dropping {
        last: u64,
    },
}

/// After an interruption, a pause this long in the model's audio means its next chunk opens
/// a new turn even without `turnComplete` (the interrupted turn's chunks still in flight come
/// within a few hundred ms; a new reply needs the person to finish talking first).
pub const DROP_GAP_MS: f64 = 1000.0;

/// How close to its start a turn's first audio is committed when more arrivals could
/// still have brought it in (ms): more than the player's pump period (40 ms) and its timer's
/// slack.
pub const FIRST_GUARD_MS: f64 = 60.0;

/// The longest buffer scheduled at once (ms): a chunk holding more (a server that sends a
/// minute in one part) is split, so it is scheduled as it plays (within the lookahead, not
/// all at once), the AudioBuffers stay small, and the recording gets it as it is heard.
pub const MAX_BUFFER_MS: u32 = 500;

struct Pending {
    samples: Vec<f32>,
    /// Index of its first frame in the turn's resampled stream.
    out_index: u64,
    /// Whether the turn's first frame is this block's (anchors with the prebuffer).
    first: bool,
    /// The turn's last block (after `turnComplete`): its end fades to silence.
    last: bool,
    /// The turn it belongs to (a later turn may have begun by the time it is scheduled).
    turn: u64,
    /// Frames at its start already faded in (it was the start of a cancelled bridge that
    /// resumed its turn after a gap).
    faded_in: u64,
}

/// The scheduler. Feed it chunks, the clock, `interrupted` and `turnComplete`; it answers
/// with buffers to start and cuts to apply.
pub struct Scheduler {
    rate: u32,
    prebuffer: u64,
    /// The adaptive prebuffer, if on (it then replaces `prebuffer`).
    jitter: Option<Jitter>,
    lookahead: u64,
    fade: u64,
    lead: u64,
    resampler: Option<Resampler>,
    /// Resampler delay in source samples (0 when the context runs at 24 kHz).
    delay: f64,
    state: TurnState,
    turn: u64,
    source_in: u64,
    out_made: u64,
    /// The next free frame; `None` before anything was scheduled.
    cursor: Option<u64>,
    queue: VecDeque<Pending>,
    /// Indexes into `log` of buffers that may still be playing.
    live: VecDeque<usize>,
    log: Vec<Played>,
    next_id: u64,
    stats: PlaybackStats,
    /// The faded end after the turn's audio so far ([`bridge`]).
    bridge: Option<Bridge>,
    /// Frames of the resampler's output a started bridge already played.
    flushed: u64,
    /// The turn's next block fades in (its bridge sounded: there was a gap).
    fade_in_next: bool,
    /// The fade-in of the buffer being logged, in frames.
    pending_fade_in: u64,
    /// Buffers scheduled and then cancelled before they started, for the graph to stop.
    cancelled: Vec<u64>,
    /// An underrun waiting to resume: where the audio ran out, and when that was seen.
    resume: Option<(u64, u64)>,
    /// 24 kHz samples the turn may still insert by stretching ([`stretch`]).
    stretch_credit: f64,
}

fn frames(ms: f64, rate: u32) -> u64 {
    (ms * f64::from(rate) / 1000.0).round() as u64
}

impl Scheduler {
    /// The wait before a turn's first sample (and the re-anchor after an underrun), in
    /// context frames: fixed, or what the adaptive buffer has learnt so far.
    pub fn prebuffer_frames(&self) -> u64 {
        self.jitter
            .as_ref()
            .map_or(self.prebuffer, Jitter::prebuffer)
    }

    /// The most scheduled ahead of the clock: the setting, or more if the prebuffer grew
    /// near it (a turn's first block must fit).
    fn lookahead_frames(&self) -> u64 {
        self.lookahead
            .max(self.prebuffer_frames() + frames(200.0, self.rate))
    }

    /// A scheduler for a context running at `rate` Hz.
    pub fn new(rate: u32, config: PlaybackConfig) -> Result<Self, PlaybackError> {
        let c = config;
        c.check()?;
        let resampler = if rate == SOURCE_RATE {
            None
        } else {
            Some(Resampler::new(SOURCE_RATE, rate).map_err(|_| PlaybackError::Rate(rate))?)
        };
        let delay = resampler.as_ref().map_or(0.0, Resampler::delay);
        Ok(Scheduler {
            rate,
            prebuffer: frames(c.prebuffer_ms, rate),
            jitter: c
                .adaptive
                .then(|| Jitter::new(rate, c.prebuffer_ms, c.lead_ms + c.fade_ms)),
            lookahead: frames(c.lookahead_ms, rate),
            fade: frames(c.fade_ms, rate).max(1),
            lead: frames(c.lead_ms, rate),
            resampler,
            delay,
            state: TurnState::Idle,
            turn: 0,
            source_in: 0,
            out_made: 0,
            cursor: None,
            queue: VecDeque::new(),
            live: VecDeque::new(),
            log: Vec::new(),
            next_id: 1,
            stats: PlaybackStats::default(),
            bridge: None,
            flushed: 0,
            fade_in_next: false,
            pending_fade_in: 0,
            cancelled: Vec::new(),
            resume: None,
            stretch_credit: 0.0,
        })
    }

    /// The context rate.
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Frames between the clock an interruption reads and its fade's first frame.
    pub fn lead(&self) -> u64 {
        self.lead
    }

    /// The counters so far.
    pub fn stats(&self) -> PlaybackStats {
        self.stats
    }

    /// Every buffer scheduled so far, with what of it was heard.
    pub fn log(&self) -> &[Played] {
        &self.log
    }

    /// The log from index `from` up to the first buffer that may still sound or be cut at
    /// frame `now`: entries whose `heard` is final, for a recorder fed as playback goes
    /// (buffers finish in log order, so the settled entries are always a prefix of the log).
    /// A buffer that ended before `now` is settled here, not only at the next pump: a Save
    /// holds what was heard up to the moment it is clicked.
    pub fn settled_since(&mut self, from: usize, now: u64) -> &[Played] {
        self.settle(now);
        let end = self.live.front().copied().unwrap_or(self.log.len());
        self.log.get(from..end).unwrap_or(&[])
    }

    /// Where the first buffer whose fate is still open starts (it may still sound or be cut):
    /// the model's track is final before it.
    pub fn unsettled_start(&self) -> Option<u64> {
        self.live.front().map(|&i| self.log[i].start)
    }

    /// Playback stops for good at frame `now` (the AudioContext closes): what was still to
    /// sound is heard up to `now`, and every entry is settled.
    pub fn stop(&mut self, now: u64) {
        for &i in &self.live {
            let p = &mut self.log[i];
            p.heard = p.heard.min(now.saturating_sub(p.start));
        }
        self.live.clear();
        self.stats.discarded_frames += self.queued_frames();
        self.queue.clear();
        self.cursor = self.cursor.map(|c| c.min(now));
    }

    /// Buffers handed out earlier and cancelled since (a bridge more audio replaced before
    /// it started): the graph stops them before they sound.
    pub fn take_cancelled(&mut self) -> Vec<u64> {
        std::mem::take(&mut self.cancelled)
    }

    /// The current turn number (0 before any audio).
    pub fn turn(&self) -> u64 {
        self.turn
    }

    /// Whether a chunk arriving at frame `now` would be played (false while an interrupted
    /// turn's audio is dropped).
    pub fn accepts_audio(&self, now: u64) -> bool {
        match self.state {
            TurnState::Dropping { last } => {
                now.saturating_sub(last) >= frames(DROP_GAP_MS, self.rate)
            }
            _ => true,
        }
    }

    /// Whether audio is scheduled past `now` or waiting in the queue.
    pub fn is_playing(&self, now: u64) -> bool {
        !self.queue.is_empty() || self.cursor.is_some_and(|c| c > now)
    }

    /// Frames of audio queued but not yet scheduled.
    pub fn queued_frames(&self) -> u64 {
        self.queue.iter().map(|p| p.samples.len() as u64).sum()
    }

    /// A 24 kHz chunk arrived at frame `now`. Returns the buffers to start. For callers that
    /// do not record what was heard; a recorder needs [`Scheduler::receive`]'s audio.
    pub fn push(&mut self, chunk: &[i16], now: u64) -> Vec<Play> {
        self.receive(chunk.to_vec(), now).plays
    }

    /// A 24 kHz chunk arrived at frame `now`: the buffers to start, and the chunk as it will
    /// sound (lengthened when the buffer runs low, [`stretch`]; empty when it was dropped),
    /// which is what the turn's audio holds from now on.
    pub fn receive(&mut self, mut chunk: Vec<i16>, now: u64) -> Received {
        if let TurnState::Dropping { .. } = self.state {
            if !self.accepts_audio(now) {
                self.state = TurnState::Dropping { last: now };
                self.stats.dropped_chunks += 1;
                return Received::default();
            }
            self.state = TurnState::Idle;
        }
        let first = self.state == TurnState::Idle;
        if first {
            self.state = TurnState::Playing;
            self.turn += 1;
            self.stats.turns += 1;
            self.source_in = 0;
            self.out_made = 0;
            self.stretch_credit = 0.0;
            if let Some(r) = &mut self.resampler {
                r.reset();
            }
        }
        self.stats.chunks += 1;
        let inserted = if first {
            0
        } else {
            self.stretch_arrival(&mut chunk, now)
        };
        let input: Vec<f32> = chunk.iter().map(|&s| crate::pcm::i16_to_f32(s)).collect();
        let mut samples = match &mut self.resampler {
            Some(r) => r.process_to_vec(&input),
            None => input,
        };
        self.source_in += chunk.len() as u64;
        if let Some(jitter) = &mut self.jitter {
            // Lateness is the stream's, not the stretch's: the inserted period did not arrive.
            let added = frames(inserted as f64 * 1000.0 / f64::from(SOURCE_RATE), self.rate);
            jitter.arrival(now, (samples.len() as u64).saturating_sub(added));
        }
        self.resolve_bridge(now, true);
        self.skip_flushed(&mut samples);
        self.enqueue(samples, first, false);
        Received {
            plays: self.pump(now),
            audio: chunk,
        }
    }

    fn enqueue(&mut self, samples: Vec<f32>, first: bool, last: bool) {
        let max = (self.rate as usize * MAX_BUFFER_MS as usize / 1000).max(1);
        if samples.len() > max {
            let pieces = samples.len().div_ceil(max);
            for (i, piece) in samples.chunks(max).enumerate() {
                self.enqueue(piece.to_vec(), first && i == 0, last && i + 1 == pieces);
            }
            return;
        }
        let out_index = self.out_made;
        self.out_made += samples.len() as u64;
        if !samples.is_empty() || first {
            self.queue.push_back(Pending {
                samples,
                out_index,
                first,
                last,
                turn: self.turn,
                faded_in: 0,
            });
        }
    }

    /// `turnComplete`: whatever is queued plays out and the turn ends on its own last sample
    /// (the resampler's tail included), faded; nothing is cut. After an interruption it ends
    /// the dropping. Returns buffers to start.
    pub fn turn_complete(&mut self, now: u64) -> Vec<Play> {
        if let Some(jitter) = &mut self.jitter {
            jitter.end_turn();
        }
        match self.state {
            TurnState::Idle => {}
            TurnState::Dropping { .. } => self.state = TurnState::Idle,
            TurnState::Playing => {
                let sounded = self
                    .bridge
                    .as_ref()
                    .is_some_and(|b| b.start < now + self.lead);
                self.resolve_bridge(now, false);
                self.state = TurnState::Idle;
                if sounded {
                    // The bridge sounded: the turn already ended there, tail and all.
                    if let Some(r) = &mut self.resampler {
                        r.reset();
                    }
                } else {
                    let mut tail = self.flushed_tail_now();
                    match self.queue.back_mut() {
                        Some(block) => {
                            block.samples.append(&mut tail);
                            block.last = true;
                        }
                        None => self.enqueue(tail, false, true),
                    }
                }
            }
        }
        self.pump(now)
    }

    /// `interrupted` at frame `now`: the fade runs over `now + lead .. now + lead + fade`,
    /// every buffer still sounding or waiting stops at its end, the queue is cleared and the
    /// rest of the turn is dropped.
    pub fn interrupt(&mut self, now: u64) -> Cut {
        let at = now + self.lead;
        let end = at + self.fade;
        let mut stop = Vec::new();
        for &i in &self.live {
            let p = &mut self.log[i];
            if p.start + p.frames <= at {
                continue; // finished before the fade starts
            }
            stop.push(p.id);
            p.heard = p.frames.min(end.saturating_sub(p.start));
            if p.start < end {
                p.fade_from = Some(at.max(p.start));
            }
        }
        self.live.clear();
        self.stats.discarded_frames += self.queued_frames();
        self.queue.clear();
        self.bridge = None;
        self.flushed = 0;
        self.fade_in_next = false;
        self.resume = None;
        self.stats.interruptions += 1;
        if let Some(jitter) = &mut self.jitter {
            jitter.end_turn();
        }
        // The next turn starts after the fade at the earliest.
        self.cursor = Some(end);
        self.state = TurnState::Dropping { last: now };
        Cut { at, end, stop }
    }
}

#[cfg(test)]
mod tests;
