//! A browser voice client for the Gemini Live API.
//!
//! Pure modules (no browser types, tested on the host with `cargo test`) and, on wasm32,
//! thin browser modules under [`web`] that translate between them and the page.

pub mod archive;
pub mod close;
pub mod conversation;
pub mod device;
pub mod devices;
pub mod dom;
pub mod endpoint;
pub mod latency;
pub mod pcm;
pub mod playback;
pub mod protocol;
pub mod reconnect;
pub mod record;
pub mod recorder;
pub mod session;
pub mod settings;
pub mod standin;
pub mod tools;
pub mod wav;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod web;

/// The page's allocator: talc instead of the standard library's dlmalloc, smaller in the
/// shipped module and no slower in the recording benchmark (README, Tools). The page is single-threaded (no atomics). The
/// browser benchmarks bring their own (`bench-heap`): talc, counting.
#[cfg(all(
    target_arch = "wasm32",
    not(target_feature = "atomics"),
    not(feature = "bench-heap")
))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Entry point when the module loads in the page (the later module has none: the page calls it).
#[cfg(all(
    target_arch = "wasm32",
    feature = "page",
    not(feature = "later-module")
))]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start_page() {
    // A panic's message, place and stack in the console (the page never means to panic;
    // if it does, that is what a bug report needs).
    console_error_panic_hook::set_once();
    if let Err(e) = web::app::start() {
        web_sys::console::error_1(&e.into());
    }
}
