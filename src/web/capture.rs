//! Microphone capture: `getUserMedia` (echo cancellation, noise suppression, auto gain on)
//! -> MediaStreamAudioSourceNode -> the wasm-backed AudioWorkletNode, whose 16 kHz int16
//! chunks arrive here as [`CaptureEvent`]s. The AudioContext runs at the device's own rate
//! (forcing 16/24 kHz breaks capture in Firefox); the worklet resamples.
//!
//! [`Capture`] owns the graph and the tracks: dropping it disconnects the nodes, stops the
//! tracks (the browser's recording indicator goes off) and frees the DSP.

use super::{js_error, within};
use crate::device::CaptureError;
use futures_channel::mpsc::{unbounded as channel, UnboundedReceiver as Receiver};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Object, Reflect, WebAssembly};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, AudioNode, AudioWorkletNode, AudioWorkletNodeOptions, ChannelCountMode,
    MediaStream, MediaStreamConstraints, MediaStreamTrack, MessageEvent,
};

/// The processor name `processor.js` registers.
const PROCESSOR: &str = "capture-processor";

/// How long a context's close waits for stopped processors' last calls: a render quantum
/// is under 3 ms; a suspended context never calls them.
const STOP_GRACE_MS: u32 = 500;

/// What the capture reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureEvent {
    /// 2048 (or, when flushed, fewer) 16 kHz samples; `time` is the AudioContext time (s)
    /// of the first sample; `peak`/`rms` the input level (linear) since the last chunk.
    Chunk {
        samples: Vec<i16>,
        time: f64,
        peak: f32,
        rms: f32,
    },
    /// Everything captured so far has been delivered (after [`Capture::flush`]).
    Flushed,
    /// The processor or the device failed; capture has stopped.
    Failed(CaptureError),
}

/// Compiles the DSP module from its bytes (the page fetches them; tests embed them).
pub async fn compile_dsp(bytes: &[u8]) -> Result<WebAssembly::Module, CaptureError> {
    super::compile_module(bytes)
        .await
        .map_err(CaptureError::Dsp)
}

/// Fetches and compiles the DSP module from `url`.
pub async fn fetch_dsp(url: &str) -> Result<WebAssembly::Module, CaptureError> {
    super::fetch_module(url).await.map_err(CaptureError::Dsp)
}

/// Loads the processor script into `ctx` (once per context).
pub async fn add_processor(ctx: &AudioContext, script_url: &str) -> Result<(), CaptureError> {
    let worklet = ctx
        .audio_worklet()
        .map_err(|_| CaptureError::WorkletUnsupported)?;
    if worklet.is_undefined() {
        return Err(CaptureError::WorkletUnsupported);
    }
    let promise = worklet
        .add_module(script_url)
        .map_err(|e| CaptureError::Dsp(js_error(e)))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| CaptureError::Dsp(format!("{script_url}: {}", js_error(e))))?;
    Ok(())
}

/// Asks for the microphone (`device`, or the system default when empty) with the
/// processing a voice call wants.
pub async fn open_microphone(device: &str) -> Result<MediaStream, CaptureError> {
    let navigator = web_sys::window()
        .ok_or(CaptureError::InsecureContext)?
        .navigator();
    let devices = navigator
        .media_devices()
        .map_err(|_| CaptureError::InsecureContext)?;
    if JsValue::from(devices.clone()).is_undefined() {
        return Err(CaptureError::InsecureContext);
    }
    let audio = Object::new();
    for key in ["echoCancellation", "noiseSuppression", "autoGainControl"] {
        Reflect::set(&audio, &key.into(), &JsValue::TRUE)
            .map_err(|e| CaptureError::Other(js_error(e)))?;
    }
    Reflect::set(&audio, &"channelCount".into(), &JsValue::from(1))
        .map_err(|e| CaptureError::Other(js_error(e)))?;
    if !device.is_empty() {
        let exact = Object::new();
        Reflect::set(&exact, &"exact".into(), &device.into())
            .and_then(|_| Reflect::set(&audio, &"deviceId".into(), &exact))
            .map_err(|e| CaptureError::Other(js_error(e)))?;
    }
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&audio);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(|e| dom_error(&e))?;
    let stream = JsFuture::from(promise).await.map_err(|e| dom_error(&e))?;
    Ok(stream.unchecked_into())
}

