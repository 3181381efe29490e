//! The capture pipeline: exact 2048-sample chunks for any block size, nothing lost or
//! repeated, stamps, flush, clamping, level.

use live_dsp::capture::{to_i16, Capture, CHUNK, CHUNK_SIZES};
use live_dsp::resample::Resampler;

fn ramp_noise(n: usize) -> Vec<f32> {
    // deterministic, broadband, in [-0.9, 0.9]
    let mut state = 12345u32;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 * 1.8 - 0.9
        })
        .collect()
}

/// Runs `input` through a Capture in blocks of `sizes` (cycled); returns the chunks.
fn chunks(rate: u32, input: &[f32], sizes: &[usize], flush: bool) -> Vec<(Vec<i16>, f64)> {
    chunks_of(CHUNK, rate, input, sizes, flush)
}

/// The same with chunks of `chunk` samples.
fn chunks_of(
    chunk: usize,
    rate: u32,
    input: &[f32],
    sizes: &[usize],
    flush: bool,
) -> Vec<(Vec<i16>, f64)> {
    let mut c = Capture::new(rate).unwrap();
    assert_eq!(c.set_chunk(chunk), chunk);
    let mut out = Vec::new();
    let mut take = |c: &mut Capture, ready: usize| {
        for i in 0..ready {
            let chunk = c.chunk(i).unwrap();
            out.push((chunk.samples[..chunk.len].to_vec(), chunk.start_frame));
        }
        c.clear_ready();
    };
    let mut pos = 0;
    let mut k = 0;
    while pos < input.len() {
        let n = sizes[k % sizes.len()].min(input.len() - pos);
        let ready = c.process(&input[pos..pos + n]);
        take(&mut c, ready);
        pos += n;
        k += 1;
    }
    if flush {
        let ready = c.flush();
        take(&mut c, ready);
    }
    assert_eq!(c.dropped(), 0);
    out
}

#[test]
fn chunks_are_exactly_2048_and_nothing_is_lost_or_repeated() {
    for rate in [44_100, 48_000, 16_000] {
        let input = ramp_noise(rate as usize * 3 / 2 + 77); // 1.5 s and a bit
        let expected: Vec<i16> = Resampler::new(rate, 16_000)
            .unwrap()
            .process_to_vec(&input)
            .into_iter()
            .map(to_i16)
            .collect();
        for sizes in [&[128usize][..], &[1], &[3, 500, 17], &[4096], &[127, 129]] {
            let got = chunks(rate, &input, sizes, false);
            assert!(
                got.iter().all(|(c, _)| c.len() == CHUNK),
                "{rate} {sizes:?}"
            );
            assert_eq!(got.len(), expected.len() / CHUNK, "{rate} {sizes:?}");
            let joined: Vec<i16> = got.iter().flat_map(|(c, _)| c.clone()).collect();
            assert_eq!(joined[..], expected[..joined.len()], "{rate} {sizes:?}");
            // with a flush, the remainder comes out too, and everything adds up
            let flushed = chunks(rate, &input, sizes, true);
            let all: Vec<i16> = flushed.iter().flat_map(|(c, _)| c.clone()).collect();
            assert_eq!(all, expected, "{rate} {sizes:?}");
            assert_eq!(flushed.last().unwrap().0.len(), expected.len() % CHUNK);
        }
    }
}

