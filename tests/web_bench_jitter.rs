//! Browser benchmark of the jitter buffer (ignored by the test run; it prints a table and
//! the issue's goals it misses):
//!
//! ```sh
//! wasm-pack test --release --headless --chrome --mode no-install . --test web_bench_jitter -- --include-ignored
//! ```
//!
//! `JITTER_PATTERNS=2,5` (at build time) runs only those patterns. Nothing else may load the
//! machine meanwhile: late timers are late arrivals, and the buffer learns them.
//!
//! Eight arrival patterns of a 440 Hz tone, each run 20 times (the jitter drawn anew each
//! run), each run two 4-second turns through the adaptive buffer and the fixed 120 ms one
//! side by side (two players on one context, fed at the same moments), measured on each
//! player's rendered output: the delay from the turn's first chunk arriving to its first
//! sample sounding, the silence inserted inside the turn, and the hard edges (steps the sine
//! cannot make, the drop after the last sample included).
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::playback::PlaybackConfig;
use gemini_live_voice::protocol::server::events;
use gemini_live_voice::protocol::ServerEvent;
use gemini_live_voice::web::playback::Player;
use gemini_live_voice::web::wire;
use support::stream::rendered;
use support::{context, report, sleep_ms, tone, Tap};
use wasm_bindgen_test::*;
use web_sys::AudioContext;

wasm_bindgen_test_configure!(run_in_browser);

const RATE: u32 = 48_000;
const HZ: f64 = 440.0;
const AMPLITUDE: f64 = 0.5;
/// Audio per turn: 4 s at 24 kHz.
const TURN_SAMPLES: usize = 96_000;
const RUNS: u32 = 20;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Pattern {
    /// The service's usual shape: 8 chunks at once, then real time with +-40 ms jitter.
    Service,
    /// Real time with +-5 ms jitter.
    Steady,
    /// 0.9x real time, then the rest at once.
    Slow,
    /// 200-240 ms chunks arriving 1.5x faster than real time.
    Fast,
    /// Real time, +-40 ms jitter, no burst, 240 ms chunks.
    Jittery,
    /// Real time for 1 s, then 0.95x for the 3 s left.
    Slowing,
    /// Real time +-5 ms, `turnComplete` 0.3 s after the last chunk.
    LateComplete,
    /// Real time +-5 ms; halfway, a 10 MB frame is read on the main thread (its audio the
    /// rest of the turn, handed on in 0.5 s pieces as the session does).
    Huge,
}

impl Pattern {
    const ALL: [Pattern; 8] = [
        Pattern::Service,
        Pattern::Steady,
        Pattern::Slow,
        Pattern::Fast,
        Pattern::Jittery,
        Pattern::Slowing,
        Pattern::LateComplete,
        Pattern::Huge,
    ];

    fn name(self) -> &'static str {
        match self {
            Pattern::Service => "1. burst of 8, then real time +-40 ms",
            Pattern::Steady => "2. real time +-5 ms",
            Pattern::Slow => "3. 0.9x, then a burst",
            Pattern::Fast => "4. 200-240 ms chunks at 1.5x",
            Pattern::Jittery => "5. real time +-40 ms, no burst, 240 ms",
            Pattern::Slowing => "6. real time, then 0.95x for 3 s",
            Pattern::LateComplete => "7. turnComplete 0.3 s after the audio",
            Pattern::Huge => "8. a 10 MB frame mid-reply",
        }
    }

    /// (arrival in ms after the turn starts, chunk length in samples), in order.
    fn arrivals(self, seed: u32) -> Vec<(f64, usize)> {
        let mut seed = 0x2545_f491_u32 ^ seed.wrapping_mul(0x9e37_79b9);
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
                Pattern::Jittery => 5760,
                _ => 4800,
            };
            let slow_part = 5_000.0f64.min(TURN_SAMPLES as f64 / 24.0 * 0.8);
            let at = match self {
                Pattern::Service if k < 8 => 0.0,
                Pattern::Service => (k as f64 - 7.0) * 200.0 + 40.0 * jitter(),
                Pattern::Steady | Pattern::LateComplete | Pattern::Huge => {
                    (audio_ms + 5.0 * jitter()).max(0.0)
                }
                Pattern::Slow => (audio_ms / 0.9).min(slow_part / 0.9),
                Pattern::Fast => audio_ms / 1.5,
                Pattern::Jittery => (audio_ms + 40.0 * jitter()).max(0.0),
                Pattern::Slowing if audio_ms < 1000.0 => audio_ms,
                Pattern::Slowing => 1000.0 + (audio_ms - 1000.0) / 0.95,
            };
            out.push((at, len));
            audio_ms += len as f64 / 24.0;
            k += 1;
        }
        for i in 1..out.len() {
            out[i].0 = out[i].0.max(out[i - 1].0);
        }
        if self == Pattern::Huge {
            // Halfway, one frame holds the rest of the turn (with padding to 10 MB).
            let half = out.len() / 2;
            let rest: usize = out[half..].iter().map(|(_, len)| len).sum();
            out.truncate(half + 1);
            out[half].1 = rest;
        }
        out
    }
}

