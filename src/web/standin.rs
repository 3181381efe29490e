//! The offline stand-in as a [`Transport`]: the pure stand-in answers in the page, on the
//! page's clock, with the same JSON frames the Live API sends over its WebSocket. The
//! session code above cannot tell the difference (only the transport differs).
//!
//! The stand-in is a wasm module of its own (`standin.wasm`, [`crate::standin::module`]):
//! fetched and compiled in the background once the stand-in is the chosen backend (a page
//! that talks to the real service never loads it), then instantiated for each connection,
//! which opens once the instance is ready (a module that cannot be loaded closes it with 1006, as a server
//! that cannot be reached does).
//!
//! Frames are delivered through the same channel a socket uses, so they arrive
//! asynchronously and in order; reply chunks due later are sent on a 20 ms [`Tick`], which
//! keeps its pace in a background tab.

use super::socket::{Transport, TransportEvent};
use super::tick::Tick;
use super::{js_error, page_now_ms};
use crate::close::CloseInfo;
use futures_channel::mpsc::{
    unbounded as channel, UnboundedReceiver as Receiver, UnboundedSender as Sender,
};
use js_sys::{Function, Object, Reflect, Uint8Array, WebAssembly};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the page finds the module (put there by `.ci/build-worklet`).
const URL: &str = "standin.wasm";
/// How often due reply chunks are looked for.
const TICK_MS: u32 = 20;

thread_local! {
    /// The compiled module, once fetched (or given by [`provide`]).
    static MODULE: RefCell<Option<WebAssembly::Module>> = const { RefCell::new(None) };
}

/// Uses `module` instead of fetching `standin.wasm` (the browser tests embed it).
pub fn provide(module: WebAssembly::Module) {
    MODULE.with(|m| *m.borrow_mut() = Some(module));
}

/// Fetches and compiles the module in the background: the page calls it once the stand-in
/// is the chosen backend, so Connect does not wait for it (about 45 ms in a fresh browser);
/// a page talking to the service never loads it. (A Connect within those milliseconds
/// fetches it once more, from the browser's cache.)
pub fn prefetch() {
    if MODULE.with(|m| m.borrow().is_none()) {
        wasm_bindgen_futures::spawn_local(async {
            if let Ok(module) = module().await {
                provide(module);
            }
        });
    }
}

/// The compiled module: the one fetched before, or fetched now.
async fn module() -> Result<WebAssembly::Module, String> {
    match MODULE.with(|m| m.borrow().clone()) {
        Some(module) => Ok(module),
        None => super::fetch_module(URL).await,
    }
}

/// One instance's memory and the functions the page calls.
struct Exports {
    memory: WebAssembly::Memory,
    input: Function,
    receive: Function,
    poll: Function,
    output: Function,
    output_len: Function,
}

/// Calls an export with number arguments; a trap (a panic in the module) is an error.
fn call(f: &Function, args: &[f64]) -> Result<f64, String> {
    let args: js_sys::Array = args.iter().map(|&a| JsValue::from(a)).collect();
    let value = f.apply(&JsValue::UNDEFINED, &args).map_err(js_error)?;
    Ok(value.as_f64().unwrap_or(0.0))
}

/// A pointer or length the module returned (a wasm32 `usize` arrives as a signed i32).
fn unsigned(value: f64) -> u32 {
    value as i64 as u32
}

impl Exports {
    async fn instantiate() -> Result<Exports, String> {
        let module = module().await?;
        provide(module.clone());
        let instance = WebAssembly::instantiate_module(&module, &Object::new());
        let instance: WebAssembly::Instance = JsFuture::from(instance)
            .await
            .map_err(js_error)?
            .unchecked_into();
        let exports = instance.exports();
        let get = |name: &str| {
            Reflect::get(&exports, &JsValue::from_str(name))
                .ok()
                .filter(|f| !f.is_undefined())
                .ok_or("it is not the stand-in's module")
        };
        let function = |name: &str| get(name).map(JsValue::unchecked_into::<Function>);
        Ok(Exports {
            memory: get("memory")?.unchecked_into(),
            input: function("standin_input")?,
            receive: function("standin_receive")?,
            poll: function("standin_poll")?,
            output: function("standin_output")?,
            output_len: function("standin_output_len")?,
        })
    }

    /// The module's memory from `at`, `len` bytes (a view made after the call that may
    /// have grown it).
    fn view(&self, at: f64, len: u32) -> Uint8Array {
        let buffer = self.memory.buffer();
        Uint8Array::new_with_byte_offset_and_length(&buffer, unsigned(at), len)
    }

