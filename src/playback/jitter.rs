//! The adaptive jitter buffer: how long a turn's first audio waits before it plays (and how
//! far ahead playback re-anchors after an underrun), learnt from how the audio arrives.
//!
//! For each turn it watches every chunk's lateness against real time: chunk k, arriving at
//! frame `a_k` after the turn's first chunk arrived at `a_0`, with `S_k` frames of audio
//! before it, is `(a_k - a_0) - S_k` frames late; negative when the stream runs ahead of real
//! time (the service's opening burst). A prebuffer of the turn's worst lateness plus a margin
//! would have played it without a gap. So:
//! - it starts low ([`START_MS`]): a steady link or a bursting service never needs more;
//! - after an underrun it grows at once by [`STEP_MS`], so each re-anchor holds more and
//!   underruns get rarer rather than repeating; a step, not a doubling: every re-anchor's
//!   prebuffer is silence inserted into the turn, and what is still buffered when the stream
//!   catches up was waited for in vain (a doubling variant, tried on the slow stream of the
//!   scheduler's host test, inserted more than twice the fixed buffer's silence);
//! - at the end of a turn, a worse link than it was tuned for sets the prebuffer to what the
//!   turn needed; a better one lowers it by a quarter of the difference per turn (slowly:
//!   one good turn does not forget a bad link);
//! - it stays within [`MIN_MS`]..[`MAX_MS`].
//!
//! Counted in context frames, as integers, like the scheduler.

use super::frames;
/// The first turn's prebuffer.
pub const START_MS: f64 = 25.0;
/// The least it shrinks to (it must also cover the interruption's lead and fade).
pub const MIN_MS: f64 = 20.0;
/// The most it grows to.
pub const MAX_MS: f64 = 1000.0;
/// Headroom over the worst lateness seen (the audio clock's granularity, timer jitter).
pub const MARGIN_MS: f64 = 15.0;
/// Growth at each underrun within a turn.
pub const STEP_MS: f64 = 50.0;

/// The learnt prebuffer and the current turn's arrival trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Jitter {
    prebuffer: u64,
    min: u64,
    max: u64,
    margin: u64,
    step: u64,
    /// Arrival frame of the turn's first chunk.
    first: Option<u64>,
    /// Frames of audio received in this turn so far.
    received: u64,
    /// The turn's worst lateness, in frames (negative: always ahead of real time).
    worst: i64,
}

impl Jitter {
    /// A buffer for a context at `rate` starting at `start_ms` (kept within the bounds;
    /// never under `floor_ms`, the interruption's lead and fade).
    pub fn new(rate: u32, start_ms: f64, floor_ms: f64) -> Self {
        let min = frames(MIN_MS.max(floor_ms), rate);
        let max = frames(MAX_MS, rate);
        Jitter {
            prebuffer: frames(start_ms, rate).clamp(min, max),
            min,
            max,
            margin: frames(MARGIN_MS, rate),
            step: frames(STEP_MS, rate),
            first: None,
            received: 0,
            worst: i64::MIN,
        }
    }

    /// The prebuffer now, in frames.
    pub fn prebuffer(&self) -> u64 {
        self.prebuffer
    }

    /// A chunk of `frames` (after resampling) arrived at frame `now`.
    pub fn arrival(&mut self, now: u64, frames: u64) {
        let first = *self.first.get_or_insert(now);
        let late = now.saturating_sub(first) as i64 - self.received as i64;
        self.worst = self.worst.max(late);
        self.received += frames;
    }

    /// What this turn's arrivals needed: its worst lateness plus the margin.
    fn needed(&self) -> u64 {
        (self.worst.max(0) as u64 + self.margin).clamp(self.min, self.max)
    }

    /// The cursor fell behind the clock: grow now (the re-anchor uses the new value).
    pub fn underrun(&mut self) {
        self.prebuffer = (self.prebuffer + self.step).clamp(self.min, self.max);
    }

