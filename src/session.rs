//! The session's rules, with no I/O (sans-IO): what to send when the socket opens, which
//! sends are allowed when, what each received frame means, how the session ended.
//!
//! It takes and gives typed messages: the browser transport (`web::session`) reads each
//! frame into a [`ServerMessage`] and writes each [`ClientMessage`] it returns as JSON
//! text; the host's tests use serde_json for both. Rules it enforces:
//! - `setup` first, and nothing else until `setupComplete` (the service closes otherwise);
//! - a malformed frame is reported and the session goes on;
//! - the latest resumable handle is kept, so a reconnect continues the conversation.

use crate::close::CloseInfo;
use crate::protocol::{self, ClientMessage, ProtocolError, ServerEvent, ServerMessage, Setup};
use std::fmt;

/// Where the session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The socket is opening.
    Connecting,
    /// `setup` was sent; waiting for `setupComplete`.
    AwaitingSetup,
    /// Audio and text may be sent.
    Ready,
    /// The socket is closed; nothing more will happen.
    Closed,
}

/// Everything the session tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionEvent {
    /// Something the service said.
    Server(ServerEvent),
    /// A frame that could not be understood; the session carries on.
    BadFrame(ProtocolError),
    /// The session is over.
    Ended(SessionError),
}

/// Why a session could not start, could not send, or ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// The URL or credential is unusable.
    Endpoint(String),
    /// The browser refused to open the socket (bad URL, blocked port...).
    Open(String),
    /// The socket closed; [`CloseInfo`]'s `Display` explains it in plain words.
    Closed(CloseInfo),
    /// No `setupComplete` within the allowed time.
    SetupTimeout { millis: u32 },
    /// A send was attempted before `setupComplete` or after the end.
    NotReady(Phase),
    /// The socket refused the data (it is closing).
    Send(String),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Endpoint(why) => f.write_str(why),
            SessionError::Open(why) => write!(f, "Could not open the connection: {why}"),
            SessionError::Closed(info) => info.fmt(f),
            SessionError::SetupTimeout { millis } => write!(
                f,
                "The server did not confirm the session within {:.1} s. Check the URL; the server may be overloaded.",
                f64::from(*millis) / 1000.0),
            SessionError::NotReady(phase) => {
                let phase = match phase {
                    Phase::Connecting => "still connecting",
                    Phase::AwaitingSetup => "waiting for the server to confirm the setup",
                    Phase::Ready => "ready",
                    Phase::Closed => "closed",
                };
                write!(f, "The session is not ready to send ({phase}).")
            }
            SessionError::Send(why) => write!(f, "Could not send: {why}"),
        }
    }
}

impl std::error::Error for SessionError {}

/// Counters for the log and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    pub frames_received: u64,
    pub bad_frames: u64,
    pub audio_chunks_sent: u64,
    pub audio_samples_sent: u64,
    pub audio_chunks_received: u64,
    pub audio_samples_received: u64,
}

/// The session state machine.
#[derive(Debug)]
pub struct SessionCore {
    setup: Setup,
    phase: Phase,
    resumption_handle: Option<String>,
    stats: SessionStats,
}

