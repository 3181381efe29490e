//! No hard edge, ever: how a turn's audio ends whenever it runs out.
//!
//! While a turn is open, the last [`EDGE_MS`] of what has arrived is not scheduled as it is:
//! it goes out as a **bridge**, those frames plus the resampler's tail (what a flush would
//! give now: the audio up to the last sample received), faded to silence. If more audio
//! arrives before the bridge starts, the bridge is cancelled (its source never sounds) and
//! the same frames play unfaded, followed by the new audio: no trace. If the bridge has
//! started, the stream did run dry there: it faded out on its own last sample, and the next
//! audio of the turn fades in over [`EDGE_MS`] (after the silence the jitter buffer inserts,
//! or straight after the bridge if the audio came while it played). `turnComplete` ends the
//! turn the same way, so a reply always ends on its own last sample, faded, whether
//! `turnComplete` comes before its audio has played out or long after.
//!
//! NetEq (WebRTC) conceals a loss by synthesising more speech ("expand"); this buffer fades
//! to silence and back instead: no invented sound, and no click.

use super::{frames, Pending, Play, Played, Scheduler, TurnState};

/// The fade at a gap's edges (ms): long enough that a full-scale step becomes inaudible as a
/// click, short enough to take little of the speech.
pub const EDGE_MS: f64 = 4.0;

/// The faded end scheduled after the audio received so far.
#[derive(Debug, Clone)]
pub(super) struct Bridge {
    /// Its entry in the log (the buffer's id is there).
    log_index: usize,
    pub(super) start: u64,
    /// The received frames it holds (unfaded), and where they sit in the turn's stream.
    body: Vec<f32>,
    body_out_index: u64,
    /// Frames of the resampler's flushed tail after them.
    tail: u64,
    turn: u64,
}

/// `samples` faded from full level to silence: frame `j` of `n` at `1 - j / n`, the shape the
/// recorder gives a segment faded from a frame to its end.
pub(super) fn fade_out(samples: &mut [f32]) {
    let n = samples.len() as f32;
    for (j, x) in samples.iter_mut().enumerate() {
        *x *= 1.0 - j as f32 / n;
    }
}

/// The first `n` frames of `samples` faded in from silence: frame `j` at `j / n`.
pub(super) fn fade_in(samples: &mut [f32], n: usize) {
    let n = n.min(samples.len());
    for (j, x) in samples.iter_mut().take(n).enumerate() {
        *x *= j as f32 / n as f32;
    }
}

impl Scheduler {
    pub(super) fn edge(&self) -> u64 {
        frames(EDGE_MS, self.rate).max(1)
    }

    /// The resampler's output up to the last sample received, flushed for good (the turn
    /// is over).
    pub(super) fn flushed_tail_now(&mut self) -> Vec<f32> {
        let tail = self.flushed_tail(true);
        if let Some(r) = &mut self.resampler {
            r.reset();
        }
        tail
    }

    /// The resampler's output up to the last sample received, as a flush would give it now
    /// (empty at 24 kHz), without disturbing the real resampler. `whole`: up to and past the
    /// last sample (the turn is over); otherwise only outputs at or before it, so a bridge
    /// never shows audio that has not arrived (the recorder may take it before more does).
    fn flushed_tail(&self, whole: bool) -> Vec<f32> {
        let Some(r) = &self.resampler else {
            return Vec::new();
        };
        let (up, down) = r.ratio();
        let end = (self.source_in as f64 + self.delay) * f64::from(up) / f64::from(down);
        let wanted = if whole { end.ceil() } else { end.floor() } as u64;
        let missing = wanted.saturating_sub(self.out_made) as usize;
        if missing == 0 {
            return Vec::new();
        }
        let mut r = r.clone();
        let mut tail = r.process_to_vec(&vec![0f32; r.taps() + 1]);
        tail.truncate(missing);
        tail
    }

