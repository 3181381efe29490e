//! The page: the connection panel (backend, URL, key or token, model, voice, system
//! instruction), Connect / Disconnect, a status line and the conversation log.
//!
//! Secrets: the key or token lives in `sessionStorage` (gone with the tab) unless the
//! person ticks "remember" (then `localStorage`); it never reaches the log, which shows
//! only [`Endpoint::redacted`]. Text goes into the page with `textContent`, never as HTML.

use super::capture::{add_processor, fetch_dsp, Capture, CaptureEvent};
use super::playback::Player;
use super::recording::{download_name, draw_waveform, wav_blob};
use super::session::{connect, connect_offline, Events, Session, SETUP_TIMEOUT_MS};
use super::{js_error, page_now_ms};
use crate::endpoint::{Credential, Endpoint};
use crate::playback::PlaybackConfig;
use crate::protocol::{ServerEvent, Setup, DEFAULT_MODEL, DEFAULT_VOICE, VOICES};
use crate::reconnect::Reconnect;
use crate::recorder::{self, Format, Recorder, SessionId};
use crate::session::{SessionError, SessionEvent};
use futures_util::StreamExt;
use js_sys::WebAssembly;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AudioContext, Document, HtmlElement, HtmlInputElement, HtmlMeterElement, HtmlSelectElement,
    HtmlTextAreaElement,
};

/// Where the page finds the capture worklet (put there by `.ci/build-worklet`).
const DSP_URL: &str = "capture-dsp.wasm";
const PROCESSOR_URL: &str = "capture-processor.js";

const SECRET_KEY: &str = "gemini-live-voice.secret";
const MAX_LOG_LINES: u32 = 500;

/// Settings a link may carry in its query (never the key).
const QUERY_SETTINGS: &[(&str, &str)] = &[
    ("backend", "backend"),
    ("transcription", "transcription"),
    ("url", "url"),
    ("model", "model"),
    ("voice", "voice"),
    ("format", "rec-format"),
];

/// Where a conversation connects (`None`: the in-page offline stand-in) and its setup; kept
/// so a reconnect continues the same conversation.
#[derive(Clone)]
struct Link {
    endpoint: Option<Endpoint>,
    setup: Setup,
}

struct App {
    doc: Document,
    session: Option<Session>,
    /// From Connect until the conversation ends for good (includes reconnecting).
    linked: bool,
    /// The person pressed Disconnect: no reconnecting.
    user_closed: bool,
    /// Microphone audio captured while no connection could take it (reconnecting), in samples.
    unsent: u64,
    /// When the latest microphone chunk went out (page clock, ms): the reply latency's start.
    last_sent_at: f64,
    /// One AudioContext per conversation (kept across reconnects), at the device's rate;
    /// created on the Connect click.
    audio: Option<AudioContext>,
    /// The compiled capture DSP (compiled once per page).
    dsp: Option<WebAssembly::Module>,
    capture: Option<Capture>,
    /// The model's voice, on the session's AudioContext.
    player: Option<Player>,
    /// Refreshes the meters and the "model speaking" state while a session runs.
    meters: Option<gloo_timers::callback::Interval>,
    /// The whole conversation, across reconnects (page lifetime).
    recorder: Recorder,
    /// The current session's place in the recording, and its clock's offset (s).
    rec_session: Option<(SessionId, f64)>,
    /// When the recording began (names the download).
    rec_started: Option<js_sys::Date>,
    /// The object URL of the last download (revoked when replaced).
    rec_url: Option<String>,
    /// Between Start Mic and the microphone running (the permission prompt may be open).
    mic_starting: bool,
    /// Whether the capture processor is loaded into `audio`.
    processor_loaded: bool,
    mic_stopping: bool,
    /// Counts model audio chunks per turn, so the log gets one line per turn.
    turn_chunks: u32,
    turn_samples: u64,
}

type Shared = Rc<RefCell<App>>;

