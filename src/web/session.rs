//! A Live API session over a [`Transport`]: connect, send `setup`, wait for
//! `setupComplete` (with a timeout), then send audio/text and receive typed events.
//!
//! All the rules live in the pure [`SessionCore`]; this module only moves events and
//! text between it and the transport. [`Session`] is a cheap handle for sending (the
//! mic callback holds one); [`Events`] is the single consumer of what comes back.

use super::socket::{Socket, Transport, TransportEvent};
use super::standin::Offline;
use super::wire;
use super::{page_now_ms, within};
use crate::conversation::Event;
use crate::endpoint::Endpoint;
use crate::latency::Latencies;
use crate::protocol::{ClientMessage, ServerEvent, Setup};
use crate::session::{Phase, SessionCore, SessionError, SessionEvent, SessionStats};
use crate::settings::Connection;
use futures_channel::mpsc::UnboundedReceiver as Receiver;
use futures_util::StreamExt as _;
use gloo_timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// The most model audio handed on in one task (a longer part is split).
const PIECE_MS: u32 = 500;

/// Default wait for `setupComplete`.
pub const SETUP_TIMEOUT_MS: u32 = 15_000;

struct Inner {
    core: RefCell<SessionCore>,
    transport: Box<dyn Transport>,
}

/// The sending side of a session. Clones share one connection.
#[derive(Clone)]
pub struct Session {
    inner: Rc<Inner>,
}

/// The receiving side: the session's events, in order.
pub struct Events {
    inner: Rc<Inner>,
    rx: Receiver<TransportEvent>,
    pending: VecDeque<SessionEvent>,
    ended: bool,
    /// When the frame the latest events came from arrived (page clock, ms).
    frame_at: f64,
}

/// Opens a WebSocket to `endpoint` and completes the setup handshake.
pub async fn connect(
    endpoint: &Endpoint,
    setup: Setup,
    timeout_ms: u32,
) -> Result<(Session, Events), SessionError> {
    let (transport, rx) = open_socket(endpoint)?;
    connect_over(transport, rx, setup, timeout_ms).await
}

/// Starts a session with the in-page offline stand-in (no network, no key).
pub async fn connect_offline(
    setup: Setup,
    timeout_ms: u32,
) -> Result<(Session, Events), SessionError> {
    let (transport, rx) = open_offline();
    connect_over(transport, rx, setup, timeout_ms).await
}

/// The handshake over any transport (the WebSocket, or the in-page stand-in).
pub async fn connect_over(
    transport: Box<dyn Transport>,
    rx: Receiver<TransportEvent>,
    setup: Setup,
    timeout_ms: u32,
) -> Result<(Session, Events), SessionError> {
    let inner = Rc::new(Inner {
        core: RefCell::new(SessionCore::new(setup)),
        transport,
    });
    let mut events = Events {
        inner: Rc::clone(&inner),
        rx,
        pending: VecDeque::new(),
        ended: false,
        frame_at: 0.0,
    };
    let outcome = within(events.until_ready(), TimeoutFuture::new(timeout_ms)).await;
    match outcome {
        Some(Ok(())) => Ok((Session { inner }, events)),
        Some(Err(e)) => Err(e),
        None => {
            let error = inner.core.borrow_mut().on_setup_timeout(timeout_ms);
            inner.transport.close(1000, "setup timed out");
            Err(error)
        }
    }
}

impl Events {
    async fn until_ready(&mut self) -> Result<(), SessionError> {
        while let Some(event) = self.rx.next().await {
            match event {
                TransportEvent::Open => {
                    let setup = self.inner.core.borrow_mut().on_open();
                    self.inner
                        .transport
                        .send_text(&wire::write(&setup))
                        .map_err(SessionError::Send)?;
                }
                TransportEvent::Frame(data, at) => {
                    self.frame_at = at;
                    let message = wire::read(&data);
                    let events = self.inner.core.borrow_mut().on_message(message);
                    for event in events {
                        if event == SessionEvent::Server(ServerEvent::SetupComplete) {
                            // Events that came in the same frame after it stay queued.
                            continue;
                        }
                        self.pending.push_back(event);
                    }
                    if self.inner.core.borrow().phase() == Phase::Ready {
                        return Ok(());
                    }
                }
                TransportEvent::Closed(info) => {
                    return Err(self.inner.core.borrow_mut().on_close(info));
                }
            }
        }
        Err(SessionError::Open("the transport went away".into()))
    }

