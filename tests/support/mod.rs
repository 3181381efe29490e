//! Helpers shared by the browser tests: a tap that records what a node renders, frame by
//! frame, and a context at a chosen rate.
#![allow(dead_code)]

pub mod heap;
pub mod stream;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, AudioContextOptions, AudioNode, AudioWorkletNode, Blob, BlobPropertyBag,
    MessageEvent, Url,
};

/// `test-tap` posts every render quantum of its input with the frame it was rendered at
/// (silence when nothing is connected); `test-idle` renders silence (see [`context`]).
const TAP_JS: &str = r#"
registerProcessor('test-tap', class extends AudioWorkletProcessor {
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    const data = channel ? channel.slice() : new Float32Array(128);
    this.port.postMessage({ frame: currentFrame, data });
    return true;
  }
});
registerProcessor('test-idle', class extends AudioWorkletProcessor {
  process() {
    return true;
  }
});
"#;

/// A running AudioContext at `rate` with the tap processor loaded, its clock keeping pace.
///
/// The tests measure the player against an audio clock that runs. WebKitGTK moves rendering
/// to the worklet's thread when a context's first AudioWorkletNode is made, and holds
/// `currentTime` still meanwhile, about 1.5 s, before it jumps to real time (measured; later
/// nodes do not stall it; docs/browsers.md). So a first, silent worklet node is made here,
/// and the context is handed over once its clock has advanced at each of `PACED` 20 ms looks
/// in a row; Chromium and Firefox pass at once.
pub async fn context(rate: f32) -> AudioContext {
    let options = AudioContextOptions::new();
    options.set_sample_rate(rate);
    let ctx = AudioContext::new_with_context_options(&options).unwrap();
    add_module(&ctx, TAP_JS).await;
    JsFuture::from(ctx.resume().unwrap()).await.unwrap();
    let idle = AudioWorkletNode::new(&ctx, "test-idle").unwrap();
    idle.connect_with_audio_node(&ctx.destination()).unwrap();
    const PACED: u32 = 5;
    let mut last = ctx.current_time();
    let mut paced = 0;
    for _ in 0..500 {
        sleep_ms(20).await;
        let now = ctx.current_time();
        paced = if now > last { paced + 1 } else { 0 };
        last = now;
        if paced == PACED {
            return ctx;
        }
    }
    panic!("the audio clock did not run for 10 s (it stands at {last} s)");
}

/// Loads a worklet module from source text.
pub async fn add_module(ctx: &AudioContext, source: &str) {
    let parts = js_sys::Array::of1(&source.into());
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    let url = Url::create_object_url_with_blob(&blob).unwrap();
    JsFuture::from(ctx.audio_worklet().unwrap().add_module(&url).unwrap())
        .await
        .unwrap();
}

pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Records what a node renders.
pub struct Tap {
    node: AudioWorkletNode,
    blocks: Rc<RefCell<BTreeMap<u64, Vec<f32>>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
}

impl Tap {
    pub fn new(ctx: &AudioContext, source: &AudioNode) -> Tap {
        let node = AudioWorkletNode::new(ctx, "test-tap").unwrap();
        let blocks = Rc::new(RefCell::new(BTreeMap::new()));
        let sink = Rc::clone(&blocks);
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let data = e.data();
            let frame = js_sys::Reflect::get(&data, &"frame".into())
                .unwrap()
                .as_f64()
                .unwrap() as u64;
            let samples: js_sys::Float32Array = js_sys::Reflect::get(&data, &"data".into())
                .unwrap()
                .unchecked_into();
            sink.borrow_mut().insert(frame, samples.to_vec());
        });
        node.port()
            .unwrap()
            .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.connect_with_audio_node(&node).unwrap();
        // Connected so the graph pulls it; it writes nothing to its output.
        node.connect_with_audio_node(&ctx.destination()).unwrap();
        Tap {
            node,
            blocks,
            _on_message: on_message,
        }
    }

    /// The frame after the last one recorded.
    pub fn end(&self) -> u64 {
        self.blocks
            .borrow()
            .iter()
            .next_back()
            .map_or(0, |(f, d)| f + d.len() as u64)
    }

    /// Waits until frame `frame` has been recorded (at most `max_ms`).
    pub async fn wait_for(&self, frame: u64, max_ms: u32) {
        let mut waited = 0;
        while self.end() < frame {
            assert!(waited < max_ms, "the tap reached {} of {frame}", self.end());
            sleep_ms(20).await;
            waited += 20;
        }
    }

    /// Frames `from..from + len` as rendered, with quanta the tap never saw (the audio
    /// thread skipped them) as zeros, and how many frames those were.
    pub fn signal_lossy(&self, from: u64, len: usize) -> (Vec<f32>, u64) {
        let blocks = self.blocks.borrow();
        let mut out = vec![0f32; len];
        let mut seen = 0u64;
        let start = from.saturating_sub(128);
        for (&f, data) in blocks.range(start..from + len as u64) {
            for (i, &x) in data.iter().enumerate() {
                let at = f + i as u64;
                if at >= from && at < from + len as u64 {
                    out[(at - from) as usize] = x;
                    seen += 1;
                }
            }
        }
        (out, len as u64 - seen)
    }

    /// Frames `from..from + len` as rendered. `Err` when the audio thread skipped a render
    /// quantum in that span: on a loaded machine (2-core CI) Chromium now and then does, and
    /// sources after the skip are legitimately a quantum late, so the run proves nothing
    /// either way and is repeated ([`retry_on_skips`]). Panics if the tap is not that far.
    pub fn signal(&self, from: u64, len: usize) -> Result<Vec<f32>, Skipped> {
        let blocks = self.blocks.borrow();
        let mut out = Vec::with_capacity(len);
        let first = blocks
            .range(..=from)
            .next_back()
            .map(|(f, _)| *f)
            .expect("the tap started after the requested frame");
        let mut expect = first;
        for (&f, data) in blocks.range(first..) {
            if f != expect {
                return Err(Skipped { at: expect });
            }
            expect = f + data.len() as u64;
            for (i, &x) in data.iter().enumerate() {
                let at = f + i as u64;
                if at >= from && out.len() < len {
                    out.push(x);
                }
            }
            if out.len() == len {
                break;
            }
        }
        assert_eq!(out.len(), len, "the tap has not recorded that far");
        Ok(out)
    }
}