/// Wires the page, if this document is the app's page (tests load the module without it).
pub fn start() -> Result<(), String> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    if doc.get_element_by_id("app").is_none() {
        return Ok(());
    }
    let app: Shared = Rc::new(RefCell::new(App {
        doc,
        session: None,
        linked: false,
        user_closed: false,
        unsent: 0,
        last_sent_at: 0.0,
        audio: None,
        dsp: None,
        capture: None,
        player: None,
        meters: None,
        processor_loaded: false,
        mic_starting: false,
        recorder: Recorder::new(),
        rec_session: None,
        rec_started: None,
        rec_url: None,
        mic_stopping: false,
        turn_chunks: 0,
        turn_samples: 0,
    }));
    fill_defaults(&app.borrow())?;
    on_click(&app, "connect", |app| {
        wasm_bindgen_futures::spawn_local(connect_clicked(Rc::clone(app)));
    })?;
    on_click(&app, "disconnect", |app| {
        let session = {
            let mut a = app.borrow_mut();
            a.user_closed = true;
            a.session.take()
        };
        match session {
            Some(session) => session.close(),
            // Between connections (reconnecting): the loop sees `user_closed` and stops.
            None => app.borrow().status("closing", "Disconnecting..."),
        }
    })?;
    on_click(&app, "mic-start", |app| {
        wasm_bindgen_futures::spawn_local(start_mic(Rc::clone(app)));
    })?;
    on_click(&app, "mic-stop", stop_mic)?;
    on_click(&app, "rec-save", |app| app.borrow_mut().save_recording())?;
    listen(&app, "volume", "input", |app| {
        let a = app.borrow();
        let percent: f32 = a.value("volume").parse().unwrap_or(100.0);
        if let Ok(slider) = element::<HtmlElement>(&a.doc, "volume") {
            let _ = slider.set_attribute("aria-valuetext", &format!("{percent:.0}%"));
        }
        if let Some(player) = &a.player {
            player.set_volume(percent / 100.0);
        }
    })?;
    listen_keys(&app)?;
    on_change(&app, "backend", |app| app.borrow().show_backend_fields())?;
    app.borrow().show_backend_fields();
    app.borrow().status("idle", "Not connected.");
    Ok(())
}

fn element<T: JsCast>(doc: &Document, id: &str) -> Result<T, String> {
    doc.get_element_by_id(id)
        .ok_or_else(|| format!("the page has no #{id}"))?
        .dyn_into::<T>()
        .map_err(|_| format!("#{id} is not the expected kind of element"))
}

fn fill_defaults(app: &App) -> Result<(), String> {
    let voice: HtmlSelectElement = element(&app.doc, "voice")?;
    for name in VOICES {
        let option = app.doc.create_element("option").map_err(js_error)?;
        option.set_text_content(Some(name));
        option.set_attribute("value", name).map_err(js_error)?;
        voice.append_child(&option).map_err(js_error)?;
    }
    voice.set_value(DEFAULT_VOICE);
    let formats: HtmlSelectElement = element(&app.doc, "rec-format")?;
    for format in Format::ALL {
        let option = app.doc.create_element("option").map_err(js_error)?;
        option.set_text_content(Some(format.label()));
        option
            .set_attribute("value", format.id())
            .map_err(js_error)?;
        formats.append_child(&option).map_err(js_error)?;
    }
    formats.set_value(Format::default().id());
    let model: HtmlInputElement = element(&app.doc, "model")?;
    model.set_value(DEFAULT_MODEL.trim_start_matches("models/"));
    let (remembered, secret) = match stored_secret() {
        Some((remembered, secret)) => (remembered, secret),
        None => (false, String::new()),
    };
    // With no key at hand the page starts on the offline stand-in: it works at once.
    app.set_value("backend", if secret.is_empty() { "offline" } else { "key" });
    // Settings from the page's query, so a link opens the page ready to use.
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&query) {
        for (name, id) in QUERY_SETTINGS {
            if let Some(value) = params.get(name) {
                app.set_value(id, &value);
            }
        }
    }
    app.set_value("secret", &secret);
    if let Ok(remember) = element::<HtmlInputElement>(&app.doc, "remember") {
        remember.set_checked(remembered);
    }
    Ok(())
}

fn storages() -> (Option<web_sys::Storage>, Option<web_sys::Storage>) {
    let window = web_sys::window();
    let session = window
        .as_ref()
        .and_then(|w| w.session_storage().ok().flatten());
    let local = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten());
    (session, local)
}

/// (remembered, secret) from localStorage or sessionStorage.
fn stored_secret() -> Option<(bool, String)> {
    let (session, local) = storages();
    if let Some(secret) = local.and_then(|s| s.get_item(SECRET_KEY).ok().flatten()) {
        return Some((true, secret));
    }
    session
        .and_then(|s| s.get_item(SECRET_KEY).ok().flatten())
        .map(|secret| (false, secret))
}

fn store_secret(secret: &str, remember: bool) {
    let (session, local) = storages();
    // A storage that refuses (private mode, quota) only costs retyping the key.
    if let Some(local) = local {
        let _ = if remember && !secret.is_empty() {
            local.set_item(SECRET_KEY, secret)
        } else {
            local.remove_item(SECRET_KEY)
        };
    }
    if let Some(session) = session {
        let _ = if secret.is_empty() {
            session.remove_item(SECRET_KEY)
        } else {
            session.set_item(SECRET_KEY, secret)
        };
    }
}

