//! The model's turn as the conversation sees it: its audio brought to the playback rate
//! (24 kHz) whatever rate a chunk declares, and the counts the log reports per turn.
//!
//! The Live API sends 24 kHz today, but a chunk's mime type carries its own rate, and a
//! proxy or another server may send 16 or 48 kHz. Played as if it were 24 kHz such audio
//! would run at the wrong speed and land in the recording at the wrong length, so it is
//! resampled here with the same band-limited, stateful resampler as everything else: a turn
//! of N samples at rate R becomes exactly ceil(N * 24000 / R) samples, shifted by the
//! filter's delay (2.7 ms for 16 kHz).

use crate::pcm::{f32_to_i16, i16_to_f32};
use crate::protocol::{AudioChunk, OUTPUT_RATE};
use live_dsp::resample::Resampler;

/// The current turn's audio bookkeeping.
#[derive(Default)]
pub struct Reply {
    chunks: u32,
    /// Samples at 24 kHz.
    samples: u64,
    /// Samples the player inserted to keep its buffer from running dry.
    stretched: u64,
    /// The resampler for a turn at another rate (rate, state), kept across its chunks.
    resampler: Option<(u32, Resampler)>,
}

/// What [`Reply::audio`] made of a chunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audio {
    /// 24 kHz samples to play; `first` for the turn's first chunk.
    Play { samples: Vec<i16>, first: bool },
    /// A rate nothing can be resampled from (the words say which).
    Refused(String),
}

/// A resampler that starts mid-turn (the rate changed): fed `taps` copies of the chunk's first
/// sample, so its filter is full, and the output before that sample dropped. Returns how many
/// more outputs to drop from the chunk's, so it plays from its first sample on, where a fresh
/// resampler would first give its run-in: 2.7 ms of near-silence at 16 kHz, a hole mid-turn.
fn prime(r: &mut Resampler, first: f32) -> usize {
    let held = r.taps();
    let (up, down) = r.ratio();
    let aligned = ((held as f64 + r.delay()) * f64::from(up) / f64::from(down)).round() as usize;
    let made = r.process_to_vec(&vec![first; held]).len();
    aligned.saturating_sub(made)
}

impl Reply {
    /// A chunk of the model's voice at its declared rate.
    pub fn audio(&mut self, chunk: AudioChunk) -> Audio {
        let samples = if chunk.rate == OUTPUT_RATE {
            self.resampler = None;
            chunk.samples
        } else {
            let mut skip = 0;
            if self.resampler.as_ref().map(|(rate, _)| *rate) != Some(chunk.rate) {
                match Resampler::new(chunk.rate, OUTPUT_RATE) {
                    Ok(mut r) => {
                        if self.chunks > 0 {
                            let first = chunk.samples.first().map_or(0.0, |&s| i16_to_f32(s));
                            skip = prime(&mut r, first);
                        }
                        self.resampler = Some((chunk.rate, r));
                    }
                    Err(_) => {
                        return Audio::Refused(format!(
                            "Model audio at {} Hz cannot be played (no resampler to 24 kHz for that rate); {} samples dropped.",
                            chunk.rate,
                            chunk.samples.len()
                        ))
                    }
                }
            }
            let Some((_, r)) = self.resampler.as_mut() else {
                return Audio::Refused("internal: no resampler".into());
            };
            let input: Vec<f32> = chunk.samples.iter().map(|&s| i16_to_f32(s)).collect();
            r.process_to_vec(&input)
                .into_iter()
                .skip(skip)
                .map(f32_to_i16)
                .collect()
        };
        self.chunks += 1;
        self.samples += samples.len() as u64;
        Audio::Play {
            samples,
            first: self.chunks == 1,
        }
    }

    /// The turn's last samples still in the resampler's filter (a turn at another rate than
    /// 24 kHz), if any: the end of its audio.
    pub fn flush(&mut self) -> Option<Vec<i16>> {
        let (_, mut r) = self.resampler.take()?;
        let (up, down) = r.ratio();
        let held = (r.delay() * f64::from(up) / f64::from(down)).round() as usize;
        let mut tail = r.process_to_vec(&vec![0.0; r.taps() + 1]);
        tail.truncate(held);
        self.samples += tail.len() as u64;
        (!tail.is_empty()).then(|| tail.into_iter().map(f32_to_i16).collect())
    }

    /// Whether this turn's audio has begun to come.
    pub fn under_way(&self) -> bool {
        self.chunks > 0
    }

    /// The player lengthened the turn's audio by `samples` (24 kHz).
    pub fn stretched(&mut self, samples: u64) {
        self.stretched += samples;
    }