/// Every size on offer: exact chunks of it, the same samples as the resampler's, stamped
/// with their input frame; a size not on offer, or a change once a chunk is half full,
/// keeps the size in effect.
#[test]
fn every_chunk_size_on_offer_is_exact_and_stamped() {
    let input = ramp_noise(48_000 + 77);
    let expected: Vec<i16> = Resampler::new(48_000, 16_000)
        .unwrap()
        .process_to_vec(&input)
        .into_iter()
        .map(to_i16)
        .collect();
    let delay = Resampler::new(48_000, 16_000).unwrap().delay();
    for size in CHUNK_SIZES {
        let got = chunks_of(size, 48_000, &input, &[128], true);
        let (whole, last) = got.split_at(got.len() - 1);
        assert!(whole.iter().all(|(c, _)| c.len() == size), "{size}");
        assert_eq!(last[0].0.len(), expected.len() % size, "{size}");
        let all: Vec<i16> = got.iter().flat_map(|(c, _)| c.clone()).collect();
        assert_eq!(all, expected, "{size}");
        for (k, (_, frame)) in got.iter().enumerate() {
            assert_eq!(*frame, (k * size * 3) as f64 - delay, "{size}: chunk {k}");
        }
    }
    let mut c = Capture::new(48_000).unwrap();
    assert_eq!(c.set_chunk(1000), CHUNK);
    assert_eq!(c.set_chunk(320), 320);
    c.process(&[0.1; 128]);
    assert_eq!(c.set_chunk(512), 320);
}

#[test]
fn chunks_are_stamped_with_their_input_frame() {
    // 48 kHz: output n shows input frame 3n - delay.
    let r = Resampler::new(48_000, 16_000).unwrap();
    let delay = r.delay();
    let got = chunks(48_000, &vec![0.0; 48_000], &[128], true);
    for (k, (_, frame)) in got.iter().enumerate() {
        assert_eq!(*frame, (k * CHUNK * 3) as f64 - delay, "chunk {k}");
    }
    // 44.1 kHz: output n shows input frame n * 441 / 160 - delay.
    let r = Resampler::new(44_100, 16_000).unwrap();
    let got = chunks(44_100, &vec![0.0; 44_100], &[128], false);
    assert_eq!(got[3].1, (3 * CHUNK) as f64 * 441.0 / 160.0 - r.delay());
    assert!(delay > 100.0 && delay < 150.0, "48k delay {delay} frames");
}

#[test]
fn conversion_clamps_at_the_edges() {
    assert_eq!(to_i16(-1.0), -32768);
    assert_eq!(to_i16(1.0), 32767);
    assert_eq!(to_i16(2.5), 32767);
    assert_eq!(to_i16(-3.0), -32768);
    assert_eq!(to_i16(0.0), 0);
    assert_eq!(to_i16(0.5), 16384);
    assert_eq!(to_i16(-0.5), -16384);
    assert_eq!(to_i16(1.0 / 32768.0), 1);
    assert_eq!(to_i16(f32::NAN), 0);
    assert_eq!(to_i16(f32::INFINITY), 32767);
    assert_eq!(to_i16(f32::NEG_INFINITY), -32768);
    // A full-scale 1 kHz square wave through the pipeline clips, never wraps.
    let square: Vec<f32> = (0..48_000)
        .map(|i| if (i / 24) % 2 == 0 { 1.0 } else { -1.0 })
        .collect();
    let got = chunks(48_000, &square, &[128], true);
    let all: Vec<i16> = got.into_iter().flat_map(|(c, _)| c).collect();
    let expected: Vec<i16> = Resampler::new(48_000, 16_000)
        .unwrap()
        .process_to_vec(&square)
        .into_iter()
        .map(|y| (f64::from(y) * 32768.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    assert_eq!(all, expected);
    assert!(all.contains(&32767) && all.contains(&-32768));
}

#[test]
fn level_of_a_full_scale_sine() {
    let mut c = Capture::new(48_000).unwrap();
    let sine: Vec<f32> = (0..4_800)
        .map(|i| (2.0 * std::f64::consts::PI * 1_000.0 * i as f64 / 48_000.0).sin() as f32)
        .collect();
    c.process(&sine);
    let level = c.take_level();
    assert!(
        (level.rms - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4,
        "{level:?}"
    );
    assert!((level.peak - 1.0).abs() < 1e-6, "{level:?}");
    assert_eq!(c.take_level().rms, 0.0);
}
