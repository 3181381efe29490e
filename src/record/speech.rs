//! Where the person spoke, from the microphone's chunks: 10 ms frames whose RMS reaches
//! -40 dBFS are speech; pauses shorter than 0.7 s join the spans on either side (words and
//! breaths within a sentence), so a span ends at the last loud frame before a longer quiet.

use crate::protocol::INPUT_RATE;

/// Samples per frame (10 ms at 16 kHz).
const FRAME: usize = INPUT_RATE as usize / 100;
/// Speech: a frame's RMS at or above this (-40 dBFS).
const THRESHOLD: f64 = 0.01;
/// Quiet shorter than this (s) does not end a span.
pub const JOIN_S: f64 = 0.7;

#[derive(Debug, Clone, Default)]
pub struct Speech {
    /// The frame being filled and the time of its first sample.
    frame: Vec<i16>,
    frame_at: f64,
    /// The span being heard: its start and the end of its latest loud frame.
    open: Option<(f64, f64)>,
}

impl Speech {
    /// A chunk whose first sample was captured at `time`: the spans it closed.
    pub fn feed(&mut self, time: f64, samples: &[i16]) -> Vec<(f64, f64)> {
        let rate = f64::from(INPUT_RATE);
        let expected = self.frame_at + self.frame.len() as f64 / rate;
        // A gap (the microphone stopped and started again): the partial frame is dropped.
        if !self.frame.is_empty() && (time - expected).abs() > 0.5 / rate {
            self.frame.clear();
        }
        let mut closed = Vec::new();
        for (i, &sample) in samples.iter().enumerate() {
            if self.frame.is_empty() {
                self.frame_at = time + i as f64 / rate;
            }
            self.frame.push(sample);
            if self.frame.len() == FRAME {
                self.frame_done(&mut closed);
            }
        }
        closed
    }

    fn frame_done(&mut self, closed: &mut Vec<(f64, f64)>) {
        let at = self.frame_at;
        let end = at + FRAME as f64 / f64::from(INPUT_RATE);
        let energy: f64 = self.frame.iter().map(|&s| f64::from(s).powi(2)).sum();
        let rms = (energy / FRAME as f64).sqrt() / 32768.0;
        self.frame.clear();
        match &mut self.open {
            Some((_, last)) if rms >= THRESHOLD && at - *last < JOIN_S => *last = end,
            Some(span) if rms >= THRESHOLD => {
                closed.push(*span);
                *span = (at, end);
            }
            None if rms >= THRESHOLD => self.open = Some((at, end)),
            Some((start, last)) if end - *last >= JOIN_S => {
                closed.push((*start, *last));
                self.open = None;
            }
            _ => {}
        }
    }

    /// The span still being heard, if any (it may yet grow).
    pub fn open(&self) -> Option<(f64, f64)> {
        self.open
    }
}
