//! A WebSocket as a Rust value: JS events become [`TransportEvent`]s on a channel, the
//! callbacks live exactly as long as the [`Socket`], and dropping it detaches them and
//! closes the connection.
//!
//! `binaryType = "arraybuffer"` so binary frames (how the Live API sends its JSON) arrive
//! synchronously and in order; a `Blob` would need an async read that can reorder frames.
//! <https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/binaryType>

use super::chan::{channel, Receiver, Sender};
use super::js_error;
use crate::close::CloseInfo;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// What a transport reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TransportEvent {
    Open,
    /// A frame as the browser gave it (an `ArrayBuffer`, a string, or the stand-in's
    /// bytes; [`super::wire::read`] reads it) and when it arrived (page clock, ms).
    Frame(JsValue, f64),
    Closed(CloseInfo),
}

/// Something that carries the session's JSON both ways: the real WebSocket, or the
/// in-page stand-in.
pub trait Transport {
    fn send_text(&self, text: &str) -> Result<(), String>;
    /// Bytes queued but not yet sent (for back-pressure and the log).
    fn buffered_amount(&self) -> u32;
    fn close(&self, code: u16, reason: &str);
}

/// An open (or opening) WebSocket and its four callbacks.
#[must_use = "dropping the socket closes it"]
pub struct Socket {
    ws: WebSocket,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Socket {
    /// Starts opening `url`; events arrive on the returned receiver.
    pub fn open(url: &str) -> Result<(Socket, Receiver<TransportEvent>), String> {
        let ws = WebSocket::new(url).map_err(js_error)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let (tx, rx) = channel();

        let on_open = {
            let tx = tx.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| {
                tx.send(TransportEvent::Open);
            })
        };
        let on_message = {
            let tx = tx.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let frame = TransportEvent::Frame(e.data(), e.time_stamp());
                tx.send(frame);
            })
        };
        let on_close = {
            let tx: Sender<TransportEvent> = tx.clone();
            Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
                tx.send(TransportEvent::Closed(CloseInfo {
                    code: e.code(),
                    reason: e.reason(),
                    was_clean: e.was_clean(),
                }));
            })
        };
        // An `error` event is always followed by `close` (code 1006), which carries
        // everything there is to know; nothing to do here but keep the console quiet.
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_| {});

        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok((
            Socket {
                ws,
                _on_open: on_open,
                _on_message: on_message,
                _on_close: on_close,
                _on_error: on_error,
            },
            rx,
        ))
    }
}

impl Transport for Socket {
    fn send_text(&self, text: &str) -> Result<(), String> {
        if self.ws.ready_state() != WebSocket::OPEN {
            return Err("the connection is not open".into());
        }
        self.ws.send_with_str(text).map_err(js_error)
    }

    fn buffered_amount(&self) -> u32 {
        self.ws.buffered_amount()
    }

    fn close(&self, code: u16, reason: &str) {
        let state = self.ws.ready_state();
        if state == WebSocket::CONNECTING || state == WebSocket::OPEN {
            // Fails only for invalid codes/reasons, which ours are not.
            let _ = self.ws.close_with_code_and_reason(code, reason);
        }
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        self.close(1000, "client closed");
    }
}
