//! Capture DSP for the microphone AudioWorklet, and the band-limited resampler the client
//! also uses for its recordings. Plain Rust, tested on the host; built for the worklet as a
//! raw `wasm32-unknown-unknown` module with the `exports` feature (C ABI, no wasm-bindgen),
//! and then without the standard library: its panic machinery (message formatting, hooks)
//! was a third of that module, and nothing on the audio thread could show a panic anyway.
#![cfg_attr(all(feature = "exports", target_arch = "wasm32"), no_std)]

extern crate alloc;

pub mod capture;
mod math;
pub mod rates;
pub mod resample;

#[cfg(all(feature = "exports", target_arch = "wasm32"))]
mod bump;
#[cfg(feature = "exports")]
pub mod ffi;

/// A panic in the worklet's module (a bug) traps: the processor then reports the error.
#[cfg(all(feature = "exports", target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
