//! The recording rendered as the conversation goes: each block of the file is made as soon as
//! nothing can change it any more, so the file is ready the moment the conversation stops,
//! and what is held in memory is only what is still open (the last second or so, the model's
//! current turn), not the whole call.
//!
//! It is fed what the whole-file [`Recorder`](super::Recorder) is fed (the microphone's
//! chunks, the model's audio per turn, the playback log's entries once they are settled) and
//! told, from time to time, how far the conversation is final ([`LiveRecorder::render`]).
//! The bytes it makes are the whole-file render's for the same inputs, block for block (host
//! tests): same origin (the earliest audio), same segments, same resampling and mix. Audio that
//! arrives for a time already rendered (later than the margin the caller allows) cannot be
//! placed; it is counted ([`LiveRecorder::lost_samples`]), never a panic.

use super::stream::{mix_block, Segment, Stream};
use super::{append_turn, frames_in, piece, Format, SessionId, BLOCK, SOURCE_RATE, USER_RATE};
use crate::playback::Played;
use crate::wav::{self, WavError};
use std::borrow::Cow;

/// Frames rendered at a time: a tenth of the whole-file render's block (0.1 s at 24 kHz), so
/// what is final reaches storage within a tenth of a second. The bytes do not depend on it:
/// the tracks' outputs are the same however they are taken.
const STEP: usize = BLOCK / 10;

