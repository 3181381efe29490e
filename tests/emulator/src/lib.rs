//! A local stand-in for the Gemini Live API, on the wire: the same route, credentials,
//! messages, binary frames, close codes and turn-taking, with an echo instead of a model.
//!
//! Per-connection options ride in the URL query (the client treats any URL the same):
//! - `fault=close1007|close1008|close1011|drop|malformed|silent|goaway` and
//!   `fault_after_ms=N` (default 0, counted from `setupComplete`); with `fault_at=setup` the
//!   fault answers `setup` itself, in place of `setupComplete`;
//! - `fault=hostile|huge|parts50|flood`: a burst of hostile or broken frames (see
//!   [`hostile`]), after which the connection goes on;
//! - `fault=stall`: from then on sends nothing, the socket staying open (a stuck server);
//! - `text=1`: server frames as text instead of binary;
//! - `pace=F`: reply F times faster than real time (default 1);
//! - `burst=N`: send the first N reply chunks at once, as the real service often does;
//! - `jitter_ms=N`: each paced chunk up to N ms early or late (a jittery network; with
//!   `burst=0`, a stream that never runs ahead of real time);
//! - `silence_ms=N`: the pause that ends an utterance (default 500);
//! - `turn_complete_ms=N`: send `turnComplete` N ms after the reply's last chunk (default 0:
//!   with it, before the audio has played out; a value past the playback buffer sends it
//!   after the audio has played out, as the real service sometimes does);
//! - `interrupt_turn_complete=0`: `interrupted` without the `turnComplete` that follows it.

pub mod hostile;
pub mod tokens;

/// The conversation logic is the page's offline stand-in's (pure, host-tested there).
pub use gemini_live_voice::standin::{turns, validate};

use futures_util::{SinkExt, StreamExt};
use gemini_live_voice::protocol::ServerMessage;
use gemini_live_voice::standin::{StandIn, StandInConfig};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep_until, Instant};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use turns::TurnConfig;
use validate::Reject;

/// The API-key route, as the real service serves it.
pub const KEY_PATH: &str =
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
/// The API-key route on v1alpha (the page takes it for proactive audio and affective dialog).
pub const KEY_PATH_V1ALPHA: &str =
    "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent";
/// The ephemeral-token route.
pub const TOKEN_PATH: &str =
    "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";

/// Server-wide settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The accepted API key or token; `None` accepts any (or none).
    pub key: Option<String>,
    pub turns: TurnConfig,
    /// Reply chunk length in ms (the real service sends ~200-240 ms).
    pub chunk_ms: u32,
    /// Print one line per connection event to stderr.
    pub verbose: bool,
    /// Every connection without a `fault=` of its own ends with `goAway` this long after
    /// `setupComplete` (a connection's lifetime, shortened: reconnects for clients whose
    /// URL cannot carry a query, such as the token server's page).
    pub goaway_after: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            key: None,
            turns: TurnConfig::default(),
            chunk_ms: 200,
            verbose: false,
            goaway_after: None,
        }
    }
}

/// The URL of the API-key route on `addr`.
pub fn route_url(addr: SocketAddr) -> String {
    format!("ws://{addr}{KEY_PATH}")
}

/// Binds `127.0.0.1:port` (0 = any free port) and serves on the current tokio runtime.
pub async fn start(config: Config, port: u16) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let config = Arc::new(config);
    let tokens = Arc::new(tokens::Tokens::default());
    tokio::spawn(async move {
        let ids = AtomicU64::new(1);
        while let Ok((stream, _)) = listener.accept().await {
            let id = ids.fetch_add(1, Ordering::Relaxed);
            let (config, tokens) = (Arc::clone(&config), Arc::clone(&tokens));
            tokio::spawn(async move {
                if tokens::is_post(&stream).await {
                    tokens::serve_mint(stream, &tokens, config.key.as_deref()).await;
                } else {
                    Connection::serve(stream, config, tokens, id).await;
                }
            });
        }
    });
    Ok(addr)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Close(u16),
    Drop,
    Malformed,
    Silent,
    GoAway,
    Hostile(hostile::Hostile),
    Stall,
}

/// Options from the URL query.
#[derive(Debug, Default)]
struct Params {
    key: Option<String>,
    token: Option<String>,
    fault: Option<Fault>,
    fault_after: Duration,
    text_frames: bool,
    pace: Option<f64>,
    burst: usize,
    jitter_ms: f64,
    silence_ms: Option<u32>,
    turn_complete_ms: f64,
    no_interrupt_turn_complete: bool,
    /// The fault answers `setup` instead of `setupComplete`.
    fault_at_setup: bool,
}