    /// The turn ended (`turnComplete` or `interrupted`): the log line for it, if it had audio.
    pub fn end(&mut self) -> Option<String> {
        let seconds = |n: u64| n as f64 / f64::from(OUTPUT_RATE);
        let line = (self.chunks > 0).then(|| {
            let mut line = format!(
                "model audio: {} chunks, {:.2} s",
                self.chunks,
                seconds(self.samples)
            );
            if self.stretched > 0 {
                line += &format!(
                    ", played {:.3} s longer (stretched: the playback buffer ran low)",
                    seconds(self.stretched)
                );
            }
            line
        });
        *self = Reply::default();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(hz: f64, rate: u32, len: usize) -> Vec<i16> {
        (0..len)
            .map(|i| {
                (16_000.0 * (2.0 * std::f64::consts::PI * hz * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    fn play(reply: &mut Reply, rate: u32, samples: &[i16]) -> (Vec<i16>, bool) {
        match reply.audio(AudioChunk {
            rate,
            samples: samples.to_vec(),
        }) {
            Audio::Play { samples, first } => (samples, first),
            Audio::Refused(why) => panic!("{why}"),
        }
    }

    /// Zero crossings upward in `x`, after the filter has settled.
    fn cycles(x: &[i16]) -> usize {
        x.windows(2)
            .skip(200)
            .filter(|w| w[0] < 0 && w[1] >= 0)
            .count()
    }

    #[test]
    fn audio_at_24k_passes_through_untouched_and_is_counted_per_turn() {
        let mut r = Reply::default();
        let a = sine(440.0, 24_000, 4800);
        assert_eq!(play(&mut r, 24_000, &a), (a.clone(), true));
        assert_eq!(
            play(&mut r, 24_000, &a[..1200]),
            (a[..1200].to_vec(), false)
        );
        assert_eq!(r.end().as_deref(), Some("model audio: 2 chunks, 0.25 s"));
        assert_eq!(r.end(), None);
        assert!(play(&mut r, 24_000, &a).1, "a new turn starts over");
        // The player stretched it by 240 + 120 samples.
        r.stretched(240);
        r.stretched(120);
        assert_eq!(
            r.end().as_deref(),
            Some("model audio: 1 chunks, 0.20 s, played 0.015 s longer (stretched: the playback buffer ran low)")
        );
    }

    #[test]
    fn audio_at_16k_and_48k_plays_at_its_true_length_and_pitch() {
        for (rate, len, want) in [
            (16_000u32, 16_000usize, 24_000usize),
            (48_000, 48_000, 24_000),
        ] {
            let mut r = Reply::default();
            let source = sine(1000.0, rate, len);
            // In uneven chunks, as a server might send them.
            let mut out = Vec::new();
            for part in source.chunks(3_333) {
                out.extend(play(&mut r, rate, part).0);
            }
            assert_eq!(out.len(), want, "{rate} Hz");
            // One second of 1 kHz stays 1 kHz: 1000 cycles less the filter's run-in.
            let n = cycles(&out);
            assert!((990..=1000).contains(&n), "{rate} Hz: {n} cycles");
            assert_eq!(
                r.end().unwrap(),
                format!("model audio: {} chunks, 1.00 s", len.div_ceil(3_333))
            );
        }
    }

    #[test]
    fn a_rate_change_mid_turn_continues_without_a_hole() {
        // 1 kHz at 24 kHz for 100 ms, then the same tone, in phase, labelled 16 kHz.
        let tone = |rate: u32, from: usize, len: usize| -> Vec<i16> {
            (from..from + len)
                .map(|i| {
                    let t = i as f64 / f64::from(rate);
                    (16_000.0 * (std::f64::consts::TAU * 1000.0 * t).sin()) as i16
                })
                .collect()
        };
        let mut r = Reply::default();
        let head = play(&mut r, 24_000, &tone(24_000, 0, 2400)).0;
        let tail = play(&mut r, 16_000, &tone(16_000, 1600, 1600)).0;
        // Its first 2 ms are the tone at full level (RMS 16,000 / sqrt 2 = 11,314), where a
        // fresh resampler's run-in gave near-silence; its last 64 outputs (2.7 ms) wait in
        // the filter for the next chunk, as every resampled chunk's do.
        let rms = |x: &[i16]| {
            (x.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
        };
        assert!(rms(&tail[..48]) > 10_000.0, "{}", rms(&tail[..48]));
        assert_eq!(tail.len(), 2400 - 64);
        // At the turn's end they come out: the turn ends on its own last sample.
        let last = r.flush().unwrap();
        assert_eq!(last.len(), 64);
        assert!(
            rms(&last) > 10_000.0,
            "the tone's last 2.7 ms: {}",
            rms(&last)
        );
        assert_eq!(r.flush(), None, "nothing more");
        // And it joins the 24 kHz part: no step larger than the tone's own (16,000 * 2 pi
        // * 1000 / 24,000 = 4,189) by more than half an output sample's worth of phase (the
        // 16 kHz grid cannot land on the 24 kHz one closer: 4,606 here, a shift of 0.1 sample).
        let joined: Vec<i16> = head.iter().chain(&tail).copied().collect();
        let step = joined
            .windows(2)
            .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
            .max();
        assert!(step.unwrap() <= 4_189 * 3 / 2, "{step:?}");
    }

    #[test]
    fn a_rate_that_cannot_be_resampled_is_refused_in_words() {
        let mut r = Reply::default();
        let refused = r.audio(AudioChunk {
            rate: 0,
            samples: vec![0; 10],
        });
        assert_eq!(
            refused,
            Audio::Refused(
                "Model audio at 0 Hz cannot be played (no resampler to 24 kHz for that rate); 10 samples dropped."
                    .into()
            )
        );
        assert_eq!(r.end(), None);
    }
}
