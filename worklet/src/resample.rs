//! A band-limited rational resampler (polyphase windowed-sinc, Kaiser window) whose state
//! carries across calls, so any block size gives the same output as one long block.
//!
//! Rates are reduced to L/M (44.1 kHz -> 16 kHz is 160/441). Output sample `n` sits at input
//! position `n * M / L`, tracked with integers: no drift, ever. After `N` input samples
//! exactly `ceil(N * L / M)` outputs have come out. The filter passes up to 15/16 of the
//! lower Nyquist (7.5 kHz at 16 kHz) with a 1 kHz transition band (for 16 kHz) and about
//! 85 dB of stopband attenuation; `new` allocates the tables, `process` allocates nothing.

use crate::math;
use alloc::vec;
use alloc::vec::Vec;
use core::f64::consts::PI;

/// Stopband attenuation the Kaiser design aims at, in dB.
pub const ATTENUATION_DB: f64 = 85.0;
/// Largest interpolation factor L accepted (table size is L * taps floats).
pub const MAX_PHASES: u32 = 4096;

/// Why a resampler could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResampleError {
    /// A rate of zero, or a ratio needing more than [`MAX_PHASES`] phases.
    UnsupportedRates { input: u32, output: u32 },
}

/// Streaming resampler from `input_rate` to `output_rate`.
#[derive(Debug, Clone)]
pub struct Resampler {
    up: u32,
    down: u32,
    taps: usize,
    /// `up` phases of `taps` coefficients, phase-major: `coeffs[p * taps + k]`.
    coeffs: Vec<f32>,
    /// The last `taps` inputs, newest last, stored twice over so a window is contiguous.
    history: Vec<f32>,
    head: usize,
    /// Phase of the next output, in 1/`up` input samples past the newest consumed input.
    phase: u32,
    /// Inputs still to be consumed before the next output.
    skip: u32,
}