    fn output(&self) -> Result<Vec<u8>, String> {
        let at = call(&self.output, &[])?;
        let len = unsigned(call(&self.output_len, &[])?);
        Ok(self.view(at, len).to_vec())
    }

    /// One client frame: 0 and the frames to deliver, or a close code and its reason.
    fn receive(&self, now_ms: f64, text: &str) -> Result<(u32, Vec<u8>), String> {
        let len = text.len() as f64;
        let at = call(&self.input, &[len])?;
        self.view(at, text.len() as u32).copy_from(text.as_bytes());
        let code = unsigned(call(&self.receive, &[now_ms, len])?);
        Ok((code, self.output()?))
    }

    /// The frames due by `now_ms`, if any are.
    fn poll(&self, now_ms: f64) -> Result<Vec<u8>, String> {
        if call(&self.poll, &[now_ms])? == 0.0 {
            return Ok(Vec::new());
        }
        self.output()
    }
}

struct State {
    /// The instance, once made.
    exports: Option<Exports>,
    tx: Sender<TransportEvent>,
    open: bool,
}

impl State {
    /// Delivers the module's output: JSON texts, each ended by a newline.
    fn deliver(&mut self, output: &[u8]) {
        let now = page_now_ms();
        for frame in output.split(|&b| b == b'\n').filter(|f| !f.is_empty()) {
            let frame = js_sys::Uint8Array::from(frame).into();
            let _ = self.tx.unbounded_send(TransportEvent::Frame(frame, now));
        }
    }

    fn close(&mut self, code: u16, reason: &str) {
        if std::mem::replace(&mut self.open, false) {
            self.exports = None;
            let _ = self.tx.unbounded_send(TransportEvent::Closed(CloseInfo {
                code,
                reason: reason.to_owned(),
                was_clean: true,
            }));
        }
    }

    /// A module that failed mid-conversation ends it as a server error would.
    fn failed(&mut self, e: &str) {
        self.close(1011, &format!("The offline stand-in failed: {e}"));
    }
}

/// The in-page backend; dropping it ends the conversation.
#[must_use = "dropping the stand-in closes it"]
pub struct Offline {
    state: Rc<RefCell<State>>,
    _tick: Tick,
}

/// Sends the reply frames that are due by now.
fn pump(weak: &Weak<RefCell<State>>) {
    let Some(state) = weak.upgrade() else { return };
    let Ok(mut state) = state.try_borrow_mut() else {
        return;
    };
    let Some(exports) = state.exports.as_ref().filter(|_| state.open) else {
        return;
    };
    match exports.poll(page_now_ms()) {
        Ok(output) => state.deliver(&output),
        Err(e) => state.failed(&e),
    }
}

/// Makes the instance; then the connection is open (or closed, if that failed).
async fn start(weak: Weak<RefCell<State>>) {
    let made = Exports::instantiate().await;
    let Some(state) = weak.upgrade() else { return };
    let mut state = state.borrow_mut();
    if !state.open {
        return;
    }
    match made {
        Ok(exports) => {
            state.exports = Some(exports);
            let _ = state.tx.unbounded_send(TransportEvent::Open);
        }
        Err(e) => state.close(
            1006,
            &format!("The offline stand-in could not be loaded: {e}"),
        ),
    }
}

impl Offline {
    /// Starts loading; `Open` (or `Closed`) follows on the receiver.
    pub fn open() -> (Offline, Receiver<TransportEvent>) {
        let (tx, rx) = channel();
        let state = Rc::new(RefCell::new(State {
            exports: None,
            tx,
            open: true,
        }));
        let weak = Rc::downgrade(&state);
        wasm_bindgen_futures::spawn_local(start(weak.clone()));
        let tick = Tick::new(TICK_MS, move || pump(&weak));
        (Offline { state, _tick: tick }, rx)
    }
}

impl Transport for Offline {
    fn send_text(&self, text: &str) -> Result<(), String> {
        let mut state = self.state.borrow_mut();
        let Some(exports) = state.exports.as_ref().filter(|_| state.open) else {
            return Err("the connection is not open".into());
        };
        match exports.receive(page_now_ms(), text) {
            Ok((0, output)) => state.deliver(&output),
            // What the real service would do: close with its code and reason.
            Ok((code, reason)) => {
                let reason = String::from_utf8(reason).unwrap_or_default();
                state.close(code.min(u32::from(u16::MAX)) as u16, &reason);
            }
            Err(e) => state.failed(&e),
        }
        Ok(())
    }

    fn buffered_amount(&self) -> u32 {
        0
    }

    fn close(&self, code: u16, reason: &str) {
        self.state.borrow_mut().close(code, reason);
    }
}