fn dom_error(value: &JsValue) -> CaptureError {
    match value.dyn_ref::<web_sys::DomException>() {
        Some(e) => CaptureError::from_dom(&e.name(), &e.message()),
        None => CaptureError::Other(js_error(value.clone())),
    }
}

/// A running capture graph.
#[must_use = "dropping the capture stops it"]
pub struct Capture {
    node: AudioWorkletNode,
    source: AudioNode,
    stream: Option<MediaStream>,
    _on_message: EventListener,
    _on_track_ended: Vec<EventListener>,
}

impl Capture {
    /// Whether the browser runs echo cancellation on the microphone, as its track's settings
    /// say (`None`: it does not say, or this capture has no track).
    pub fn echo_cancellation(&self) -> Option<bool> {
        let track = self.stream.as_ref()?.get_audio_tracks().get(0);
        track
            .dyn_into::<MediaStreamTrack>()
            .ok()?
            .get_settings()
            .get_echo_cancellation()
    }

    /// Captures from microphone `device` (`""`: the system default) in chunks of `chunk`
    /// samples (one of `protocol::CHUNK_SIZES`; the DSP keeps 2048 for any other).
    pub async fn microphone(
        ctx: &AudioContext,
        dsp: &WebAssembly::Module,
        device: &str,
        chunk: u32,
    ) -> Result<(Capture, Receiver<CaptureEvent>), CaptureError> {
        let stream = open_microphone(device).await?;
        let source = match ctx.create_media_stream_source(&stream) {
            Ok(source) => source,
            Err(e) => {
                stop_tracks(&stream);
                return Err(CaptureError::Other(js_error(e)));
            }
        };
        Capture::from_node(ctx, dsp, source.unchecked_ref(), Some(stream), chunk)
    }

    /// Captures from any node (tests feed an OscillatorNode). The worklet must be loaded
    /// ([`add_processor`]).
    pub fn from_node(
        ctx: &AudioContext,
        dsp: &WebAssembly::Module,
        source: &AudioNode,
        stream: Option<MediaStream>,
        chunk: u32,
    ) -> Result<(Capture, Receiver<CaptureEvent>), CaptureError> {
        let failed = |e: JsValue| {
            if let Some(stream) = &stream {
                stop_tracks(stream);
            }
            CaptureError::Dsp(js_error(e))
        };
        let options = AudioWorkletNodeOptions::new();
        options.set_number_of_inputs(1);
        options.set_number_of_outputs(1);
        options.set_channel_count(1); // the browser mixes the microphone down to mono
        options.set_channel_count_mode(ChannelCountMode::Explicit);
        let processor_options = Object::new();
        Reflect::set(&processor_options, &"module".into(), dsp).map_err(&failed)?;
        let chunk = JsValue::from(chunk);
        Reflect::set(&processor_options, &"chunk".into(), &chunk).map_err(&failed)?;
        options.set_processor_options(Some(&processor_options));
        let node = AudioWorkletNode::new_with_options(ctx, PROCESSOR, &options).map_err(&failed)?;

        let (tx, rx) = channel();
        let port = node.port().map_err(&failed)?;
        let on_message = {
            let tx = tx.clone();
            EventListener::new(&port, "message", move |e| {
                if let Some(event) = decode_message(&e.unchecked_ref::<MessageEvent>().data()) {
                    let _ = tx.unbounded_send(event);
                }
            })
        };
        // A port listened to with addEventListener delivers only once started (the
        // `onmessage` setter starts it implicitly).
        port.start();

        let tracks: Vec<JsValue> = stream
            .iter()
            .flat_map(|stream| stream.get_audio_tracks().to_vec())
            .collect();
        let on_track_ended = tracks
            .iter()
            .map(|track| {
                let tx = tx.clone();
                EventListener::new(track.unchecked_ref(), "ended", move |_| {
                    let _ = tx.unbounded_send(CaptureEvent::Failed(CaptureError::DeviceLost));
                })
            })
            .collect();

        source.connect_with_audio_node(&node).map_err(&failed)?;
        // The processor outputs silence; connecting it keeps it pulled by the graph.
        node.connect_with_audio_node(&ctx.destination())
            .map_err(&failed)?;
        Ok((
            Capture {
                node,
                source: source.clone(),
                stream,
                _on_message: on_message,
                _on_track_ended: on_track_ended,
            },
            rx,
        ))
    }