fn on_click(app: &Shared, id: &str, handler: fn(&Shared)) -> Result<(), String> {
    listen(app, id, "click", handler)
}

fn on_change(app: &Shared, id: &str, handler: fn(&Shared)) -> Result<(), String> {
    listen(app, id, "change", handler)
}

/// Page-lifetime listeners: the page owns them until it unloads, so `forget` is right.
fn listen(app: &Shared, id: &str, event: &str, handler: fn(&Shared)) -> Result<(), String> {
    let target: HtmlElement = element(&app.borrow().doc, id)?;
    let app = Rc::clone(app);
    let closure = Closure::<dyn FnMut()>::new(move || handler(&app));
    target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .map_err(js_error)?;
    closure.forget();
    Ok(())
}

impl App {
    fn value(&self, id: &str) -> String {
        if let Ok(input) = element::<HtmlInputElement>(&self.doc, id) {
            return input.value();
        }
        if let Ok(select) = element::<HtmlSelectElement>(&self.doc, id) {
            return select.value();
        }
        element::<HtmlTextAreaElement>(&self.doc, id)
            .map(|t| t.value())
            .unwrap_or_default()
    }

    fn set_value(&self, id: &str, value: &str) {
        if let Ok(input) = element::<HtmlInputElement>(&self.doc, id) {
            if input.type_() == "checkbox" {
                input.set_checked(!matches!(value, "0" | "false" | "off" | "no"));
                return;
            }
            input.set_value(value);
        } else if let Ok(select) = element::<HtmlSelectElement>(&self.doc, id) {
            select.set_value(value);
        }
    }

    fn checked(&self, id: &str) -> bool {
        element::<HtmlInputElement>(&self.doc, id)
            .map(|i| i.checked())
            .unwrap_or(false)
    }

    fn show_backend_fields(&self) {
        let backend = self.value("backend");
        if let Ok(row) = element::<HtmlElement>(&self.doc, "url-row") {
            row.set_hidden(backend != "url");
        }
        if let Ok(row) = element::<HtmlElement>(&self.doc, "secret-row") {
            row.set_hidden(backend == "offline");
        }
        if let Ok(label) = element::<HtmlElement>(&self.doc, "secret-label") {
            label.set_text_content(Some(match backend.as_str() {
                "token" => "Ephemeral token",
                "url" => "Key or token for the URL (optional)",
                _ => "API key",
            }));
        }
    }

    /// Where to connect; `None` for the in-page offline stand-in.
    fn endpoint(&self) -> Option<Endpoint> {
        let secret = self.value("secret").trim().to_owned();
        Some(match self.value("backend").as_str() {
            "offline" => return None,
            "token" => Endpoint::ephemeral_token(&secret),
            "url" => {
                let credential = if secret.is_empty() {
                    Credential::None
                } else if secret.starts_with("auth_tokens/") {
                    Credential::EphemeralToken(secret)
                } else {
                    Credential::ApiKey(secret)
                };
                Endpoint::custom(&self.value("url"), credential)
            }
            _ => Endpoint::api_key(&secret),
        })
    }

    fn setup(&self) -> Setup {
        Setup::audio(&self.value("model"), &self.value("voice"))
            .with_system_instruction(&self.value("instruction"))
            .with_transcription(self.checked("transcription"), self.checked("transcription"))
            .with_resumption(None)
            .with_sliding_window()
    }

    /// The status line: a state name (for styling and tests) and words for people.
    fn status(&self, state: &str, text: &str) {
        if let Ok(status) = element::<HtmlElement>(&self.doc, "status") {
            let _ = status.set_attribute("data-state", state);
            status.set_text_content(Some(text));
        }
        // The buttons follow what is true, not the words on the line.
        let live = self.session.is_some();
        let mic_on = self.capture.is_some();
        let connecting = !live && self.linked;
        let set = |id: &str, disabled: bool| {
            if let Ok(button) = element::<HtmlElement>(&self.doc, id) {
                let _ = button.toggle_attribute_with_force("disabled", disabled);
            }
        };
        set("mic-start", !live || mic_on || self.mic_starting);
        set("mic-stop", !mic_on || self.mic_stopping);
        set("connect", live || connecting);
        set("disconnect", !(live || connecting));
    }

    /// The resting state: listening with the mic on, ready with it off.
    fn settle(&self) {
        if self.session.is_none() || self.mic_starting {
            return;
        }
        if self.capture.is_some() {
            self.status("listening", "Listening. Talk to the model.");
        } else {
            self.status("ready", "Connected. Press Start Mic to talk.");
        }
    }

