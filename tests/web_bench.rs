//! Browser benchmarks (ignored by the test run; they print figures):
//!
//! ```sh
//! wasm-pack test --headless --chrome --mode no-install . --test web_bench -- --include-ignored
//! ```
//!
//! - playback: inserted silence and boundary discontinuities per minute of streamed audio, for
//!   the scheduled queue and for an `onended`-chained queue (what older guides recommend),
//!   the same signal arriving the same way, measured on the rendered output;
//! - barge-in: time from `interrupted` to silence at the output.
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::pcm::i16_to_f32;
use gemini_live_voice::playback::PlaybackConfig;
use gemini_live_voice::web::playback::Player;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use support::{context, report, sleep_ms, tone, Tap};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{AudioBuffer, AudioBufferSourceNode, AudioContext, AudioNode, GainNode};

wasm_bindgen_test_configure!(run_in_browser);

const RATE: u32 = 48_000;
const SECONDS: usize = 20;
const HZ: f64 = 440.0;
const AMPLITUDE: f64 = 0.5;

/// The older way: a queue of 24 kHz buffers; each starts when the previous one's `onended`
/// fires.
struct Chained {
    ctx: AudioContext,
    out: GainNode,
    queue: Rc<RefCell<VecDeque<AudioBuffer>>>,
    playing: Rc<RefCell<bool>>,
    on_ended: Rc<RefCell<Option<Callback>>>,
}

type Callback = Closure<dyn FnMut()>;

impl Chained {
    fn new(ctx: &AudioContext) -> Chained {
        let out = ctx.create_gain().unwrap();
        out.connect_with_audio_node(&ctx.destination()).unwrap();
        Chained {
            ctx: ctx.clone(),
            out,
            queue: Rc::default(),
            playing: Rc::default(),
            on_ended: Rc::default(),
        }
    }

    fn push(&self, samples: &[i16]) {
        let data: Vec<f32> = samples.iter().map(|&s| i16_to_f32(s)).collect();
        let buffer = self
            .ctx
            .create_buffer(1, data.len() as u32, 24_000.0)
            .unwrap();
        buffer.copy_to_channel(&data, 0).unwrap();
        self.queue.borrow_mut().push_back(buffer);
        if !*self.playing.borrow() {
            self.play_next();
        }
    }

    fn play_next(&self) {
        let Some(buffer) = self.queue.borrow_mut().pop_front() else {
            *self.playing.borrow_mut() = false;
            return;
        };
        *self.playing.borrow_mut() = true;
        let node: AudioBufferSourceNode = self.ctx.create_buffer_source().unwrap();
        node.set_buffer(Some(&buffer));
        node.connect_with_audio_node(&self.out).unwrap();
        let me = Chained {
            ctx: self.ctx.clone(),
            out: self.out.clone(),
            queue: Rc::clone(&self.queue),
            playing: Rc::clone(&self.playing),
            on_ended: Rc::clone(&self.on_ended),
        };
        let closure = Closure::<dyn FnMut()>::new(move || me.play_next());
        let scheduled = node.unchecked_ref::<web_sys::AudioScheduledSourceNode>();
        scheduled.set_onended(Some(closure.as_ref().unchecked_ref()));
        *self.on_ended.borrow_mut() = Some(closure); // the previous one has fired
        scheduled.start().unwrap();
    }
}

/// Streams the tone in API-sized chunks, 1.5x faster than real time (as the API often
/// sends), through `push`.
async fn stream(source: &[i16], push: impl Fn(&[i16])) {
    let sizes = [4800usize, 5760, 5280];
    let mut rest = source;
    let mut k = 0;
    while !rest.is_empty() {
        let n = sizes[k % 3].min(rest.len());
        let (head, tail) = rest.split_at(n);
        push(head);
        rest = tail;
        k += 1;
        sleep_ms((n as f64 / 24.0 / 1.5) as u32).await;
    }
}