/// A 10 MB server frame (as the service sends them) holding `source` and silence after it.
fn huge_frame(source: &[i16]) -> Vec<u8> {
    let mut samples = source.to_vec();
    samples.resize(10_000_000 * 3 / 8, 0); // 3.75 M samples: 10 MB of base64
    support::server_audio_frame(&samples)
}

/// One turn's figures on one player: first-sample delay (ms), inserted silence (ms), hard
/// edges, frames the tap missed, audio inserted by stretching (% of the turn).
type Figures = (f64, f64, usize, u64, f64);

/// Streams one turn of `pattern` to both players and measures each once it has played out.
async fn turn(players: &[(Player, Tap)], pattern: Pattern, seed: u32) -> Vec<Figures> {
    let source = tone(HZ, AMPLITUDE, TURN_SAMPLES);
    let arrivals = pattern.arrivals(seed);
    // The huge frame is made before the turn: the server sends it, the page only reads it.
    let frame = (pattern == Pattern::Huge).then(|| {
        let (_, len) = arrivals[arrivals.len() - 1];
        let at = TURN_SAMPLES - len;
        js_sys::Uint8Array::from(&huge_frame(&source[at..])[..]).buffer()
    });
    let stretched: Vec<u64> = players
        .iter()
        .map(|(p, _)| p.stats().stretched_samples)
        .collect();
    let t0 = js_sys::Date::now();
    let mut from = None;
    let mut pos = 0;
    for (at, len) in arrivals {
        let wait = t0 + at - js_sys::Date::now();
        if wait >= 1.0 {
            sleep_ms(wait as u32).await;
        }
        let end = (pos + len).min(source.len());
        from.get_or_insert_with(|| players.iter().map(|(p, _)| p.now()).collect::<Vec<_>>());
        if let Some(frame) = frame
            .as_ref()
            .filter(|_| end == source.len() && end - pos > 48_000)
        {
            // Read on the main thread as the page reads it, then handed on in 0.5 s pieces,
            // a task each.
            let audio = wire::read(frame).and_then(events).unwrap_or_default();
            let Some(ServerEvent::Audio(chunk)) = audio.into_iter().next() else {
                panic!("the frame has no audio");
            };
            for piece in chunk.samples[..end - pos].chunks(12_000) {
                for (p, _) in players {
                    p.push(piece);
                }
                sleep_ms(0).await;
            }
        } else {
            for (p, _) in players {
                p.push(&source[pos..end]);
            }
        }
        pos = end;
    }
    if pattern == Pattern::LateComplete {
        sleep_ms(300).await;
    }
    for (p, _) in players {
        p.turn_complete();
    }
    while players.iter().any(|(p, _)| p.is_playing()) {
        sleep_ms(50).await;
    }
    sleep_ms(300).await;
    let from = from.unwrap_or_default();
    players
        .iter()
        .zip(from)
        .zip(stretched)
        .map(|(((p, tap), from), before)| {
            let r = rendered(tap, from, TURN_SAMPLES * 2, RATE, HZ, AMPLITUDE);
            let delay = (r.first - from) as f64 * 1000.0 / f64::from(RATE);
            let inserted = p.stats().stretched_samples - before;
            let share = inserted as f64 * 100.0 / TURN_SAMPLES as f64;
            (delay, r.silence_ms, r.steps, r.missed, share)
        })
        .collect()
}