    /// The turn is over (complete or interrupted): learn from it, start a new trace.
    pub fn end_turn(&mut self) {
        if self.first.is_some() {
            let needed = self.needed();
            if needed > self.prebuffer {
                self.prebuffer = needed;
            } else {
                self.prebuffer -= (self.prebuffer - needed) / 4;
            }
        }
        self.first = None;
        self.received = 0;
        self.worst = i64::MIN;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 48 kHz: 1 ms = 48 frames. Start 25 ms = 1200, min 20 ms = 960, margin 15 ms = 720.
    fn jitter() -> Jitter {
        Jitter::new(48_000, START_MS, 8.0)
    }

    /// Feeds a turn of 200 ms chunks (9600 frames) arriving at the given ms.
    fn turn(j: &mut Jitter, arrivals_ms: &[u64]) {
        for &ms in arrivals_ms {
            j.arrival(ms * 48, 9600);
        }
        j.end_turn();
    }

    #[test]
    fn it_starts_low_and_stays_low_on_a_steady_link() {
        let mut j = jitter();
        assert_eq!(j.prebuffer(), 1200);
        // Real time with up to 5 ms of jitter: worst 5 ms late -> needs 20 ms (the floor).
        turn(&mut j, &[1000, 1205, 1398, 1603, 1800]);
        // 1200 - (1200 - 960) / 4 = 1140
        assert_eq!(j.prebuffer(), 1140);
        turn(&mut j, &[5000, 5200, 5405, 5600]);
        assert_eq!(j.prebuffer(), 1140 - (1140 - 960) / 4);
    }

    #[test]
    fn a_burst_then_real_time_needs_nothing_more() {
        let mut j = jitter();
        // 8 chunks at once (1.6 s of audio), then real time with +-40 ms: always ahead.
        let mut arrivals = vec![0; 8];
        arrivals.extend([200, 440, 560, 840, 960]);
        for &ms in &arrivals {
            j.arrival(ms * 48, 9600);
        }
        assert_eq!(j.worst, 0); // the first chunk itself, nothing after it late
        j.end_turn();
        assert_eq!(j.prebuffer(), 1200 - (1200 - 960) / 4);
    }

    #[test]
    fn rising_jitter_grows_it_at_the_end_of_the_turn() {
        let mut j = jitter();
        // The fourth chunk 90 ms late: the turn needed 90 + 15 = 105 ms = 5040 frames.
        turn(&mut j, &[0, 200, 400, 690, 800]);
        assert_eq!(j.prebuffer(), 5040);
        // Then steady turns bring it down a quarter of the way each time.
        turn(&mut j, &[0, 200, 400]);
        assert_eq!(j.prebuffer(), 5040 - (5040 - 960) / 4);
    }

    #[test]
    fn an_underrun_grows_it_at_once_and_a_slow_stream_is_learnt_for_the_next_turn() {
        let mut j = jitter();
        // 0.9x real time: 200 ms of audio every 222 ms.
        let slow: Vec<u64> = (0..23).map(|k| k * 222).collect();
        for &ms in &slow[..3] {
            j.arrival(ms * 48, 9600);
        }
        // The third chunk is 44 ms late: the cursor has fallen behind; it grows a step.
        j.underrun();
        assert_eq!(j.prebuffer(), 75 * 48);
        j.underrun();
        assert_eq!(j.prebuffer(), 125 * 48);
        for &ms in &slow[3..] {
            j.arrival(ms * 48, 9600);
        }
        j.end_turn();
        // Worst: the 23rd chunk, 22 x 22 = 484 ms late; + 15 ms = 499 ms.
        assert_eq!(j.prebuffer(), 499 * 48);
        // A later steady turn shrinks it by a quarter of the difference only.
        turn(&mut j, &[0, 200, 400]);
        assert_eq!(j.prebuffer(), 499 * 48 - (499 * 48 - 960) / 4);
    }

    #[test]
    fn it_stays_within_its_bounds() {
        let mut j = Jitter::new(24_000, 5.0, 8.0);
        assert_eq!(j.prebuffer(), 480); // 20 ms at 24 kHz
        for _ in 0..20 {
            j.underrun();
        }
        assert_eq!(j.prebuffer(), 24_000); // 1 s
        let mut j = Jitter::new(24_000, 25.0, 30.0);
        assert_eq!(j.prebuffer(), 720, "never under the lead and fade");
        j.end_turn(); // a turn with no audio teaches nothing
        assert_eq!(j.prebuffer(), 720);
    }
}
