//! The browser edge: thin modules that turn JS events into the pure core's data and the
//! core's decisions into browser calls. Nothing here does arithmetic or parsing.

pub mod app;
pub mod archive;
pub mod capture;
pub mod devices;
pub mod fetch;
pub mod later;
pub mod page;
pub mod playback;
pub mod recording;
#[cfg(feature = "later-module")]
pub mod review;
pub mod rig;
pub mod session;
pub mod settings;
pub mod socket;
pub mod standin;
pub mod store;
pub mod stored;
pub mod tick;
pub mod tools;
pub mod wire;

use js_sys::{Uint8Array, WebAssembly};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

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

/// What `work` gives, or `None` if `timer` fires first.
pub async fn within<T>(
    work: impl std::future::Future<Output = T>,
    timer: gloo_timers::future::TimeoutFuture,
) -> Option<T> {
    use futures_util::future::{select, Either};
    match select(std::pin::pin!(work), timer).await {
        Either::Left((done, _)) => Some(done),
        Either::Right(_) => None,
    }
}

/// Compiles a wasm module from its bytes.
pub async fn compile_module(bytes: &[u8]) -> Result<WebAssembly::Module, String> {
    compile(&Uint8Array::from(bytes).into()).await
}

/// Compiles a wasm module from a buffer source (bytes or an `ArrayBuffer`).
async fn compile(source: &JsValue) -> Result<WebAssembly::Module, String> {
    let module = JsFuture::from(WebAssembly::compile(source)).await;
    Ok(module.map_err(js_error)?.unchecked_into())
}

/// Fetches and compiles the wasm module at `url` (the capture DSP, the offline stand-in):
/// compiled as its bytes arrive (`WebAssembly.compileStreaming`) when the server sends it as
/// `application/wasm`, as `trunk serve` and most servers do; from the whole body otherwise
/// (compileStreaming refuses any other type).
pub async fn fetch_module(url: &str) -> Result<WebAssembly::Module, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("{url}: {}", js_error(e)))?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", u32::from(response.status())));
    }
    let kind = response.headers().get("content-type").ok().flatten();
    if kind.is_some_and(|kind| kind.starts_with("application/wasm")) {
        let streamed =
            WebAssembly::compile_streaming(&js_sys::Promise::resolve::<JsValue>(response.as_ref()));
        let module = JsFuture::from(streamed).await;
        return Ok(module
            .map_err(|e| format!("{url}: {}", js_error(e)))?
            .unchecked_into());
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?).await;
    compile(&buffer.map_err(js_error)?).await
}
