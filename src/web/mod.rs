//! The browser edge: thin modules that turn JS events into the pure core's data and the
//! core's decisions into browser calls. Nothing here does arithmetic or parsing.

pub mod app;
pub mod capture;
pub mod devices;
pub mod page;
pub mod playback;
pub mod recording;
pub mod rig;
pub mod session;
pub mod settings;
pub mod socket;
pub mod standin;
pub mod store;
pub mod stored;
pub mod tick;
pub mod tools;

use wasm_bindgen::JsValue;

/// The page's clock: milliseconds since navigation (`performance.now()`).
pub fn page_now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A JS exception or error value as readable text (the one place `JsValue` errors are
/// converted).
pub fn js_error(value: JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    // Anything else as JSON (not `{:?}`: its formatting brings wasm-bindgen's debug-string
    // code into the page for this one rare case).
    value
        .as_string()
        .or_else(|| js_sys::JSON::stringify(&value).ok()?.as_string())
        .unwrap_or_else(|| "an error with no description".to_owned())
}

use wasm_bindgen::JsCast as _;
