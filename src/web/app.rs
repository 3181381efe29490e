//! The page's wiring, and nothing else: DOM events, session events, capture events and
//! timers become [`Event`]s for the pure [`Conversation`]; its [`Effect`]s are carried out
//! by the parts that own the browser resources: the [`Page`] (DOM), the settings, the
//! audio [`Rig`] (context, player, microphone), the session and the [`Recording`].

use super::page::Page;
use super::recording::{Export, Recording};
use super::rig::{run_mic, Rig};
use super::session::{self, Current};
use super::{archive, devices, page_now_ms, settings, tools};
use crate::conversation::{Conversation, Effect, Event};
use crate::dom::Id;
use crate::protocol::{models, ClientMessage};
use crate::settings::Connection;
use gloo_timers::callback::Timeout;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

mod calls;
mod changed;
mod record;
mod start;
mod tick;
use changed::Changed;
use start::{reopen, start_clicked};
use tick::ticker;

struct App {
    conv: Conversation,
    page: Page,
    rig: Rig,
    recording: Recording,
    /// Where the conversation connects, kept for reconnects.
    connection: Option<Connection>,
    /// The current connection (set and cleared by [`session::run`]).
    session: Current,
    retry: Option<Timeout>,
    /// What the built-in notebook tool holds, for this conversation.
    notes: Vec<String>,
    /// Function calls whose answers wait on a timer (a declared tool's delay).
    running: tools::Running,
    /// The connection about to open has a fresh token (see `reopen`).
    token_fresh: bool,
    /// The archive's line, while the page shows it (see `web::archive`).
    terms: archive::Shown,
}

type Shared = Rc<RefCell<App>>;
type WeakApp = Weak<RefCell<App>>;

/// Wires the page, if this document is the app's page (tests load the module without it).
pub fn start() -> Result<(), String> {
    let Some(page) = Page::find() else {
        return Ok(());
    };
    let refused = settings::fill(&page)?;
    let app: Shared = Rc::new(RefCell::new(App {
        conv: Conversation::default(),
        page: page.clone(),
        rig: Rig::default(),
        recording: Recording::start(&page),
        connection: None,
        session: Current::default(),
        retry: None,
        notes: Vec::new(),
        running: tools::Running::default(),
        token_fresh: false,
        terms: archive::Shown::default(),
    }));
    for (id, event) in [
        (Id::Disconnect, Event::Disconnect),
        (Id::MicStart, Event::StartMic),
        (Id::MicStop, Event::StopMic),
    ] {
        let app = Rc::clone(&app);
        page.on(id, "click", move || dispatch(&app, event.clone()))?;
    }
    let on = |id: Id, event: &'static str, handler: fn(&Shared)| {
        let app = Rc::clone(&app);
        page.on(id, event, move || handler(&app))
    };
    on(Id::Connect, "click", |app| start_clicked(app, false))?;
    // The talk control: a click toggles; in push-to-talk it is held instead (pointer or
    // the space bar), and its clicks do nothing.
    on(Id::Talk, "click", |app| {
        if !app.borrow().page.talk_is_held() {
            start_clicked(app, true);
        }
    })?;
    let hold = |app: &Shared| {
        if app.borrow().page.talk_is_held() {
            dispatch(app, Event::Hold);
        }
    };
    on(Id::Talk, "pointerdown", hold)?;
    for event in ["pointerup", "pointercancel", "pointerleave"] {
        on(Id::Talk, event, |app| dispatch(app, Event::Release))?;
    }
    on(Id::MicDevice, "change", |app| {
        devices::remember(&app.borrow().page, Id::MicDevice);
        dispatch(app, Event::SwitchMic);
    })?;
    on(Id::SpeakerDevice, "change", |app| {
        app.borrow().changed(Changed::SpeakerDevice)
    })?;
    wasm_bindgen_futures::spawn_local(devices::refresh(page.clone()));
    devices::follow(&page);
    tick::resume_on_gesture(&app);
    // A setting in the address or storage the page does not offer: said, not guessed.
    for why in refused {
        dispatch(&app, Event::Invalid(why));
    }
    let typed = Rc::clone(&app);
    page.on_submit(Id::TextForm, move || {
        let text = typed.borrow().page.take_text(Id::Text);
        dispatch(&typed, Event::Text(text));
    })?;
    on(Id::LogPanel, "toggle", |app| {
        app.borrow().page.scroll_to_end(Id::Log)
    })?;
    on(Id::RecSave, "click", |app| app.borrow_mut().save())?;
    on(Id::RecRecord, "click", |app| {
        app.borrow_mut().export(Export::Json)
    })?;
    on(Id::RecCaptions, "click", |app| {
        app.borrow_mut().export(Export::Captions)
    })?;
    on(Id::RecListen, "click", |app| app.borrow_mut().listen())?;
    // Settings in a dialog, kept for the next visit when it closes; the banner's buttons.
    for id in [Id::SettingsOpen, Id::BannerSettings] {
        on(id, "click", |app| {
            app.borrow().page.open_dialog(Id::SettingsDialog)
        })?;
    }
    on(Id::SettingsDialog, "close", |app| {
        let renew = app.borrow_mut().settings_closed();
        if let Some(event) = renew {
            dispatch(app, event);
        }
    })?;
    page.wrap_focus([
        (Id::TrapStart, Id::SettingsDone),
        (Id::TrapEnd, Id::Backend),
    ])?;
    page.wrap_focus([
        (Id::ReviewTrapStart, Id::ReviewClose),
        (Id::ReviewTrapEnd, Id::ReviewTitle),
    ])?;
    on(Id::BannerClose, "click", |app| {
        dispatch(app, Event::Dismiss)
    })?;
    on(Id::Backend, "change", |app| {
        app.borrow().changed(Changed::Backend)
    })?;
    on(Id::Model, "input", |app| {
        app.borrow().changed(Changed::Model)
    })?;
    on(Id::Volume, "input", |app| {
        app.borrow().changed(Changed::Volume)
    })?;
    on(Id::RecFormat, "change", |app| {
        app.borrow().changed(Changed::RecFormat)
    })?;
    let keys = Rc::clone(&app);
    page.on_key("m", move || dispatch(&keys, Event::ToggleMic)); // `m` toggles the mic
    let (active, down, up) = (Rc::clone(&app), Rc::clone(&app), Rc::clone(&app));
    page.on_hold_key(
        " ",
        move || active.borrow().page.talk_is_held(),
        move || dispatch(&down, Event::Hold),
        move || dispatch(&up, Event::Release),
    );
    page.show(&app.borrow().conv.view());
    prefetch_standin(&page);
    app.borrow().offer_terms();
    Ok(())
}

