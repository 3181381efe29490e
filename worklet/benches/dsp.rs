//! Cost of one 128-frame render quantum through the capture pipeline, at 44.1 and 48 kHz.
//! The budget is the quantum's real-time length: 2.67 ms at 48 kHz, 2.90 ms at 44.1 kHz.
//! `cargo bench -p live-dsp`

use criterion::{criterion_group, criterion_main, Criterion};
use live_dsp::capture::Capture;
use std::hint::black_box;

fn quantum(c: &mut Criterion) {
    for rate in [44_100u32, 48_000] {
        let mut capture = Capture::new(rate).unwrap();
        let input: Vec<f32> = (0..128).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        c.bench_function(&format!("capture quantum 128 @ {rate} Hz"), |b| {
            b.iter(|| {
                let ready = capture.process(black_box(&input));
                if ready > 0 {
                    capture.clear_ready();
                }
                black_box(ready)
            })
        });
    }
}

criterion_group!(benches, quantum);
criterion_main!(benches);