impl SessionCore {
    pub fn new(setup: Setup) -> Self {
        SessionCore {
            setup,
            phase: Phase::Connecting,
            resumption_handle: None,
            stats: SessionStats::default(),
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// The newest handle the service marked resumable, for `Setup::with_resumption`.
    pub fn resumption_handle(&self) -> Option<&str> {
        self.resumption_handle.as_deref()
    }

    /// The socket opened: returns the `setup` message to send first.
    pub fn on_open(&mut self) -> ClientMessage {
        // A session that ended stays ended (a new connection gets a new core).
        if self.phase != Phase::Closed {
            self.phase = Phase::AwaitingSetup;
        }
        ClientMessage::Setup(self.setup.clone())
    }

    /// A frame arrived and was read (or could not be).
    pub fn on_message(
        &mut self,
        message: Result<ServerMessage, ProtocolError>,
    ) -> Vec<SessionEvent> {
        self.stats.frames_received += 1;
        match message.and_then(protocol::server::events) {
            Ok(events) => events
                .into_iter()
                .map(|event| {
                    self.observe(&event);
                    SessionEvent::Server(event)
                })
                .collect(),
            Err(error) => {
                self.stats.bad_frames += 1;
                vec![SessionEvent::BadFrame(error)]
            }
        }
    }

    /// A frame's bytes (a binary frame, or a text frame's UTF-8), read with serde_json:
    /// [`Self::on_message`] for readers without a browser.
    pub fn on_frame(&mut self, frame: &[u8]) -> Vec<SessionEvent> {
        self.on_message(protocol::server::decode_message(frame))
    }

    fn observe(&mut self, event: &ServerEvent) {
        match event {
            ServerEvent::SetupComplete if self.phase == Phase::AwaitingSetup => {
                self.phase = Phase::Ready;
            }
            ServerEvent::ResumptionUpdate {
                new_handle: Some(handle),
                resumable: true,
            } => self.resumption_handle = Some(handle.clone()),
            ServerEvent::Audio(chunk) => {
                self.stats.audio_chunks_received += 1;
                self.stats.audio_samples_received += chunk.samples.len() as u64;
            }
            _ => {}
        }
    }

    /// The socket closed. Returns the error to report.
    pub fn on_close(&mut self, info: CloseInfo) -> SessionError {
        self.phase = Phase::Closed;
        SessionError::Closed(info)
    }

    /// `setupComplete` did not come in time. Returns the error to report.
    pub fn on_setup_timeout(&mut self, millis: u32) -> SessionError {
        self.phase = Phase::Closed;
        SessionError::SetupTimeout { millis }
    }

    /// One chunk of microphone audio (int16 at [`protocol::INPUT_RATE`]).
    pub fn audio(&mut self, samples: &[i16]) -> Result<ClientMessage, SessionError> {
        self.ready()?;
        self.stats.audio_chunks_sent += 1;
        self.stats.audio_samples_sent += samples.len() as u64;
        Ok(ClientMessage::audio(samples, protocol::INPUT_RATE))
    }

    /// `audioStreamEnd` (Stop Mic).
    pub fn audio_stream_end(&mut self) -> Result<ClientMessage, SessionError> {
        self.ready()?;
        Ok(ClientMessage::audio_stream_end())
    }

    /// Typed text, as `realtimeInput.text`.
    pub fn text(&mut self, text: &str) -> Result<ClientMessage, SessionError> {
        self.ready()?;
        Ok(ClientMessage::realtime_text(text))
    }

    /// Whether any other message (tool responses...) may go now.
    pub fn message(&mut self) -> Result<(), SessionError> {
        self.ready()
    }

    fn ready(&self) -> Result<(), SessionError> {
        match self.phase {
            Phase::Ready => Ok(()),
            other => Err(SessionError::NotReady(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AudioChunk;

    fn core() -> SessionCore {
        SessionCore::new(Setup::audio("models/m", "Puck"))
    }

    #[test]
    fn setup_first_then_nothing_until_setup_complete() {
        let mut s = core();
        assert_eq!(s.phase(), Phase::Connecting);
        assert_eq!(
            s.audio(&[1]),
            Err(SessionError::NotReady(Phase::Connecting))
        );
        assert_eq!(
            s.on_open().to_json(),
            r#"{"setup":{"model":"models/m","generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Puck"}}}}}}"#
        );
        assert_eq!(
            s.audio_stream_end(),
            Err(SessionError::NotReady(Phase::AwaitingSetup))
        );
        assert_eq!(
            s.on_frame(br#"{"setupComplete":{}}"#),
            vec![SessionEvent::Server(ServerEvent::SetupComplete)]
        );
        assert_eq!(s.phase(), Phase::Ready);
        assert_eq!(
            s.audio(&[1, -2, 0x1234]).unwrap().to_json(),
            r#"{"realtimeInput":{"audio":{"data":"AQD+/zQS","mimeType":"audio/pcm;rate=16000"}}}"#
        );
        assert_eq!(
            s.audio_stream_end().unwrap().to_json(),
            r#"{"realtimeInput":{"audioStreamEnd":true}}"#
        );
        assert_eq!(s.stats().audio_chunks_sent, 1);
        assert_eq!(s.stats().audio_samples_sent, 3);
    }

    #[test]
    fn bad_frames_are_reported_and_the_session_goes_on() {
        let mut s = core();
        s.on_open();
        s.on_frame(br#"{"setupComplete":{}}"#);
        let events = s.on_frame(b"{not json");
        assert!(matches!(
            events.as_slice(),
            [SessionEvent::BadFrame(ProtocolError::Json { .. })]
        ));
        assert_eq!(s.phase(), Phase::Ready);
        let events = s.on_frame(
            br#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQA="}}]}}}"#,
        );
        assert_eq!(
            events,
            vec![SessionEvent::Server(ServerEvent::Audio(AudioChunk {
                rate: 24_000,
                samples: vec![1]
            }))]
        );
        let stats = s.stats();
        assert_eq!((stats.frames_received, stats.bad_frames), (3, 1));
        assert_eq!(
            (stats.audio_chunks_received, stats.audio_samples_received),
            (1, 1)
        );
    }

    #[test]
    fn keeps_the_latest_resumable_handle() {
        let mut s = core();
        s.on_open();
        s.on_frame(br#"{"sessionResumptionUpdate":{"newHandle":"h1","resumable":true}}"#);
        s.on_frame(br#"{"sessionResumptionUpdate":{"newHandle":"h2","resumable":false}}"#);
        assert_eq!(s.resumption_handle(), Some("h1"));
        s.on_frame(br#"{"sessionResumptionUpdate":{"newHandle":"h3","resumable":true}}"#);
        assert_eq!(s.resumption_handle(), Some("h3"));
    }

    #[test]
    fn close_and_timeout_end_the_session() {
        let mut s = core();
        s.on_open();
        let err = s.on_close(CloseInfo {
            code: 1011,
            reason: "Internal error encountered.".into(),
            was_clean: true,
        });
        assert_eq!(
            err.to_string(),
            "The server had trouble (1011). The server said: \"Internal error encountered.\" Try again in a moment."
        );
        assert_eq!(s.phase(), Phase::Closed);
        assert_eq!(s.text("x"), Err(SessionError::NotReady(Phase::Closed)));
        let mut t = core();
        t.on_open();
        assert_eq!(
            t.on_setup_timeout(10_000).to_string(),
            "The server did not confirm the session within 10.0 s. Check the URL; the server may be overloaded."
        );
    }

    #[test]
    fn a_session_that_ended_never_sends_again() {
        // Found by the fuzzer: an open after the close let a late setupComplete revive it.
        let mut s = SessionCore::new(Setup::audio("m", "Puck"));
        s.on_open();
        s.on_close(CloseInfo {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        });
        s.on_open();
        s.on_frame(br#"{"setupComplete":{}}"#);
        assert_eq!(s.phase(), Phase::Closed);
        assert_eq!(s.text("hi"), Err(SessionError::NotReady(Phase::Closed)));
    }
}