/// The offline stand-in's module, fetched once it is the chosen backend.
fn prefetch_standin(page: &Page) {
    if page.value(Id::Backend) == "offline" {
        super::standin::prefetch();
    }
}

/// Runs `event` through the conversation and carries out its effects, and those of any
/// events they report back, in order.
fn dispatch(app: &Shared, event: Event) {
    let Ok(mut a) = app.try_borrow_mut() else {
        // Raised while the app is busy (no browser callback does): run it next.
        let app = Rc::clone(app);
        wasm_bindgen_futures::spawn_local(async move { dispatch(&app, event) });
        return;
    };
    let mut queue = VecDeque::from([event]);
    while let Some(event) = queue.pop_front() {
        let held = a.conv.held();
        for effect in a.conv.handle(page_now_ms(), event) {
            queue.extend(a.apply(app, effect));
        }
        if a.conv.held() != held {
            a.recording.hold(!held);
        }
    }
}

/// Reports events to the app, if it is still there.
fn reporter(app: WeakApp) -> impl Fn(Event) {
    move |event| {
        if let Some(app) = app.upgrade() {
            dispatch(&app, event);
        }
    }
}

impl App {
    fn apply(&mut self, app: &Shared, effect: Effect) -> Option<Event> {
        let weak = Rc::downgrade(app);
        match effect {
            Effect::StartAudio => {
                let gain = settings::volume(&self.page);
                return Some(
                    match self.rig.start(settings::playback(), gain, ticker(weak)) {
                        Ok(()) => {
                            self.speaker_chosen();
                            Event::AudioReady
                        }
                        Err(e) => Event::AudioFailed(e),
                    },
                );
            }
            Effect::EndAudio => {
                self.recording.end(self.rig.player());
                self.archive();
                self.rig.end();
                self.session.clear();
                self.tick(0);
            }
            Effect::Open { handle } => {
                let connection = self.connection.as_ref()?;
                let fresh = std::mem::take(&mut self.token_fresh);
                if connection.minted && handle.is_some() && !fresh {
                    // A later connection: a fresh token first (see `with_fresh_token`).
                    let passcode = settings::read(&self.page).secret;
                    wasm_bindgen_futures::spawn_local(reopen(weak, passcode));
                    return None;
                }
                let current = self.session.clone();
                let run = session::run(connection, handle, current, reporter(weak));
                wasm_bindgen_futures::spawn_local(run);
            }
            Effect::Close => self.session.close(),
            Effect::RetryAfter(ms) => {
                let report = reporter(weak);
                self.retry = Some(Timeout::new(ms, move || report(Event::RetryDue)));
            }
            Effect::CancelRetry => self.retry = None,
            Effect::BeginRecording => {
                if let (Some(ctx), Some(player)) = (self.rig.context(), self.rig.player()) {
                    let shaped = self.connection.as_ref().map(|c| (&c.setup).into());
                    let format = settings::format(&self.page);
                    self.recording
                        .begin(ctx, player, format, shaped.unwrap_or_default());
                    if let Some((text, shown_at)) = self.terms.borrow().clone() {
                        self.recording.consent(text, shown_at);
                    }
                }
            }
            Effect::OpenMic { id, system_default } => {
                let mut plan = match self.rig.mic_plan() {
                    Ok(plan) => plan,
                    Err(e) => return Some(Event::MicOpened { id, result: Err(e) }),
                };
                if !system_default {
                    plan.device = self.page.value(Id::MicDevice);
                }
                plan.chunk = settings::chunk(&self.page);
                let adopting = weak.clone();
                let page = self.page.clone();
                let adopt = move |m| {
                    // Allowed now: the device names can be shown.
                    wasm_bindgen_futures::spawn_local(devices::refresh(page));
                    let adopt = |a: Shared| a.borrow_mut().rig.adopt_mic(id, m);
                    adopting.upgrade().is_some_and(adopt)
                };
                wasm_bindgen_futures::spawn_local(run_mic(plan, id, adopt, reporter(weak)));
            }
            Effect::FlushMic { id, deadline_ms } => {
                let report = reporter(weak);
                let deadline = move || report(Event::MicDeadline { id });
                self.rig.flush_mic(id, deadline_ms, deadline);
            }
            Effect::CloseMic { id } => self.rig.close_mic(id),
            Effect::MicAudio {
                samples,
                time,
                send,
            } => {
                self.recording.user(time, &samples);
                let error = send.then(|| self.session.send_audio(&samples))?.err()?;
                let samples = samples.len();
                return Some(Event::SendFailed {
                    samples,
                    error: error.to_string(),
                });
            }
            Effect::SendSilence(samples) => {
                let error = (self.session.send_audio(&vec![0; samples]).err()?).to_string();
                return Some(Event::SendFailed { samples: 0, error });
            }
            Effect::SendStreamEnd => {
                let error = (self.session.send_audio_stream_end().err()?).to_string();
                return Some(Event::SendFailed { samples: 0, error });
            }
            Effect::SendActivity { start } => {
                let message = ClientMessage::activity(start);
                let error = (self.session.send_message(&message).err()?).to_string();
                return Some(Event::SendFailed { samples: 0, error });
            }
            Effect::SendText(text) => {
                self.recording.typed(&text);
                let model = &self.connection.as_ref()?.setup.model;
                let message = models::lookup(model).typed(&text);
                let error = (self.session.send_message(&message).err()?).to_string();
                return Some(Event::SendFailed { samples: 0, error });
            }
            Effect::AnswerTools(calls) => {
                self.recording.tools_asked(&calls);
                self.answer_tools(weak, &calls)?
            }
            Effect::CancelTools(ids) => self.cancel_tools(&ids),
            Effect::Play { samples, .. } => {
                let (turn, heard) = self.rig.play(&samples)?;
                self.recording.model(turn, &heard);
                let inserted = heard.len().saturating_sub(samples.len()) as u64;
                if inserted > 0 {
                    return Some(Event::Stretched(inserted));
                }
            }
            Effect::Interrupt => {
                self.recording.model_done(true);
                let silent_after_ms = self.rig.interrupt()?;
                return Some(Event::Cut { silent_after_ms });
            }
            Effect::TurnComplete => {
                self.recording.model_done(false);
                self.page.end_line();
                self.rig.turn_complete();
            }
            Effect::Transcript { speaker, text } => {
                self.recording.transcript(speaker.into(), &text);
                self.page.transcript(speaker, &text);
            }
            Effect::InterimTranscript(text) => self.page.interim(&text),
            Effect::Usage(usage) => self.recording.usage(&usage),
            Effect::Log { kind, text } => {
                self.recording.log(kind, &text);
                self.page.log(kind, &text);
            }
            Effect::Show(view) => self.page.show(&view),
            Effect::DrawRecording => {
                self.recording.feed(self.rig.player());
                self.recording.draw_on(&self.page);
            }
        }
        None
    }
}
