//! Browser benchmark (ignored by the test run; it prints figures): main-thread time to read a
//! server frame, as the page does, into the events the core acts on: the bytes of a binary
//! frame (an `ArrayBuffer`) through `TextDecoder`, `JSON.parse`, serde-wasm-bindgen and the
//! base64 of its audio.
//!
//! ```sh
//! wasm-pack test --release --headless --chrome --mode no-install . --test web_bench_decode -- --include-ignored
//! ```
//!
//! - a typical audio frame: 40 ms of 24 kHz audio (the service sends 40-240 ms), pretty-printed
//!   as the service sends it;
//! - the hostile one: 200 s of audio in one part, a 12.8 MB frame.
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::protocol::server::events;
use gemini_live_voice::protocol::ServerEvent;
use gemini_live_voice::web::wire;
use js_sys::Uint8Array;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `serverContent` frame holding `samples` of a 300 Hz tone at 24 kHz, pretty-printed.
fn audio_frame(samples: usize) -> Vec<u8> {
    let tone: Vec<i16> = (0..samples)
        .map(|i| (8000.0 * (std::f64::consts::TAU * 300.0 * i as f64 / 24_000.0).sin()) as i16)
        .collect();
    support::server_audio_frame(&tone)
}

/// The page's read of a frame: its bytes to the events the core acts on.
const READ: fn(&wasm_bindgen::JsValue) -> Vec<ServerEvent> =
    |buffer| wire::read(buffer).and_then(events).unwrap_or_default();

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Milliseconds per read of `frame` (an `ArrayBuffer`, as the socket gives it), timed over
/// `runs` batches of `batch` reads (the clock's resolution is a few microseconds): (median,
/// worst) of the batches' mean, and the samples it held.
fn time_reads(frame: &[u8], runs: usize, batch: usize) -> (f64, f64, usize) {
    let buffer = Uint8Array::from(frame).buffer();
    let mut times = Vec::with_capacity(runs);
    let mut samples = 0;
    for _ in 0..runs {
        let t0 = now();
        for _ in 1..batch {
            std::hint::black_box(READ(&buffer));
        }
        let decoded = READ(&buffer);
        times.push((now() - t0) / batch as f64);
        samples = decoded
            .iter()
            .map(|e| match e {
                ServerEvent::Audio(a) => a.samples.len(),
                _ => 0,
            })
            .sum();
    }
    times.sort_by(f64::total_cmp);
    (times[runs / 2], times[runs - 1], samples)
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
fn bench_reading_server_frames() {
    let typical = audio_frame(960);
    let (median, worst, samples) = time_reads(&typical, 101, 50);
    assert_eq!(samples, 960);
    support::report(
        &format!(
            "decode: 40 ms audio frame ({} B): median {median:.4} ms, worst {worst:.4} ms (batches of 50 reads, 101 batches)",
            typical.len()
        ),
    );
    let hostile = audio_frame(200 * 24_000);
    let (median, worst, samples) = time_reads(&hostile, 9, 1);
    assert_eq!(samples, 200 * 24_000);
    support::report(
        &format!(
            "decode: 200 s audio frame ({:.1} MB): median {median:.1} ms, worst {worst:.1} ms over 9 reads",
            hostile.len() as f64 / 1e6
        ),
    );
}
