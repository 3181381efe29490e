//! What the recording card shows: Save and Listen, the waveform, how much is recorded and
//! what could not be kept.

use super::{Recording, Take};
use crate::conversation::LogKind;
use crate::dom::Id;
use crate::recorder::describe;
use crate::recorder::live::fit_peaks;
use crate::web::js_error;
use crate::web::page::Page;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// Whether the browser keeps stored conversations when space runs low: asked once, when the
/// first conversation of the visit starts recording (`navigator.storage.persist()`; Firefox
/// asks the person, Chromium and Safari decide themselves), a refusal said once.
#[derive(Default)]
pub struct Persistence {
    asked: bool,
    granted: Rc<Cell<Option<bool>>>,
    told: bool,
}

impl Persistence {
    pub(super) fn ask(&mut self) {
        let storage = web_sys::window().map(|w| w.navigator().storage());
        let Some(Ok(promise)) = storage.filter(|_| !self.asked).map(|s| s.persist()) else {
            return;
        };
        self.asked = true;
        let granted = Rc::clone(&self.granted);
        wasm_bindgen_futures::spawn_local(async move {
            if let Ok(answer) = wasm_bindgen_futures::JsFuture::from(promise).await {
                granted.set(answer.as_bool());
            }
        });
    }

    /// The refusal, once.
    fn refused(&mut self) -> bool {
        let refused = !self.told && self.granted.get() == Some(false);
        self.told |= refused;
        refused
    }
}

impl Recording {
    /// Saves the recording so far and offers it as a download on the page.
    pub fn save_on(&mut self, page: &Page) {
        if !self.started() {
            return page.set_text(Id::RecInfo, "Nothing recorded yet.");
        }
        match self.save() {
            Ok(saved) => {
                page.offer_download(&saved.url, &saved.name);
                page.set_text(Id::RecInfo, &format!("Saved: {}.", saved.summary));
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

    /// Puts the recording so far in the page's player (the same file Save offers).
    pub fn listen_on(&mut self, page: &Page) {
        match self.save() {
            Ok(saved) => {
                // The player keeps its own URL: a later Save does not revoke it.
                if let Some(old) = std::mem::replace(&mut self.heard, self.url.take()) {
                    let _ = web_sys::Url::revoke_object_url(&old);
                }
                if let Ok(player) = page.element::<web_sys::HtmlElement>(Id::RecPlayer) {
                    let _ = player.set_attribute("src", &saved.url);
                    player.set_hidden(false);
                    let _ = player.focus();
                }
                page.set_text(Id::RecInfo, &format!("In the player: {}.", saved.summary));
            }
            Err(e) => page.set_text(Id::RecInfo, &e),
        }
    }

    /// Draws the waveform of what is rendered on the page's canvas and shows it.
    pub fn draw_on(&self, page: &Page) {
        let Some(take) = self.take.as_ref().filter(|t| !t.live.peaks().is_empty()) else {
            return;
        };
        let Ok(canvas) = page.element::<HtmlCanvasElement>(Id::RecWave) else {
            return;
        };
        match draw_waveform(&canvas, take.live.peaks()) {
            Ok(()) => page.set_hidden(Id::RecFigure, false),
            Err(e) => page.log(
                LogKind::Warn,
                &format!("The waveform could not be drawn: {e}"),
            ),
        }
    }

    /// The format menu changed: during a conversation it applies to the next one.
    pub fn format_changed(&self, page: &Page) {
        if self.open_take().is_some() {
            page.set_text(
                Id::RecInfo,
                "This conversation keeps its format; the new one applies to the next conversation.",
            );
        }
    }

    fn open_take(&self) -> Option<&Take> {
        self.take.as_ref().filter(|t| !t.finished)
    }

    /// "1:02 recorded so far." on the page (or why part of it could not be kept).
    pub fn progress_on(&mut self, page: &Page) {
        if !self.storage_told {
            if let Some(e) = self.storage_error.borrow().as_ref() {
                self.storage_told = true;
                let text = format!("This recording is kept in this tab only: the browser did not store it ({e}). Save still has all of it; closing the tab would lose it. {}", e.advice());
                let text = text.trim_end();
                page.log(LogKind::Warn, text);
                page.set_text(Id::RecStoredNone, text);
                page.set_hidden(Id::RecStoredNone, false);
            }
        }
        if self.persistence.refused() {
            page.log(
                LogKind::Info,
                "The browser did not grant persistent storage: it may clear stored conversations when space runs low. Download the ones to keep.",
            );
        }
        if let Some(e) = self.error.take() {
            let text = format!("Part of the recording could not be kept: {e}");
            page.log(LogKind::Error, &text);
            return page.set_text(Id::RecInfo, &text);
        }
        if let Some(take) = self.take.as_ref().filter(|t| !t.live.is_empty()) {
            let so_far = if take.finished { "" } else { " so far" };
            let size = describe(take.live.duration(), take.live.file_len());
            page.set_text(Id::RecInfo, &format!("Recorded{so_far}: {size}."));
        }
    }
}

/// The person's voice in the waveforms (the recording card's, the review's).
pub const YOU: &str = "#2a7de1";
/// The model's.
pub const MODEL: &str = "#e8731c";

/// A canvas's 2d drawing context.
pub fn context_2d(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, String> {
    canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("the canvas has no 2d context")?
        .dyn_into::<CanvasRenderingContext2d>()
        .map_err(|_| "the canvas has no 2d context".to_owned())
}

/// The person's voice (blue) and the model's (orange, drawn over it), one column per pixel,
/// mirrored about the middle line, from per-column peaks (0..=1).
pub fn draw_waveform(canvas: &HtmlCanvasElement, peaks: &[[f32; 2]]) -> Result<(), String> {
    let ctx = context_2d(canvas)?;
    let (width, height) = (canvas.width(), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, f64::from(width), height);
    let peaks = fit_peaks(peaks, width as usize);
    let middle = height / 2.0;
    for (track, colour) in [(0, YOU), (1, MODEL)] {
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
