//! The recording's browser side: [`Recording`] owns the pure [`Recorder`] for the page's
//! lifetime (across connections), is fed the microphone's chunks and the model's audio as
//! they come and the player's settled buffers as playback goes (never a copy of the whole
//! log), and offers the WAV as a download: the recorder renders it in blocks, each block a
//! Blob part, so the file is never one big buffer in wasm memory.

use super::page::Page;
use super::playback::Player;
use super::{js_error, page_now_ms};
use crate::conversation::LogKind;
use crate::recorder::{describe, file_name, Format, Recorder, SessionId};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement};

/// The WAV file in `format` as a Blob (`audio/wav`).
pub fn wav_blob(recorder: &Recorder, format: Format) -> Result<Blob, String> {
    let parts = Array::new();
    for block in recorder.render(format).map_err(|e| e.to_string())? {
        // Copied out of wasm memory at once; the Vec is freed before the next block.
        parts.push(&Uint8Array::from(block.as_slice()));
    }
    let options = BlobPropertyBag::new();
    options.set_type("audio/wav");
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)
}

/// The download name for a recording that started now (local time).
pub fn download_name(started: &js_sys::Date, format: Format) -> String {
    let d = started;
    file_name(
        [
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes(),
            d.get_seconds(),
        ],
        format,
    )
}

/// The person's voice (blue) and the model's (orange, drawn over it), one column per pixel,
/// mirrored about the middle line.
pub fn draw_waveform(canvas: &HtmlCanvasElement, recorder: &Recorder) -> Result<(), String> {
    let ctx = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("the canvas has no 2d context")?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| "the canvas has no 2d context")?;
    let (width, height) = (canvas.width(), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, f64::from(width), height);
    let peaks = recorder.peaks(width as usize);
    let middle = height / 2.0;
    for (track, colour) in [(0, "#2a7de1"), (1, "#e8731c")] {
        ctx.set_fill_style_str(colour);
        for (x, peak) in peaks.iter().enumerate() {
            let half =
                (f64::from(peak[track]) * middle).max(if peak[track] > 0.0 { 0.5 } else { 0.0 });
            if half > 0.0 {
                ctx.fill_rect(x as f64, middle - half, 1.0, 2.0 * half);
            }
        }
    }
    Ok(())
}

/// The conversation's recording.
#[derive(Default)]
pub struct Recording {
    recorder: Recorder,
    /// The current connection's playback session and its clock's offset (s), and how much
    /// of its played log the recorder has.
    session: Option<(SessionId, f64, usize)>,
    /// When the recording began (names the download).
    started: Option<js_sys::Date>,
    /// The object URL of the last download (revoked when replaced).
    url: Option<String>,
}

/// A saved recording: its object URL, file name and "1:02, 2.9 MB".
pub struct Saved {
    pub url: String,
    pub name: String,
    pub summary: String,
}

impl Recording {
    /// The model's audio from now on plays on `ctx`'s clock through `player`.
    pub fn begin(&mut self, ctx: &web_sys::AudioContext, player: &Player) {
        let offset = page_now_ms() / 1000.0 - ctx.current_time();
        let id = self.recorder.begin_session(offset, player.rate());
        self.session = Some((id, offset, 0));
    }

    /// The offset of the current session's audio clock on the page clock (s).
    pub fn offset(&self) -> Option<f64> {
        self.session.map(|(_, offset, _)| offset)
    }

    /// A microphone chunk captured at `time` on the audio clock.
    pub fn user(&mut self, time: f64, samples: &[i16]) {
        if let Some((_, offset, _)) = self.session {
            self.recorder.add_user(offset + time, samples);
            self.mark_started();
        }
    }

    /// Model audio (24 kHz) queued in `turn`.
    pub fn model(&mut self, turn: u64, samples: &[i16]) {
        if let Some((id, _, _)) = self.session {
            self.recorder.add_model(id, turn, samples);
            self.mark_started();
        }
    }

    /// Whether any audio went in (the recording can be saved).
    pub fn started(&self) -> bool {
        self.started.is_some()
    }

    /// Takes the buffers whose fate the player has settled since the last call.
    pub fn feed(&mut self, player: Option<&Player>) {
        if let (Some((id, _, fed)), Some(player)) = (&mut self.session, player) {
            let settled = player.settled_since(*fed);
            *fed += settled.len();
            self.recorder.add_played(*id, &settled);
        }
    }

    /// Playback ends (the context is closing): everything heard goes in.
    pub fn end(&mut self, player: Option<&Player>) {
        if let Some(player) = player {
            player.stop();
        }
        self.feed(player);
        self.session = None;
    }

    pub fn is_empty(&self) -> bool {
        self.recorder.is_empty()
    }

    /// Seconds recorded so far.
    pub fn duration(&self) -> f64 {
        self.recorder.duration()
    }

    /// The file in `format` as an object URL (the previous one is revoked).
    pub fn save(&mut self, format: Format) -> Result<Saved, String> {
        let blob = wav_blob(&self.recorder, format)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
        if let Some(old) = self.url.replace(url.clone()) {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        let started = self.started.clone().unwrap_or_else(js_sys::Date::new_0);
        Ok(Saved {
            url,
            name: download_name(&started, format),
            summary: describe(self.recorder.duration(), blob.size() as u64),
        })
    }

    /// Draws the recording so far (nothing while it is empty).
    pub fn draw(&self, canvas: &HtmlCanvasElement) -> Result<bool, String> {
        if self.recorder.is_empty() {
            return Ok(false);
        }
        draw_waveform(canvas, &self.recorder)?;
        Ok(true)
    }

    /// Saves the recording so far in `format` and offers it as a download on the page.
    pub fn save_on(&mut self, page: &Page, format: Format) {
        if self.is_empty() {
            return page.set_text("rec-info", "Nothing recorded yet.");
        }
        match self.save(format) {
            Ok(saved) => {
                page.offer_download(&saved.url, &saved.name);
                page.set_text("rec-info", &format!("({})", saved.summary));
                self.draw_on(page);
                let text = format!("Recording saved: {} ({})", saved.name, saved.summary);
                page.log(LogKind::Info, &text);
            }
            Err(e) => page.log(
                LogKind::Error,
                &format!("The recording could not be saved: {e}"),
            ),
        }
    }

    /// Draws the waveform on the page's canvas and shows it (once there is audio).
    pub fn draw_on(&self, page: &Page) {
        let Ok(canvas) = page.element::<HtmlCanvasElement>("rec-wave") else {
            return;
        };
        match self.draw(&canvas) {
            Ok(drawn) => page.set_hidden("rec-figure", !drawn),
            Err(e) => page.log(
                LogKind::Warn,
                &format!("The waveform could not be drawn: {e}"),
            ),
        }
    }

    /// "1:02 recorded so far." on the page.
    pub fn progress_on(&self, page: &Page) {
        if !self.is_empty() {
            let secs = self.duration().round() as u64;
            let text = format!("{}:{:02} recorded so far.", secs / 60, secs % 60);
            page.set_text("rec-info", &text);
        }
    }

    fn mark_started(&mut self) {
        if self.started.is_none() {
            self.started = Some(js_sys::Date::new_0());
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if let Some(url) = self.url.take() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}
