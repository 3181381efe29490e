//! A WebSocket as a Rust value: JS events become [`TransportEvent`]s on a channel, the
//! listeners (gloo-events) live exactly as long as the [`Socket`], and dropping it closes
//! the connection and detaches them.
//!
//! `binaryType = "arraybuffer"` so binary frames (how the Live API sends its JSON) arrive
//! synchronously and in order; a `Blob` would need an async read that can reorder frames.
//! <https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/binaryType>

use super::js_error;
use crate::close::CloseInfo;
use futures_channel::mpsc::{
    unbounded as channel, UnboundedReceiver as Receiver, UnboundedSender as Sender,
};
use gloo_events::EventListener;
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

/// An open (or opening) WebSocket and its four listeners (they detach when dropped).
#[must_use = "dropping the socket closes it"]
pub struct Socket {
    ws: WebSocket,
    _listeners: [EventListener; 4],
}

impl Socket {
    /// Starts opening `url`; events arrive on the returned receiver.
    pub fn open(url: &str) -> Result<(Socket, Receiver<TransportEvent>), String> {
        let ws = WebSocket::new(url).map_err(js_error)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let (tx, rx) = channel();
        let on = |event: &'static str, make: fn(&Event) -> Option<TransportEvent>| {
            let tx: Sender<TransportEvent> = tx.clone();
            EventListener::new(&ws, event, move |e| {
                if let Some(event) = make(e) {
                    let _ = tx.unbounded_send(event);
                }
            })
        };
        let listeners = [
            on("open", |_| Some(TransportEvent::Open)),
            on("message", |e| {
                let e: &MessageEvent = e.unchecked_ref();
                Some(TransportEvent::Frame(e.data(), e.time_stamp()))
            }),
            on("close", |e| {
                let e: &CloseEvent = e.unchecked_ref();
                Some(TransportEvent::Closed(CloseInfo {
                    code: e.code(),
                    reason: e.reason(),
                    was_clean: e.was_clean(),
                }))
            }),
            // An `error` event is always followed by `close` (code 1006), which carries
            // everything there is to know; listened to only to keep the console quiet.
            on("error", |_| None),
        ];
        Ok((
            Socket {
                ws,
                _listeners: listeners,
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
        // The listeners detach as they drop, after this: the close event they could still
        // see goes to a receiver that is gone or about to be.
        self.close(1000, "client closed");
    }
}
