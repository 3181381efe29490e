//! Browser benchmark of the jitter buffer (ignored by the test run; it prints figures and
//! fails when a goal regresses):
//!
//! ```sh
//! wasm-pack test --release --headless --chrome --mode no-install . --test web_bench_jitter -- --include-ignored
//! ```
//!
//! Four arrival patterns, each streamed as two 6-second turns of a 440 Hz tone, through the
//! adaptive jitter buffer, today's fixed 120 ms prebuffer and the older guides' `onended`
//! queue, side by side; measured on the rendered output: the delay from the turn's first
//! chunk arriving to its first sample sounding, the silence inserted inside the turn, and
//! discontinuities.
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::playback::PlaybackConfig;
use gemini_live_voice::web::playback::Player;
use support::stream::{rendered, Chained, Rendered};
use support::{context, report, sleep_ms, tone, Tap};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{AudioContext, AudioNode};

wasm_bindgen_test_configure!(run_in_browser);

const RATE: u32 = 48_000;
const HZ: f64 = 440.0;
const AMPLITUDE: f64 = 0.5;
/// Audio per turn: 30 chunks of 200 ms.
const TURN_SAMPLES: usize = 30 * 4800;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pattern {
    /// The service's usual shape: 8 chunks at once, then real time with +-40 ms jitter.
    Service,
    /// Real time with +-5 ms jitter.
    Steady,
    /// 0.9x real time for 5 s, then the rest at once.
    Slow,
    /// 200-240 ms chunks arriving 1.5x faster than real time.
    Fast,
}

impl Pattern {
    fn name(self) -> &'static str {
        match self {
            Pattern::Service => "1. burst of 8, then real time +-40 ms",
            Pattern::Steady => "2. real time +-5 ms",
            Pattern::Slow => "3. 0.9x for 5 s, then a burst",
            Pattern::Fast => "4. 200-240 ms chunks at 1.5x",
        }
    }

    /// (arrival in ms after the turn starts, chunk length in samples), in order.
    fn arrivals(self) -> Vec<(f64, usize)> {
        // A fixed pseudo-random sequence in -1..1, the same for every queue.
        let mut seed = 0x2545_f491_u32;
        let mut jitter = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            f64::from(seed >> 8) / f64::from(1u32 << 23) - 1.0
        };
        let mut out = Vec::new();
        let mut audio_ms = 0.0;
        let mut k = 0;
        while audio_ms < TURN_SAMPLES as f64 / 24.0 {
            let len = match self {
                Pattern::Fast => [4800, 5760, 5280][k % 3],
                _ => 4800,
            };
            let at = match self {
                Pattern::Service if k < 8 => 0.0,
                Pattern::Service => (k as f64 - 7.0) * 200.0 + 40.0 * jitter(),
                Pattern::Steady => (audio_ms + 5.0 * jitter()).max(0.0),
                Pattern::Slow => (audio_ms / 0.9).min(5_000.0),
                Pattern::Fast => audio_ms / 1.5,
            };
            out.push((at, len));
            audio_ms += len as f64 / 24.0;
            k += 1;
        }
        // Arrivals never go back in time.
        for i in 1..out.len() {
            out[i].0 = out[i].0.max(out[i - 1].0);
        }
        out
    }
}

enum Queue {
    Scheduled(Player),
    Chained(Chained),
}

impl Queue {
    fn now(&self, ctx: &AudioContext) -> u64 {
        match self {
            Queue::Scheduled(p) => p.now(),
            Queue::Chained(_) => (ctx.current_time() * f64::from(RATE)).round() as u64,
        }
    }

    fn push(&self, samples: &[i16]) {
        match self {
            Queue::Scheduled(p) => {
                p.push(samples);
            }
            Queue::Chained(c) => c.push(samples),
        }
    }

    fn end_turn(&self) {
        if let Queue::Scheduled(p) = self {
            p.turn_complete();
        }
    }

    fn playing(&self) -> bool {
        match self {
            Queue::Scheduled(p) => p.is_playing(),
            Queue::Chained(c) => *c.playing.borrow(),
        }
    }
}

