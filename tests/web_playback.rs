//! Playback in headless Chromium: the scheduled queue's output, tapped frame by frame, is the
//! model's audio exactly as the played-audio log says (no inserted silence, no boundary
//! glitch), also under jitter; an interruption silences it within milliseconds and the next
//! turn plays from its first sample.
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::pcm::i16_to_f32;
use gemini_live_voice::playback::bridge::EDGE_MS;
use gemini_live_voice::playback::{PlaybackConfig, Played};
use gemini_live_voice::web::playback::Player;
use live_dsp::resample::Resampler;
use support::{context, retry_on_skips, sleep_ms, tone, Skipped, Tap};
use wasm_bindgen_test::*;
use web_sys::AudioContext;

wasm_bindgen_test_configure!(run_in_browser);

/// Chunk sizes like the API's (~200-240 ms at 24 kHz) and odd ones.
const SIZES: [usize; 5] = [4800, 5760, 1234, 4801, 3333];

fn chunks(source: &[i16]) -> Vec<&[i16]> {
    let mut out = Vec::new();
    let mut rest = source;
    for &n in SIZES.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// What the scheduler should play for `source` at `rate`: the resampled stream (without
/// the end-of-turn tail).
fn expected(source: &[i16], rate: u32) -> Vec<f32> {
    let input: Vec<f32> = source.iter().map(|&s| i16_to_f32(s)).collect();
    if rate == 24_000 {
        return input;
    }
    Resampler::new(24_000, rate).unwrap().process_to_vec(&input)
}

/// The whole turn as it plays when `turnComplete` came before its end: the resampled
/// signal, the resampler's tail up to the last sample, and the last 4 ms
/// ([`EDGE_MS`]) faded to silence, frame `j` of `n` at `1 - j / n`.
fn expected_turn(source: &[i16], rate: u32) -> Vec<f32> {
    let input: Vec<f32> = source.iter().map(|&s| i16_to_f32(s)).collect();
    let mut out = if rate == 24_000 {
        input
    } else {
        let mut r = Resampler::new(24_000, rate).unwrap();
        let mut out = r.process_to_vec(&input);
        let (up, down) = r.ratio();
        let wanted = ((source.len() as f64 + r.delay()) * f64::from(up) / f64::from(down)).ceil();
        let mut tail = r.process_to_vec(&vec![0.0; r.taps() + 1]);
        tail.truncate(wanted as usize - out.len());
        out.extend(tail);
        out
    };
    let edge = ((EDGE_MS * f64::from(rate) / 1000.0).round() as usize).min(out.len());
    let from = out.len() - edge;
    for (j, x) in out[from..].iter_mut().enumerate() {
        *x *= 1.0 - j as f32 / edge as f32;
    }
    out
}

fn max_diff(a: &[f32], b: &[f32]) -> (f32, usize) {
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| ((x - y).abs(), i))
        .fold((0.0, 0), |m, v| if v.0 > m.0 { v } else { m })
}

/// What sounds in `log` is back to back (a bridge cancelled before it started is in the
/// log with nothing heard).
fn assert_contiguous(log: &[Played]) {
    let log: Vec<&Played> = log.iter().filter(|p| p.heard > 0).collect();
    for w in log.windows(2) {
        assert_eq!(
            w[1].start,
            w[0].start + w[0].frames,
            "gap or overlap in {w:?}"
        );
    }
}

async fn burst_at(rate: u32) -> Result<(), Skipped> {
    let ctx = context(rate as f32).await;
    let result = burst_on(&ctx, rate).await;
    let _ = ctx.close();
    result
}

async fn burst_on(ctx: &AudioContext, rate: u32) -> Result<(), Skipped> {
    let player = Player::new(ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(ctx, &player.output());
    let source = tone(440.0, 0.5, 48_000); // 2 s
    for chunk in chunks(&source) {
        player.push(chunk); // all at once: faster than real time
    }
    player.turn_complete();
    let log = player.log();
    let scheduled = log.iter().filter(|p| p.heard > 0).count();
    assert!(
        scheduled < 5,
        "the lookahead bounds what is scheduled at once ({scheduled} buffers)"
    );
    let want = expected_turn(&source, rate);
    let start = log[0].start;
    tap.wait_for(start + want.len() as u64 + 2_000, 5_000).await;
    let log = player.log();
    assert_contiguous(&log);
    let stats = player.stats();
    assert_eq!((stats.underruns, stats.silence_frames), (0, 0), "{stats:?}");
    // Nothing before the first frame, then exactly the scheduled samples.
    let before = tap.signal(start - 1_000, 1_000)?;
    assert!(
        before.iter().all(|&x| x == 0.0),
        "sound before the first buffer"
    );
    let got = tap.signal(start, want.len())?;
    let (diff, at) = max_diff(&got, &want);
    assert!(
        diff < 1e-6,
        "at {rate} Hz, frame {at} of {}: rendered {} != scheduled {}",
        want.len(),
        got[at],
        want[at]
    );
    // And the steps are those of a 440 Hz sine (no boundary glitch at any chunk edge).
    let limit = 0.5 * 2.0 * std::f32::consts::PI * 440.0 / rate as f32 * 1.02;
    let worst = got[200..]
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max);
    assert!(worst < limit, "step {worst} > {limit}");
    Ok(())
}

