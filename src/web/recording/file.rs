//! The recording as a file: the WAV Blob a Save offers, and its download name.

use crate::recorder::{file_name, Format, Recorder};
use crate::web::js_error;
use js_sys::{Array, Uint8Array};
use web_sys::{Blob, BlobPropertyBag};

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
