//! The C ABI the AudioWorklet's JS shim calls (`processor.js`). No wasm-bindgen: its glue
//! needs APIs the AudioWorkletGlobalScope lacks. The shim writes a render quantum into
//! the input buffer, calls `dsp_process`, and copies out ready chunks.
//!
//! Every function takes the handle from `dsp_new`; a null handle is ignored (returns 0).

use crate::capture::{Capture, CHUNK};
use alloc::boxed::Box;

/// Largest block `dsp_process` takes at once (a render quantum is 128 frames today).
pub const MAX_BLOCK: usize = 4096;

/// The instance the shim drives.
pub struct Dsp {
    capture: Capture,
    input: [f32; MAX_BLOCK],
    level: [f32; 2],
}

fn with<R: Default>(dsp: *mut Dsp, f: impl FnOnce(&mut Dsp) -> R) -> R {
    // SAFETY: the only pointers the shim has are ones `dsp_new` returned, used from one
    // thread (the audio thread), never after `dsp_free`.
    match unsafe { dsp.as_mut() } {
        Some(d) => f(d),
        None => R::default(),
    }
}

/// A pipeline for `input_rate` Hz; null if the rate is unsupported.
#[no_mangle]
pub extern "C" fn dsp_new(input_rate: u32) -> *mut Dsp {
    match Capture::new(input_rate) {
        Ok(capture) => Box::into_raw(Box::new(Dsp {
            capture,
            input: [0.0; MAX_BLOCK],
            level: [0.0; 2],
        })),
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees an instance.
///
/// # Safety
/// `dsp` is null or came from [`dsp_new`], and is not used again.
#[no_mangle]
pub unsafe extern "C" fn dsp_free(dsp: *mut Dsp) {
    if !dsp.is_null() {
        // SAFETY: `dsp` came from `dsp_new` and is freed once.
        drop(unsafe { Box::from_raw(dsp) });
    }
}

/// Where the shim writes up to [`MAX_BLOCK`] input samples.
#[no_mangle]
pub extern "C" fn dsp_input_ptr(dsp: *mut Dsp) -> *mut f32 {
    with(dsp, |d| d.input.as_mut_ptr() as usize) as *mut f32
}

/// Processes `frames` samples from the input buffer; returns the number of ready chunks.
#[no_mangle]
pub extern "C" fn dsp_process(dsp: *mut Dsp, frames: u32) -> u32 {
    with(dsp, |d| {
        let n = (frames as usize).min(MAX_BLOCK);
        d.capture.process(&d.input[..n]) as u32
    })
}

/// Moves the partial chunk to the ready queue; returns the number of ready chunks.
#[no_mangle]
pub extern "C" fn dsp_flush(dsp: *mut Dsp) -> u32 {
    with(dsp, |d| d.capture.flush() as u32)
}

/// Samples of ready chunk `i` (always [`CHUNK`] of them; see `dsp_chunk_len`).
#[no_mangle]
pub extern "C" fn dsp_chunk_ptr(dsp: *mut Dsp, i: u32) -> *const i16 {
    with(dsp, |d| {
        d.capture
            .chunk(i as usize)
            .map_or(0, |c| c.samples.as_ptr() as usize)
    }) as *const i16
}

/// Real samples in ready chunk `i` (CHUNK except for a flushed remainder).
#[no_mangle]
pub extern "C" fn dsp_chunk_len(dsp: *mut Dsp, i: u32) -> u32 {
    with(dsp, |d| {
        d.capture.chunk(i as usize).map_or(0, |c| c.len as u32)
    })
}

/// Input frame of ready chunk `i`'s first sample, counted from the first processed frame.
#[no_mangle]
pub extern "C" fn dsp_chunk_frame(dsp: *mut Dsp, i: u32) -> f64 {
    with(dsp, |d| {
        d.capture.chunk(i as usize).map_or(0.0, |c| c.start_frame)
    })
}

/// The shim has copied every ready chunk.
#[no_mangle]
pub extern "C" fn dsp_clear(dsp: *mut Dsp) {
    with(dsp, |d| d.capture.clear_ready())
}

/// Measures the level since the last call; returns a pointer to `[peak, rms]`.
#[no_mangle]
pub extern "C" fn dsp_level(dsp: *mut Dsp) -> *const f32 {
    with(dsp, |d| {
        let level = d.capture.take_level();
        d.level = [level.peak, level.rms];
        d.level.as_ptr() as usize
    }) as *const f32
}

/// Asks for chunks of `size` samples (one of [`crate::rates::CHUNK_SIZES`], before any
/// audio); returns the size in effect.
#[no_mangle]
pub extern "C" fn dsp_set_chunk(dsp: *mut Dsp, size: u32) -> u32 {
    with(dsp, |d| d.capture.set_chunk(size as usize) as u32)
}

/// The largest chunk's samples, so the shim need not hard-code it.
#[no_mangle]
pub extern "C" fn dsp_chunk_size() -> u32 {
    CHUNK as u32
}
