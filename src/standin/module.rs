//! The offline stand-in as a wasm module of its own, `standin.wasm`: the page loads it only
//! when the stand-in is the chosen backend (the default with no key), so a page talking to
//! the real service never downloads it. Built from this crate without the page (`.ci/build-worklet`:
//! `--no-default-features --features standin-module`); a plain C ABI, no wasm-bindgen glue.
//!
//! One conversation per module instance (the page instantiates the module for each
//! connection). The page copies a client frame's text into the buffer [`standin_input`]
//! returns and calls [`standin_receive`]; what goes back is then in the output buffer
//! ([`standin_output`], [`standin_output_len`]): each frame's JSON text followed by a
//! newline (compact JSON has none of its own), or, when the frame is refused, the close
//! reason, the close code being what `standin_receive` returned. [`standin_poll`] fills the
//! output with the reply frames due by then; [`standin_next_due`] says when more are due.
//! Times are the page's clock in milliseconds.

use super::{StandIn, StandInConfig};
use crate::protocol::ServerMessage;
use std::cell::RefCell;

/// The page's stand-in: handles `offline-<n>`, and the first two chunks of a reply at once,
/// as the real service sends its first ones: the reply then runs a chunk (200 ms) ahead,
/// slack against the page timer that paces it running late in a busy tab, which the
/// playback's jitter buffer alone cannot absorb.
pub fn page_config() -> StandInConfig {
    StandInConfig {
        handle_prefix: "offline-".into(),
        accepted_handles: "offline-".into(),
        burst: 2,
        ..StandInConfig::default()
    }
}

struct Conversation {
    core: StandIn,
    input: Vec<u8>,
    output: Vec<u8>,
}

thread_local! {
    static CONVERSATION: RefCell<Conversation> = RefCell::new(Conversation {
        core: StandIn::new(page_config()),
        input: Vec::new(),
        output: Vec::new(),
    });
}

fn with<T>(f: impl FnOnce(&mut Conversation) -> T) -> T {
    CONVERSATION.with(|c| f(&mut c.borrow_mut()))
}

impl Conversation {
    /// The frames as the output, each with its newline; the length of the output.
    fn put(&mut self, frames: Vec<ServerMessage>) -> usize {
        let mut text = String::new();
        for frame in frames {
            // Writing these types cannot fail: every map key is a string.
            text.push_str(&serde_json::to_string(&frame).unwrap_or_default());
            text.push('\n');
        }
        self.output = text.into_bytes();
        // The page shows no notes: drained so a long conversation does not keep them.
        self.core.take_notes();
        self.output.len()
    }
}

/// Starts a new conversation (what an earlier one had is dropped).
#[no_mangle]
pub extern "C" fn standin_open() {
    with(|c| {
        c.core = StandIn::new(page_config());
        c.output.clear();
    });
}

/// A buffer of `len` bytes for the next client frame's UTF-8 text.
#[no_mangle]
pub extern "C" fn standin_input(len: usize) -> *mut u8 {
    with(|c| {
        c.input.clear();
        c.input.resize(len, 0);
        c.input.as_mut_ptr()
    })
}

/// Takes the first `len` bytes of the input buffer as a client frame at `now_ms`: 0, with
/// the answer's frames in the output; or the close code the service would answer with,
/// with its reason in the output (the conversation is then over).
#[no_mangle]
pub extern "C" fn standin_receive(now_ms: f64, len: usize) -> u32 {
    with(|c| {
        let input = std::mem::take(&mut c.input);
        let text = std::str::from_utf8(&input[..len.min(input.len())]);
        let result = match text {
            Ok(text) => c.core.receive(now_ms, text),
            Err(_) => Err(super::validate::Reject {
                code: 1007,
                reason: "Invalid UTF-8 in a text frame.".into(),
            }),
        };
        c.input = input;
        match result {
            Ok(frames) => {
                c.put(frames);
                0
            }
            Err(reject) => {
                c.output = reject.reason.into_bytes();
                u32::from(reject.code)
            }
        }
    })
}

/// Puts the frames due by `now_ms` in the output; returns its length (0: none due).
#[no_mangle]
pub extern "C" fn standin_poll(now_ms: f64) -> usize {
    with(|c| {
        let frames = c.core.poll(now_ms);
        c.put(frames)
    })
}

/// When the next frame is due (ms), or -1 when none is.
#[no_mangle]
pub extern "C" fn standin_next_due() -> f64 {
    with(|c| c.core.next_due().unwrap_or(-1.0))
}

/// Where the output starts (valid until the next call).
#[no_mangle]
pub extern "C" fn standin_output() -> *const u8 {
    with(|c| c.output.as_ptr())
}

/// The output's length in bytes.
#[no_mangle]
pub extern "C" fn standin_output_len() -> usize {
    with(|c| c.output.len())
}

#[cfg(test)]
mod tests;
