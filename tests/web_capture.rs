//! The real capture worklet in headless Chromium: an OscillatorNode (1 kHz, amplitude 0.5)
//! feeds the wasm-backed AudioWorkletProcessor; chunks of 2048 int16 samples must arrive at
//! 16 kHz pace, stamped contiguously, carrying a 1 kHz tone at the right level.
//!
//! `.ci/test` builds the DSP module first and sets `LIVE_DSP_DIR` for this build.
#![cfg(target_arch = "wasm32")]

use futures_util::StreamExt as _;
use gemini_live_voice::web::capture::{
    add_processor, compile_dsp, open_microphone, Capture, CaptureEvent,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{AudioContext, Blob, BlobPropertyBag, OscillatorType, Url};

wasm_bindgen_test_configure!(run_in_browser);

const DSP: &[u8] = include_bytes!(concat!(env!("LIVE_DSP_DIR"), "/capture-dsp.wasm"));
const PROCESSOR_JS: &str = include_str!("../worklet/processor.js");

async fn context_with_processor() -> AudioContext {
    let ctx = AudioContext::new().unwrap();
    let parts = js_sys::Array::of1(&PROCESSOR_JS.into());
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    let url = Url::create_object_url_with_blob(&blob).unwrap();
    add_processor(&ctx, &url).await.unwrap();
    wasm_bindgen_futures::JsFuture::from(ctx.resume().unwrap())
        .await
        .unwrap();
    ctx
}

/// Chromium's fake microphone through the capture worklet, and its track. Note
/// `Clone::clone(&stream)`: web-sys gives `MediaStream` an inherent `clone()` that calls JS
/// `MediaStream.clone()`, a new stream with new tracks; `stream.clone()` here once made a
/// test watch a track the capture never owned.
async fn fake_microphone(
    ctx: &AudioContext,
) -> (
    Capture,
    futures_channel::mpsc::UnboundedReceiver<CaptureEvent>,
    web_sys::MediaStreamTrack,
) {
    let dsp = compile_dsp(DSP).await.unwrap();
    let stream = open_microphone("").await.unwrap();
    let track: web_sys::MediaStreamTrack = stream.get_audio_tracks().get(0).unchecked_into();
    let source = ctx.create_media_stream_source(&stream).unwrap();
    let (capture, events) = Capture::from_node(
        ctx,
        &dsp,
        source.unchecked_ref(),
        Some(Clone::clone(&stream)),
        2048,
    )
    .unwrap();
    (capture, events, track)
}

/// Goertzel power of `hz` relative to the total power (1.0 = a pure tone at `hz`).
fn tone_fraction(samples: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / 16_000.0;
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let total: f64 = samples.iter().map(|&x| f64::from(x).powi(2)).sum();
    2.0 * power / (samples.len() as f64 * total)
}

/// A smaller chunk asked for (the setting): the worklet posts chunks of exactly that many
/// samples, each 20 ms after the one before on the capture clock.
#[wasm_bindgen_test]
async fn a_320_sample_chunk_setting_reaches_the_worklet() {
    let ctx = context_with_processor().await;
    let dsp = compile_dsp(DSP).await.unwrap();
    let osc = ctx.create_oscillator().unwrap();
    osc.start().unwrap();
    let (capture, mut events) =
        Capture::from_node(&ctx, &dsp, osc.unchecked_ref(), None, 320).unwrap();
    let mut chunks = Vec::new();
    while chunks.len() < 10 {
        match events.next().await.unwrap() {
            CaptureEvent::Chunk { samples, time, .. } => chunks.push((samples.len(), time)),
            other => panic!("{other:?}"),
        }
    }
    for (k, (len, time)) in chunks.iter().enumerate() {
        assert_eq!(*len, 320, "chunk {k}");
        if k > 0 {
            let gap = time - chunks[k - 1].1;
            assert!((gap - 0.02).abs() < 1e-9, "chunk {k} {gap} s after");
        }
    }
    drop(capture);
    osc.stop().unwrap();
    let _ = wasm_bindgen_futures::JsFuture::from(ctx.close().unwrap()).await;
}

#[wasm_bindgen_test]
async fn oscillator_through_the_worklet_gives_16khz_chunks_of_the_tone() {
    let ctx = context_with_processor().await;
    let dsp = compile_dsp(DSP).await.unwrap();
    let osc = ctx.create_oscillator().unwrap();
    osc.set_type(OscillatorType::Sine);
    osc.frequency().set_value(1_000.0);
    let gain = ctx.create_gain().unwrap();
    gain.gain().set_value(0.5);
    osc.connect_with_audio_node(&gain).unwrap();
    osc.start().unwrap();
    let (capture, mut events) =
        Capture::from_node(&ctx, &dsp, gain.unchecked_ref(), None, 2048).unwrap();

    let mut chunks = Vec::new();
    let started = js_sys::Date::now();
    while chunks.len() < 12 {
        match events.next().await.unwrap() {
            CaptureEvent::Chunk {
                samples,
                time,
                rms,
                peak,
            } => chunks.push((samples, time, rms, peak)),
            other => panic!("{other:?}"),
        }
    }
    let elapsed = (js_sys::Date::now() - started) / 1000.0;
    // 12 chunks are 1.536 s of audio; they arrive in real time (first one after 128 ms).
    assert!(
        (1.2..2.5).contains(&elapsed),
        "12 chunks took {elapsed:.3} s"
    );
    let step = 2048.0 / 16_000.0;
    for (k, (samples, time, _, _)) in chunks.iter().enumerate() {
        assert_eq!(samples.len(), 2048, "chunk {k}");
        if k > 0 {
            let gap = time - chunks[k - 1].1;
            assert!(
                (gap - step).abs() < 1e-9,
                "chunk {k} starts {gap} s after the previous"
            );
        }
    }
    // Skip the first chunk (filter start-up); the rest is a clean 1 kHz tone at -9 dBFS.
    let body: Vec<i16> = chunks[1..].iter().flat_map(|c| c.0.clone()).collect();
    let fraction = tone_fraction(&body, 1_000.0);
    assert!(fraction > 0.999, "1 kHz holds {fraction} of the power");
    let rms = (body.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / body.len() as f64).sqrt();
    let expected = 0.5 / 2f64.sqrt() * 32768.0;
    assert!(
        (rms / expected - 1.0).abs() < 0.01,
        "rms {rms}, expected {expected}"
    );
    let (_, _, level_rms, level_peak) = chunks[5];
    assert!(
        (f64::from(level_rms) - 0.5 / 2f64.sqrt()).abs() < 0.005,
        "meter rms {level_rms}"
    );
    assert!(
        (f64::from(level_peak) - 0.5).abs() < 0.005,
        "meter peak {level_peak}"
    );

    // Flush: the partial chunk (fewer than 2048 samples) comes out, then Flushed.
    capture.flush();
    loop {
        match events.next().await.unwrap() {
            CaptureEvent::Chunk { samples, .. } => assert!(samples.len() <= 2048),
            CaptureEvent::Flushed => break,
            other => panic!("{other:?}"),
        }
    }
    drop(capture);
    osc.stop().unwrap();
    wasm_bindgen_futures::JsFuture::from(ctx.close().unwrap())
        .await
        .unwrap();
}

/// The real getUserMedia path with Chromium's fake microphone: chunks of 2048 arrive at
/// 16 kHz pace, stamped exactly 128 ms apart.
#[wasm_bindgen_test]
async fn fake_microphone_streams_chunks_at_16khz_pace() {
    let ctx = context_with_processor().await;
    let (capture, mut events, track) = fake_microphone(&ctx).await;
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Live);
    let mut times = Vec::new();
    while times.len() < 6 {
        match events.next().await.unwrap() {
            CaptureEvent::Chunk { samples, time, .. } => {
                assert_eq!(samples.len(), 2048);
                times.push(time);
            }
            other => panic!("{other:?}"),
        }
    }
    for pair in times.windows(2) {
        assert!((pair[1] - pair[0] - 0.128).abs() < 1e-9, "{times:?}");
    }
    drop(capture);
    wasm_bindgen_futures::JsFuture::from(ctx.close().unwrap())
        .await
        .unwrap();
}

