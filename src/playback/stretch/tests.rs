use super::*;
use crate::playback::PlaybackConfig;

fn sine(hz: f64, len: usize, amplitude: f64) -> Vec<i16> {
    (0..len)
        .map(|i| {
            (amplitude * (std::f64::consts::TAU * hz * i as f64 / 24_000.0).sin()).round() as i16
        })
        .collect()
}

#[test]
fn a_voiced_chunk_gains_one_period_and_stays_the_same_tone() {
    // 200 Hz: a period of exactly 120 samples, the only one in 60..=200.
    let mut x = sine(200.0, 4800, 10_000.0);
    assert_eq!(expand(&mut x, 200, 24_000), 120);
    let longer = sine(200.0, 4920, 10_000.0);
    let worst = x.iter().zip(&longer).map(|(a, b)| (a - b).abs()).max();
    assert_eq!(worst, Some(0), "the period repeats in phase");
}

/// A scheduler at 48 kHz fed 200 ms chunks of a 200 Hz tone at the given arrival frames,
/// then `turnComplete`: (underruns, silence frames, periods inserted, samples inserted,
/// the turn's audio as received).
fn turn(config: PlaybackConfig, arrivals: &[u64]) -> (u64, u64, u64, u64, Vec<i16>) {
    let mut s = Scheduler::new(48_000, config).unwrap();
    let tone = sine(200.0, 4800 * arrivals.len(), 10_000.0);
    let mut heard = Vec::new();
    let mut now = arrivals[0];
    for (k, &at) in arrivals.iter().enumerate() {
        while now + 1920 < at {
            now += 1920;
            s.pump(now);
        }
        now = at;
        heard.extend(
            s.receive(tone[k * 4800..(k + 1) * 4800].to_vec(), now)
                .audio,
        );
    }
    s.turn_complete(now);
    let st = s.stats();
    (
        st.underruns,
        st.silence_frames,
        st.stretches,
        st.stretched_samples,
        heard,
    )
}

#[test]
fn a_stream_slowing_to_095x_is_stretched_instead_of_running_dry() {
    // Real time for 1 s (5 chunks), then 0.95x for 3 s: 200 ms every 210.5 ms (10,105
    // frames at 48 kHz), 10.5 ms lost per chunk, 158 ms by the end.
    let arrivals: Vec<u64> = (0..20u64)
        .map(|k| {
            if k < 5 {
                k * 9600
            } else {
                4 * 9600 + (k - 4) * 10_105
            }
        })
        .collect();
    let fixed = turn(PlaybackConfig::default(), &arrivals);
    let (underruns, silence, stretches, inserted, heard) =
        turn(PlaybackConfig::adaptive(), &arrivals);
    // The fixed 120 ms buffer (no stretching) runs dry once and re-anchors 120 ms on: 124 ms of silence.
    assert_eq!((fixed.0, fixed.1, fixed.2), (1, 5975, 0));
    // Stretched: no silence; periods of the tone inserted (whole multiples of 120 samples).
    assert_eq!((underruns, silence), (0, 0));
    // 13 chunks lengthened by two or three periods of the tone (10 or 15 ms, as the credit
    // allows): 135 ms in all, 4.5 % of the slow part's 3 s, 3.4 % of the turn.
    assert_eq!((stretches, inserted), (13, 3240));
    assert_eq!(heard.len() as u64, 20 * 4800 + inserted);
    // The tone continues through every join: no step larger than the tone's own (10,000 *
    // sin(2 pi 200 / 24,000) = 523), so no click.
    let step = heard.windows(2).map(|w| (w[1] - w[0]).abs()).max();
    assert_eq!(step, Some(523));
}

#[test]
fn noise_is_left_alone_and_silence_takes_the_longest_period_the_credit_allows() {
    // White noise (a fixed LCG): no period repeats.
    let mut state = 1u32;
    let mut noise: Vec<i16> = (0..4800)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 16) as i16
        })
        .collect();
    let before = noise.clone();
    assert_eq!(expand(&mut noise, 360, 24_000), 0);
    assert_eq!(noise, before);
    // Silence (and breath below -46 dBFS): any period will do, the longest allowed.
    let mut quiet = vec![100i16; 4800];
    assert_eq!(expand(&mut quiet, 1000, 24_000), 360);
    assert_eq!(quiet, vec![100i16; 5160]);
    assert_eq!(expand(&mut vec![0i16; 4800], 200, 24_000), 200);
    // Credit for less than the shortest period (2.5 ms), or a chunk too short for two
    // periods: nothing.
    assert_eq!(expand(&mut vec![0i16; 4800], 59, 24_000), 0);
    assert_eq!(expand(&mut vec![0i16; 119], 360, 24_000), 0);
}