    /// A transcription fragment: it continues the speaker's current line, or starts one.
    fn transcript(&self, speaker: &str, text: &str) {
        let Ok(list) = element::<HtmlElement>(&self.doc, "transcript") else {
            return;
        };
        let last = list.last_element_child();
        if let Some(line) =
            last.filter(|l| l.get_attribute("data-speaker").as_deref() == Some(speaker))
        {
            let mut content = line.text_content().unwrap_or_default();
            content.push_str(text);
            line.set_text_content(Some(&content));
        } else if let Ok(line) = self.doc.create_element("li") {
            let _ = line.set_attribute("data-speaker", speaker);
            let _ = line.set_attribute("class", speaker);
            line.set_text_content(Some(text.trim_start()));
            let _ = list.append_child(&line);
            while list.child_element_count() > MAX_LOG_LINES {
                if let Some(first) = list.first_element_child() {
                    first.remove();
                }
            }
        }
        list.set_scroll_top(list.scroll_height());
    }

    /// One line in the log, inserted as text.
    fn log(&self, kind: &str, text: &str) {
        let Ok(log) = element::<HtmlElement>(&self.doc, "log") else {
            return;
        };
        let Ok(line) = self.doc.create_element("li") else {
            return;
        };
        let _ = line.set_attribute("class", kind);
        line.set_text_content(Some(text));
        let _ = log.append_child(&line);
        while log.child_element_count() > MAX_LOG_LINES {
            if let Some(first) = log.first_element_child() {
                first.remove();
            }
        }
        log.set_scroll_top(log.scroll_height());
    }
}

async fn connect_clicked(app: Shared) {
    let link = {
        let mut a = app.borrow_mut();
        if a.linked {
            return;
        }
        let secret = a.value("secret").trim().to_owned();
        if a.value("backend") != "offline" {
            store_secret(&secret, a.checked("remember"));
        }
        a.linked = true;
        a.user_closed = false;
        Link {
            endpoint: a.endpoint(),
            setup: a.setup(),
        }
    };
    {
        let a = app.borrow();
        a.status("connecting", "Connecting...");
        match &link.endpoint {
            Some(endpoint) => a.log("info", &format!("Connecting to {}", endpoint.redacted())),
            None => a.log(
                "info",
                "Connecting to the offline stand-in (in this page, no network): it echoes what you say.",
            ),
        }
        a.log("info", &format!("Model {}", link.setup.model));
    }
    // The conversation's one AudioContext, made on the click (autoplay policy), at the
    // device's rate. It lives across reconnects, so playback and the recording's clock go on.
    if let Err(e) = app.borrow_mut().start_audio() {
        let mut a = app.borrow_mut();
        a.linked = false;
        a.log("error", &e);
        a.status("error", &e);
        return;
    }
    converse(&app, &link).await;
}

async fn open_session(
    link: &Link,
    handle: Option<String>,
) -> Result<(Session, Events), SessionError> {
    let setup = link.setup.clone().with_resumption(handle);
    match &link.endpoint {
        Some(endpoint) => connect(endpoint, setup, SETUP_TIMEOUT_MS).await,
        None => connect_offline(setup, SETUP_TIMEOUT_MS).await,
    }
}

/// Connects, runs the session, and continues it on a new connection (with the latest
/// resumption handle) when the server asks to or the network drops, until it ends for good.
async fn converse(app: &Shared, link: &Link) {
    let policy = Reconnect::default();
    let mut handle: Option<String> = None;
    let mut attempt = 0u32;
    let mut connected_once = false;
    loop {
        let result = open_session(link, handle.clone()).await;
        // A failed attempt had no goAway of its own.
        let (error, goaway) = match result {
            Ok((session, events)) => {
                if app.borrow().user_closed {
                    session.close();
                    break finish_conversation(app, None);
                }
                attempt = 0;
                {
                    let mut a = app.borrow_mut();
                    a.session = Some(session);
                    if connected_once {
                        let unsent = std::mem::take(&mut a.unsent) as f64 / 16_000.0;
                        a.log(
                            "server",
                            &format!("Reconnected; the conversation continues ({unsent:.1} s of microphone audio could not be sent meanwhile)."),
                        );
                    } else {
                        a.begin_recording_session();
                        a.meters = Some(meter_timer(app));
                        a.log("server", "setupComplete: the session is ready.");
                    }
                    a.status("ready", "Connected. The session is ready.");
                    a.settle();
                }
                connected_once = true;
                let ended = run_events(app, events).await;
                let mut a = app.borrow_mut();
                if let Some(latest) = a.session.as_ref().and_then(Session::resumption_handle) {
                    handle = Some(latest);
                }
                a.session = None;
                ended
            }
            Err(error) => (error, false),
        };
        let user_closed = app.borrow().user_closed;
        let delay = (connected_once && !user_closed && handle.is_some())
            .then(|| policy.decide(&error, goaway, attempt))
            .flatten();
        let Some(delay) = delay else {
            break finish_conversation(app, (!user_closed || !connected_once).then_some(error));
        };
        attempt += 1;
        {
            let a = app.borrow_mut();
            let why = if goaway {
                "The server ended the connection as it announced (goAway).".to_owned()
            } else {
                error.to_string()
            };
            a.log(
                "warn",
                &format!(
                    "{why} Reconnecting with the resumption handle {} (attempt {attempt})...",
                    handle.as_deref().unwrap_or_default()
                ),
            );
            a.status(
                "reconnecting",
                "Reconnecting; the conversation will continue...",
            );
            // The model's unfinished turn plays out; its next audio is a new turn.
            if let Some(player) = &a.player {
                player.turn_complete();
            }
        }
        gloo_timers::future::TimeoutFuture::new(delay).await;
        if app.borrow().user_closed {
            break finish_conversation(app, None);
        }
    }
}