    /// When the frame the latest event came from arrived (page clock, ms).
    pub fn frame_arrived_ms(&self) -> f64 {
        self.frame_at
    }

    /// The next event; `None` after [`SessionEvent::Ended`] has been delivered.
    pub async fn next(&mut self) -> Option<SessionEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if matches!(event, SessionEvent::Ended(_)) {
                    self.ended = true;
                }
                return Some(event);
            }
            if self.ended {
                return None;
            }
            match self.rx.next().await {
                Some(TransportEvent::Frame(data, at)) => {
                    self.frame_at = at;
                    let message = wire::read(&data);
                    let events = self.inner.core.borrow_mut().on_message(message);
                    self.pending.extend(events);
                }
                Some(TransportEvent::Closed(info)) => {
                    let error = self.inner.core.borrow_mut().on_close(info);
                    self.pending.push_back(SessionEvent::Ended(error));
                }
                Some(TransportEvent::Open) => {}
                None => {
                    let error = SessionError::Open("the transport went away".into());
                    self.pending.push_back(SessionEvent::Ended(error));
                }
            }
        }
    }
}

impl Session {
    fn send(&self, message: Result<ClientMessage, SessionError>) -> Result<(), SessionError> {
        self.inner
            .transport
            .send_text(&wire::write(&message?))
            .map_err(SessionError::Send)
    }

    /// One chunk of 16 kHz int16 microphone audio.
    pub fn send_audio(&self, samples: &[i16]) -> Result<(), SessionError> {
        let text = self.inner.core.borrow_mut().audio(samples);
        self.send(text)
    }

    /// The microphone was turned off.
    pub fn send_audio_stream_end(&self) -> Result<(), SessionError> {
        let text = self.inner.core.borrow_mut().audio_stream_end();
        self.send(text)
    }

    /// Typed text, as `realtimeInput.text`.
    pub fn send_text(&self, text: &str) -> Result<(), SessionError> {
        let text = self.inner.core.borrow_mut().text(text);
        self.send(text)
    }

    /// Any other message (tool responses...).
    pub fn send_message(&self, message: &ClientMessage) -> Result<(), SessionError> {
        self.inner.core.borrow_mut().message()?;
        self.inner
            .transport
            .send_text(&wire::write(message))
            .map_err(SessionError::Send)
    }

    pub fn phase(&self) -> Phase {
        self.inner.core.borrow().phase()
    }

    pub fn stats(&self) -> SessionStats {
        self.inner.core.borrow().stats()
    }

    /// The latest resumable handle, to continue this conversation on a new connection.
    pub fn resumption_handle(&self) -> Option<String> {
        self.inner
            .core
            .borrow()
            .resumption_handle()
            .map(str::to_owned)
    }

    /// Bytes waiting in the transport.
    pub fn buffered_amount(&self) -> u32 {
        self.inner.transport.buffered_amount()
    }

    /// Closes the connection normally; [`Events`] then ends with code 1000.
    pub fn close(&self) {
        self.inner.transport.close(1000, "client closed");
    }
}

/// The conversation's current connection, if any: where its audio goes. Clones share it.
/// Each connection opened for it is numbered ([`run`]); one that finishes opening after a
/// later one was begun is no longer the conversation's, and never reaches it.
#[derive(Clone, Default)]
pub struct Current(Rc<RefCell<Option<Session>>>, Rc<Cell<u32>>);

impl Current {
    /// Microphone audio to the model (an error when no connection takes it).
    pub fn send_audio(&self, samples: &[i16]) -> Result<(), SessionError> {
        match &*self.0.borrow() {
            Some(session) => session.send_audio(samples),
            None => Err(SessionError::NotReady(Phase::Closed)),
        }
    }

    pub fn send_audio_stream_end(&self) -> Result<(), SessionError> {
        match &*self.0.borrow() {
            Some(session) => session.send_audio_stream_end(),
            None => Ok(()),
        }
    }