    /// Ends the capture (as dropping it does) and tells when the processor has made its
    /// last `process` call. Chromium keeps a node whose processor is still active alive,
    /// and with it its context, even once the context is closed: a context closed before
    /// the processor saw "stop" stayed reachable until the page went away.
    pub fn stop(self) -> Stopping {
        let (tx, done) = futures_channel::oneshot::channel();
        let mut tx = Some(tx);
        let listener = self.node.port().ok().map(|port| {
            EventListener::new(&port, "message", move |e| {
                let data = e.unchecked_ref::<MessageEvent>().data();
                if data.is_object()
                    && data.unchecked_ref::<Message>().kind().as_deref() == Some("stopped")
                {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(());
                    }
                }
            })
        });
        Stopping {
            done,
            _listener: listener,
        }
    }

    /// Asks the processor to deliver its partial chunk; [`CaptureEvent::Flushed`] follows.
    pub fn flush(&self) {
        if let Ok(port) = self.node.port() {
            let _ = port.post_message(&"flush".into());
        }
    }
}

/// A stopped capture's processor, until its last `process` call.
pub struct Stopping {
    done: futures_channel::oneshot::Receiver<()>,
    _listener: Option<EventListener>,
}

impl Stopping {
    fn finished(&mut self) -> bool {
        !matches!(self.done.try_recv(), Ok(None))
    }

    /// Closes `ctx` once every processor in `stopping` has made its last call (or after
    /// [`STOP_GRACE_MS`]); at once if none is left.
    pub fn close_after(stopping: Vec<Stopping>, ctx: AudioContext) {
        if stopping.is_empty() {
            let _ = ctx.close();
            return;
        }
        wasm_bindgen_futures::spawn_local(async move {
            let all = async {
                for s in stopping {
                    let _ = s.done.await;
                }
            };
            within(all, TimeoutFuture::new(STOP_GRACE_MS)).await;
            let _ = ctx.close();
        });
    }

    /// Drops the entries whose processor has finished, then adds `new`.
    pub fn push(stopping: &mut Vec<Stopping>, new: Stopping) {
        stopping.retain_mut(|s| !s.finished());
        stopping.push(new);
    }
}

#[wasm_bindgen]
extern "C" {
    /// A message from the capture processor (`worklet/processor.js`): `type` says which,
    /// the rest belongs to it. Typed getters: absent fields read as `None`.
    type Message;
    #[wasm_bindgen(method, getter, js_name = type)]
    fn kind(this: &Message) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn samples(this: &Message) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn frame(this: &Message) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn rate(this: &Message) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn peak(this: &Message) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn rms(this: &Message) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn message(this: &Message) -> Option<String>;
}

/// The processor's messages, as plain data; an unknown type is a failure in words.
fn decode_message(data: &JsValue) -> Option<CaptureEvent> {
    if !data.is_object() {
        return Some(CaptureEvent::Failed(CaptureError::Dsp(
            "the capture processor sent a message this page does not know: reload the page".into(),
        )));
    }
    let data: &Message = data.unchecked_ref();
    match data.kind()?.as_str() {
        "chunk" => {
            let samples: js_sys::Int16Array = data.samples().dyn_into().ok()?;
            Some(CaptureEvent::Chunk {
                samples: samples.to_vec(),
                time: data.frame()? / data.rate().filter(|r| *r > 0.0)?,
                peak: data.peak().unwrap_or(0.0) as f32,
                rms: data.rms().unwrap_or(0.0) as f32,
            })
        }
        "flushed" => Some(CaptureEvent::Flushed),
        "error" => Some(CaptureEvent::Failed(CaptureError::Dsp(
            data.message()
                .unwrap_or_else(|| "the capture processor failed and said no more".into()),
        ))),
        // The processor's last call: the stop's own listener takes it (`Capture::stop`).
        "stopped" => None,
        // A processor this page does not know (another build's): said, not ignored.
        other => Some(CaptureEvent::Failed(CaptureError::Dsp(format!(
            "the capture processor sent a message this page does not know (type \"{other}\"): reload the page"
        )))),
    }
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Ok(port) = self.node.port() {
            let _ = port.post_message(&"stop".into());
        }
        let _ = self.source.disconnect_with_audio_node(&self.node);
        let _ = self.node.disconnect();
        // The track listeners detach as they drop, right after this: stopping a track
        // fires no `ended` (only the device going away does).
        if let Some(stream) = &self.stream {
            stop_tracks(stream);
        }
    }
}
