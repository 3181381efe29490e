//! The resampler, measured: exact output counts, block-size invariance, frequency response
//! (passband flatness to 7 kHz, stopband above 8 kHz) for 44.1 and 48 kHz, and no drift over
//! an hour of input.

use live_dsp::resample::Resampler;
use std::f64::consts::PI;

const RATE_PAIRS: &[(u32, u32)] = &[
    (44_100, 16_000),
    (48_000, 16_000),
    (16_000, 24_000),
    (24_000, 16_000),
    (22_050, 16_000),
    (96_000, 16_000),
    (8_000, 16_000),
];

fn sine(rate: u32, hz: f64, seconds: f64, amplitude: f64) -> Vec<f32> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| (amplitude * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

/// Gain in dB of a sine through `rate -> 16 kHz`, from the RMS of exactly one second of
/// output after the filter has settled (a whole number of periods for integer `hz`).
fn gain_db(input_rate: u32, hz: f64) -> f64 {
    let mut r = Resampler::new(input_rate, 16_000).unwrap();
    let out = r.process_to_vec(&sine(input_rate, hz, 1.5, 0.5));
    let settled = &out[4_000..20_000];
    let rms =
        (settled.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / settled.len() as f64).sqrt();
    20.0 * (rms / (0.5 / 2f64.sqrt())).log10()
}

#[test]
fn exact_counts_for_every_block_size() {
    for &(input, output) in RATE_PAIRS {
        let mut r = Resampler::new(input, output).unwrap();
        let (up, down) = r.ratio();
        let mut fed = 0u64;
        let mut made = 0u64;
        for block in [1usize, 2, 3, 7, 128, 129, 1000, 4096, 128, 5] {
            let predicted = r.output_len(block);
            let mut got = 0;
            r.process(&vec![0.1; block], |_| got += 1);
            assert_eq!(got, predicted, "{input}->{output} block {block}");
            fed += block as u64;
            made += got as u64;
            assert_eq!(
                made,
                (fed * u64::from(up)).div_ceil(u64::from(down)),
                "{input}->{output}"
            );
        }
    }
}

#[test]
fn block_size_does_not_change_the_output() {
    for &(input, output) in RATE_PAIRS {
        let signal = sine(input, 997.0, 0.2, 0.8);
        let whole = Resampler::new(input, output)
            .unwrap()
            .process_to_vec(&signal);
        let mut r = Resampler::new(input, output).unwrap();
        let mut pieces = Vec::new();
        let mut rest = &signal[..];
        let mut size = 1;
        while !rest.is_empty() {
            let (head, tail) = rest.split_at(size.min(rest.len()));
            r.process(head, |y| pieces.push(y));
            rest = tail;
            size = size * 3 % 257 + 1;
        }
        assert_eq!(whole, pieces, "{input}->{output}");
    }
}

#[test]
fn passband_is_flat_to_7_khz() {
    for input in [44_100, 48_000] {
        for hz in [100.0, 1_000.0, 3_000.0, 5_000.0, 6_000.0, 6_500.0, 7_000.0] {
            let g = gain_db(input, hz);
            assert!(g.abs() < 0.01, "{input} Hz input, {hz} Hz: {g:.4} dB");
        }
    }
}

#[test]
fn stopband_is_attenuated_above_8_khz() {
    for input in [44_100, 48_000] {
        for hz in [8_000.0, 8_500.0, 10_000.0, 12_000.0, 15_000.0, 20_000.0] {
            let g = gain_db(input, hz);
            assert!(g < -80.0, "{input} Hz input, {hz} Hz: {g:.1} dB");
        }
    }
}

/// An hour at 44.1 kHz: exactly 57,600,000 outputs, and the last second of a 1 kHz tone is
/// still in phase with the ideal tone (no drift): worst error under -80 dB of full scale.
#[test]
fn an_hour_without_drift() {
    let input_rate = 44_100u32;
    let total = 3_600 * input_rate as usize;
    let mut r = Resampler::new(input_rate, 16_000).unwrap();
    let delay = r.delay();
    let block = 128;
    let mut buffer = vec![0f32; block];
    let mut n_out = 0u64;
    let mut worst = 0f64;
    let w = 2.0 * PI * 1_000.0 / f64::from(input_rate);
    let last_second = 3_599 * 16_000;
    // One period of the tone (441 samples = 10 ms at 44.1 kHz), reused: exact for an hour.
    let period: Vec<f32> = (0..441)
        .map(|i| (0.5 * (w * i as f64).sin()) as f32)
        .collect();
    for start in (0..total).step_by(block) {
        let n = block.min(total - start);
        buffer.resize(n, 0.0);
        for (i, x) in buffer.iter_mut().enumerate() {
            *x = period[(start + i) % 441];
        }
        r.process(&buffer, |y| {
            if n_out >= last_second {
                let t = n_out as f64 * 441.0 / 160.0 - delay; // input samples
                let ideal = 0.5 * (w * t.rem_euclid(441.0)).sin();
                worst = worst.max((f64::from(y) - ideal).abs());
            }
            n_out += 1;
        });
    }
    assert_eq!(n_out, 57_600_000);
    let error_db = 20.0 * worst.log10();
    assert!(error_db < -80.0, "worst error {error_db:.1} dBFS");
}

#[test]
fn unsupported_rates_are_errors() {
    assert!(Resampler::new(0, 16_000).is_err());
    assert!(Resampler::new(44_101, 16_000).is_err()); // 16000 phases
    assert!(Resampler::new(44_100, 16_000).is_ok());
}

#[test]
fn skipping_silence_matches_processing_zeros_exactly() {
    for (a, b) in [
        (16_000, 24_000),
        (24_000, 16_000),
        (44_100, 16_000),
        (24_000, 48_000),
    ] {
        let signal: Vec<f32> = (0..3000)
            .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
            .collect();
        for gap in [0usize, 1, 2, 3, 17, 500, 4097] {
            let mut slow = Resampler::new(a, b).unwrap();
            let mut fast = slow.clone();
            let zeros = vec![0f32; slow.taps() + gap];
            let mut want = slow.process_to_vec(&signal[..1000]);
            want.extend(slow.process_to_vec(&zeros));
            want.extend(slow.process_to_vec(&signal[1000..]));
            let mut got = fast.process_to_vec(&signal[..1000]);
            // Flush the filter with taps zeros, then skip the rest of the gap.
            got.extend(fast.process_to_vec(&zeros[..fast.taps()]));
            assert!(fast.is_quiet());
            let n = fast.skip_silence(gap);
            got.extend(std::iter::repeat_n(0.0, n));
            got.extend(fast.process_to_vec(&signal[1000..]));
            assert_eq!(got.len(), want.len(), "{a}->{b}, gap {gap}");
            assert_eq!(got, want, "{a}->{b}, gap {gap}");
        }
    }
}

/// The kernel's own `sin(pi x)` against the math library, over every argument the kernels
/// use (|x| up to a few hundred) and beyond: within 4e-13, which is the rounding of
/// `PI * x` itself at |x| near 1000 (the library rounds its argument, we reduce `x` first).
#[test]
fn sin_pi_matches_the_math_library() {
    let mut worst = 0f64;
    for i in -2_000_000..=2_000_000 {
        let x = f64::from(i) * 0.000_517; // about +-1034, not on a grid of the period
        let diff = (live_dsp::resample::sin_pi(x) - (std::f64::consts::PI * x).sin()).abs();
        worst = worst.max(diff);
    }
    // The library's own error at pi*x (x large) is part of the difference.
    println!("worst difference {worst:e}");
    assert!(worst < 4e-13, "worst difference {worst:e}");
    for (x, expected) in [
        (0.0, 0.0),
        (0.5, 1.0),
        (1.0, 0.0),
        (-0.5, -1.0),
        (1.5, -1.0),
        (2.25, 0.5f64.sqrt()),
    ] {
        assert!(
            (live_dsp::resample::sin_pi(x) - expected).abs() < 1e-15,
            "sin(pi * {x})"
        );
    }
}
