//! A local stand-in for the Gemini Live API, on the wire: the same route, credentials,
//! messages, binary frames, close codes and turn-taking, with an echo instead of a model.
//!
//! Per-connection options ride in the URL query (the client treats any URL the same):
//! - `fault=close1007|close1008|close1011|drop|malformed|silent|goaway` and
//!   `fault_after_ms=N` (default 0, counted from `setupComplete`);
//! - `text=1`: server frames as text instead of binary;
//! - `pace=F`: reply F times faster than real time (default 1);
//! - `burst=N`: send the first N reply chunks at once, as the real service often does;
//! - `silence_ms=N`: the pause that ends an utterance (default 500).

pub mod turns;
pub mod validate;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::VecDeque;
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
use turns::{Action, TurnConfig, Turns};
use validate::{ClientMsg, Reject, SetupInfo};

/// The API-key route, as the real service serves it.
pub const KEY_PATH: &str =
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            key: None,
            turns: TurnConfig::default(),
            chunk_ms: 200,
            verbose: false,
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
    tokio::spawn(async move {
        let ids = AtomicU64::new(1);
        while let Ok((stream, _)) = listener.accept().await {
            let id = ids.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(Connection::serve(stream, Arc::clone(&config), id));
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
    silence_ms: Option<u32>,
}

impl Params {
    fn parse(query: &str) -> Params {
        let mut p = Params::default();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            match k {
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
                        _ => None,
                    }
                }
                "fault_after_ms" => p.fault_after = Duration::from_millis(v.parse().unwrap_or(0)),
                "text" => p.text_frames = v == "1" || v == "true",
                "pace" => p.pace = v.parse().ok().filter(|x: &f64| *x > 0.0),
                "burst" => p.burst = v.parse().unwrap_or(0),
                "silence_ms" => p.silence_ms = v.parse().ok(),
                _ => {}
            }
        }
        p
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A reply being streamed.
struct Reply {
    chunks: VecDeque<Vec<i16>>,
    sent: u32,
    start: Instant,
    heard_secs: f64,
}

type Sink = futures_util::stream::SplitSink<tokio_tungstenite::WebSocketStream<TcpStream>, Message>;

struct Connection {
    id: u64,
    config: Arc<Config>,
    params: Params,
    sink: Sink,
    setup: Option<SetupInfo>,
    turns: Turns,
    reply: Option<Reply>,
    fault_at: Option<Instant>,
    handles: u32,
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
    async fn serve(stream: TcpStream, config: Arc<Config>, id: u64) {
        let mut query = None;
        // The callback's signature is tungstenite's; its error type is large by design.
        #[allow(clippy::result_large_err)]
        let callback = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            let path = req.uri().path();
            let path = format!("/{}", path.trim_start_matches('/'));
            if path != KEY_PATH && path != TOKEN_PATH {
                let mut err = ErrorResponse::new(Some(format!("no route {path}")));
                *err.status_mut() = StatusCode::NOT_FOUND;
                return Err(err);
            }
            query = Some(req.uri().query().unwrap_or_default().to_owned());
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
        let params = Params::parse(query.as_deref().unwrap_or_default());
        let (sink, mut stream) = ws.split();
        let mut turn_config = config.turns;
        if let Some(ms) = params.silence_ms {
            turn_config.silence_ms = ms;
        }
        let mut conn = Connection {
            id,
            config,
            params,
            sink,
            setup: None,
            turns: Turns::new(turn_config),
            reply: None,
            fault_at: None,
            handles: 0,
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
        if let Some(expected) = &self.config.key {
            let given = self.params.key.as_ref().or(self.params.token.as_ref());
            if given != Some(expected) {
                return End::Close(
                    1008,
                    "API key not valid. Please pass a valid API key.".into(),
                );
            }
        }
        loop {
            let reply_at = self.reply.as_ref().map(|r| self.next_chunk_at(r));
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
                    match validate::parse(&text, self.setup.is_some()) {
                        Ok(msg) => {
                            if let Err(end) = self.on_message(msg).await {
                                return end;
                            }
                        }
                        Err(Reject { code, reason }) => return End::Close(code, reason),
                    }
                }
                _ = sleep_until(reply_at.unwrap_or(far)), if reply_at.is_some() => {
                    if let Err(end) = self.send_next_chunk().await {
                        return end;
                    }
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

    fn next_chunk_at(&self, reply: &Reply) -> Instant {
        let pace = self.params.pace.unwrap_or(1.0);
        let paced = reply.sent.saturating_sub(self.params.burst as u32);
        let step = Duration::from_secs_f64(f64::from(self.config.chunk_ms) / 1000.0 / pace);
        reply.start + step * paced
    }

    async fn send(&mut self, value: Value) -> Result<(), End> {
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        let message = if self.params.text_frames {
            Message::Text(text.into())
        } else {
            Message::Binary(text.into_bytes().into())
        };
        self.sink.send(message).await.map_err(|_| End::Gone)
    }

    async fn on_message(&mut self, msg: ClientMsg) -> Result<(), End> {
        match msg {
            ClientMsg::Setup(info) => {
                if let Some(handle) = &info.resume_handle {
                    if !handle.starts_with("emu-") {
                        return Err(End::Close(
                            1008,
                            "Invalid session resumption handle.".into(),
                        ));
                    }
                }
                self.log(&format!("setup {}", info.model));
                let resumable = info.resumption;
                self.setup = Some(info);
                if self.params.fault == Some(Fault::Silent) {
                    return Ok(());
                }
                self.send(json!({"setupComplete": {}})).await?;
                if resumable {
                    self.send_handle().await?;
                }
                if self.params.fault.is_some() {
                    self.fault_at = Some(Instant::now() + self.params.fault_after);
                }
            }
            ClientMsg::Audio { rate, samples } => {
                let samples = if rate == 16_000 {
                    samples
                } else {
                    resample_nearest(&samples, rate)
                };
                let actions = self.turns.on_audio(&samples);
                self.act(actions).await?;
            }
            ClientMsg::AudioStreamEnd => {
                let actions = self.turns.on_stream_end();
                self.act(actions).await?;
            }
            ClientMsg::ClientContent => {
                // "A message here will interrupt any current model generation."
                if self.reply.take().is_some() {
                    self.turns.cancel_reply();
                    self.send(json!({"serverContent": {"interrupted": true}}))
                        .await?;
                    self.send(json!({"serverContent": {"turnComplete": true}}))
                        .await?;
                }
            }
            ClientMsg::Text(_) | ClientMsg::ToolResponse | ClientMsg::Activity => {}
        }
        Ok(())
    }

    async fn act(&mut self, actions: Vec<Action>) -> Result<(), End> {
        for action in actions {
            match action {
                Action::Interrupt => {
                    self.log("interrupted");
                    self.reply = None;
                    self.send(json!({"serverContent": {"interrupted": true}}))
                        .await?;
                    self.send(json!({"serverContent": {"turnComplete": true}}))
                        .await?;
                }
                Action::Reply(heard) => {
                    let heard_secs = heard.len() as f64 / 16_000.0;
                    self.log(&format!("reply: echo of {heard_secs:.2} s"));
                    if self.setup.as_ref().is_some_and(|s| s.input_transcription) {
                        let text = format!("(heard {heard_secs:.2} s of speech)");
                        self.send(json!({"serverContent": {"inputTranscription": {"text": text}}}))
                            .await?;
                    }
                    let audio = turns::upsample_16k_to_24k(&heard);
                    let per_chunk = (24 * self.config.chunk_ms) as usize;
                    let chunks: VecDeque<Vec<i16>> = audio
                        .chunks(per_chunk.max(1))
                        .map(<[i16]>::to_vec)
                        .collect();
                    if chunks.is_empty() {
                        self.turns.reply_done();
                        continue;
                    }
                    self.reply = Some(Reply {
                        chunks,
                        sent: 0,
                        start: Instant::now(),
                        heard_secs,
                    });
                }
            }
        }
        Ok(())
    }

    async fn send_next_chunk(&mut self) -> Result<(), End> {
        let Some(reply) = self.reply.as_mut() else {
            return Ok(());
        };
        let Some(chunk) = reply.chunks.pop_front() else {
            return Ok(());
        };
        reply.sent += 1;
        let first = reply.sent == 1;
        let last = reply.chunks.is_empty();
        let heard_secs = reply.heard_secs;
        let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
        use base64::Engine as _;
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut content = json!({"modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": data}}]}});
        if first && self.setup.as_ref().is_some_and(|s| s.output_transcription) {
            content["outputTranscription"] =
                json!({"text": format!("(echo of {heard_secs:.2} s)")});
        }
        self.send(json!({"serverContent": content})).await?;
        if last {
            self.reply = None;
            self.turns.reply_done();
            self.send(json!({"serverContent": {"generationComplete": true}}))
                .await?;
            self.send(json!({
                "serverContent": {"turnComplete": true},
                "usageMetadata": {"promptTokenCount": 25, "responseTokenCount": 50, "totalTokenCount": 75}
            }))
            .await?;
            if self.setup.as_ref().is_some_and(|s| s.resumption) {
                self.send_handle().await?;
            }
        }
        Ok(())
    }

    async fn send_handle(&mut self) -> Result<(), End> {
        self.handles += 1;
        let handle = format!("emu-{}-{}", self.id, self.handles);
        self.send(json!({"sessionResumptionUpdate": {"newHandle": handle, "resumable": true}}))
            .await
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
                self.send(json!({"goAway": {"timeLeft": "1s"}})).await?;
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err(End::Close(1008, "The connection lifetime is over.".into()))
            }
            Some(Fault::Silent) | None => Ok(()),
        }
    }
}

/// Any declared input rate to 16 kHz by nearest sample (VAD only needs the energy).
fn resample_nearest(samples: &[i16], rate: u32) -> Vec<i16> {
    let out = (samples.len() as u64 * 16_000 / u64::from(rate)) as usize;
    (0..out)
        .map(|i| samples[((i as u64 * u64::from(rate)) / 16_000) as usize])
        .collect()
}
