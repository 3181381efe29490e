//! The capture pipeline that runs on the audio thread: device-rate float samples in,
//! 16 kHz int16 chunks of exactly [`CHUNK`] samples out, each stamped with the input
//! frame its first sample came from; plus the input level for a meter.
//!
//! Everything is allocated in [`Capture::new`]; [`Capture::process`] allocates nothing.

use crate::math;
use crate::resample::{ResampleError, Resampler};
use alloc::vec;
use alloc::vec::Vec;

/// Output rate: the Live API's native input rate.
use crate::rates::INPUT_RATE as OUTPUT_RATE;
pub use crate::rates::{CHUNK, CHUNK_SIZES};
/// Completed chunks held until the caller takes them (a 128-frame quantum makes at most one).
pub const QUEUE: usize = 4;

/// Float to int16 with clamping: -1.0 -> -32768, +1.0 -> 32767 (no wrap-around), NaN -> 0.
#[inline]
pub fn to_i16(x: f32) -> i16 {
    let scaled = x * 32768.0;
    // `as` saturates and maps NaN to 0; round half away from zero first.
    math::round32(scaled).clamp(-32768.0, 32767.0) as i16
}

/// Peak and RMS of the input since the last [`Capture::take_level`], linear (1.0 = full scale).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Level {
    pub peak: f32,
    pub rms: f32,
}

/// A completed chunk.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub samples: [i16; CHUNK],
    /// Samples that are real (the chunk size, or fewer for a flushed remainder).
    pub len: usize,
    /// Input frame (counted from the first input sample) that the first sample shows.
    pub start_frame: f64,
}

/// Resampler + converter + chunker + meter.
#[derive(Debug, Clone)]
pub struct Capture {
    resampler: Resampler,
    current: [i16; CHUNK],
    /// Samples per chunk: [`CHUNK`] or a smaller one of [`CHUNK_SIZES`].
    size: usize,
    filled: usize,
    /// Outputs produced so far (to stamp chunks).
    produced: u64,
    queue: Vec<Chunk>,
    ready: usize,
    dropped: u64,
    sum_squares: f64,
    peak: f32,
    level_frames: u64,
}

impl Capture {
    /// A pipeline for input at `input_rate` Hz.
    pub fn new(input_rate: u32) -> Result<Self, ResampleError> {
        let empty = Chunk {
            samples: [0; CHUNK],
            len: 0,
            start_frame: 0.0,
        };
        Ok(Capture {
            resampler: Resampler::new(input_rate, OUTPUT_RATE)?,
            current: [0; CHUNK],
            size: CHUNK,
            filled: 0,
            produced: 0,
            queue: vec![empty; QUEUE],
            ready: 0,
            dropped: 0,
            sum_squares: 0.0,
            peak: 0.0,
            level_frames: 0,
        })
    }

    /// Chunks of `size` samples from now on, if it is one of [`CHUNK_SIZES`] and nothing is
    /// half-filled yet; returns the size in effect.
    pub fn set_chunk(&mut self, size: usize) -> usize {
        if self.filled == 0 && CHUNK_SIZES.contains(&size) {
            self.size = size;
        }
        self.size
    }

    /// The input frame that output sample `n` shows (filter delay taken out).
    pub fn frame_of_output(&self, n: u64) -> f64 {
        let (up, down) = self.resampler.ratio();
        n as f64 * f64::from(down) / f64::from(up) - self.resampler.delay()
    }

    /// Feeds one block of input; returns how many chunks are ready (see [`Capture::chunk`]).
    pub fn process(&mut self, input: &[f32]) -> usize {
        let mut peak = self.peak;
        let mut sum = 0.0f64;
        for &x in input {
            let a = x.abs();
            if a > peak {
                peak = a;
            }
            sum += f64::from(x) * f64::from(x);
        }
        self.peak = peak;
        self.sum_squares += sum;
        self.level_frames += input.len() as u64;

        // Split borrows: the closure fills `current` and moves full chunks to the queue.
        let Capture {
            resampler,
            current,
            filled,
            produced,
            queue,
            ready,
            dropped,
            size,
            ..
        } = self;
        let size = *size;
        let (up, down) = resampler.ratio();
        let delay = resampler.delay();
        resampler.process(input, |y| {
            current[*filled] = to_i16(y);
            *filled += 1;
            *produced += 1;
            if *filled == size {
                let first = *produced - size as u64;
                if *ready < QUEUE {
                    let slot = &mut queue[*ready];
                    slot.samples[..size].copy_from_slice(&current[..size]);
                    slot.len = size;
                    slot.start_frame = first as f64 * f64::from(down) / f64::from(up) - delay;
                    *ready += 1;
                } else {
                    *dropped += 1; // nobody took the chunks; count, never allocate
                }
                *filled = 0;
            }
        });
        self.ready
    }

    /// Moves the partial chunk (if any) to the queue; returns how many chunks are ready.
    pub fn flush(&mut self) -> usize {
        if self.filled > 0 && self.ready < QUEUE {
            let first = self.produced - self.filled as u64;
            let start_frame = self.frame_of_output(first);
            let slot = &mut self.queue[self.ready];
            slot.samples[..self.filled].copy_from_slice(&self.current[..self.filled]);
            slot.samples[self.filled..].iter_mut().for_each(|s| *s = 0);
            slot.len = self.filled;
            slot.start_frame = start_frame;
            self.ready += 1;
            self.filled = 0;
        }
        self.ready
    }

    /// Ready chunk `i` (0-based, oldest first).
    pub fn chunk(&self, i: usize) -> Option<&Chunk> {
        (i < self.ready).then(|| &self.queue[i])
    }

    /// The caller has taken every ready chunk.
    pub fn clear_ready(&mut self) {
        self.ready = 0;
    }

    /// Chunks lost because the queue was full (never, when the caller keeps up).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Level since the last call, then starts a new measurement.
    pub fn take_level(&mut self) -> Level {
        let rms = if self.level_frames == 0 {
            0.0
        } else {
            math::sqrt(self.sum_squares / self.level_frames as f64) as f32
        };
        let level = Level {
            peak: self.peak,
            rms,
        };
        self.peak = 0.0;
        self.sum_squares = 0.0;
        self.level_frames = 0;
        level
    }
}
