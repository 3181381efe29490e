//! Playback of the model's audio: the pure [`Scheduler`] decides, this module carries it out.
//! Each block becomes an AudioBuffer (at the context rate) played by an
//! AudioBufferSourceNode started on an exact frame; a timer pumps the bounded lookahead.
//!
//! Graph: sources -> fade (GainNode, ramps to 0 on interruption) -> volume (GainNode) ->
//! analyser (output meter) -> destination.

use super::js_error;
use super::tick::Tick;
use crate::playback::{Cut, PlaybackConfig, PlaybackError, PlaybackStats, Played, Scheduler};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use web_sys::{
    AnalyserNode, AudioBufferSourceNode, AudioContext, AudioNode, AudioScheduledSourceNode,
    GainNode,
};

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// An AudioContext, for what web-sys has no binding of.
    type Latencies;
    /// `AudioContext.baseLatency` (seconds): NaN where the browser has none.
    #[wasm_bindgen(method, getter, js_name = baseLatency)]
    fn base_latency(this: &Latencies) -> f64;
}

/// How often the lookahead is topped up (well inside lookahead - prebuffer; a [`Tick`], so a
/// background tab's throttled timers do not starve the queue).
const PUMP_MS: u32 = 40;
/// Automation times are nudged this far (in frames) before the frame they mean, so the
/// browser's rounding of time to frames lands on it.
const NUDGE: f64 = 1.0 / 1024.0;

struct Inner {
    ctx: AudioContext,
    fade: GainNode,
    volume: GainNode,
    analyser: AnalyserNode,
    core: Scheduler,
    /// Sources that may still sound: (end frame, node).
    sources: VecDeque<(u64, u64, AudioBufferSourceNode)>,
    scratch: Vec<f32>,
    error: Option<String>,
}

/// The model's voice. Dropping it silences and disconnects everything.
pub struct Player {
    inner: Rc<RefCell<Inner>>,
    _pump: Tick,
}

impl Player {
    /// Builds the output graph on `ctx` and starts the pump timer.
    pub fn new(ctx: &AudioContext, config: PlaybackConfig) -> Result<Player, PlaybackError> {
        let rate = ctx.sample_rate().round() as u32;
        // The cut's lead covers one render callback of this context (`baseLatency`).
        let config = config.covering(
            ctx.unchecked_ref::<Latencies>().base_latency() * f64::from(rate),
            rate,
        );
        let core = Scheduler::new(rate, config)?;
        let graph = || -> Result<(GainNode, GainNode, AnalyserNode), wasm_bindgen::JsValue> {
            let fade = ctx.create_gain()?;
            let volume = ctx.create_gain()?;
            let analyser = ctx.create_analyser()?;
            analyser.set_fft_size(1024);
            fade.connect_with_audio_node(&volume)?;
            volume.connect_with_audio_node(&analyser)?;
            analyser.connect_with_audio_node(&ctx.destination())?;
            Ok((fade, volume, analyser))
        };
        let (fade, volume, analyser) = graph().map_err(|e| PlaybackError::Output(js_error(e)))?;
        let inner = Rc::new(RefCell::new(Inner {
            ctx: ctx.clone(),
            fade,
            volume,
            analyser,
            core,
            sources: VecDeque::new(),
            scratch: vec![0.0; 1024],
            error: None,
        }));
        let weak: Weak<RefCell<Inner>> = Rc::downgrade(&inner);
        let pump = Tick::new(PUMP_MS, move || {
            if let Some(inner) = weak.upgrade() {
                if let Ok(mut inner) = inner.try_borrow_mut() {
                    let now = inner.now();
                    let plays = inner.core.pump(now);
                    inner.start(plays);
                }
            }
        });
        Ok(Player { inner, _pump: pump })
    }

    /// The last node of the graph (already connected to the destination); tests tap it.
    pub fn output(&self) -> AudioNode {
        self.inner.borrow().analyser.clone().into()
    }

    /// The context's sample rate (frames per second).
    pub fn rate(&self) -> u32 {
        self.inner.borrow().core.rate()
    }

    /// Frames between the clock an interruption reads and its fade's first frame.
    pub fn lead(&self) -> u64 {
        self.inner.borrow().core.lead()
    }

    /// The context frame the main thread sees now.
    pub fn now(&self) -> u64 {
        self.inner.borrow().now()
    }

    /// A decoded 24 kHz chunk of the model's audio. Returns the turn it was queued in and
    /// the chunk as it will sound (lengthened when the buffer ran low: what the recorder
    /// must lay down), or `None` when it was dropped (it belongs to an interrupted turn).
    pub fn push(&self, samples: &[i16]) -> Option<(u64, Vec<i16>)> {
        let mut inner = self.inner.borrow_mut();
        let now = inner.now();
        if !inner.core.accepts_audio(now) {
            inner.core.push(samples, now); // counted as dropped
            return None;
        }
        let received = inner.core.receive(samples.to_vec(), now);
        inner.start(received.plays);
        Some((inner.core.turn(), received.audio))
    }

    /// `turnComplete`: let everything queued play out.
    pub fn turn_complete(&self) {
        let mut inner = self.inner.borrow_mut();
        let now = inner.now();
        let plays = inner.core.turn_complete(now);
        inner.start(plays);
    }

    /// `interrupted`: fade out within milliseconds and drop the rest of the turn.
    pub fn interrupt(&self) -> Cut {
        let mut inner = self.inner.borrow_mut();
        let now = inner.now();
        let cut = inner.core.interrupt(now);
        inner.apply(&cut);
        cut
    }

