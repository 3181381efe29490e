//! The stand-in's conversation logic, with no I/O: energy-based voice activity detection
//! on the 16 kHz input, and when to reply (echo what was heard) or stop (barge-in).

/// One VAD frame: 20 ms at 16 kHz.
pub const FRAME: usize = 320;
/// Speech must last this many frames (40 ms) to count as a start.
const START_FRAMES: u32 = 2;
/// Audio kept from before the detected start (100 ms at 16 kHz), so onsets are not clipped.
const PRE_ROLL: usize = 1600;

/// What the connection should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The user started speaking while the model was replying: stop, say `interrupted`.
    Interrupt,
    /// The user stopped speaking: reply with these 16 kHz samples (what was heard).
    Reply(Vec<i16>),
}

/// Tunables.
#[derive(Debug, Clone, Copy)]
pub struct TurnConfig {
    /// A frame is speech when its RMS is above this (dBFS).
    pub threshold_dbfs: f32,
    /// Silence that ends an utterance, in ms.
    pub silence_ms: u32,
}

impl Default for TurnConfig {
    fn default() -> Self {
        TurnConfig {
            threshold_dbfs: -40.0,
            silence_ms: 500,
        }
    }
}

/// RMS level of int16 samples in dBFS (full-scale sine = -3.01 dBFS); silence = -inf.
pub fn rms_dbfs(samples: &[i16]) -> f32 {
    if samples.is_empty() {
        return f32::NEG_INFINITY;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (sum / samples.len() as f64).sqrt() / 32768.0;
    (20.0 * rms.log10()) as f32
}

/// Listens frame by frame and decides turns.
#[derive(Debug)]
pub struct Turns {
    config: TurnConfig,
    pending: Vec<i16>,
    history: Vec<i16>,
    utterance: Option<Vec<i16>>,
    speech_run: u32,
    silence_run: u32,
    last_speech_end: usize,
    replying: bool,
}

impl Turns {
    pub fn new(config: TurnConfig) -> Self {
        Turns {
            config,
            pending: Vec::new(),
            history: Vec::new(),
            utterance: None,
            speech_run: 0,
            silence_run: 0,
            last_speech_end: 0,
            replying: false,
        }
    }

    /// True from a `Reply` until [`Turns::reply_done`] or an `Interrupt`.
    pub fn replying(&self) -> bool {
        self.replying
    }

    /// The connection finished sending the reply.
    pub fn reply_done(&mut self) {
        self.replying = false;
    }

    /// Something else (a `clientContent`) cut the reply short.
    pub fn cancel_reply(&mut self) {
        self.replying = false;
    }

    /// Feeds 16 kHz samples; returns what to do, in order.
    pub fn on_audio(&mut self, samples: &[i16]) -> Vec<Action> {
        let mut actions = Vec::new();
        self.pending.extend_from_slice(samples);
        let whole = self.pending.len() / FRAME * FRAME;
        let frames: Vec<i16> = self.pending.drain(..whole).collect();
        for frame in frames.chunks_exact(FRAME) {
            self.on_frame(frame, &mut actions);
        }
        actions
    }

    /// `audioStreamEnd`: whatever was being said is finished now.
    pub fn on_stream_end(&mut self) -> Vec<Action> {
        let mut actions = Vec::new();
        let rest = std::mem::take(&mut self.pending);
        if let Some(utterance) = self.utterance.as_mut() {
            utterance.extend_from_slice(&rest);
            self.last_speech_end = utterance.len();
        }
        self.finish_utterance(&mut actions);
        actions
    }

    fn on_frame(&mut self, frame: &[i16], actions: &mut Vec<Action>) {
        let speech = rms_dbfs(frame) > self.config.threshold_dbfs;
        match self.utterance.as_mut() {
            None => {
                self.history.extend_from_slice(frame);
                let keep = PRE_ROLL + FRAME * START_FRAMES as usize;
                if self.history.len() > keep {
                    self.history.drain(..self.history.len() - keep);
                }
                self.speech_run = if speech { self.speech_run + 1 } else { 0 };
                if self.speech_run >= START_FRAMES {
                    if self.replying {
                        self.replying = false;
                        actions.push(Action::Interrupt);
                    }
                    let utterance = std::mem::take(&mut self.history);
                    self.last_speech_end = utterance.len();
                    self.utterance = Some(utterance);
                    self.silence_run = 0;
                }
            }
            Some(utterance) => {
                utterance.extend_from_slice(frame);
                if speech {
                    self.silence_run = 0;
                    self.last_speech_end = utterance.len();
                } else {
                    self.silence_run += 1;
                    let silence_frames = (self.config.silence_ms as usize * 16).div_ceil(FRAME);
                    if self.silence_run as usize >= silence_frames {
                        self.finish_utterance(actions);
                    }
                }
            }
        }
    }

    fn finish_utterance(&mut self, actions: &mut Vec<Action>) {
        if let Some(mut utterance) = self.utterance.take() {
            utterance.truncate(self.last_speech_end);
            self.speech_run = 0;
            self.silence_run = 0;
            self.history.clear();
            self.replying = true;
            actions.push(Action::Reply(utterance));
        }
    }
}

/// 16 kHz -> 24 kHz by linear interpolation (3 output samples per 2 input samples).
/// Good enough for an echo; the client's own resampling is band-limited.
pub fn upsample_16k_to_24k(input: &[i16]) -> Vec<i16> {
    let out_len = input.len() * 3 / 2;
    (0..out_len)
        .map(|i| {
            let pos = i as f64 * 2.0 / 3.0;
            let j = pos as usize;
            let frac = pos - j as f64;
            let a = f64::from(input[j]);
            let b = f64::from(*input.get(j + 1).unwrap_or(&input[j]));
            (a + (b - a) * frac).round() as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(ms: usize, amplitude: f64) -> Vec<i16> {
        (0..ms * 16)
            .map(|i| {
                (amplitude * (i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 16_000.0).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn levels() {
        assert_eq!(rms_dbfs(&[0; 320]), f32::NEG_INFINITY);
        assert!((rms_dbfs(&tone(20, 32767.0)) - -3.01).abs() < 0.02);
        assert!((rms_dbfs(&tone(20, 3277.0)) - -23.01).abs() < 0.02);
    }

    #[test]
    fn speech_then_silence_gives_one_reply_of_the_speech() {
        let mut t = Turns::new(TurnConfig::default());
        assert_eq!(t.on_audio(&[0; 3200]), vec![]); // 200 ms silence
        let speech = tone(1000, 8000.0);
        assert_eq!(t.on_audio(&speech), vec![]);
        assert_eq!(t.on_audio(&[0; 320 * 24]), vec![]); // 480 ms: not yet
        match t.on_audio(&[0; 320]).as_slice() {
            // 100 ms pre-roll of silence + the 1000 ms tone; trailing silence trimmed
            [Action::Reply(heard)] => {
                assert_eq!(heard.len(), 1600 + 16_000);
                assert_eq!(&heard[1600..], &speech[..]);
            }
            other => panic!("{other:?}"),
        }
        assert!(t.replying());
    }

    #[test]
    fn speech_during_a_reply_interrupts() {
        let mut t = Turns::new(TurnConfig::default());
        t.on_audio(&tone(300, 8000.0));
        let actions = t.on_audio(&[0; 8000]);
        assert!(matches!(actions.as_slice(), [Action::Reply(_)]));
        // one 20 ms frame of speech is not enough; two are
        assert_eq!(t.on_audio(&tone(20, 8000.0)), vec![]);
        assert_eq!(t.on_audio(&tone(20, 8000.0)), vec![Action::Interrupt]);
        assert!(!t.replying());
    }

    #[test]
    fn stream_end_finishes_the_utterance_at_once() {
        let mut t = Turns::new(TurnConfig::default());
        t.on_audio(&tone(250, 8000.0)); // 4000 samples = 12.5 frames
        match t.on_stream_end().as_slice() {
            [Action::Reply(heard)] => assert_eq!(heard.len(), 4000),
            other => panic!("{other:?}"),
        }
        assert_eq!(t.on_stream_end(), vec![]);
    }

    #[test]
    fn quiet_input_never_replies() {
        let mut t = Turns::new(TurnConfig::default());
        assert_eq!(t.on_audio(&tone(2000, 200.0)), vec![]); // about -47 dBFS
        assert_eq!(t.on_stream_end(), vec![]);
    }

    #[test]
    fn upsampling_keeps_length_ratio_and_values() {
        assert_eq!(
            upsample_16k_to_24k(&[0, 300, 600, 900]),
            vec![0, 200, 400, 600, 800, 900]
        );
        assert_eq!(upsample_16k_to_24k(&[0; 3200]).len(), 4800);
    }
}
