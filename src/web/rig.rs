//! The audio rig: the conversation's one AudioContext (made on the Connect click, at the
//! device's own rate, kept across reconnects so playback and the recording's clock go on),
//! the [`Player`] on it, the capture worklet module (loaded once per context), its compiled
//! DSP (once per page), and the open microphone. Dropping or ending the rig stops the
//! microphone and playback and closes the context.

use super::capture::{add_processor, fetch_dsp, Capture, CaptureEvent, Stopping};
use super::js_error;
use super::playback::Player;
use crate::conversation::Event;
use crate::device::CaptureError;
use crate::playback::PlaybackConfig;
use futures_channel::mpsc::UnboundedReceiver as Receiver;
use futures_util::StreamExt as _;
use gloo_timers::callback::{Interval, Timeout};
use js_sys::WebAssembly;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen_futures::JsFuture;
use web_sys::AudioContext;

/// Where the page finds the capture worklet (put there by `.ci/build-worklet`).
const DSP_URL: &str = "capture-dsp.wasm";
const PROCESSOR_URL: &str = "capture-processor.js";

#[derive(Default)]
pub struct Rig {
    ctx: Option<AudioContext>,
    player: Option<Player>,
    dsp: Option<WebAssembly::Module>,
    processor_loaded: bool,
    /// The open microphone and the conversation's id for it.
    mic: Option<(u32, Capture)>,
    /// The microphone's latest level (linear RMS), for the meter.
    input_level: Rc<Cell<f32>>,
    /// Calls the page's tick while audio runs (meters, "model speaking", the recording).
    ticker: Option<Interval>,
    /// Stops a microphone whose worklet never delivered its last chunk.
    mic_deadline: Option<Timeout>,
    /// Stopped microphones' processors until their last call: the context closes after.
    stopping: Vec<Stopping>,
}

/// What opening a microphone needs, taken out of the rig so no borrow spans an `await`.
pub struct MicPlan {
    /// The chosen microphone (`""`: the system default).
    pub device: String,
    /// Samples per microphone chunk (one of `protocol::CHUNK_SIZES`).
    pub chunk: u32,
    ctx: AudioContext,
    level: Rc<Cell<f32>>,
    load_processor: bool,
    dsp: Option<WebAssembly::Module>,
}

/// An opened microphone, to hand back to the rig with [`Rig::adopt_mic`].
pub struct OpenedMic {
    ctx: AudioContext,
    capture: Capture,
    dsp: WebAssembly::Module,
    /// The context's (the device's) rate.
    pub rate: f32,
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.end();
    }
}

impl Rig {
    /// Makes the AudioContext and the player (on the Connect click: autoplay policy), and
    /// calls `tick` every 100 ms until the audio ends.
    pub fn start(
        &mut self,
        config: PlaybackConfig,
        volume: f32,
        tick: impl FnMut() + 'static,
    ) -> Result<(), String> {
        self.end();
        let ctx =
            AudioContext::new().map_err(|e| format!("Audio could not start: {}", js_error(e)))?;
        let player = match Player::new(&ctx, config) {
            Ok(player) => player,
            Err(e) => {
                let _ = ctx.close();
                return Err(e.to_string());
            }
        };
        player.set_volume(volume);
        self.player = Some(player);
        self.ctx = Some(ctx);
        self.processor_loaded = false;
        self.ticker = Some(Interval::new(100, tick));
        Ok(())
    }

    /// Stops the microphone and playback and closes the context.
    pub fn end(&mut self) {
        (self.ticker, self.mic_deadline) = (None, None);
        self.input_level.set(0.0);
        self.player = None;
        if let Some((_, capture)) = self.mic.take() {
            Stopping::push(&mut self.stopping, capture.stop());
        }
        let stopping = std::mem::take(&mut self.stopping);
        if let Some(ctx) = self.ctx.take() {
            Stopping::close_after(stopping, ctx);
        }
    }

