//! Prints the resampler's measured quality next to plain linear interpolation (what older
//! capture worklets do) on the same signals: passband ripple up to 7 kHz and the worst
//! stopband leak from 8 kHz up, for 44.1 and 48 kHz -> 16 kHz.
//! `cargo run --release -p live-dsp --example quality`

use live_dsp::resample::Resampler;
use std::f64::consts::PI;

fn sine(rate: u32, hz: f64) -> Vec<f32> {
    (0..(rate as usize * 3 / 2))
        .map(|i| (0.5 * (2.0 * PI * hz * i as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

fn linear(input: &[f32], rate: u32) -> Vec<f32> {
    let step = f64::from(rate) / 16_000.0;
    let n = ((input.len() - 1) as f64 / step) as usize;
    (0..n)
        .map(|i| {
            let pos = i as f64 * step;
            let j = pos as usize;
            let f = (pos - j as f64) as f32;
            input[j] + (input[j + 1] - input[j]) * f
        })
        .collect()
}

fn gain_db(out: &[f32]) -> f64 {
    let s = &out[4_000..20_000];
    let rms = (s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    20.0 * (rms / (0.5 / 2f64.sqrt())).log10()
}

fn main() {
    let pass: Vec<f64> = (1..=70).map(|k| f64::from(k) * 100.0).collect();
    let stop: Vec<f64> = (80..=220).map(|k| f64::from(k) * 100.0).collect();
    println!("| input | method | passband ripple 0.1-7 kHz | worst stopband leak >= 8 kHz |");
    println!("|---|---|---|---|");
    for rate in [44_100u32, 48_000] {
        let stop: Vec<f64> = stop
            .iter()
            .copied()
            .filter(|&f| f < f64::from(rate) / 2.0)
            .collect();
        let ours = |hz| {
            gain_db(
                &Resampler::new(rate, 16_000)
                    .unwrap()
                    .process_to_vec(&sine(rate, hz)),
            )
        };
        let lin = |hz| gain_db(&linear(&sine(rate, hz), rate));
        for (name, f) in [
            ("polyphase sinc (ours)", &ours as &dyn Fn(f64) -> f64),
            ("linear interpolation", &lin),
        ] {
            let p: Vec<f64> = pass.iter().map(|&h| f(h)).collect();
            let ripple = p.iter().cloned().fold(f64::MIN, f64::max)
                - p.iter().cloned().fold(f64::MAX, f64::min);
            let leak = stop.iter().map(|&h| f(h)).fold(f64::MIN, f64::max);
            println!("| {} Hz | {name} | {ripple:.4} dB | {leak:.1} dB |", rate);
        }
    }
    for rate in [44_100u32, 48_000] {
        let r = Resampler::new(rate, 16_000).unwrap();
        println!(
            "{rate} Hz: {} taps per output, delay {:.2} ms",
            r.taps(),
            r.delay() / f64::from(rate) * 1000.0
        );
    }
}