/// The conversation is over: audio stops, the recording keeps everything so far.
fn finish_conversation(app: &Shared, error: Option<SessionError>) {
    let mut a = app.borrow_mut();
    a.session = None;
    a.linked = false;
    a.end_audio();
    a.draw_recording();
    match error {
        Some(error) => {
            let text = error.to_string();
            a.log("error", &text);
            let state = if matches!(&error, SessionError::Closed(info) if info.code == 1000) {
                "closed"
            } else {
                "error"
            };
            a.status(state, &text);
        }
        None => {
            a.log("info", "Disconnected.");
            a.status("closed", "Disconnected.");
        }
    }
}

/// Handles the session's events until it ends; returns why it ended and whether the server
/// announced it (`goAway`).
async fn run_events(app: &Shared, mut events: Events) -> (SessionError, bool) {
    let mut goaway = false;
    while let Some(event) = events.next().await {
        let mut a = app.borrow_mut();
        match event {
            SessionEvent::Server(ServerEvent::Audio(chunk)) => {
                a.turn_chunks += 1;
                a.turn_samples += chunk.samples.len() as u64;
                let turn = a.player.as_ref().and_then(|p| p.push(&chunk.samples));
                if let (Some(turn), Some((id, _))) = (turn, a.rec_session) {
                    a.recorder.add_model(id, turn, &chunk.samples);
                    a.recording_started();
                    if a.turn_chunks == 1 {
                        a.log_reply_latency(turn);
                    }
                }
            }
            SessionEvent::Server(event) => {
                match &event {
                    ServerEvent::InputTranscription(t) => a.transcript("you", t),
                    ServerEvent::OutputTranscription(t) => a.transcript("model", t),
                    ServerEvent::Interrupted => {
                        a.status("interrupted", "You interrupted the model.");
                        if let Some(player) = &a.player {
                            let cut = player.interrupt();
                            let rate = f64::from(player.rate());
                            a.log(
                                "info",
                                &format!(
                                    "Playback cut: silent {:.1} ms after interrupted",
                                    (cut.end - player.now().min(cut.end)) as f64 * 1000.0 / rate
                                ),
                            );
                        }
                    }
                    ServerEvent::TurnComplete => {
                        if let Some(player) = &a.player {
                            player.turn_complete();
                        }
                    }
                    ServerEvent::GoAway { .. } => goaway = true,
                    _ => {}
                }
                if matches!(event, ServerEvent::TurnComplete | ServerEvent::Interrupted)
                    && a.turn_chunks > 0
                {
                    let secs = a.turn_samples as f64 / 24_000.0;
                    let chunks = a.turn_chunks;
                    a.log(
                        "server",
                        &format!("model audio: {chunks} chunks, {secs:.2} s"),
                    );
                    a.turn_chunks = 0;
                    a.turn_samples = 0;
                }
                a.log("server", &describe(&event));
            }
            SessionEvent::BadFrame(error) => a.log("warn", &error.to_string()),
            SessionEvent::Ended(error) => return (error, goaway),
        }
    }
    (
        SessionError::Open("the connection went away".into()),
        goaway,
    )
}

