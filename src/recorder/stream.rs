//! One track of the recording brought to the file's rate, and the block mix: shared by the
//! whole-file render ([`super::Render`]) and the render as you go ([`super::live`]), so
//! both make the same bytes.
//!
//! A track is a list of segments (its own samples placed at sample offsets from the
//! recording's origin), read in order. Reading is done in fixed 4096-sample fills through the
//! band-limited resampler; fills may be made as soon as the input they cover is final
//! ([`Stream::pump`]) or when the outputs are needed ([`Stream::take`]): the resampler gives
//! the same samples either way.

use crate::pcm::{f32_to_i16, i16_to_f32};
use crate::wav;
use live_dsp::resample::Resampler;
use std::borrow::Cow;
use std::collections::VecDeque;

/// Track samples per fill.
const FILL: usize = 4096;

/// A piece of a track at its own rate: `samples` from index `at`, the first `fade_in`
/// ramping up from zero, the tail from `fade` on ramping down to zero.
#[derive(Debug, Clone)]
pub struct Segment<'a> {
    pub at: i64,
    pub samples: Cow<'a, [i16]>,
    pub fade: Option<usize>,
    pub fade_in: usize,
}

impl Segment<'_> {
    pub fn end(&self) -> i64 {
        self.at + self.samples.len() as i64
    }

    pub fn value(&self, i: usize) -> f32 {
        let mut x = i16_to_f32(self.samples[i]);
        if i < self.fade_in {
            x *= i as f32 / self.fade_in as f32;
        }
        match self.fade {
            Some(f) if i >= f => {
                let len = (self.samples.len() - f) as f32;
                x * (1.0 - (i - f) as f32 / len)
            }
            _ => x,
        }
    }
}

/// One track brought to the output rate.
#[derive(Clone)]
pub struct Stream<'a> {
    /// Segments not yet read past, in order of `at`.
    segments: VecDeque<Segment<'a>>,
    /// Next index to read, at the track's own rate.
    pos: i64,
    resampler: Option<Resampler>,
    /// Resampled outputs still to throw away (the filter's delay).
    skip: usize,
    ready: Vec<f32>,
    read: usize,
    scratch: Vec<f32>,
}

impl<'a> Stream<'a> {
    pub fn new(segments: Vec<Segment<'a>>, rate: u32, out_rate: u32) -> Self {
        // 16 <-> 24 kHz always has a resampler; equal rates pass through.
        let resampler = (rate != out_rate)
            .then(|| Resampler::new(rate, out_rate).ok())
            .flatten();
        let skip = resampler.as_ref().map_or(0, |r| {
            let (up, down) = r.ratio();
            (r.delay() * f64::from(up) / f64::from(down)).round() as usize
        });
        Stream {
            segments: segments.into(),
            pos: 0,
            resampler,
            skip,
            ready: Vec::new(),
            read: 0,
            scratch: vec![0.0; FILL],
        }
    }

    /// Adds a segment after those already given (its `at` not before theirs). The part of
    /// it before the read position is gone: returns how many samples of it were lost.
    pub fn push(&mut self, mut segment: Segment<'a>) -> usize {
        let late = (self.pos - segment.at).clamp(0, segment.samples.len() as i64) as usize;
        if late > 0 {
            let rest = segment.samples[late..].to_vec();
            segment.fade = segment.fade.map(|f| f.saturating_sub(late));
            segment.fade_in = segment.fade_in.saturating_sub(late);
            segment.samples = Cow::Owned(rest);
            segment.at += late as i64;
        }
        if !segment.samples.is_empty() {
            self.segments.push_back(segment);
        }
        late
    }

    /// Samples held in segments not yet read past (for the memory figure).
    pub fn held(&self) -> usize {
        self.segments.iter().map(|s| s.samples.len()).sum()
    }

    /// The track's own samples `pos..pos + n` into `scratch`.
    fn fill(&mut self, n: usize) {
        self.scratch.clear();
        self.scratch.resize(n, 0.0);
        let (from, to) = (self.pos, self.pos + n as i64);
        while self.segments.front().is_some_and(|s| s.end() <= from) {
            self.segments.pop_front();
        }
        for seg in self.segments.iter() {
            if seg.at >= to {
                break;
            }
            let lo = seg.at.max(from);
            let hi = seg.end().min(to);
            for t in lo..hi {
                self.scratch[(t - from) as usize] += seg.value((t - seg.at) as usize);
            }
        }
        self.pos = to;
    }

    /// One fill through the resampler into `ready`.
    fn resample_fill(&mut self) {
        if self.read == self.ready.len() {
            self.ready.clear();
            self.read = 0;
        } else if self.read > FILL {
            self.ready.drain(..self.read);
            self.read = 0;
        }
        self.fill(FILL);
        let Stream {
            resampler,
            scratch,
            ready,
            ..
        } = self;
        if let Some(r) = resampler {
            // Silence in, silence out: skip the arithmetic (mic gaps, the model's quiet time).
            if r.is_quiet() && scratch.iter().all(|&x| x == 0.0) {
                let n = r.skip_silence(scratch.len());
                ready.resize(ready.len() + n, 0.0);
            } else {
                r.process(scratch, |y| ready.push(y));
            }
        }
        let drop = self.skip.min(self.ready.len() - self.read);
        self.read += drop;
        self.skip -= drop;
    }

    /// Reads ahead while the input up to track sample `limit` is final: resampled tracks
    /// fill whole 4096-sample steps; a track at the output rate needs no read-ahead.
    pub fn pump(&mut self, limit: i64) {
        if self.resampler.is_some() {
            while self.pos + FILL as i64 <= limit {
                self.resample_fill();
            }
        }
    }

    /// Outputs that can be taken without reading input past `limit` (after [`Self::pump`]).
    pub fn available(&self, limit: i64) -> usize {
        if self.resampler.is_some() {
            self.ready.len() - self.read
        } else {
            (limit - self.pos).max(0) as usize
        }
    }

    /// The next `n` output samples into `out` (reading input as needed).
    pub fn take(&mut self, n: usize, out: &mut Vec<f32>) {
        out.clear();
        if self.resampler.is_none() {
            self.fill(n);
            out.extend_from_slice(&self.scratch);
            return;
        }
        while out.len() < n {
            if self.read == self.ready.len() {
                self.resample_fill();
                continue;
            }
            let take = (n - out.len()).min(self.ready.len() - self.read);
            out.extend_from_slice(&self.ready[self.read..self.read + take]);
            self.read += take;
        }
    }
}

/// One block of the file: the two tracks' outputs mixed (mono) or side by side (stereo),
/// saturated to int16, as little-endian bytes.
pub fn mix_block(user: &[f32], model: &[f32], stereo: bool) -> Vec<u8> {
    let pairs = user.iter().zip(model);
    let samples: Vec<i16> = if stereo {
        pairs
            .flat_map(|(&u, &m)| [f32_to_i16(u), f32_to_i16(m)])
            .collect()
    } else {
        pairs.map(|(&u, &m)| f32_to_i16(u + m)).collect()
    };
    let mut bytes = Vec::with_capacity(samples.len() * 2);
    wav::append_samples(&mut bytes, &samples);
    bytes
}