#[wasm_bindgen_test]
async fn an_unloadable_module_is_a_clear_error() {
    let err = compile_dsp(b"not wasm").await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("The audio processor could not start:"),
        "{err}"
    );
}

/// Dropping the capture ends the microphone track (the browser's recording indicator goes
/// off).
#[wasm_bindgen_test]
async fn dropping_the_capture_ends_the_microphone_track() {
    let ctx = context_with_processor().await;
    let (capture, _events, track) = fake_microphone(&ctx).await;
    drop(capture);
    // stop() ends a track at once (no waiting needed).
    assert_eq!(track.ready_state(), web_sys::MediaStreamTrackState::Ended);
}

/// Runs the worklet's module over `signal` in 128-frame quanta, as `processor.js` does:
/// each chunk as its start frame followed by its samples, then the level `[peak, rms]`.
const DSP_RUN_JS: &str = r#"
  const d = new WebAssembly.Instance(module, {}).exports;
  const h = d.dsp_new(rate);
  const out = [];
  for (let at = 0; at + 128 <= signal.length; at += 128) {
    new Float32Array(d.memory.buffer, d.dsp_input_ptr(h), 128).set(signal.subarray(at, at + 128));
    const ready = d.dsp_process(h, 128);
    for (let c = 0; c < ready; c++) {
      out.push(d.dsp_chunk_frame(h, c));
      out.push(...new Int16Array(d.memory.buffer, d.dsp_chunk_ptr(h, c), d.dsp_chunk_len(h, c)));
    }
    if (ready > 0) d.dsp_clear(h);
  }
  out.push(...new Float32Array(d.memory.buffer, d.dsp_level(h), 2));
  d.dsp_free(h);
  return out;
