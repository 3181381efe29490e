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

impl Reply {
    /// A chunk of the model's voice at its declared rate.
    pub fn audio(&mut self, chunk: AudioChunk) -> Audio {
        let samples = if chunk.rate == OUTPUT_RATE {
            self.resampler = None;
            chunk.samples
        } else {
            if self.resampler.as_ref().map(|(rate, _)| *rate) != Some(chunk.rate) {
                match Resampler::new(chunk.rate, OUTPUT_RATE) {
                    Ok(r) => self.resampler = Some((chunk.rate, r)),
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
