//! A browser voice client for the Gemini Live API.
//!
//! Pure modules (no browser types, tested on the host with `cargo test`) and, on wasm32,
//! thin browser modules under [`web`] that translate between them and the page.

pub mod close;
pub mod endpoint;
pub mod pcm;
pub mod protocol;
pub mod session;

#[cfg(target_arch = "wasm32")]
pub mod web;