"#;

/// The worklet's module is built without the standard library (its float functions are the
/// C library's, its rounding made from `trunc`); the page's build of the same pipeline uses
/// the standard library's. Both give the same chunks, stamps and level, bit for bit, for a
/// signal with silence, a sweep, clipping and values halfway between two int16 steps.
#[wasm_bindgen_test]
async fn the_worklet_module_and_the_library_agree_bit_for_bit() {
    let module = compile_dsp(DSP).await.unwrap();
    let run = js_sys::Function::new_with_args("module, rate, signal", DSP_RUN_JS);
    for rate in [16_000u32, 44_100, 48_000] {
        let n = rate as usize; // one second
        let signal: Vec<f32> = (0..n)
            .map(|i| match i * 4 / n {
                0 => 0.0,
                1 => (0.7 * (i as f64 * i as f64 * 2e-5).sin()) as f32,
                2 => (1.6 * (i as f64 * 0.05).sin()) as f32,
                _ => (i % 64) as f32 / 64.0 - 0.5 + 0.5 / 32768.0,
            })
            .collect();
        let theirs: Vec<f64> = run
            .call3(
                &wasm_bindgen::JsValue::NULL,
                &module,
                &rate.into(),
                &js_sys::Float32Array::from(&signal[..]),
            )
            .unwrap()
            .unchecked_into::<js_sys::Array>()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut capture = live_dsp::capture::Capture::new(rate).unwrap();
        let mut ours = Vec::new();
        for quantum in signal.chunks_exact(128) {
            let ready = capture.process(quantum);
            for c in 0..ready {
                let chunk = capture.chunk(c).unwrap();
                ours.push(chunk.start_frame);
                ours.extend(chunk.samples[..chunk.len].iter().map(|&s| f64::from(s)));
            }
            capture.clear_ready();
        }
        let level = capture.take_level();
        ours.extend([f64::from(level.peak), f64::from(level.rms)]);
        // 7 chunks (2048 samples at 16 kHz) in the second, and the level.
        assert_eq!(ours.len(), 7 * 2049 + 2, "{rate} Hz");
        assert_eq!(theirs.len(), ours.len(), "{rate} Hz");
        let first_difference = ours
            .iter()
            .zip(&theirs)
            .position(|(a, b)| a.to_bits() != b.to_bits());
        assert_eq!(first_difference, None, "{rate} Hz");
    }
}

/// The DSP's module (like the stand-in's) is fetched and compiled as its bytes arrive when
/// the server says `application/wasm`, from the whole body when it says anything else
/// (compileStreaming refuses other types); a missing file is an error that names it.
#[wasm_bindgen_test]
async fn a_module_compiles_whatever_type_the_server_gives_it() {
    use gemini_live_voice::web::fetch_module;
    let served = |kind: &str| {
        let options = BlobPropertyBag::new();
        options.set_type(kind);
        let part = js_sys::Array::of1(&js_sys::Uint8Array::from(DSP).into());
        let blob = Blob::new_with_u8_array_sequence_and_options(&part, &options).unwrap();
        Url::create_object_url_with_blob(&blob).unwrap()
    };
    for kind in ["application/wasm", "application/octet-stream", ""] {
        let module = fetch_module(&served(kind)).await.unwrap();
        let exports = js_sys::WebAssembly::Module::exports(&module);
        assert!(exports.length() > 0, "{kind}: a module without exports");
    }
    // A module that is not wasm is refused in words on both paths.
    let options = BlobPropertyBag::new();
    options.set_type("application/wasm");
    let part = js_sys::Array::of1(&"not wasm".into());
    let blob = Blob::new_with_str_sequence_and_options(&part, &options).unwrap();
    let err = fetch_module(&Url::create_object_url_with_blob(&blob).unwrap())
        .await
        .unwrap_err();
    assert!(err.starts_with("blob:"), "{err}");
}
