//! The adaptive jitter buffer: when a turn's first audio plays, and how far ahead playback
//! re-anchors after an underrun, from the statistics of how late the audio arrives. It
//! learns before it gambles.
//!
//! Lateness: chunk k of a turn, arriving at frame `a_k` with `S_k` frames of the turn before
//! it, is `(a_k - S_k) - min_j (a_j - S_j)` late: against the earliest real-time line the
//! turn's chunks so far have drawn (NetEq's relative delay). A late first chunk does not make
//! the rest look early, and the service's opening burst moves the line ahead with it, so only
//! the jitter after it counts. Every chunk's lateness goes into a
//! histogram of [`BIN_MS`] bins kept across the turns of a session (the player, and with it
//! this, lives as long as the conversation's audio, reconnects included); each new turn
//! weighs the earlier ones by [`FORGET`], as WebRTC's NetEq forgets old delays. The target
//! is the histogram's [`QUANTILE`] plus [`MARGIN_MS`].
//!
//! The first turn's first sample, with no history yet: it waits [`START_MS`] from the first
//! chunk's arrival unless the arrivals so far say less is enough: once the audio received
//! beyond the first chunk is ahead of the real-time line by the wait it would need, it
//! starts at once. A burst is seen within milliseconds (the chunks arrive together); a
//! stream that only keeps pace is not, and waits: a reply that starts 75 ms later is
//! forgiven, a stutter is not. With history, the learnt target decides the same way.
//!
//! Inside a turn, an underrun grows the re-anchor wait by [`STEP_MS`] at once (the histogram
//! alone would move slowly), back to the learnt target at the turn's end. Counted in context
//! frames, as integers, like the scheduler.

use super::frames;

/// The first turn's wait when nothing is known (ms): covers +-40 ms of arrival jitter (80 ms
/// from one chunk to the next, the worst the service's stream shows) with a little margin.
pub const START_MS: f64 = 100.0;
/// The least it waits (it must also cover the interruption's lead and fade).
pub const MIN_MS: f64 = 20.0;
/// The most it waits.
pub const MAX_MS: f64 = 1000.0;
/// Headroom over the quantile (the audio clock's granularity, timer jitter).
pub const MARGIN_MS: f64 = 15.0;
/// Growth at each underrun within a turn.
pub const STEP_MS: f64 = 50.0;
/// The histogram's bin width.
pub const BIN_MS: f64 = 5.0;
/// Which lateness the target covers: 95 % of chunks arrive before it.
pub const QUANTILE: f64 = 0.95;
/// The weight a turn's statistics keep at each new turn.
pub const FORGET: f64 = 0.8;

/// The learnt statistics and the current turn's arrival trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Jitter {
    min: u64,
    max: u64,
    margin: u64,
    step: u64,
    bin: u64,
    /// The wait with no history.
    start: u64,
    /// Weighted counts of lateness per bin (bin 0: on time or ahead).
    histogram: Vec<f64>,
    /// Whether any turn has taught it yet.
    learnt: bool,
    /// Extra wait grown by underruns in this turn.
    grown: u64,
    /// Arrival frame of the turn's first chunk, and its length.
    first: Option<(u64, u64)>,
    /// Frames of audio received in this turn so far.
    received: u64,
    /// The earliest `arrival - audio before it` of the turn so far.
    line: Option<i64>,
}

impl Jitter {
    /// A buffer for a context at `rate` that waits `start_ms` while it knows nothing (kept
    /// within the bounds; never under `floor_ms`, the interruption's lead and fade).
    pub fn new(rate: u32, start_ms: f64, floor_ms: f64) -> Self {
        let min = frames(MIN_MS.max(floor_ms), rate);
        let max = frames(MAX_MS, rate);
        let bin = frames(BIN_MS, rate).max(1);
        Jitter {
            min,
            max,
            margin: frames(MARGIN_MS, rate),
            step: frames(STEP_MS, rate),
            bin,
            start: frames(start_ms, rate).clamp(min, max),
            histogram: vec![0.0; (max / bin + 1) as usize],
            learnt: false,
            grown: 0,
            first: None,
            received: 0,
            line: None,
        }
    }

    /// The wait the statistics call for (frames): the quantile plus the margin, or the start
    /// value before anything was learnt; with this turn's underrun growth.
    pub fn prebuffer(&self) -> u64 {
        let base = if self.learnt {
            (self.quantile() + self.margin).clamp(self.min, self.max)
        } else {
            self.start
        };
        (base + self.grown).min(self.max)
    }

    /// The least it ever waits (frames).
    pub fn least(&self) -> u64 {
        self.min
    }

    /// The lateness (frames) that [`QUANTILE`] of the weighted chunks arrive within.
    fn quantile(&self) -> u64 {
        let total: f64 = self.histogram.iter().sum();
        let mut seen = 0.0;
        for (i, w) in self.histogram.iter().enumerate() {
            seen += w;
            if seen >= QUANTILE * total {
                return i as u64 * self.bin;
            }
        }
        self.max
    }

    /// A chunk of `frames` (after resampling) arrived at frame `now`.
    pub fn arrival(&mut self, now: u64, frames: u64) {
        self.first.get_or_insert((now, frames));
        let here = now as i64 - self.received as i64;
        let line = *self.line.insert(self.line.map_or(here, |l| l.min(here)));
        let late = here - line;
        // Rounded up to the bin's end: the target covers the whole bin.
        let bin = (late.max(0) as u64).div_ceil(self.bin) as usize;
        let last = self.histogram.len() - 1;
        self.histogram[bin.min(last)] += 1.0;
        self.received += frames;
    }

    /// Where the turn's first audio should start, as far as the arrivals at frame `now` say,
    /// and whether that is final: `(start, true)` when the audio received beyond the first
    /// chunk runs ahead of the real-time line by the wait (start at once), otherwise the
    /// first arrival plus the wait, `(start, false)` (more arrivals may still bring it in).
    pub fn first_start(&self, now: u64) -> (u64, bool) {
        let wait = self.prebuffer();
        let Some((first, len)) = self.first else {
            return (now + wait, false);
        };
        let elapsed = now.saturating_sub(first);
        let ahead = self.received.saturating_sub(len) as i64 - elapsed as i64;
        if ahead >= wait as i64 {
            (now + self.min, true)
        } else {
            (first + wait, false)
        }
    }

    /// The cursor fell behind the clock: wait more now (the re-anchor uses the new value).
    pub fn underrun(&mut self) {
        self.grown += self.step;
    }

    /// The turn is over (complete or interrupted): its chunks stay in the statistics, weighed
    /// down at each new turn; a new trace starts.
    pub fn end_turn(&mut self) {
        if self.first.is_some() {
            self.learnt = true;
            for w in &mut self.histogram {
                *w *= FORGET;
            }
        }
        self.first = None;
        self.received = 0;
        self.line = None;
        self.grown = 0;
    }
}

#[cfg(test)]
mod tests;
