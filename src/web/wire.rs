//! Frames as text at the page's edge: a server frame is read by the browser's own
//! `TextDecoder` and `JSON.parse` (native code: a 12.8 MB frame is not a long task of ours)
//! and handed to the protocol's types by serde-wasm-bindgen; a client message is written by
//! serde_json (the socket sends the string it gets, so building a JS object tree for
//! `JSON.stringify` would only add copies).

use crate::protocol::{ClientMessage, ProtocolError, ServerMessage};
use js_sys::{JsString, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{TextDecoder, TextDecoderOptions};

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string, without copying it through wasm memory (js-sys's
    /// binding takes a Rust `&str`).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_json(text: &JsString) -> Result<JsValue, JsValue>;

    /// A `TextDecoder` whose `decode` keeps its text in JS (web-sys's copies it into a
    /// Rust `String`).
    #[wasm_bindgen(js_name = TextDecoder)]
    type Utf8Decoder;
    #[wasm_bindgen(method, catch)]
    fn decode(this: &Utf8Decoder, bytes: &Uint8Array) -> Result<JsString, JsValue>;
}

thread_local! {
    /// A strict UTF-8 decoder (`fatal`: a bad byte is an error, not U+FFFD), made once.
    static DECODER: Option<Utf8Decoder> = {
        let options = TextDecoderOptions::new();
        options.set_fatal(true);
        let decoder = TextDecoder::new_with_label_and_options("utf-8", &options).ok()?;
        Some(decoder.unchecked_into())
    };
}

/// A frame's text: a text frame as it is; a binary frame (`ArrayBuffer`, or the bytes the
/// stand-in's module gave) decoded as UTF-8.
fn text_of(data: &JsValue) -> Result<JsString, ProtocolError> {
    if let Some(text) = data.dyn_ref::<JsString>() {
        return Ok(text.clone());
    }
    let bytes = if let Some(buffer) = data.dyn_ref::<js_sys::ArrayBuffer>() {
        Uint8Array::new(buffer)
    } else if let Some(bytes) = data.dyn_ref::<Uint8Array>() {
        bytes.clone()
    } else {
        // A Blob, if someone changed `binaryType`.
        return Err(ProtocolError::Json {
            line: 0,
            column: 0,
            detail: "the frame is neither text nor bytes".into(),
        });
    };
    let decoded = DECODER.with(|decoder| {
        let decoder = decoder.as_ref()?;
        decoder.decode(&bytes).ok()
    });
    decoded.ok_or(ProtocolError::NotUtf8 { valid_up_to: None })
}

/// Reads one server frame into the protocol's message, or says what is wrong with it. A frame
/// of the wrong shape is named by its top-level fields (`serverContent: invalid type: ...`):
/// the full path (`serverContent.modelTurn.parts[1].inlineData.data`) is named where
/// serde_path_to_error runs (the host, the emulator); in the page it would cost 24 KB gzip of
/// the 340 KB everything-line (docs/dependencies.md).
pub fn read(data: &JsValue) -> Result<ServerMessage, ProtocolError> {
    let text = text_of(data)?;
    let value = parse_json(&text).map_err(|e| ProtocolError::Json {
        line: 0,
        column: 0,
        detail: super::js_error(e),
    })?;
    // serde-wasm-bindgen's error is a JS `Error`: its message, without "Error: ".
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| ProtocolError::Shape {
        path: top_level(&value),
        detail: super::js_error(e.into()),
    })
}

/// A parsed frame's top-level field names, comma-separated (empty for a frame that is not
/// an object).
fn top_level(value: &JsValue) -> String {
    if !value.is_object() {
        return String::new();
    }
    let keys = js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>());
    String::from(keys.join(", "))
}

/// One client message as the JSON text the socket sends.
pub fn write(message: &ClientMessage) -> String {
    message.to_json()
}