    /// Any other message (text, activity markers, tool answers): an error when no
    /// connection takes it.
    pub fn send_message(&self, message: &ClientMessage) -> Result<(), SessionError> {
        match &*self.0.borrow() {
            Some(session) => session.send_message(message),
            None => Err(SessionError::NotReady(Phase::Closed)),
        }
    }

    pub fn close(&self) {
        if let Some(session) = &*self.0.borrow() {
            session.close();
        }
    }

    /// Forgets the connection (it has ended).
    pub fn clear(&self) {
        self.0.borrow_mut().take();
    }

    /// The number of a connection begun now (later ones outnumber it).
    fn begin(&self) -> u32 {
        let n = self.1.get().wrapping_add(1);
        self.1.set(n);
        n
    }
}

/// Opens a connection for the conversation (resuming `handle`) and reports what happens as
/// the conversation's events: [`Event::Opened`], then what the server says, then
/// [`Event::Ended`] with the latest resumption handle. While it is open, `current` holds it.
pub fn run(
    connection: &Connection,
    handle: Option<String>,
    current: Current,
    report: impl Fn(Event) + 'static,
) -> impl std::future::Future<Output = ()> {
    let setup = connection.setup.clone().with_resumption(handle);
    let number = current.begin();
    // The socket is made now, not when the future is first polled: its handshake then runs
    // on the network thread while the caller goes on (making the audio graph on Connect).
    let transport = match &connection.endpoint {
        Some(endpoint) => open_socket(endpoint),
        None => Ok(open_offline()),
    };
    async move {
        let opened = match transport {
            Ok((transport, rx)) => connect_over(transport, rx, setup, SETUP_TIMEOUT_MS).await,
            Err(e) => Err(e),
        };
        run_opened(opened, current, number, report).await;
    }
}

type Opening = (Box<dyn Transport>, Receiver<TransportEvent>);

fn open_socket(endpoint: &Endpoint) -> Result<Opening, SessionError> {
    let url = endpoint
        .url()
        .map_err(|e| SessionError::Endpoint(e.to_string()))?;
    let (socket, rx) = Socket::open(&url).map_err(SessionError::Open)?;
    Ok((Box::new(socket), rx))
}

fn open_offline() -> Opening {
    let (transport, rx) = Offline::open();
    (Box::new(transport), rx)
}

async fn run_opened(
    opened: Result<(Session, Events), SessionError>,
    current: Current,
    number: u32,
    report: impl Fn(Event),
) {
    // A connection that was still opening when a later one began (Connect again after the
    // audio graph failed) belongs to no conversation: closed, and said nowhere.
    if current.1.get() != number {
        if let Ok((session, _)) = opened {
            session.close();
        }
        return;
    }
    let (session, mut events) = match opened {
        Ok(opened) => opened,
        Err(e) => return report(Event::Opened(Err(e))),
    };
    *current.0.borrow_mut() = Some(session.clone());
    report(Event::Opened(Ok(())));
    let mut error = SessionError::Open("the connection went away".into());
    let mut timing = Latencies::default();
    while let Some(event) = events.next().await {
        match event {
            SessionEvent::Server(ServerEvent::Audio(chunk)) => {
                // Reporting plays it: the time to here is frame arrival -> buffer scheduled.
                // A part of more than half a second (a hostile server's minutes in one part)
                // goes piece by piece, each its own task, so the page never stalls on it.
                let pieces = chunk.pieces(PIECE_MS);
                let last = pieces.len().saturating_sub(1);
                for (i, piece) in pieces.into_iter().enumerate() {
                    report(Event::Server(ServerEvent::Audio(piece)));
                    if i == 0 {
                        timing.record(page_now_ms() - events.frame_arrived_ms());
                    }
                    if i < last {
                        TimeoutFuture::new(0).await;
                    }
                }
            }
            SessionEvent::Server(event) => {
                let turn_end = matches!(event, ServerEvent::TurnComplete);
                report(Event::Server(event));
                if let Some(summary) = timing.summary().filter(|_| turn_end) {
                    report(Event::FrameTiming(summary));
                }
            }
            SessionEvent::BadFrame(e) => report(Event::BadFrame(e.to_string())),
            SessionEvent::Ended(ended) => {
                error = ended;
                break;
            }
        }
    }
    current.clear();
    let handle = session.resumption_handle();
    report(Event::Ended { error, handle });
}