/// One log line per server event.
fn describe(event: &ServerEvent) -> String {
    match event {
        ServerEvent::SetupComplete => "setupComplete".into(),
        ServerEvent::Audio(chunk) => format!("audio: {} samples", chunk.samples.len()),
        ServerEvent::Text { text, thought } => {
            format!("{}: {text}", if *thought { "thought" } else { "text" })
        }
        ServerEvent::InputTranscription(t) => format!("you: {t}"),
        ServerEvent::OutputTranscription(t) => format!("model: {t}"),
        ServerEvent::Interrupted => "interrupted".into(),
        ServerEvent::GenerationComplete => "generationComplete".into(),
        ServerEvent::TurnComplete => "turnComplete".into(),
        ServerEvent::ToolCall(calls) => {
            let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
            format!("toolCall: {}", names.join(", "))
        }
        ServerEvent::ToolCallCancellation(ids) => {
            format!("toolCallCancellation: {}", ids.join(", "))
        }
        ServerEvent::GoAway { time_left } => match time_left {
            Some(t) => format!("goAway: the server closes in {:.1} s", t.as_secs_f64()),
            None => "goAway".into(),
        },
        ServerEvent::ResumptionUpdate { resumable, .. } => {
            format!("sessionResumptionUpdate (resumable: {resumable})")
        }
        ServerEvent::Usage(u) => format!(
            "usage: {} tokens",
            u.total_token_count.map_or("?".into(), |n| n.to_string())
        ),
    }
}

/// Refreshes the model's output meter ten times a second.
fn meter_timer(app: &Shared) -> gloo_timers::callback::Interval {
    let weak = Rc::downgrade(app);
    let mut ticks = 0u32;
    let mut speaking = false;
    gloo_timers::callback::Interval::new(100, move || {
        let Some(app) = weak.upgrade() else { return };
        let Ok(mut a) = app.try_borrow_mut() else {
            return;
        };
        let level = a.player.as_ref().map_or(0.0, Player::level);
        a.set_meter("output-level", dbfs(level));
        let playing = a.player.as_ref().is_some_and(Player::is_playing);
        // Between connections the line keeps saying "reconnecting" while audio plays out.
        if playing != speaking && a.session.is_some() {
            speaking = playing;
            if playing {
                a.status("speaking", "The model is speaking. Talk to interrupt it.");
            } else {
                a.settle();
            }
        }
        ticks += 1;
        if ticks.is_multiple_of(10) && a.rec_started.is_some() {
            a.sync_played();
            let secs = a.recorder.duration().round() as u64;
            a.rec_info(&format!("{}:{:02} recorded so far.", secs / 60, secs % 60));
        }
    })
}

/// Playback timings, with the prebuffer from `?prebuffer=MS` (20-500 ms) if given.
fn playback_config() -> PlaybackConfig {
    let mut config = PlaybackConfig::default();
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let prebuffer = web_sys::UrlSearchParams::new_with_str(&query)
        .ok()
        .and_then(|p| p.get("prebuffer"))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite());
    if let Some(ms) = prebuffer {
        config.prebuffer_ms = ms.clamp(20.0, 500.0);
        config.lookahead_ms = config.lookahead_ms.max(config.prebuffer_ms + 200.0);
    }
    config
}

/// A linear level as dBFS for the meters (floor -60).
fn dbfs(linear: f32) -> f64 {
    (20.0 * f64::from(linear.max(1e-6)).log10()).max(-60.0)
}

impl App {
    /// Makes the session's AudioContext and the player (on the Connect click).
    fn start_audio(&mut self) -> Result<(), String> {
        self.end_audio();
        let ctx =
            AudioContext::new().map_err(|e| format!("Audio could not start: {}", js_error(e)))?;
        let player = Player::new(&ctx, playback_config()).map_err(|e| e.to_string())?;
        let percent: f32 = self.value("volume").parse().unwrap_or(100.0);
        player.set_volume(percent / 100.0);
        self.player = Some(player);
        self.audio = Some(ctx);
        self.processor_loaded = false;
        Ok(())
    }

    /// Stops capture and playback and closes the session's AudioContext (no context
    /// outlives its session). The recording keeps everything heard so far.
    fn end_audio(&mut self) {
        self.capture = None;
        self.sync_played();
        self.rec_session = None;
        self.player = None;
        self.meters = None;
        self.mic_stopping = false;
        self.set_meter("input-level", -60.0);
        self.set_meter("output-level", -60.0);
        if let Some(ctx) = self.audio.take() {
            let _ = ctx.close();
        }
    }

    /// A new session's model audio goes into the recording on that session's clock.
    fn begin_recording_session(&mut self) {
        let (Some(ctx), Some(player)) = (&self.audio, &self.player) else {
            return;
        };
        let offset = page_now_ms() / 1000.0 - ctx.current_time();
        let id = self.recorder.begin_session(offset, player.rate());
        self.rec_session = Some((id, offset));
    }

    fn recording_started(&mut self) {
        if self.rec_started.is_none() {
            self.rec_started = Some(js_sys::Date::new_0());
            if let Ok(button) = element::<HtmlElement>(&self.doc, "rec-save") {
                let _ = button.toggle_attribute_with_force("disabled", false);
            }
        }
    }

