//! Streams for the playback benchmarks: the older guides' `onended`-chained queue, and the
//! figures of a rendered stream (first-sample delay, inserted silence, discontinuities).

use super::{report, Tap};
use gemini_live_voice::pcm::i16_to_f32;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AudioBuffer, AudioBufferSourceNode, AudioContext, GainNode};

/// The older way: a queue of 24 kHz buffers; each starts when the previous one's `onended`
/// fires.
pub struct Chained {
    ctx: AudioContext,
    pub out: GainNode,
    queue: Rc<RefCell<VecDeque<AudioBuffer>>>,
    pub playing: Rc<RefCell<bool>>,
    on_ended: Rc<RefCell<Option<Callback>>>,
}

type Callback = Closure<dyn FnMut()>;

impl Chained {
    pub fn new(ctx: &AudioContext) -> Chained {
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

    pub fn push(&self, samples: &[i16]) {
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

/// What a stream's rendering shows, from frame `from` on.
#[derive(Debug, Clone, Copy)]
pub struct Rendered {
    /// The first sounding frame.
    pub first: u64,
    /// Silence inside the span from the first to the last sounding frame: runs of exact
    /// zeros (a sine has none; the resampler's run-in and ring-out are not silence), less
    /// what the tap missed, in ms.
    pub silence_ms: f64,
    /// Steps larger than the sine can make, or runs of zeros, inside that span.
    pub breaks: usize,
    /// Hard edges: steps larger than the sine can make (a gap faded out and back in has
    /// none; one cut off has two).
    pub steps: usize,
    /// Frames the tap never saw (the audio thread skipped quanta): no verdict on breaks.
    pub missed: u64,
}

/// Measures a rendered sine of `hz` at `amplitude` whose audio is `source_frames` long (at
/// the context's `rate`), from frame `from` to what the tap has recorded.
pub fn rendered(
    tap: &Tap,
    from: u64,
    source_frames: usize,
    rate: u32,
    hz: f64,
    amplitude: f64,
) -> Rendered {
    let (all, missed) = tap.signal_lossy(from, (tap.end() - from) as usize);
    if missed > 0 {
        report(&format!(
            "  (the tap missed {missed} frames: the audio thread skipped quanta)"
        ));
    }
    let first = all.iter().position(|&x| x != 0.0).expect("nothing played");
    let last = all.iter().rposition(|&x| x != 0.0).unwrap();
    let span = &all[first..=last];
    let _ = source_frames;
    let mut zeros = 0u64;
    for (i, &x) in span.iter().enumerate() {
        let neighbour = (i > 0 && span[i - 1] == 0.0) || span.get(i + 1) == Some(&0.0);
        if x == 0.0 && neighbour {
            zeros += 1;
        }
    }
    let inserted = zeros.saturating_sub(missed) as f64;
    let limit = (amplitude * 2.0 * std::f64::consts::PI * hz / f64::from(rate) * 1.5) as f32;
    let mut breaks = 0;
    let mut steps = 0;
    let mut last_break = None;
    for (i, w) in span.windows(2).enumerate() {
        let zero_run = w[0] == 0.0 && w[1] == 0.0;
        if (w[1] - w[0]).abs() > limit {
            steps += 1;
        }
        if (w[1] - w[0]).abs() > limit || zero_run {
            if last_break.is_none_or(|b| i > b + 64) {
                breaks += 1;
            }
            last_break = Some(i);
        }
    }
    Rendered {
        first: from + first as u64,
        silence_ms: inserted.max(0.0) * 1000.0 / f64::from(rate),
        breaks,
        // The drop to silence after the last sounding frame is an edge too.
        steps: steps + usize::from(span[span.len() - 1].abs() > limit),
        missed,
    }
}