    /// Output volume, 0..=1 (a gain, applied after the fade).
    pub fn set_volume(&self, gain: f32) {
        let inner = self.inner.borrow();
        inner.volume.gain().set_value(gain.clamp(0.0, 1.0));
    }

    /// RMS of the last 1024 output frames (linear, after the volume).
    pub fn level(&self) -> f32 {
        let mut inner = self.inner.borrow_mut();
        let Inner {
            analyser, scratch, ..
        } = &mut *inner;
        analyser.get_float_time_domain_data(scratch);
        let sum: f32 = scratch.iter().map(|x| x * x).sum();
        (sum / scratch.len() as f32).sqrt()
    }

    /// Whether model audio is sounding or waiting.
    pub fn is_playing(&self) -> bool {
        let inner = self.inner.borrow();
        inner.core.is_playing(inner.now())
    }

    /// The played-audio log (for the recorder).
    pub fn log(&self) -> Vec<Played> {
        self.inner.borrow().core.log().to_vec()
    }

    /// Played-log entries from index `from` whose `heard` is final (for the recording, fed
    /// as playback goes; see [`crate::playback::Scheduler::settled_since`]).
    pub fn settled_since(&self, from: usize) -> Vec<Played> {
        let mut inner = self.inner.borrow_mut();
        let now = inner.now();
        inner.core.settled_since(from, now).to_vec()
    }

    /// The context time (s) where the first buffer that may still sound or be cut starts.
    pub fn unsettled_start(&self) -> Option<f64> {
        let inner = self.inner.borrow();
        let start = inner.core.unsettled_start()?;
        Some(start as f64 / f64::from(inner.core.rate()))
    }

    /// Playback ends for good now (the context is about to close): what was still to sound
    /// is logged as heard up to now.
    pub fn stop(&self) {
        let mut inner = self.inner.borrow_mut();
        let now = inner.now();
        inner.core.stop(now);
    }

    pub fn stats(&self) -> PlaybackStats {
        self.inner.borrow().core.stats()
    }

    /// The first browser error met while scheduling, if any (playback carries on).
    pub fn error(&self) -> Option<String> {
        self.inner.borrow().error.clone()
    }
}

impl Inner {
    fn now(&self) -> u64 {
        (self.ctx.current_time() * f64::from(self.core.rate())).round() as u64
    }

    fn time(&self, frame: u64) -> f64 {
        frame as f64 / f64::from(self.core.rate())
    }

    fn start(&mut self, plays: Vec<crate::playback::Play>) {
        // Bridges more audio replaced before they started: stopped before they sound.
        for id in self.core.take_cancelled() {
            if let Some(i) = self.sources.iter().position(|(s, _, _)| *s == id) {
                if let Some((_, _, node)) = self.sources.remove(i) {
                    let _ = scheduled(&node).stop();
                    let _ = node.disconnect();
                }
            }
        }
        let now = self.now();
        while self.sources.front().is_some_and(|(_, end, _)| *end <= now) {
            if let Some((_, _, node)) = self.sources.pop_front() {
                let _ = node.disconnect();
            }
        }
        for play in plays {
            let end = play.start + play.samples.len() as u64;
            match self.source(&play.samples, play.start) {
                Ok(node) => self.sources.push_back((play.id, end, node)),
                Err(e) => {
                    if self.error.is_none() {
                        self.error = Some(format!("Playback failed: {}", js_error(e)));
                    }
                }
            }
        }
    }

    fn source(
        &self,
        samples: &[f32],
        start: u64,
    ) -> Result<AudioBufferSourceNode, wasm_bindgen::JsValue> {
        let rate = self.ctx.sample_rate();
        let buffer = self.ctx.create_buffer(1, samples.len() as u32, rate)?;
        buffer.copy_to_channel(samples, 0)?;
        let node = self.ctx.create_buffer_source()?;
        node.set_buffer(Some(&buffer));
        node.connect_with_audio_node(&self.fade)?;
        // Buffers start on exact frames (a start between frames would be interpolated).
        node.start_with_when(self.time(start))?;
        Ok(node)
    }

    fn apply(&mut self, cut: &Cut) {
        let t = |frame: u64| (frame as f64 - NUDGE) / f64::from(self.core.rate());
        let gain = self.fade.gain();
        let _ = gain.cancel_scheduled_values(t(cut.at));
        let _ = gain.set_value_at_time(1.0, t(cut.at));
        let _ = gain.linear_ramp_to_value_at_time(0.0, t(cut.end));
        // Open again for the next turn, which starts after the prebuffer (> lead + fade).
        let _ = gain.set_value_at_time(1.0, t(cut.end + 1));
        for (id, _, node) in &self.sources {
            if cut.stop.contains(id) {
                let _ = scheduled(node).stop_with_when(t(cut.end));
            }
        }
    }
}

/// The source's start/stop live on its base interface (the subclass's copies are deprecated).
fn scheduled(node: &AudioBufferSourceNode) -> &AudioScheduledSourceNode {
    node.unchecked_ref()
}

impl Drop for Player {
    fn drop(&mut self) {
        let inner = self.inner.borrow();
        for (_, _, node) in &inner.sources {
            let _ = scheduled(node).stop();
            let _ = node.disconnect();
        }
        let _ = inner.fade.disconnect();
        let _ = inner.volume.disconnect();
        let _ = inner.analyser.disconnect();
    }
}