/// The audio thread skipped the render quantum at frame `at`.
#[derive(Debug)]
pub struct Skipped {
    pub at: u64,
}

/// Runs a rendered-output check up to three times while the audio thread skips quanta
/// under it; every run that completes must pass all its assertions.
pub async fn retry_on_skips<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<(), Skipped>>,
{
    for attempt in 1..=3 {
        match check().await {
            Ok(()) => return,
            Err(skip) => web_sys::console::warn_1(
                &format!(
                    "attempt {attempt} inconclusive at frame {}: the audio thread skipped render quanta under the tap",
                    skip.at
                )
                .into(),
            ),
        }
    }
    panic!("the audio thread skipped render quanta in three runs out of three");
}

impl Drop for Tap {
    fn drop(&mut self) {
        let _ = self.node.disconnect();
        if let Ok(port) = self.node.port() {
            port.set_onmessage(None);
        }
    }
}

/// A tone as 24 kHz int16 samples.
pub fn tone(hz: f64, amplitude: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| {
            let x = amplitude * (2.0 * std::f64::consts::PI * hz * i as f64 / 24_000.0).sin();
            (x * 32768.0).round() as i16
        })
        .collect()
}

/// Prints a line in the test runner's output (even for a passing test): the runner shows
/// the page's `#output` text.
pub fn report(line: &str) {
    let Some(pre) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("output"))
    else {
        web_sys::console::log_1(&line.into());
        return;
    };
    let mut text = pre.text_content().unwrap_or_default();
    text.push_str(line);
    text.push('\n');
    pre.set_text_content(Some(&text));
}

/// The offline stand-in's module (`.ci/test` builds it into `LIVE_DSP_DIR` with the capture
/// DSP), given to the page, which fetches it beside itself: the test runner does not serve it.
pub async fn provide_standin() {
    const STANDIN: &[u8] = include_bytes!(concat!(env!("LIVE_DSP_DIR"), "/standin.wasm"));
    let module = gemini_live_voice::web::compile_module(STANDIN)
        .await
        .unwrap();
    gemini_live_voice::web::standin::provide(module);
}

/// A server frame holding `samples` (24 kHz) in one part, pretty-printed as the service
/// sends its frames. The client's own encoder makes the base64 (the service's alphabet).
pub fn server_audio_frame(samples: &[i16]) -> Vec<u8> {
    use gemini_live_voice::protocol::ClientMessage;
    let ClientMessage::RealtimeInput(input) = ClientMessage::audio(samples, 24_000) else {
        unreachable!()
    };
    let data = input.audio.map(|a| a.data).unwrap_or_default();
    format!(
        "{{\n  \"serverContent\": {{\n    \"modelTurn\": {{\n      \"parts\": [\n        {{\n          \"inlineData\": {{\n            \"mimeType\": \"audio/pcm;rate=24000\",\n            \"data\": \"{data}\"\n          }}\n        }}\n      ]\n    }}\n  }}\n}}\n"
    )
    .into_bytes()
}