    /// Why the context does not run, when it is paused by the browser: `"suspended"`, or
    /// WebKit's `"interrupted"` (iOS: a call, Siri, another app's audio; web-sys has no
    /// variant for it, so any state other than the three it names is that); `None` while it
    /// runs, is closed or there is none.
    pub fn paused(&self) -> Option<&'static str> {
        use web_sys::AudioContextState as State;
        match self.ctx.as_ref()?.state() {
            State::Running | State::Closed => None,
            State::Suspended => Some("suspended"),
            _ => Some("interrupted"),
        }
    }

    /// Resumes a context the browser paused (on a person's gesture: the autoplay policy).
    pub fn resume_if_paused(&self) {
        if let (Some(ctx), Some(_)) = (&self.ctx, self.paused()) {
            let _ = ctx.resume();
        }
    }

    pub fn player(&self) -> Option<&Player> {
        self.player.as_ref()
    }

    pub fn context(&self) -> Option<&AudioContext> {
        self.ctx.as_ref()
    }

    pub fn set_volume(&self, gain: f32) {
        if let Some(player) = &self.player {
            player.set_volume(gain);
        }
    }

    /// Queues 24 kHz model audio; the turn it joined and the audio as it will sound (it may
    /// be stretched), or `None` (no player, or the turn was interrupted and its late audio
    /// is dropped).
    pub fn play(&self, samples: &[i16]) -> Option<(u64, Vec<i16>)> {
        self.player.as_ref()?.push(samples)
    }

    /// Cuts playback now; how long after this call the fade ends (ms).
    pub fn interrupt(&self) -> Option<f64> {
        let player = self.player.as_ref()?;
        let cut = player.interrupt();
        let left = cut.end - player.now().min(cut.end);
        Some(left as f64 * 1000.0 / f64::from(player.rate()))
    }

    /// Lets what is queued play out.
    pub fn turn_complete(&self) {
        if let Some(player) = &self.player {
            player.turn_complete();
        }
    }

    /// What [`open_mic`] needs, or why there is no audio to open it in.
    pub fn mic_plan(&self) -> Result<MicPlan, String> {
        let ctx = self
            .ctx
            .clone()
            .ok_or("Audio is not running; connect again.")?;
        Ok(MicPlan {
            device: String::new(),
            chunk: crate::protocol::CHUNK as u32,
            ctx,
            level: Rc::clone(&self.input_level),
            load_processor: !self.processor_loaded,
            dsp: self.dsp.clone(),
        })
    }

    /// The conversation's AudioContext, while audio runs.
    pub fn audio_context(&self) -> Option<AudioContext> {
        self.ctx.clone()
    }

    /// Keeps microphone `id` (if the context it was opened in is still this one's).
    pub fn adopt_mic(&mut self, id: u32, opened: OpenedMic) -> bool {
        self.dsp = Some(opened.dsp);
        if self.ctx.as_ref() != Some(&opened.ctx) {
            return false;
        }
        self.processor_loaded = true;
        self.mic = Some((id, opened.capture));
        true
    }

    /// Asks microphone `id` for its last partial chunk; `deadline` runs after `ms` unless
    /// the microphone is released first.
    pub fn flush_mic(&mut self, id: u32, ms: u32, deadline: impl FnOnce() + 'static) {
        if let Some((_, capture)) = self.mic.as_ref().filter(|(m, _)| *m == id) {
            capture.flush();
            self.mic_deadline = Some(Timeout::new(ms, deadline));
        }
    }

    /// Releases microphone `id`: tracks stopped (the browser's indicator goes off).
    pub fn close_mic(&mut self, id: u32) {
        if self.mic.as_ref().is_some_and(|(m, _)| *m == id) {
            if let Some((_, capture)) = self.mic.take() {
                Stopping::push(&mut self.stopping, capture.stop());
            }
            self.mic_deadline = None;
            self.input_level.set(0.0);
        }
    }

    /// The microphone's level (linear RMS; 0 when it is off).
    pub fn input_level(&self) -> f32 {
        self.input_level.get()
    }

    /// The model's level at the output (linear RMS; 0 without a player).
    pub fn output_level(&self) -> f32 {
        self.player.as_ref().map_or(0.0, Player::level)
    }
}

/// Opens the microphone into the plan's context: resumes it, loads the worklet module and
/// the DSP if needed, asks for the microphone. On failure, words for the person.
pub async fn open_mic(plan: &MicPlan) -> Result<(OpenedMic, Receiver<CaptureEvent>), String> {
    if let Ok(promise) = plan.ctx.resume() {
        let _ = JsFuture::from(promise).await;
    }
    if plan.load_processor {
        add_processor(&plan.ctx, PROCESSOR_URL)
            .await
            .map_err(|e| e.to_string())?;
    }
    let dsp = match plan.dsp.clone() {
        Some(dsp) => dsp,
        None => fetch_dsp(DSP_URL).await.map_err(|e| e.to_string())?,
    };
    let (capture, events) = Capture::microphone(&plan.ctx, &dsp, &plan.device, plan.chunk)
        .await
        .map_err(|e| e.to_string())?;
    let rate = plan.ctx.sample_rate();
    let ctx = plan.ctx.clone();
    Ok((
        OpenedMic {
            ctx,
            capture,
            dsp,
            rate,
        },
        events,
    ))
}

/// Opens microphone `id`, hands it to `adopt` (false: nobody wants it any more, it is
/// released), reports [`Event::MicOpened`], then each capture event with `report` until the
/// microphone is released; keeps the rig's input level current.
pub async fn run_mic(
    plan: MicPlan,
    id: u32,
    adopt: impl FnOnce(OpenedMic) -> bool,
    report: impl Fn(Event),
) {
    let (opened, mut events) = match open_mic(&plan).await {
        Ok(opened) => opened,
        Err(e) => return report(Event::MicOpened { id, result: Err(e) }),
    };
    let rate = opened.rate;
    let echo = opened.capture.echo_cancellation();
    let kept = adopt(opened);
    report(Event::MicOpened {
        id,
        result: Ok(rate),
    });
    if !kept {
        return; // the audio ended while the permission prompt was open
    }
    if echo == Some(false) {
        report(Event::EchoCancellationOff);
    }
    while let Some(event) = events.next().await {
        report(match event {
            CaptureEvent::Chunk {
                samples, time, rms, ..
            } => {
                plan.level.set(rms);
                Event::MicChunk { id, samples, time }
            }
            CaptureEvent::Flushed => Event::MicFlushed { id },
            CaptureEvent::Failed(CaptureError::DeviceLost) => Event::MicLost { id },
            CaptureEvent::Failed(e) => Event::MicFailed {
                id,
                error: e.to_string(),
            },
        });
    }
}
