//! The offline stand-in as a [`Transport`]: the pure [`StandIn`] answers in the page, on the
//! page's clock, with the same JSON frames the Live API sends over its WebSocket. The
//! session code above cannot tell the difference (only the transport differs).
//!
//! Frames are delivered through the same channel a socket uses, so they arrive
//! asynchronously and in order; reply chunks due later are sent on a 20 ms [`Tick`], which
//! keeps its pace in a background tab.

use super::page_now_ms;
use super::socket::{Transport, TransportEvent};
use super::tick::Tick;
use crate::close::CloseInfo;
use crate::standin::{StandIn, StandInConfig};
use futures_channel::mpsc::{unbounded, UnboundedReceiver, UnboundedSender};
use std::cell::RefCell;
use std::rc::{Rc, Weak};

/// How often due reply chunks are looked for.
const TICK_MS: u32 = 20;

struct State {
    core: StandIn,
    tx: UnboundedSender<TransportEvent>,
    open: bool,
}

impl State {
    fn deliver(&mut self, frames: Vec<crate::json::Value>) {
        for frame in frames {
            let _ = self.tx.unbounded_send(TransportEvent::Frame(
                frame.to_json().into_bytes(),
                page_now_ms(),
            ));
        }
    }

    fn close(&mut self, code: u16, reason: &str) {
        if std::mem::replace(&mut self.open, false) {
            let _ = self.tx.unbounded_send(TransportEvent::Closed(CloseInfo {
                code,
                reason: reason.to_owned(),
                was_clean: true,
            }));
        }
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
    let now = page_now_ms();
    if state.open && state.core.next_due().is_some_and(|due| due <= now) {
        let frames = state.core.poll(now);
        state.deliver(frames);
    }
}

impl Offline {
    /// Opens at once (the `Open` event is already queued on the receiver).
    pub fn open(config: StandInConfig) -> (Offline, UnboundedReceiver<TransportEvent>) {
        let (tx, rx) = unbounded();
        let _ = tx.unbounded_send(TransportEvent::Open);
        let state = Rc::new(RefCell::new(State {
            core: StandIn::new(config),
            tx,
            open: true,
        }));
        let weak = Rc::downgrade(&state);
        let tick = Tick::new(TICK_MS, move || pump(&weak));
        (Offline { state, _tick: tick }, rx)
    }
}

impl Transport for Offline {
    fn send_text(&self, text: &str) -> Result<(), String> {
        let mut state = self.state.borrow_mut();
        if !state.open {
            return Err("the connection is not open".into());
        }
        match state.core.receive(page_now_ms(), text) {
            Ok(frames) => state.deliver(frames),
            // What the real service would do: close with its code and reason.
            Err(reject) => state.close(reject.code, &reject.reason),
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