    /// Brings the recorder's copy of the playback log up to date.
    fn sync_played(&mut self) {
        if let (Some(player), Some((id, _))) = (&self.player, self.rec_session) {
            self.recorder.set_played(id, &player.log());
        }
    }

    fn rec_info(&self, text: &str) {
        if let Ok(info) = element::<HtmlElement>(&self.doc, "rec-info") {
            info.set_text_content(Some(text));
        }
    }

    /// Builds the WAV (the part so far, during a session) and offers it as a download.
    fn save_recording(&mut self) {
        self.sync_played();
        if self.recorder.is_empty() {
            self.rec_info("Nothing recorded yet.");
            return;
        }
        let format = Format::parse(&self.value("rec-format")).unwrap_or_default();
        let blob = match wav_blob(&self.recorder, format) {
            Ok(blob) => blob,
            Err(e) => {
                self.log("error", &format!("The recording could not be saved: {e}"));
                return;
            }
        };
        let url = match web_sys::Url::create_object_url_with_blob(&blob) {
            Ok(url) => url,
            Err(e) => {
                self.log(
                    "error",
                    &format!("The recording could not be saved: {}", js_error(e)),
                );
                return;
            }
        };
        if let Some(old) = self.rec_url.replace(url.clone()) {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        let started = self.rec_started.clone().unwrap_or_else(js_sys::Date::new_0);
        let name = download_name(&started, format);
        let summary = recorder::describe(self.recorder.duration(), blob.size() as u64);
        if let Ok(link) = element::<web_sys::HtmlAnchorElement>(&self.doc, "rec-link") {
            link.set_href(&url);
            link.set_download(&name);
            link.set_text_content(Some(&name));
            link.set_hidden(false);
            link.click();
        }
        self.rec_info(&format!("({summary})"));
        self.draw_recording();
        self.log("info", &format!("Recording saved: {name} ({summary})"));
    }

    /// How long after the last microphone chunk went out the reply's first sample plays
    /// (the turn's first buffer, from the playback log). Read by the latency benchmark.
    fn log_reply_latency(&self, turn: u64) {
        let (Some(player), Some((_, offset))) = (&self.player, self.rec_session) else {
            return;
        };
        if self.last_sent_at <= 0.0 {
            return;
        }
        let Some(start) = player.first_start(turn) else {
            return;
        };
        let plays_at = (offset + start as f64 / f64::from(player.rate())) * 1000.0;
        self.log(
            "info",
            &format!(
                "Reply latency: the first sample plays {:.1} ms after the last microphone chunk was sent ({:.0} ms of it is the playback buffer).",
                plays_at - self.last_sent_at,
                player.prebuffer_ms()
            ),
        );
    }

    /// Redraws the waveform picture of the recording so far.
    fn draw_recording(&self) {
        if self.recorder.is_empty() {
            return;
        }
        let Ok(canvas) = element::<web_sys::HtmlCanvasElement>(&self.doc, "rec-wave") else {
            return;
        };
        if let Err(e) = draw_waveform(&canvas, &self.recorder) {
            self.log("warn", &format!("The waveform could not be drawn: {e}"));
        }
        if let Ok(figure) = element::<HtmlElement>(&self.doc, "rec-figure") {
            figure.set_hidden(false);
        }
    }

    fn set_meter(&self, id: &str, dbfs: f64) {
        if let Ok(meter) = element::<HtmlMeterElement>(&self.doc, id) {
            meter.set_value(dbfs.max(-60.0));
        }
    }

    fn fail_mic(&mut self, error: &str) {
        self.capture = None;
        self.mic_starting = false;
        self.mic_stopping = false;
        self.set_meter("input-level", -60.0);
        self.log("error", error);
        let state = if self.session.is_some() {
            "ready"
        } else {
            "closed"
        };
        self.status(state, error);
    }
}

/// `m` toggles the microphone (outside text fields).
fn listen_keys(app: &Shared) -> Result<(), String> {
    let doc = app.borrow().doc.clone();
    let app = Rc::clone(app);
    let closure =
        Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(move |e: web_sys::KeyboardEvent| {
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlElement>().ok())
                .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if typing || e.key() != "m" || e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let listening = app.borrow().capture.is_some();
            if listening {
                stop_mic(&app);
            } else if app.borrow().session.is_some() {
                wasm_bindgen_futures::spawn_local(start_mic(Rc::clone(&app)));
            }
        });
    doc.add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref())
        .map_err(js_error)?;
    closure.forget();
    Ok(())
}