/// Figures for a rendered stream: (inserted silence in ms, discontinuities), over the span
/// from the first to the last sounding frame.
fn measure(tap: &Tap, from: u64, source_frames: usize) -> (f64, usize) {
    let (all, missed) = tap.signal_lossy(from, (tap.end() - from) as usize);
    if missed > 0 {
        report(&format!(
            "  (the tap missed {missed} frames: the audio thread skipped quanta)"
        ));
    }
    let first = all.iter().position(|&x| x != 0.0).expect("nothing played");
    let last = all.iter().rposition(|&x| x != 0.0).unwrap();
    let span = &all[first..=last];
    let inserted = span.len() as f64 - source_frames as f64;
    // A sine's largest step between frames; anything well above it is a break.
    let limit = (AMPLITUDE * 2.0 * std::f64::consts::PI * HZ / f64::from(RATE) * 1.5) as f32;
    let mut breaks = 0;
    let mut last_break = None;
    for (i, w) in span.windows(2).enumerate() {
        let zero_run = w[0] == 0.0 && w[1] == 0.0;
        if (w[1] - w[0]).abs() > limit || zero_run {
            if last_break.is_none_or(|b| i > b + 64) {
                breaks += 1;
            }
            last_break = Some(i);
        }
    }
    (inserted.max(0.0) * 1000.0 / f64::from(RATE), breaks)
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
async fn bench_playback_gaps_scheduled_vs_onended() {
    let source = tone(HZ, AMPLITUDE, SECONDS * 24_000);
    let frames = SECONDS * RATE as usize;
    let minutes = SECONDS as f64 / 60.0;

    let ctx = context(RATE as f32).await;
    let player = Player::new(&ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(&ctx, &player.output());
    let from = player.now();
    stream(&source, |c| {
        player.push(c);
    })
    .await;
    player.turn_complete();
    sleep_ms(1_000).await;
    let (silence, breaks) = measure(&tap, from, frames);
    report(&format!(
        "playback, scheduled queue: {:.1} ms inserted silence/min, {:.1} discontinuities/min ({} buffers, {} underruns)",
        silence / minutes,
        breaks as f64 / minutes,
        player.stats().buffers,
        player.stats().underruns,
    ));
    drop(tap);
    drop(player);
    let _ = ctx.close();

    let ctx = context(RATE as f32).await;
    let chained = Chained::new(&ctx);
    let tap = Tap::new(&ctx, chained.out.unchecked_ref::<AudioNode>());
    let from = (ctx.current_time() * f64::from(RATE)) as u64;
    stream(&source, |c| chained.push(c)).await;
    while *chained.playing.borrow() {
        sleep_ms(100).await;
    }
    sleep_ms(300).await;
    let (silence, breaks) = measure(&tap, from, frames);
    report(&format!(
        "playback, onended chain:    {:.1} ms inserted silence/min, {:.1} discontinuities/min",
        silence / minutes,
        breaks as f64 / minutes
    ));
    let _ = ctx.close();
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run with --include-ignored"]
async fn bench_interruption_to_silence() {
    let ctx = context(RATE as f32).await;
    let player = Player::new(&ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(&ctx, &player.output());
    let source = tone(HZ, AMPLITUDE, 24_000);
    let mut delays = Vec::new();
    for trial in 0..20u32 {
        for c in source.chunks(4800) {
            player.push(c);
        }
        sleep_ms(250 + trial * 13).await;
        let called = player.now();
        let cut = player.interrupt();
        player.turn_complete();
        sleep_ms(120).await;
        tap.wait_for(cut.end + 2_400, 2_000).await;
        let after = tap.signal(called, (cut.end + 2_400 - called) as usize);
        let last_sound = after.iter().rposition(|&x| x != 0.0).unwrap_or(0);
        delays.push((last_sound + 1) as f64 * 1000.0 / f64::from(RATE));
        sleep_ms(200).await;
    }
    delays.sort_by(f64::total_cmp);
    report(&format!(
        "barge-in, interrupted -> silence at the output: median {:.2} ms, max {:.2} ms (20 trials, 48 kHz, 5 ms fade)",
        delays[delays.len() / 2],
        delays[delays.len() - 1]
    ));
    let _ = ctx.close();
}