    /// Schedules `block` at `start`; when it is the last audio of an open turn, its last
    /// frames go out as a bridge. Returns the buffers to start.
    pub(super) fn schedule(&mut self, mut block: Pending, start: u64, plays: &mut Vec<Play>) {
        if std::mem::take(&mut self.fade_in_next) {
            let n = self.edge() as usize;
            fade_in(&mut block.samples, n);
            self.pending_fade_in = n.min(block.samples.len()) as u64;
        } else if block.faded_in > 0 {
            // Its fade-in was applied when it went out as a bridge; the log must say so.
            self.pending_fade_in = block.faded_in;
        }
        let turn = block.turn;
        let open = self.state == TurnState::Playing && self.queue.is_empty() && turn == self.turn;
        if !open {
            let final_block = block.last;
            self.start_buffer(
                block.samples,
                block.out_index,
                start,
                final_block,
                turn,
                plays,
            );
            return;
        }
        let len = block.samples.len();
        let keep = len.saturating_sub(self.edge() as usize);
        // A fade-in stays within one buffer (the log gives each its own): a block too short
        // to hold it before its bridge goes out whole as the bridge.
        let keep = if keep < self.pending_fade_in as usize {
            0
        } else {
            keep
        };
        let body = block.samples.split_off(keep);
        let body_out_index = block.out_index + keep as u64;
        if keep > 0 {
            self.start_buffer(block.samples, block.out_index, start, false, turn, plays);
        }
        let bridge_start = start + keep as u64;
        let tail = self.flushed_tail(false);
        if body.is_empty() && tail.is_empty() {
            // Nothing to fade (an empty first chunk): no bridge, nothing in the log.
            self.cursor = Some(bridge_start);
            return;
        }
        let mut samples = body.clone();
        samples.extend_from_slice(&tail);
        self.bridge = Some(Bridge {
            log_index: self.log.len(),
            start: bridge_start,
            body,
            body_out_index,
            tail: tail.len() as u64,
            turn,
        });
        self.start_buffer(samples, body_out_index, bridge_start, true, turn, plays);
    }

    /// More of the turn arrived (or it ended) at frame `now`: a bridge that has not started
    /// is cancelled and its frames go back to the front of the queue, unfaded; one that has
    /// started stays, and the turn's next audio fades in (its first `tail` frames were
    /// already heard in the bridge, so they are skipped).
    pub(super) fn resolve_bridge(&mut self, now: u64, more: bool) {
        let Some(bridge) = self.bridge.take() else {
            return;
        };
        if bridge.start >= now + self.lead {
            let p = &mut self.log[bridge.log_index];
            (p.heard, p.cancelled) = (0, true);
            let faded_in = p.fade_in.min(bridge.body.len() as u64);
            self.cancelled.push(p.id);
            self.live.retain(|&i| i != bridge.log_index);
            self.stats.buffers -= 1;
            self.cursor = Some(bridge.start);
            self.queue.push_front(Pending {
                samples: bridge.body,
                out_index: bridge.body_out_index,
                first: false,
                last: false,
                turn: bridge.turn,
                faded_in,
            });
        } else if more {
            self.flushed = bridge.tail;
            self.fade_in_next = true;
            self.stats.gaps += 1;
        }
    }

    /// The resampler's output for positions a started bridge already played: dropped from
    /// the front of `samples` (the stream's index moves past them).
    pub(super) fn skip_flushed(&mut self, samples: &mut Vec<f32>) {
        let skip = (self.flushed as usize).min(samples.len());
        samples.drain(..skip);
        self.out_made += skip as u64;
        self.flushed -= skip as u64;
    }

    /// One buffer into the log and out to the graph; `faded`: its last frames fade to
    /// silence (a bridge fades whole; the turn's final block over [`EDGE_MS`]).
    fn start_buffer(
        &mut self,
        mut samples: Vec<f32>,
        out_index: u64,
        start: u64,
        faded: bool,
        turn: u64,
        plays: &mut Vec<Play>,
    ) {
        let len = samples.len() as u64;
        self.cursor = Some(start + len);
        if len == 0 {
            return;
        }
        let fade_from = faded.then(|| {
            let is_bridge = self.bridge.as_ref().is_some_and(|b| b.start == start);
            let from = if is_bridge {
                0
            } else {
                len.saturating_sub(self.edge())
            };
            fade_out(&mut samples[from as usize..]);
            start + from
        });
        let id = self.next_id;
        self.next_id += 1;
        let (up, down) = self.resampler.as_ref().map_or((1, 1), |r| r.ratio());
        let source_pos = out_index as f64 * f64::from(down) / f64::from(up) - self.delay;
        self.log.push(Played {
            id,
            turn,
            start,
            frames: len,
            heard: len,
            fade_from,
            fade_in: std::mem::take(&mut self.pending_fade_in),
            source_pos,
            cancelled: false,
        });
        self.live.push_back(self.log.len() - 1);
        self.stats.buffers += 1;
        plays.push(Play { id, start, samples });
    }
}