/// Streams one turn as `pattern` says and measures it once it has played out: the frame
/// the audio clock showed when its first chunk arrived, and what was rendered.
async fn turn(ctx: &AudioContext, queue: &Queue, tap: &Tap, pattern: Pattern) -> (u64, Rendered) {
    let source = tone(HZ, AMPLITUDE, TURN_SAMPLES);
    let arrivals = pattern.arrivals();
    let t0 = js_sys::Date::now();
    let mut from = None;
    let mut pos = 0;
    for (at, len) in arrivals {
        let wait = t0 + at - js_sys::Date::now();
        if wait >= 1.0 {
            sleep_ms(wait as u32).await;
        }
        let end = (pos + len).min(source.len());
        from.get_or_insert(queue.now(ctx));
        queue.push(&source[pos..end]);
        pos = end;
    }
    let from = from.unwrap_or_default();
    queue.end_turn();
    while queue.playing() {
        sleep_ms(50).await;
    }
    sleep_ms(300).await;
    (
        from,
        rendered(tap, from, TURN_SAMPLES * 2, RATE, HZ, AMPLITUDE),
    )
}

/// Two turns of `pattern` through a fresh queue: (first-sample delays in ms, inserted
/// silence in ms, discontinuities, frames the tap missed), for each turn.
async fn run(pattern: Pattern, which: &str) -> [(f64, f64, usize, u64); 2] {
    let ctx = context(RATE as f32).await;
    let (queue, output): (Queue, AudioNode) = match which {
        "onended" => {
            let c = Chained::new(&ctx);
            let out = c.out.clone().unchecked_into();
            (Queue::Chained(c), out)
        }
        _ => {
            let config = if which == "adaptive" {
                PlaybackConfig::adaptive()
            } else {
                PlaybackConfig::default()
            };
            let p = Player::new(&ctx, config).unwrap();
            let out = p.output();
            (Queue::Scheduled(p), out)
        }
    };
    let tap = Tap::new(&ctx, &output);
    let mut figures = [(0.0, 0.0, 0, 0); 2];
    for figure in &mut figures {
        let (from, r) = turn(&ctx, &queue, &tap, pattern).await;
        *figure = (
            (r.first - from) as f64 * 1000.0 / f64::from(RATE),
            r.silence_ms,
            r.breaks,
            r.missed,
        );
    }
    drop(tap);
    drop(queue);
    let _ = ctx.close();
    figures
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
async fn bench_jitter_buffer_adaptive_vs_fixed_vs_onended() {
    report("jitter buffer: first-sample delay (turn 1 / turn 2), inserted silence per minute, discontinuities per minute; two 6 s turns per run");
    let minutes = 2.0 * TURN_SAMPLES as f64 / 24_000.0 / 60.0;
    for pattern in [
        Pattern::Service,
        Pattern::Steady,
        Pattern::Slow,
        Pattern::Fast,
    ] {
        let mut silence = Vec::new();
        for which in ["adaptive", "fixed 120 ms", "onended"] {
            let f = run(pattern, which).await;
            let total_silence = f[0].1 + f[1].1;
            let breaks = f[0].2 + f[1].2;
            report(&format!(
                "  {:<40} {which:<13} delay {:6.1} / {:6.1} ms, silence {:7.1} ms/min ({:.1} + {:.1} ms), {:5.1} breaks/min",
                pattern.name(),
                f[0].0,
                f[1].0,
                total_silence / minutes,
                f[0].1,
                f[1].1,
                breaks as f64 / minutes
            ));
            silence.push(total_silence);
            let clean = f[0].3 == 0 && f[1].3 == 0;
            if which == "adaptive" && pattern != Pattern::Slow && clean {
                // The goals: 40 ms or less before the first sample, and no inserted silence.
                for (delay, inserted, _, _) in f {
                    assert!(
                        delay <= 40.0,
                        "{}: first sample after {delay:.1} ms",
                        pattern.name()
                    );
                    assert_eq!(inserted, 0.0, "{}: silence inserted", pattern.name());
                }
            }
        }
        if pattern == Pattern::Slow {
            // No more inserted silence than the fixed 120 ms buffer (over the two turns).
            assert!(
                silence[0] <= silence[1],
                "slow stream: adaptive {:.1} ms > fixed {:.1} ms",
                silence[0],
                silence[1]
            );
        }
    }
}
