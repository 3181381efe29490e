//! The recording in headless Chromium, from real sources: a 1 kHz tone through the capture
//! worklet (the user) and a 440 Hz turn through the player (the model). The WAV Blob is read
//! back with hound; each tone is found where it was captured and where it played.
//!
//! `.ci/test` builds the DSP module first and sets `LIVE_DSP_DIR` for this build.
#![cfg(target_arch = "wasm32")]

mod support;

use futures_util::StreamExt as _;
use gemini_live_voice::playback::PlaybackConfig;
use gemini_live_voice::recorder::{Format, Recorder};
use gemini_live_voice::web::capture::{compile_dsp, Capture, CaptureEvent};
use gemini_live_voice::web::playback::Player;
use gemini_live_voice::web::recording::wav_blob;
use support::{add_module, context, sleep_ms, tone};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const DSP: &[u8] = include_bytes!(concat!(env!("LIVE_DSP_DIR"), "/capture-dsp.wasm"));
const PROCESSOR_JS: &str = include_str!("../worklet/processor.js");

/// First index where |x| exceeds `threshold`.
fn onset(samples: &[i16], threshold: i16) -> usize {
    samples
        .iter()
        .position(|x| x.unsigned_abs() > threshold.unsigned_abs())
        .expect("no sound")
}

#[wasm_bindgen_test]
async fn the_wav_holds_the_users_tone_where_captured_and_the_models_where_played() {
    let rate = 48_000u32;
    let ctx = context(rate as f32).await;
    add_module(&ctx, PROCESSOR_JS).await;
    let dsp = compile_dsp(DSP).await.unwrap();

    // The user: a 1 kHz tone at 0.5 from exactly 0.6 s to 1.4 s after the clock's start here
    // (a context's clock may have run before it is handed over: `support::context`).
    let base = ctx.current_time();
    let osc = ctx.create_oscillator().unwrap();
    osc.frequency().set_value(1_000.0);
    let gain = ctx.create_gain().unwrap();
    gain.gain().set_value(0.5);
    osc.connect_with_audio_node(&gain).unwrap();
    let (on, off) = (base + 0.6, base + 1.4);
    osc.start_with_when(on).unwrap();
    osc.stop_with_when(off).unwrap();
    let (capture, mut events) =
        Capture::from_node(&ctx, &dsp, gain.unchecked_ref(), None, 2048).unwrap();

    // The model: a 440 Hz turn pushed about 1.0 s in, after a real prebuffer.
    let player = Player::new(&ctx, PlaybackConfig::default()).unwrap();
    let mut recorder = Recorder::new();
    let session = recorder.begin_session(0.0, rate);
    let model_turn = tone(440.0, 0.25, 12_000); // 0.5 s
    let mut pushed = false;
    while ctx.current_time() < base + 2.2 {
        match events.next().await.unwrap() {
            CaptureEvent::Chunk { samples, time, .. } => recorder.add_user(time, &samples),
            other => panic!("{other:?}"),
        }
        if !pushed && ctx.current_time() > base + 1.0 {
            for c in model_turn.chunks(4800) {
                let (turn, heard) = player.push(c).unwrap();
                recorder.add_model(session, turn, &heard);
            }
            player.turn_complete();
            pushed = true;
        }
    }
    drop(capture);
    sleep_ms(50).await;
    recorder.set_played(session, &player.log());
    let first_user = recorder.span().unwrap().0;

    let blob = wav_blob(&recorder, Format::Stereo24k).unwrap();
    assert_eq!(blob.type_(), "audio/wav");
    assert_eq!(blob.size() as u64, recorder.wav_len(Format::Stereo24k));
    let buffer = JsFuture::from(blob.array_buffer()).await.unwrap();
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(reader.spec().channels, 2);
    assert_eq!(reader.spec().sample_rate, 24_000);
    let all: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
    let left: Vec<i16> = all.iter().step_by(2).copied().collect();
    let right: Vec<i16> = all.iter().skip(1).step_by(2).copied().collect();

    // The user's tone starts at 0.6 s: within 2 samples at 24 kHz (the filter's rise).
    let at = |t: f64| ((t - first_user) * 24_000.0).round() as i64;
    let user_on = onset(&left, 1_000) as i64;
    assert!(
        (user_on - at(on)).abs() <= 2,
        "user tone at {user_on}, captured at {}",
        at(on)
    );
    let user_off =
        left.len() as i64 - onset(&left.iter().rev().copied().collect::<Vec<_>>(), 1_000) as i64;
    assert!(
        (user_off - at(off)).abs() <= 2,
        "user tone ends at {user_off}, not {}",
        at(off)
    );
    // The model's tone starts where the player started it.
    let log = player.log();
    let played_at = log[0].start as f64 / f64::from(rate) - log[0].source_pos / 24_000.0;
    let model_on = onset(&right, 300) as i64;
    assert!(
        (model_on - at(played_at)).abs() <= 1,
        "model tone at {model_on}, played at {}",
        at(played_at)
    );
    // Each channel holds only its own voice.
    assert!(right[..model_on as usize].iter().all(|&x| x == 0));
    assert!(left[(user_off + 100) as usize..]
        .iter()
        .all(|&x| x.abs() < 30));
    let _ = ctx.close();
}