/// Opens the microphone into the session's AudioContext. On failure the page says why and
/// `None` comes back.
async fn open_capture(
    app: &Shared,
) -> Option<futures_channel::mpsc::UnboundedReceiver<CaptureEvent>> {
    // The session's AudioContext (made on Connect); the worklet module is loaded once.
    let Some(ctx) = app.borrow().audio.clone() else {
        app.borrow_mut()
            .fail_mic("Audio is not running; connect again.");
        return None;
    };
    if let Ok(promise) = ctx.resume() {
        let _ = JsFuture::from(promise).await;
    }
    if !app.borrow().processor_loaded {
        if let Err(e) = add_processor(&ctx, PROCESSOR_URL).await {
            app.borrow_mut().fail_mic(&e.to_string());
            return None;
        }
        app.borrow_mut().processor_loaded = true;
    }
    let cached = app.borrow().dsp.clone(); // the borrow must end before any await
    let dsp = match cached {
        Some(dsp) => Ok(dsp),
        None => fetch_dsp(DSP_URL).await,
    };
    let dsp = match dsp {
        Ok(dsp) => dsp,
        Err(e) => {
            app.borrow_mut().fail_mic(&e.to_string());
            return None;
        }
    };
    app.borrow_mut().dsp = Some(dsp.clone());
    match Capture::microphone(&ctx, &dsp).await {
        Ok((capture, events)) => {
            app.borrow_mut().capture = Some(capture);
            Some(events)
        }
        Err(e) => {
            app.borrow_mut().fail_mic(&e.to_string());
            None
        }
    }
}

async fn start_mic(app: Shared) {
    {
        let a = app.borrow();
        if a.session.is_none() || a.capture.is_some() || a.mic_starting {
            return;
        }
    }
    app.borrow_mut().mic_starting = true;
    app.borrow()
        .status("starting", "Starting the microphone...");
    let events = open_capture(&app).await;
    app.borrow_mut().mic_starting = false;
    let Some(mut events) = events else {
        return;
    };
    {
        let mut a = app.borrow_mut();
        if a.session.is_none() {
            a.capture = None; // the session ended while the permission prompt was open
            return;
        }
        a.log(
            "info",
            &format!(
                "Microphone on ({} Hz device rate, sent as 16 kHz)",
                a.audio.as_ref().map_or(0.0, |c| c.sample_rate())
            ),
        );
        a.status("listening", "Listening. Talk to the model.");
    }
    let mut send_failed = false;
    while let Some(event) = events.next().await {
        let mut a = app.borrow_mut();
        match event {
            CaptureEvent::Chunk {
                samples, rms, time, ..
            } => {
                a.set_meter("input-level", dbfs(rms));
                // The person's voice is the recording's continuous base track: kept where
                // it was captured even while a reconnect means the model cannot hear it.
                if let Some((_, offset)) = a.rec_session {
                    a.recorder.add_user(offset + time, &samples);
                    a.recording_started();
                }
                let sent = a.session.as_ref().map(|s| s.send_audio(&samples));
                match sent {
                    Some(Ok(())) => {
                        send_failed = false;
                        a.last_sent_at = page_now_ms();
                    }
                    None => a.unsent += samples.len() as u64,
                    Some(Err(e)) => {
                        a.unsent += samples.len() as u64;
                        if !send_failed {
                            a.log("warn", &e.to_string());
                            send_failed = true;
                        }
                    }
                }
            }
            CaptureEvent::Flushed => {
                if a.mic_stopping {
                    finish_stop(&mut a);
                    break;
                }
            }
            CaptureEvent::Failed(e) => {
                if let Some(session) = &a.session {
                    let _ = session.send_audio_stream_end();
                }
                a.fail_mic(&e.to_string());
                break;
            }
        }
    }
}

/// Stop Mic: the worklet delivers its partial chunk, then `audioStreamEnd` goes out.
fn stop_mic(app: &Shared) {
    let mut a = app.borrow_mut();
    let Some(capture) = a.capture.as_ref() else {
        return;
    };
    capture.flush();
    a.mic_stopping = true;
    drop(a);
    // If the worklet never answers (it crashed), stop anyway.
    let app = Rc::clone(app);
    gloo_timers::callback::Timeout::new(1_000, move || {
        let mut a = app.borrow_mut();
        if a.mic_stopping {
            finish_stop(&mut a);
        }
    })
    .forget();
}

fn finish_stop(a: &mut App) {
    a.capture = None; // stops the tracks: the recording indicator goes off
    a.mic_stopping = false;
    a.set_meter("input-level", -60.0);
    a.sync_played();
    a.draw_recording();
    if let Some(session) = &a.session {
        if let Err(e) = session.send_audio_stream_end() {
            a.log("warn", &e.to_string());
        }
        a.log("info", "Microphone off (audioStreamEnd sent).");
        if a.player.as_ref().is_some_and(Player::is_playing) {
            a.status("speaking", "The model is speaking.");
        } else {
            a.settle();
        }
    }
}
