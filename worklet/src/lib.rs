//! Capture DSP for the microphone AudioWorklet, and the band-limited resampler the client
//! also uses for its recordings. Plain Rust, tested on the host; built for the worklet as a
//! raw `wasm32-unknown-unknown` module with the `exports` feature (C ABI, no wasm-bindgen).

pub mod capture;
pub mod rates;
pub mod resample;

#[cfg(all(feature = "exports", target_arch = "wasm32"))]
mod bump;
#[cfg(feature = "exports")]
pub mod ffi;