impl Params {
    /// The options in `query`, or what is wrong with one (a `fault=` this emulator does not
    /// know is refused, never run as no fault at all).
    fn parse(query: &str) -> Result<Params, String> {
        let mut p = Params::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "key" => p.key = Some(v),
                "access_token" => p.token = Some(v),
                "fault" => {
                    p.fault = match v.as_str() {
                        "close1007" => Some(Fault::Close(1007)),
                        "close1008" => Some(Fault::Close(1008)),
                        "close1011" => Some(Fault::Close(1011)),
                        "drop" => Some(Fault::Drop),
                        "malformed" => Some(Fault::Malformed),
                        "silent" => Some(Fault::Silent),
                        "goaway" => Some(Fault::GoAway),
                        "stall" => Some(Fault::Stall),
                        other => Some(Fault::Hostile(hostile::Hostile::parse(other).ok_or_else(|| {
                            format!("fault={other} is not a fault this emulator knows (close1007, close1008, close1011, drop, malformed, silent, goaway, stall, hostile, huge, parts50, flood)")
                        })?)),
                    }
                }
                "fault_after_ms" => p.fault_after = Duration::from_millis(v.parse().unwrap_or(0)),
                "text" => p.text_frames = v == "1" || v == "true",
                "pace" => p.pace = v.parse().ok().filter(|x: &f64| *x > 0.0),
                "burst" => p.burst = v.parse().unwrap_or(0),
                "jitter_ms" => {
                    p.jitter_ms = v.parse().ok().filter(|x: &f64| *x >= 0.0).unwrap_or(0.0)
                }
                "silence_ms" => p.silence_ms = v.parse().ok(),
                "interrupt_turn_complete" => p.no_interrupt_turn_complete = v == "0",
                "fault_at" => p.fault_at_setup = v == "setup",
                "turn_complete_ms" => {
                    p.turn_complete_ms = v.parse().ok().filter(|x: &f64| *x >= 0.0).unwrap_or(0.0)
                }
                _ => {}
            }
        }
        Ok(p)
    }
}

type Sink = futures_util::stream::SplitSink<tokio_tungstenite::WebSocketStream<TcpStream>, Message>;

struct Connection {
    id: u64,
    config: Arc<Config>,
    params: Params,
    sink: Sink,
    standin: StandIn,
    /// The connection's clock origin (the stand-in counts milliseconds from it).
    start: Instant,
    fault_at: Option<Instant>,
    /// A stalled server: nothing more is sent.
    muted: bool,
    /// The minted token given on the constrained route, if one was (see [`tokens`]): checked
    /// when the connection opens, taken when its setup says whether it resumes.
    token: Option<String>,
    tokens: Arc<tokens::Tokens>,
    /// When the token ends: the session is closed then.
    expires: Option<Instant>,
    /// The model the token is locked to: a setup asking for another is refused.
    locked: Option<String>,
}

/// How a connection loop ends.
enum End {
    /// Send a close frame with this code and reason.
    Close(u16, String),
    /// Drop the TCP connection without a close frame (the browser sees 1006).
    Drop,
    /// The client closed or vanished.
    Gone,
}

