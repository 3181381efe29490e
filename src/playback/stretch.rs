//! Growing the buffer without a gap: when the audio ahead of the play head runs low in the
//! middle of a turn, the next chunk is lengthened by one pitch period (NetEq's "preemptive
//! expand", a pitch-synchronous overlap-add): the period that best repeats itself at the
//! chunk's start is played twice, the second time crossfaded into the first, so the speech
//! slows slightly with its pitch unchanged and the chunk's edges untouched (it still joins
//! its neighbours sample for sample).
//!
//! The stretch works on the 24 kHz audio as received, before the resampler, so the turn's
//! audio as stretched is what the recorder lays down: the recording holds what was heard.
//!
//! Why not the `wsola` crate (0.3, pure Rust, a streaming WSOLA with tempo changes): it
//! needs about 57 ms of audio beyond each output block (the first sounds only after a full
//! 30 ms frame plus its search window), fades in the first 15 ms it is given, and ends on a
//! drain that resets it; a reply's audio would start later and a turn that ran dry could not
//! be bridged with what has arrived. Inserting whole periods at a chunk's start needs
//! nothing beyond the chunk.

use super::{frames, Scheduler};

/// The shortest period inserted (ms): a 400 Hz voice; shorter lags match any smooth signal.
pub const MIN_PERIOD_MS: f64 = 2.5;
/// The longest period inserted (ms): a 67 Hz voice.
pub const MAX_PERIOD_MS: f64 = 15.0;
/// The most the speech is slowed: inserted audio at most this share of the audio received
/// in the turn (credit accrues per chunk; a period is inserted once the credit covers it).
pub const MAX_RATE: f64 = 0.05;
/// How alike the period must be to the next one (normalised cross-correlation) for voiced
/// audio; a transient or noise is left alone.
pub const MIN_CORRELATION: f64 = 0.75;
/// A period whose correlation is within this of the best one counts as as good.
pub const NEAR_BEST: f64 = 0.02;
/// Below this RMS (i16 units, about -46 dBFS) a segment is silence or breath: any period
/// will do.
pub const QUIET_RMS: f64 = 164.0;
/// Stretching starts when the audio ahead of the play head is below this share of the
/// jitter buffer's target (NetEq's low limit for preemptive expand).
pub const LOW_SHARE: f64 = 0.75;

/// Lengthens `x` by one period found at its start, at most `most` samples long: returns the
/// samples inserted (0 when no period fits or none repeats well enough). `rate`: samples per
/// second of `x`.
pub fn expand(x: &mut Vec<i16>, most: usize, rate: u32) -> usize {
    let least = frames(MIN_PERIOD_MS, rate) as usize;
    let most = most
        .min(frames(MAX_PERIOD_MS, rate) as usize)
        .min(x.len() / 2);
    if most < least {
        return 0;
    }
    let sample = |i: usize| f64::from(x[i]);
    let energy = (0..2 * most).map(|i| sample(i) * sample(i)).sum::<f64>();
    let period = if (energy / (2 * most) as f64).sqrt() < QUIET_RMS {
        most
    } else {
        let scores: Vec<f64> = (least..=most)
            .map(|p| {
                let (mut cross, mut a, mut b) = (0.0, 0.0, 0.0);
                for i in 0..p {
                    let (u, v) = (sample(i), sample(i + p));
                    cross += u * v;
                    a += u * u;
                    b += v * v;
                }
                cross / (a * b).sqrt().max(1.0)
            })
            .collect();
        let score = |p: usize| scores[p - least];
        let best = (least..=most).fold(least, |b, p| if score(p) > score(b) { p } else { b });
        if score(best) < MIN_CORRELATION {
            return 0;
        }
        // A whole number of the voice's periods that repeats about as well, the longest:
        // fewer joins for the same growth.
        let mut chosen = best;
        for k in 2..=most / best {
            let around = (k * best - 2).max(least)..=(k * best + 2).min(most);
            let Some(p) = around.reduce(|b, p| if score(p) > score(b) { p } else { b }) else {
                break;
            };
            if score(p) >= score(best) - NEAR_BEST {
                chosen = p;
            }
        }
        chosen
    };
    // x[..p], then x[p..2p] fading into x[..p] (so it ends where x[p] follows), then x[p..].
    let p = period;
    let joined: Vec<i16> = (0..p)
        .map(|j| {
            let w = (j + 1) as f64 / (p + 1) as f64;
            (sample(p + j) * (1.0 - w) + sample(j) * w).round() as i16
        })
        .collect();
    x.splice(p..p, joined);
    p
}

impl Scheduler {
    /// A chunk of the open turn arrived at frame `now`: lengthened by a period when the
    /// audio ahead of the play head is below [`LOW_SHARE`] of the adaptive buffer's target
    /// and the turn's credit allows. Returns the source samples inserted.
    pub(super) fn stretch_arrival(&mut self, chunk: &mut Vec<i16>, now: u64) -> usize {
        let Some(jitter) = &self.jitter else {
            return 0;
        };
        // Credit for at most one longest period: a turn that never ran low does not save up
        // a burst of stretching.
        let cap = frames(MAX_PERIOD_MS, super::SOURCE_RATE) as f64;
        self.stretch_credit = (self.stretch_credit + chunk.len() as f64 * MAX_RATE).min(cap);
        let ahead = self.cursor.map_or(0, |c| c.saturating_sub(now)) + self.queued_frames();
        if ahead as f64 >= jitter.prebuffer() as f64 * LOW_SHARE {
            return 0;
        }
        let inserted = expand(chunk, self.stretch_credit as usize, super::SOURCE_RATE);
        self.stretch_credit -= inserted as f64;
        if inserted > 0 {
            self.stats.stretches += 1;
            self.stats.stretched_samples += inserted as u64;
        }
        inserted
    }
}

#[cfg(test)]
mod tests;