/// A recording in one format, rendered block by block as the conversation goes.
#[derive(Clone)]
pub struct LiveRecorder {
    format: Format,
    /// The recording clock's time of the file's first frame: the earliest audio, fixed at the
    /// first render that finds some of it final (audio may be given out of order before:
    /// the model's first words settle after they played, the microphone's chunks at once).
    origin: Option<f64>,
    /// Audio given before the origin is fixed: (start in s, model track?, segment).
    early: Vec<(f64, bool, Segment<'static>)>,
    /// The end of the latest audio given (s).
    end: f64,
    user: Stream<'static>,
    model: Stream<'static>,
    sessions: Vec<SessionState>,
    /// Frames rendered so far.
    written: u64,
    lost: u64,
    peaks: Vec<[f32; 2]>,
}

#[derive(Clone)]
struct SessionState {
    offset: f64,
    rate: u32,
    /// The model's audio per turn (turn `n` at index `n - 1`); turns before the one the
    /// playback log has reached are freed.
    turns: Vec<Vec<i16>>,
}

impl LiveRecorder {
    pub fn new(format: Format) -> Self {
        LiveRecorder {
            format,
            origin: None,
            early: Vec::new(),
            end: 0.0,
            user: Stream::new(Vec::new(), USER_RATE, format.rate()),
            model: Stream::new(Vec::new(), SOURCE_RATE, format.rate()),
            sessions: Vec::new(),
            written: 0,
            lost: 0,
            peaks: Vec::new(),
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// A new playback session (see [`super::Recorder::begin_session`]).
    pub fn begin_session(&mut self, offset: f64, rate: u32) -> SessionId {
        self.sessions.push(SessionState {
            offset,
            rate: rate.max(1),
            turns: Vec::new(),
        });
        SessionId(self.sessions.len() - 1)
    }

    /// A microphone chunk (16 kHz) whose first sample was captured at `at` (s).
    pub fn add_user(&mut self, at: f64, samples: &[i16]) {
        if samples.is_empty() || !at.is_finite() {
            return;
        }
        self.end = self
            .end
            .max(at + samples.len() as f64 / f64::from(USER_RATE));
        let segment = Segment {
            at: 0,
            samples: Cow::Owned(samples.to_vec()),
            fade: None,
            fade_in: 0,
        };
        self.place(at, false, segment);
    }

    /// Model audio (24 kHz) of `turn` (from 1), in the order received.
    pub fn add_model(&mut self, session: SessionId, turn: u64, samples: &[i16]) {
        if let Some(s) = self.sessions.get_mut(session.0) {
            append_turn(&mut s.turns, turn, samples);
        }
    }

    /// Playback-log entries whose `heard` is final, in log order.
    pub fn add_played(&mut self, session: SessionId, played: &[Played]) {
        for p in played {
            let Some(s) = self.sessions.get_mut(session.0) else {
                return;
            };
            let Some(index) = p.turn.checked_sub(1).map(|t| t as usize) else {
                continue;
            };
            // Earlier turns are over: their audio is not needed any more.
            for old in s.turns.iter_mut().take(index) {
                *old = Vec::new();
            }
            let Some(turn) = s.turns.get(index) else {
                continue;
            };
            let Some((at, segment)) = piece(s.offset, s.rate, turn, p) else {
                continue;
            };
            let len = segment.samples.len();
            self.end = self.end.max(at + len as f64 / f64::from(SOURCE_RATE));
            let segment = Segment {
                at: 0,
                samples: Cow::Owned(segment.samples.into_owned()),
                fade: segment.fade,
                fade_in: segment.fade_in,
            };
            self.place(at, true, segment);
        }
    }

    /// Puts a segment starting at `at` (s) on its track, or keeps it until the origin is fixed.
    fn place(&mut self, at: f64, model: bool, mut segment: Segment<'static>) {
        let Some(origin) = self.origin else {
            self.early.push((at, model, segment));
            return;
        };
        let (rate, track) = if model {
            (SOURCE_RATE, &mut self.model)
        } else {
            (USER_RATE, &mut self.user)
        };
        segment.at = ((at - origin) * f64::from(rate)).round() as i64;
        self.lost += track.push(segment) as u64;
    }

    /// Fixes the origin at the earliest audio given, if any: from now on nothing earlier can
    /// come (the caller said it is final), and the audio kept meanwhile goes on its tracks.
    fn fix_origin(&mut self) -> Option<f64> {
        if self.origin.is_none() {
            let first = self.early.iter().map(|(at, _, _)| *at).reduce(f64::min)?;
            self.origin = Some(first);
            for (at, model, segment) in std::mem::take(&mut self.early) {
                self.place(at, model, segment);
            }
        }
        self.origin
    }

    /// The earliest audio given so far (s).
    /// The recording clock's time of the file's first frame, once any audio is in (the
    /// record's times are relative to it).
    pub fn origin(&self) -> Option<f64> {
        self.first()
    }

    fn first(&self) -> Option<f64> {
        self.origin
            .or_else(|| self.early.iter().map(|(at, _, _)| *at).reduce(f64::min))
    }

    /// Renders the blocks that are final: nothing of the conversation before `final_until`
    /// (s) can change any more. Returns their bytes (audio only; see [`Self::header`]).
    pub fn render(&mut self, final_until: f64) -> Vec<u8> {
        if self.origin.is_none() && self.first().is_none_or(|first| first >= final_until) {
            return Vec::new();
        }
        let Some(origin) = self.fix_origin() else {
            return Vec::new();
        };
        // Never past the latest audio: the file may end there.
        let until = final_until.min(self.end) - origin;
        let user_limit = (until * f64::from(USER_RATE)).floor() as i64;
        let model_limit = (until * f64::from(SOURCE_RATE)).floor() as i64;
        self.user.pump(user_limit);
        self.model.pump(model_limit);
        let mut bytes = Vec::new();
        while self.user.available(user_limit) >= STEP && self.model.available(model_limit) >= STEP {
            bytes.extend(self.block(STEP));
        }
        bytes
    }

    /// Like [`render`](Self::render), but only what is final up to `max_s` seconds past what
    /// is rendered (whole steps whose input, with the resampling filter's look-ahead, lies
    /// within it: `max_s` must exceed a step and the look-ahead, e.g. 0.3 s): when seconds
    /// become final at once (a reply heard out), they are rendered over several calls, each a
    /// short task on the page. The bytes are the same as one call's.
    pub fn render_at_most(&mut self, final_until: f64, max_s: f64) -> Vec<u8> {
        let rendered = self
            .origin
            .or_else(|| self.first())
            .map(|origin| origin + self.written as f64 / f64::from(self.format.rate()));
        match rendered {
            Some(at) => self.render(final_until.min(at + max_s)),
            None => self.render(final_until),
        }
    }

    /// The conversation is over: the rest of the file (all of it is final now).
    pub fn finish(&mut self) -> Vec<u8> {
        self.fix_origin();
        let total = self.total_frames();
        let mut bytes = Vec::new();
        while self.written < total {
            let n = (total - self.written).min(STEP as u64) as usize;
            bytes.extend(self.block(n));
        }
        bytes
    }

    /// What [`Self::finish`] would add now, leaving this recording as it is (a Save during
    /// the conversation).
    pub fn tail(&self) -> Vec<u8> {
        self.clone().finish()
    }

    fn block(&mut self, n: usize) -> Vec<u8> {
        let (mut user, mut model) = (Vec::with_capacity(n), Vec::with_capacity(n));
        self.user.take(n, &mut user);
        self.model.take(n, &mut model);
        let peak = |x: &[f32]| x.iter().fold(0f32, |m, v| m.max(v.abs()).min(1.0));
        self.peaks.push([peak(&user), peak(&model)]);
        self.written += n as u64;
        mix_block(&user, &model, self.format.channels() == 2)
    }

    /// Frames the whole file holds, as of the audio given so far.
    pub fn total_frames(&self) -> u64 {
        self.first()
            .map_or(0, |first| frames_in(self.end - first, self.format))
            .max(self.written)
    }

    /// Frames rendered so far.
    pub fn written_frames(&self) -> u64 {
        self.written
    }

    /// The WAV header for a file of `frames` frames.
    pub fn header(&self, frames: u64) -> Result<[u8; wav::HEADER_LEN], WavError> {
        wav::header(self.format.rate(), self.format.channels(), frames)
    }

    /// The WAV file's length in bytes, as it would be saved now.
    pub fn file_len(&self) -> u64 {
        wav::HEADER_LEN as u64 + self.total_frames() * u64::from(self.format.channels()) * 2
    }

    /// Seconds of audio so far.
    pub fn duration(&self) -> f64 {
        self.first().map_or(0.0, |first| self.end - first)
    }

    pub fn is_empty(&self) -> bool {
        self.first().is_none()
    }

    /// The waveform of what is rendered: per step (a tenth of a second at 24 kHz), the
    /// largest absolute sample (0..=1) of the person's track and of the model's.
    pub fn peaks(&self) -> &[[f32; 2]] {
        &self.peaks
    }

    /// Samples that came for a time already rendered and could not be placed.
    pub fn lost_samples(&self) -> u64 {
        self.lost
    }

    /// Samples held: what is not rendered yet, and the model's current turns.
    pub fn held_samples(&self) -> usize {
        let turns: usize = self
            .sessions
            .iter()
            .flat_map(|s| s.turns.iter())
            .map(Vec::len)
            .sum();
        self.user.held() + self.model.held() + turns
    }
}

/// `peaks` (per step) fitted to `columns` columns: each the largest of the steps it covers
/// (a short recording's steps are widened over several columns, so the picture is whole).
pub fn fit_peaks(peaks: &[[f32; 2]], columns: usize) -> Vec<[f32; 2]> {
    let n = peaks.len();
    (0..columns)
        .map(|c| {
            if n == 0 {
                return [0.0; 2];
            }
            let lo = c * n / columns;
            let hi = ((c + 1) * n / columns).max(lo + 1).min(n);
            peaks[lo..hi]
                .iter()
                .fold([0.0f32; 2], |m, p| [m[0].max(p[0]), m[1].max(p[1])])
        })
        .collect()
}

#[cfg(test)]
mod tests;