/// Two turns of `pattern` through fresh adaptive and fixed players on one context:
/// `[config][turn]`.
async fn run(pattern: Pattern, seed: u32) -> [[Figures; 2]; 2] {
    let ctx: AudioContext = context(RATE as f32).await;
    let players: Vec<(Player, Tap)> = [PlaybackConfig::adaptive(), PlaybackConfig::default()]
        .into_iter()
        .map(|config| {
            let p = Player::new(&ctx, config).unwrap();
            let tap = Tap::new(&ctx, &p.output());
            (p, tap)
        })
        .collect();
    let first = turn(&players, pattern, seed).await;
    let second = turn(&players, pattern, seed + 1000).await;
    drop(players);
    let _ = ctx.close();
    [[first[0], second[0]], [first[1], second[1]]]
}

fn median_worst(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[v.len() - 1])
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
async fn bench_jitter_buffer_adaptive_vs_fixed() {
    report(&format!(
        "jitter buffer, {RUNS} runs of two 4 s turns per pattern: first-sample delay (turn 1 | turn 2) median / worst, inserted silence per turn (turn 1 | turn 2) median / worst, hard edges"
    ));
    let mut failures = Vec::new();
    // JITTER_PATTERNS=2,5 at build time runs only those (to rerun one).
    let only = option_env!("JITTER_PATTERNS").unwrap_or("1,2,3,4,5,6,7,8");
    for (i, pattern) in Pattern::ALL.into_iter().enumerate() {
        if !only.split(',').any(|n| n.trim() == (i + 1).to_string()) {
            continue;
        }
        let mut all = Vec::new();
        for seed in 0..RUNS {
            all.push(run(pattern, seed).await);
        }
        for (c, config) in ["adaptive", "fixed 120 ms"].into_iter().enumerate() {
            let turns: Vec<Figures> = all.iter().flat_map(|r| r[c]).collect();
            let of = |turn: usize, f: fn(&Figures) -> f64| -> (f64, f64) {
                median_worst(all.iter().map(|r| f(&r[c][turn])).collect())
            };
            let (d1, d1w) = of(0, |t| t.0);
            let (d2, d2w) = of(1, |t| t.0);
            let (s1, s1w) = of(0, |t| t.1);
            let (s2, s2w) = of(1, |t| t.1);
            let (d, _) = median_worst(turns.iter().map(|t| t.0).collect());
            let (s, sw) = median_worst(turns.iter().map(|t| t.1).collect());
            let (st, stw) = median_worst(turns.iter().map(|t| t.4).collect());
            // Hard edges only where the tap saw the whole turn: a quantum the audio thread
            // skipped reads as zeros, two false edges.
            let seen: Vec<&Figures> = turns.iter().filter(|t| t.3 == 0).collect();
            let edges: usize = seen.iter().map(|t| t.2).sum();
            report(&format!(
                "  {:<40} {config:<13} delay {d1:5.1} / {d1w:5.1} | {d2:5.1} / {d2w:5.1} ms, silence {s1:5.1} / {s1w:6.1} | {s2:5.1} / {s2w:6.1} ms, stretched {st:.1} / {stw:.1} %, {edges} hard edges in the {} of {} turns the tap saw whole",
                pattern.name(),
                seen.len(),
                turns.len()
            ));
            if c == 0 {
                if edges > 0 {
                    failures.push(format!("{}: {edges} hard edges", pattern.name()));
                }
                let ahead = matches!(pattern, Pattern::Service | Pattern::Fast);
                if ahead && d > 40.0 {
                    failures.push(format!("{}: median first sample {d:.1} ms", pattern.name()));
                }
                if stw > 5.0 {
                    failures.push(format!("{}: stretched {stw:.1} %", pattern.name()));
                }
                if matches!(pattern, Pattern::Jittery | Pattern::Slowing) && (s > 0.0 || sw > 20.0)
                {
                    failures.push(format!("{}: silence {s:.1} / {sw:.1} ms", pattern.name()));
                }
            }
        }
    }
    for f in &failures {
        report(&format!("  goal missed: {f}"));
    }
}