#[wasm_bindgen_test]
async fn a_burst_plays_gap_free_and_exactly_as_scheduled_at_48k() {
    retry_on_skips(|| burst_at(48_000)).await;
}

#[wasm_bindgen_test]
async fn a_burst_plays_gap_free_and_exactly_as_scheduled_at_44k1() {
    retry_on_skips(|| burst_at(44_100)).await;
}

#[wasm_bindgen_test]
async fn jittered_arrivals_inside_the_prebuffer_insert_no_silence() {
    retry_on_skips(|| async {
        let ctx = context(48_000.0).await;
        let result = jitter_on(&ctx).await;
        let _ = ctx.close();
        result
    })
    .await;
}

async fn jitter_on(ctx: &AudioContext) -> Result<(), Skipped> {
    let player = Player::new(ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(ctx, &player.output());
    let source = tone(523.25, 0.4, 10 * 4800);
    // Real-time pace on average; each chunk up to 50 ms early or late.
    let jitter_ms: [i32; 10] = [0, 50, -40, 30, 45, -50, 10, -5, 50, -50];
    let t0 = js_sys::Date::now();
    for (k, chunk) in source.chunks(4800).enumerate() {
        let due = t0 + (k as f64) * 200.0 + f64::from(jitter_ms[k]) + 50.0;
        let wait = (due - js_sys::Date::now()).max(0.0);
        sleep_ms(wait as u32).await;
        player.push(chunk);
    }
    player.turn_complete();
    let want = expected_turn(&source, 48_000);
    let start = player.log()[0].start;
    tap.wait_for(start + want.len() as u64, 5_000).await;
    let stats = player.stats();
    assert_eq!(
        (stats.underruns, stats.silence_frames, stats.gaps),
        (0, 0, 0),
        "{stats:?}"
    );
    assert_contiguous(&player.log());
    let got = tap.signal(start, want.len())?;
    let (diff, at) = max_diff(&got, &want);
    assert!(diff < 1e-6, "frame {at}: {} != {}", got[at], want[at]);
    Ok(())
}

#[wasm_bindgen_test]
async fn an_interruption_silences_within_milliseconds_and_the_next_turn_plays_whole() {
    retry_on_skips(|| async {
        let ctx = context(48_000.0).await;
        let result = interruption_on(&ctx).await;
        let _ = ctx.close();
        result
    })
    .await;
}

async fn interruption_on(ctx: &AudioContext) -> Result<(), Skipped> {
    let rate = 48_000u32;
    let player = Player::new(ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(ctx, &player.output());
    let first = tone(440.0, 0.5, 48_000);
    for chunk in chunks(&first) {
        player.push(chunk);
    }
    sleep_ms(600).await;
    let called = player.now();
    let cut = player.interrupt();
    // The fade starts `lead` after the clock the interruption read: this test's read, or
    // one render callback later when the audio thread finished one between the two adjacent
    // calls (the lead covers one callback: baseLatency in whole quanta, 512 frames here).
    let lead = player.lead();
    let fade_frames = (PlaybackConfig::default().fade_ms * f64::from(rate) / 1000.0).round() as u64;
    assert_eq!(cut.end - cut.at, fade_frames);
    assert!(
        cut.at >= called + lead && cut.at <= called + 2 * lead,
        "fade planned at {} for a call at {called} with a lead of {lead}",
        cut.at
    );
    // A late chunk of the interrupted turn, then its turnComplete, then a new turn.
    player.push(&first[..4800]);
    player.turn_complete();
    sleep_ms(100).await;
    let second = tone(660.0, 0.25, 12_000);
    player.push(&second);
    player.turn_complete();
    let log = player.log();
    let next = log
        .iter()
        .find(|p| p.turn == 2)
        .expect("second turn scheduled");
    let next_start = next.start;
    let want_next = expected_turn(&second, rate);
    tap.wait_for(next_start + want_next.len() as u64, 5_000)
        .await;

    let log = player.log();
    let start = log[0].start;
    let want = expected(&first, rate);
    // Until the fade: exactly the first turn.
    let got = tap.signal(start, (cut.at - start) as usize)?;
    let (diff, at) = max_diff(&got, &want[..got.len()]);
    assert!(diff < 1e-6, "frame {at}: {} != {}", got[at], want[at]);
    // The fade: every frame on a straight line from 1 to 0, from its planned first frame (a
    // fade that takes effect late leaves unfaded frames before it, then a step: a click).
    let fade = tap.signal(cut.at, fade_frames as usize)?;
    let full = |k: usize| want[(cut.at - start) as usize + k];
    for (k, &y) in fade.iter().enumerate() {
        let envelope = 1.0 - k as f32 / fade_frames as f32;
        assert!(
            (y - full(k) * envelope).abs() < 1e-3,
            "fade frame {k} of {fade_frames}: {y} vs {} x {envelope}",
            full(k)
        );
    }
    // Then silence, exactly, until the next turn.
    let gap = tap.signal(cut.end, (next_start - cut.end) as usize)?;
    assert!(
        gap.iter().all(|&x| x == 0.0),
        "sound after the cut at frame {:?} (cut at {}, silent from {}, next turn at {}; the call at {called})",
        gap.iter()
            .position(|&x| x != 0.0)
            .map(|i| cut.end + i as u64),
        cut.at,
        cut.end,
        next_start
    );
    web_sys::console::log_1(
        &format!(
            "silent {:.2} ms after the call (lead {lead} frames, fade {fade_frames})",
            (cut.end - called) as f64 * 1000.0 / f64::from(rate)
        )
        .into(),
    );
    // The log says what was heard: up to the end of the fade, nothing after it.
    let heard: u64 = log.iter().filter(|p| p.turn == 1).map(|p| p.heard).sum();
    assert_eq!(start + heard, cut.end);
    assert_eq!(player.stats().dropped_chunks, 1);
    // The next turn, from its very first sample.
    let got = tap.signal(next_start, want_next.len())?;
    let (diff, at) = max_diff(&got, &want_next);
    assert!(
        diff < 1e-6,
        "next turn frame {at}: {} != {}",
        got[at],
        want_next[at]
    );
    Ok(())
}

#[wasm_bindgen_test]
async fn a_turn_complete_after_the_audio_played_out_adds_no_sound() {
    retry_on_skips(|| async {
        let ctx = context(48_000.0).await;
        let result = late_turn_complete_on(&ctx).await;
        let _ = ctx.close();
        result
    })
    .await;
}

/// An independent server sent `turnComplete` 120-300 ms after the reply had played out:
/// the resampler's tail used to be re-anchored and played alone after a gap (a click, and
/// "speaking" again), and then it was dropped, cutting the reply 1.7 ms short on a hard
/// edge. Now the reply ends on its own last sample, faded over 4 ms (the bridge), and the
/// output after it stays silent.
async fn late_turn_complete_on(ctx: &AudioContext) -> Result<(), Skipped> {
    let player = Player::new(ctx, PlaybackConfig::default()).unwrap();
    let tap = Tap::new(ctx, &player.output());
    let source = tone(440.0, 0.5, 12_000); // 0.5 s
    for chunk in chunks(&source) {
        player.push(chunk);
    }
    let want = expected(&source, 48_000);
    let start = player.log()[0].start;
    tap.wait_for(start + want.len() as u64 + 9_600, 5_000).await; // 200 ms after the end
    let log = player.log();
    let bridge = log.iter().rev().find(|p| p.heard > 0).unwrap().clone();
    let end = bridge.start + bridge.frames;
    // The bridge: the last 4 ms received (192 frames) and the resampler's tail up to the
    // last sample, faded.
    let edge = 192;
    assert_eq!(bridge.start, start + want.len() as u64 - edge);
    assert_eq!(bridge.fade_from, Some(bridge.start));
    assert!(!player.is_playing());
    player.turn_complete();
    tap.wait_for(end + 9_600 + 19_200, 5_000).await; // 400 ms more: past any prebuffer
    let stats = player.stats();
    assert_eq!(
        (stats.underruns, stats.silence_frames, stats.gaps),
        (0, 0, 0),
        "{stats:?}"
    );
    assert!(!player.is_playing());
    let body = want.len() - edge as usize;
    let got = tap.signal(start, body)?;
    let (diff, at) = max_diff(&got, &want[..body]);
    assert!(diff < 1e-6, "frame {at}: {} != {}", got[at], want[at]);
    // Faded: frame j of the bridge's n at most the tone's peak times 1 - j/n.
    let n = bridge.frames as usize;
    let faded = tap.signal(bridge.start, n)?;
    for (j, y) in faded.iter().enumerate() {
        let most = 0.5 * (1.0 - j as f32 / n as f32) + 1e-4;
        assert!(y.abs() <= most, "bridge frame {j}: {y} > {most}");
    }
    let after = tap.signal(end, 28_800)?;
    assert!(
        after.iter().all(|&x| x == 0.0),
        "sound after the turn ended, at frame {:?}",
        after.iter().position(|&x| x != 0.0).map(|i| end + i as u64)
    );
    Ok(())
}