impl Connection {
    async fn serve(stream: TcpStream, config: Arc<Config>, tokens: Arc<tokens::Tokens>, id: u64) {
        let mut params = None;
        let mut constrained = false;
        // The callback's signature is tungstenite's; its error type is large by design.
        #[allow(clippy::result_large_err)]
        let callback = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            let path = req.uri().path();
            let path = format!("/{}", path.trim_start_matches('/'));
            if ![KEY_PATH, KEY_PATH_V1ALPHA, TOKEN_PATH].contains(&path.as_str()) {
                let mut err = ErrorResponse::new(Some(format!("no route {path}")));
                *err.status_mut() = StatusCode::NOT_FOUND;
                return Err(err);
            }
            match Params::parse(req.uri().query().unwrap_or_default()) {
                Ok(p) => params = Some(p),
                Err(why) => {
                    let mut err = ErrorResponse::new(Some(why));
                    *err.status_mut() = StatusCode::BAD_REQUEST;
                    return Err(err);
                }
            }
            constrained = path == TOKEN_PATH;
            Ok(resp)
        };
        let ws = match tokio_tungstenite::accept_hdr_async(stream, callback).await {
            Ok(ws) => ws,
            Err(e) => {
                if config.verbose {
                    eprintln!("[emulator #{id}] handshake refused: {e}");
                }
                return;
            }
        };
        let mut params = params.unwrap_or_default();
        if let (None, Some(after)) = (&params.fault, config.goaway_after) {
            params.fault = Some(Fault::GoAway);
            params.fault_after = after;
        }
        // A minted token opens sessions on the constrained route only.
        let token = match (&params.token, constrained) {
            (Some(token), true) if token.starts_with("auth_tokens/") => Some(token.clone()),
            _ => None,
        };
        let (sink, mut stream) = ws.split();
        let mut turn_config = config.turns;
        if let Some(ms) = params.silence_ms {
            turn_config.silence_ms = ms;
        }
        let standin = StandIn::new(StandInConfig {
            turns: turn_config,
            chunk_ms: config.chunk_ms,
            pace: params.pace.unwrap_or(1.0),
            burst: params.burst as u32,
            jitter_ms: params.jitter_ms,
            jitter_seed: id,
            turn_complete_after_ms: params.turn_complete_ms,
            turn_complete_on_interrupt: !params.no_interrupt_turn_complete,
            handle_prefix: format!("emu-{id}-"),
            // A handle from any earlier connection resumes (that is what handles are for).
            accepted_handles: "emu-".into(),
        });
        let mut conn = Connection {
            id,
            config,
            params,
            sink,
            standin,
            start: Instant::now(),
            fault_at: None,
            muted: false,
            token,
            tokens,
            expires: None,
            locked: None,
        };
        let end = conn.run(&mut stream).await;
        conn.log(&format!(
            "end: {}",
            match &end {
                End::Close(code, reason) => format!("close {code} {reason}"),
                End::Drop => "dropped".into(),
                End::Gone => "client gone".into(),
            }
        ));
        if let End::Gone = end {
            // Complete the client's close handshake: tungstenite queues the close reply;
            // flushing and reading to the end sends it (otherwise the browser sees 1006).
            let _ = conn.sink.flush().await;
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(_)) = stream.next().await {}
            })
            .await;
        }
        if let End::Close(code, reason) = end {
            let mut reason = reason;
            while reason.len() > 123 {
                reason.pop();
            }
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            let _ = conn.sink.send(Message::Close(Some(frame))).await;
            // Let the client's close reply arrive before the TCP connection goes.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(_)) = stream.next().await {}
            })
            .await;
        }
    }

    /// Why the key (or a token given as the key itself) is refused, if it is.
    fn key_refused(&self) -> Option<&'static str> {
        let expected = self.config.key.as_ref()?;
        let given = self.params.key.as_ref().or(self.params.token.as_ref());
        (given != Some(expected)).then_some("API key not valid. Please pass a valid API key.")
    }

    fn log(&self, what: &str) {
        if self.config.verbose {
            eprintln!("[emulator #{}] {what}", self.id);
        }
    }

    async fn run(
        &mut self,
        stream: &mut futures_util::stream::SplitStream<
            tokio_tungstenite::WebSocketStream<TcpStream>,
        >,
    ) -> End {
        let refused = match &self.token {
            Some(token) => self.tokens.valid(token).err(),
            None => self.key_refused(),
        };
        if let Some(why) = refused {
            return End::Close(1008, why.into());
        }
        loop {
            let reply_at = self.standin.next_due().map(|ms| self.instant(ms));
            let far = Instant::now() + Duration::from_secs(3600);
            tokio::select! {
                message = stream.next() => {
                    let text = match message {
                        Some(Ok(Message::Text(t))) => t.to_string(),
                        Some(Ok(Message::Binary(b))) => match String::from_utf8(b.to_vec()) {
                            Ok(t) => t,
                            Err(_) => return End::Close(1007, "Invalid JSON payload received.".into()),
                        },
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return End::Gone,
                        Some(Ok(_)) => continue,
                    };
                    let now = self.millis();
                    let was_set_up = self.standin.setup().is_some();
                    let frames = match self.standin.receive(now, &text) {
                        Ok(frames) => frames,
                        Err(Reject { code, reason }) => return End::Close(code, reason),
                    };
                    let setting_up = !was_set_up && self.standin.setup().is_some();
                    if let (true, Some(token), Some(setup)) = (setting_up, &self.token, self.standin.setup()) {
                        match self.tokens.take(token, setup.resume_handle.is_some()) {
                            Ok((model, left)) => {
                                self.locked = model;
                                self.expires = Some(Instant::now() + left);
                            }
                            Err(why) => {
                                let code = if why == tokens::USED_UP { 1011 } else { 1008 };
                                return End::Close(code, why.into());
                            }
                        }
                    }
                    if let (true, Some(locked), Some(setup)) = (setting_up, &self.locked, self.standin.setup()) {
                        if setup.model != *locked {
                            return End::Close(1008, format!(
                                "This ephemeral token is locked to {locked}; the setup asks for {}.",
                                setup.model
                            ));
                        }
                    }
                    if setting_up && self.params.fault_at_setup && self.params.fault.is_some() {
                        // The server refuses the setup: the fault instead of `setupComplete`.
                        if let Err(end) = self.fire_fault().await {
                            return end;
                        }
                        continue;
                    }
                    if let Err(end) = self.send_all(frames).await {
                        return end;
                    }
                    // Faults are timed from `setupComplete`.
                    if !was_set_up && self.standin.setup().is_some() && self.params.fault.is_some() {
                        self.fault_at = Some(Instant::now() + self.params.fault_after);
                    }
                }
                _ = sleep_until(reply_at.unwrap_or(far)), if reply_at.is_some() => {
                    let frames = self.standin.poll(self.millis());
                    if let Err(end) = self.send_all(frames).await {
                        return end;
                    }
                }
                _ = sleep_until(self.expires.unwrap_or(far)), if self.expires.is_some() => {
                    return End::Close(1008, "Ephemeral token expired.".into());
                }
                _ = sleep_until(self.fault_at.unwrap_or(far)), if self.fault_at.is_some() => {
                    self.fault_at = None;
                    if let Err(end) = self.fire_fault().await {
                        return end;
                    }
                }
            }
        }
    }

    /// Milliseconds on the connection's clock.
    fn millis(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    fn instant(&self, millis: f64) -> Instant {
        self.start + Duration::from_secs_f64(millis.max(0.0) / 1000.0)
    }

    /// Sends what the stand-in answered; a `silent` connection never answers.
    async fn send_all(&mut self, frames: Vec<ServerMessage>) -> Result<(), End> {
        for note in self.standin.take_notes() {
            self.log(&note);
        }
        if self.params.fault == Some(Fault::Silent) || self.muted {
            return Ok(());
        }
        for frame in frames {
            self.send(serde_json::to_value(frame).unwrap_or_default())
                .await?;
        }
        Ok(())
    }

    async fn send(&mut self, value: Value) -> Result<(), End> {
        // Pretty-printed, as the real service sends it (the page must not rely on compact text).
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        let message = if self.params.text_frames {
            Message::Text(text.into())
        } else {
            Message::Binary(text.into_bytes().into())
        };
        self.sink.send(message).await.map_err(|_| End::Gone)
    }

    async fn fire_fault(&mut self) -> Result<(), End> {
        match self.params.fault {
            Some(Fault::Close(1007)) => Err(End::Close(
                1007,
                "Request contains an invalid argument.".into(),
            )),
            Some(Fault::Close(1008)) => Err(End::Close(
                1008,
                "Operation is not implemented, or supported, or enabled.".into(),
            )),
            Some(Fault::Close(code)) => Err(End::Close(code, "Internal error encountered.".into())),
            Some(Fault::Drop) => Err(End::Drop),
            Some(Fault::Malformed) => {
                let text = "{\"serverContent\": {\"modelTurn\": ".to_owned();
                let message = if self.params.text_frames {
                    Message::Text(text.into())
                } else {
                    Message::Binary(text.into_bytes().into())
                };
                self.sink.send(message).await.map_err(|_| End::Gone)
            }
            Some(Fault::GoAway) => {
                self.send(serde_json::json!({"goAway": {"timeLeft": "1s"}}))
                    .await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err(End::Close(1008, "The connection lifetime is over.".into()))
            }
            Some(Fault::Hostile(kind)) => {
                let flood = kind == hostile::Hostile::Flood;
                for (i, frame) in hostile::frames(kind).into_iter().enumerate() {
                    let message = if self.params.text_frames {
                        Message::Text(String::from_utf8_lossy(&frame).into_owned().into())
                    } else {
                        Message::Binary(frame.into())
                    };
                    self.sink.send(message).await.map_err(|_| End::Gone)?;
                    // The flood: 5,000 frames over about a second.
                    if flood && i % 5 == 4 {
                        tokio::time::sleep(Duration::from_millis(1)).await;
                    }
                }
                Ok(())
            }
            Some(Fault::Stall) => {
                self.log("stalled: sending nothing more");
                self.muted = true;
                Ok(())
            }
            Some(Fault::Silent) | None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Params;

    #[test]
    fn query_values_are_percent_decoded_to_the_last_escape() {
        // Every escape decodes, the one that ends the query too.
        let p = Params::parse("key=k%2B&access_token=auth_tokens%2Fabc%2B").unwrap();
        assert_eq!(p.key.as_deref(), Some("k+"));
        assert_eq!(p.token.as_deref(), Some("auth_tokens/abc+"));
        assert_eq!(Params::parse("burst=8&fault=goaway").unwrap().burst, 8);
    }
}