/// Inner product with eight independent sums, so the compiler can vectorise it
/// (a single running sum must be evaluated in order). Not `#[inline]`: so it is compiled
/// here, optimised, even when the page is a debug build (an inline copy in the page's crate
/// ran unoptimised, and the recorder's render took over 50 ms a tick in `trunk serve`'s
/// build); the release build's LTO still inlines it.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (a8, a_rest) = a.split_at(a.len() / 8 * 8);
    let (b8, b_rest) = b.split_at(a8.len());
    for (x, y) in a8.chunks_exact(8).zip(b8.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    acc.iter().sum::<f32>() + tail
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Zeroth-order modified Bessel function of the first kind (series; converges fast).
/// `sin(pi * x)`, exact to a few ulps, without the math library: `x` reduced to [-0.5, 0.5]
/// (sin(pi x) is odd and has period 2, and sin(pi (1 - r)) = sin(pi r)), then a Taylor
/// series to y^23 / 23! (error below 1e-17 for |y| <= pi/2). The library's `sin`, with its
/// reduction for huge arguments, was 6 KB of each wasm module for a kernel built once.
pub fn sin_pi(x: f64) -> f64 {
    let mut r = x - 2.0 * math::round(x / 2.0); // [-1, 1]
    if r > 0.5 {
        r = 1.0 - r;
    } else if r < -0.5 {
        r = -1.0 - r;
    }
    let y = PI * r;
    let y2 = y * y;
    let mut term = y;
    let mut sum = y;
    for k in 1..12 {
        let k = f64::from(k);
        term *= -y2 / ((2.0 * k) * (2.0 * k + 1.0));
        sum += term;
    }
    sum
}

fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..64 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

impl Resampler {
    /// Builds the filter for `input_rate` -> `output_rate` (Hz).
    pub fn new(input_rate: u32, output_rate: u32) -> Result<Self, ResampleError> {
        let err = ResampleError::UnsupportedRates {
            input: input_rate,
            output: output_rate,
        };
        if input_rate == 0 || output_rate == 0 {
            return Err(err);
        }
        let g = gcd(input_rate, output_rate);
        let (up, down) = (output_rate / g, input_rate / g);
        if up > MAX_PHASES {
            return Err(err);
        }
        let lower_nyquist = f64::from(input_rate.min(output_rate)) / 2.0;
        let cutoff = lower_nyquist * 15.0 / 16.0; // Hz, middle of the transition band
        let transition = lower_nyquist / 8.0; // Hz
        let a = ATTENUATION_DB;
        let beta = 0.1102 * (a - 8.7);
        // Kaiser's estimate of the length, in input samples; even, at least 8.
        let taps_f = (a - 7.95) / (2.285 * 2.0 * PI * transition / f64::from(input_rate));
        let taps = ((math::ceil(taps_f) as usize).max(8) + 1) & !1;
        let len = taps * up as usize;
        let fs_up = f64::from(input_rate) * f64::from(up);
        let fc = cutoff / fs_up; // cycles per upsampled sample
        let center = (len as f64 - 1.0) / 2.0;
        let i0_beta = bessel_i0(beta);
        let mut proto = vec![0f64; len];
        for (j, h) in proto.iter_mut().enumerate() {
            let t = j as f64 - center;
            let x = 2.0 * fc * t;
            let sinc = if x.abs() < 1e-12 {
                1.0
            } else {
                sin_pi(x) / (PI * x)
            };
            let r = t / (len as f64 / 2.0);
            let window = bessel_i0(beta * math::sqrt((1.0 - r * r).max(0.0))) / i0_beta;
            *h = 2.0 * fc * sinc * window;
        }
        // Phase p holds proto[p + k * up]; each phase is scaled to unity DC gain, which
        // removes the small gain differences between phases (a source of ripple).
        let mut coeffs = vec![0f32; len];
        for p in 0..up as usize {
            let sum: f64 = (0..taps).map(|k| proto[p + k * up as usize]).sum();
            for k in 0..taps {
                // Stored reversed so a phase lines up with the history window (oldest first).
                coeffs[p * taps + (taps - 1 - k)] = (proto[p + k * up as usize] / sum) as f32;
            }
        }
        Ok(Resampler {
            up,
            down,
            taps,
            coeffs,
            history: vec![0.0; 2 * taps],
            head: 0,
            phase: 0,
            skip: 1,
        })
    }

    /// (L, M): output = input * L / M.
    pub fn ratio(&self) -> (u32, u32) {
        (self.up, self.down)
    }

    /// Filter length in input samples.
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// Delay of the filter in input samples: output `n` shows the input at `n*M/L - delay`.
    pub fn delay(&self) -> f64 {
        (self.taps as f64 * f64::from(self.up) - 1.0) / 2.0 / f64::from(self.up)
    }

    /// Outputs that `input_len` more inputs will produce (exact).
    pub fn output_len(&self, input_len: usize) -> usize {
        if input_len < self.skip as usize {
            return 0;
        }
        // The j-th output from now (j >= 0) needs `skip + floor((phase + j*M) / L)` inputs.
        let r = (input_len - self.skip as usize) as u64;
        let (up, down) = (u64::from(self.up), u64::from(self.down));
        ((r + 1) * up - u64::from(self.phase)).div_ceil(down) as usize
    }

    /// Resets to silence, as if just built.
    pub fn reset(&mut self) {
        self.history.iter_mut().for_each(|x| *x = 0.0);
        self.head = 0;
        self.phase = 0;
        self.skip = 1;
    }

    /// Consumes all of `input`, calls `emit` for each output sample. Allocates nothing.
    #[inline]
    pub fn process(&mut self, input: &[f32], mut emit: impl FnMut(f32)) {
        for &x in input {
            // Push x into the doubled ring so history[head..head + taps] is the window.
            self.history[self.head] = x;
            self.history[self.head + self.taps] = x;
            self.head += 1;
            if self.head == self.taps {
                self.head = 0;
            }
            self.skip -= 1;
            while self.skip == 0 {
                let window = &self.history[self.head..self.head + self.taps];
                let p = self.phase as usize;
                let phase = &self.coeffs[p * self.taps..(p + 1) * self.taps];
                let y = dot(window, phase);
                emit(y);
                let next = self.phase + self.down;
                self.skip = next / self.up;
                self.phase = next % self.up;
            }
        }
    }

    /// Whether the filter holds only zeros (its output is silent until a non-zero input).
    pub fn is_quiet(&self) -> bool {
        self.history.iter().all(|&x| x == 0.0)
    }

    /// Consumes `len` zero inputs while the filter is quiet: the bookkeeping of
    /// [`process`](Self::process) without the arithmetic. Returns how many (zero) outputs
    /// they stand for. Must only be called when [`is_quiet`](Self::is_quiet).
    pub fn skip_silence(&mut self, len: usize) -> usize {
        debug_assert!(self.is_quiet());
        let outputs = self.output_len(len);
        // Output j comes after `skip + floor((phase + j*M) / L)` inputs; the next one after
        // the last is output number `outputs`.
        let (up, down) = (u64::from(self.up), u64::from(self.down));
        let (skip, len64) = (u64::from(self.skip), len as u64);
        if len64 >= skip {
            let next = u64::from(self.phase) + outputs as u64 * down;
            self.skip = (skip + next / up - len64) as u32;
            self.phase = (next % up) as u32;
        } else {
            self.skip = (skip - len64) as u32;
        }
        self.head = (self.head + len % self.taps) % self.taps;
        outputs
    }

    /// Convenience for tests and offline use: resamples a whole slice into a new Vec.
    pub fn process_to_vec(&mut self, input: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(self.output_len(input.len()));
        self.process(input, |y| out.push(y));
        out
    }
}
