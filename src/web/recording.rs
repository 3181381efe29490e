//! The recording as a download: the pure [`Recorder`] renders the WAV in blocks; each block
//! becomes a Blob part, so the file is never one big buffer in wasm memory.

use super::js_error;
use crate::recorder::{file_name, Format, Recorder};
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
