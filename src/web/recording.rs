//! The recording's browser side: [`Recording`] owns the conversation's [`LiveRecorder`]
//! (one per conversation, across reconnects), feeds it the microphone's chunks and the
//! model's audio as they come and the player's settled buffers as playback goes, and has it
//! render, every 100 ms, what has become final. The rendered blocks leave wasm memory at once
//! as Blob parts, so wasm memory stays flat however long the call; Save puts the header in
//! front of the parts (and, during the conversation, the still-open tail after them): a
//! Blob of Blobs, no build, no copy. The waveform is drawn from the blocks as they come.

mod file;
mod record;
pub mod show;

pub use file::{download_name, wav_blob};
pub use record::Export;

use super::page::Page;
use super::playback::Player;
use super::store::{buffer, Store};
use super::stored::Stored;
use super::{js_error, page_now_ms};
use crate::record::{Record, Settings as RecordSettings};
use crate::recorder::live::LiveRecorder;
use crate::recorder::stored::StorageError;
use crate::recorder::{describe, part_name, Format, SessionId};
use js_sys::{Array, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::{Blob, BlobPropertyBag};

/// The most of the file rendered per tick (ten a second): seconds that become final at once
/// are rendered over several ticks, each a short task (a hostile or slow moment rendered in
/// one go held the main thread for over 50 ms), still four times faster than real time.
const MAX_RENDER_S: f64 = 0.5;

/// How far behind the clock the recording renders: a microphone chunk (128 ms) arrives well
/// within this of its capture time, so nothing is rendered before its audio is in.
const MARGIN_S: f64 = 0.5;

/// One conversation's recording.
struct Take {
    live: LiveRecorder,
    session: Option<(SessionId, f64, usize)>,
    /// The conversation's record ([`Record`]), its name for the current playback session,
    /// and its JSON as last stored.
    record: Record,
    record_session: usize,
    kept: String,
    /// The rendered blocks, as Blob parts (out of wasm memory): the latest small ones, and
    /// the earlier ones joined [`JOIN`] at a time (a Blob of thousands of parts takes long
    /// to put together at Save).
    parts: Array,
    joined: Array,
    started: js_sys::Date,
    finished: bool,
    /// The file it is stored as while it is written (`*.part.wav`).
    file: String,
}

/// The conversation's recording (the latest one, once it has ended).
#[derive(Default)]
pub struct Recording {
    take: Option<Take>,
    /// A block that could not be kept (the browser refused the memory), told once.
    error: Option<String>,
    /// The browser's storage (the Origin Private File System, through a worker), if any.
    store: Option<(Rc<Store>, Rc<Stored>)>,
    /// Why the storage refused (set by a failed write; then nothing more is sent).
    storage_error: Rc<RefCell<Option<StorageError>>>,
    storage_told: bool,
    persistence: show::Persistence,
    /// The object URLs of the last download and of what the player holds (each revoked
    /// when replaced).
    url: Option<String>,
    heard: Option<String>,
    /// The object URLs of the last record and captions offered.
    exports: Vec<String>,
}

/// A saved recording: its object URL, file name and "1:02, 2.9 MB".
pub struct Saved {
    pub url: String,
    pub name: String,
    pub summary: String,
}

/// Small parts joined into one (about 6 s of pieces): Save then puts together hundreds of
/// parts for an hour, not tens of thousands.
const JOIN: u32 = 64;

impl Take {
    fn keep(&mut self, piece: Blob) -> Result<(), String> {
        self.parts.push(piece.as_ref());
        if self.parts.length() >= JOIN {
            let joined = Blob::new_with_blob_sequence(&self.parts).map_err(js_error)?;
            self.joined.push(joined.as_ref());
            self.parts = Array::new();
        }
        Ok(())
    }
}

fn blob(parts: &Array) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type("audio/wav");
    Blob::new_with_blob_sequence_and_options(parts, &options).map_err(js_error)
}

fn part(bytes: &[u8]) -> Result<Blob, String> {
    let array = Array::of1(&Uint8Array::from(bytes));
    Blob::new_with_u8_array_sequence(&array).map_err(js_error)
}

impl Recording {
    /// A recording part with the browser's storage, if it has one (the page then lists what
    /// is stored and what a tab that died left behind).
    pub fn start(page: &Page) -> Recording {
        let mut recording = Recording::default();
        match Store::open(super::settings::storage().as_deref()).and_then(|store| {
            let store = Rc::new(store);
            Ok((Rc::clone(&store), Stored::start(store, page)?))
        }) {
            Ok(store) => recording.store = Some(store),
            Err(e) => *recording.storage_error.borrow_mut() = Some(StorageError::Unavailable(e)),
        }
        recording
    }

    /// Sends a storage request; a refusal stops the storing (the recording goes on in memory).
    fn store(&self, op: &'static str, fields: Vec<(&'static str, JsValue)>) {
        let Some((store, _)) = &self.store else {
            return;
        };
        if self.storage_error.borrow().is_some() {
            return;
        }
        let (store, error) = (Rc::clone(store), Rc::clone(&self.storage_error));
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = store.request(op, &fields).await {
                error.borrow_mut().get_or_insert(e);
            }
        });
    }

    /// The model's audio from now on plays on `ctx`'s clock through `player`; the first
    /// connection of a conversation starts a new recording in `format`, its record shaped by
    /// `settings`.
    pub fn begin(
        &mut self,
        ctx: &web_sys::AudioContext,
        player: &Player,
        format: Format,
        settings: RecordSettings,
    ) {
        let offset = page_now_ms() / 1000.0 - ctx.current_time();
        if self.take.as_ref().is_none_or(|t| t.finished) {
            let started = js_sys::Date::new_0();
            let file = part_name(&download_name(&started, format));
            let live = LiveRecorder::new(format);
            if self.store.is_some() {
                self.persistence.ask();
            }
            if let Ok(header) = live.header(0) {
                let fields = vec![
                    ("name", file.as_str().into()),
                    ("header", buffer(&header).into()),
                ];
                self.store("open", fields);
            }
            self.take = Some(Take {
                live,
                session: None,
                record: Record::new(settings),
                record_session: 0,
                kept: String::new(),
                parts: Array::new(),
                joined: Array::new(),
                started,
                finished: false,
                file,
            });
        }
        if let Some(take) = &mut self.take {
            let id = take.live.begin_session(offset, player.rate());
            take.session = Some((id, offset, 0));
            take.record_session = take.record.begin_session(offset, player.rate());
        }
    }

    fn open(&mut self) -> Option<&mut Take> {
        self.take.as_mut().filter(|t| !t.finished)
    }

    /// The latencies of the replies heard since the last call (those after a turn of the
    /// person's), as the record has them.
    pub fn new_latencies(&mut self) -> Vec<crate::record::export::Latency> {
        let Some(take) = self.take.as_mut() else {
            return Vec::new();
        };
        take.record.new_latencies()
    }

    /// A microphone chunk captured at `time` on the audio clock.
    pub fn user(&mut self, time: f64, samples: &[i16]) {
        if let Some(take) = self.open() {
            if let Some((_, offset, _)) = take.session {
                take.live.add_user(offset + time, samples);
                take.record.mic(offset + time, samples);
            }
        }
    }

    /// Model audio (24 kHz) queued in `turn`.
    pub fn model(&mut self, turn: u64, samples: &[i16]) {
        if let Some(take) = self.open() {
            if let Some((id, _, _)) = take.session {
                take.live.add_model(id, turn, samples);
                let now = page_now_ms() / 1000.0;
                take.record
                    .model_audio(now, take.record_session, turn, samples);
            }
        }
    }

    /// Takes the buffers the player has settled since the last call, and renders what is
    /// final: up to [`MARGIN_S`] ago, and not past the first buffer still playing.
    pub fn feed(&mut self, player: Option<&Player>) {
        if let Err(e) = self.try_feed(player) {
            self.error.get_or_insert(e);
        }
    }

    fn try_feed(&mut self, player: Option<&Player>) -> Result<(), String> {
        let Some(take) = self.open() else {
            return Ok(());
        };
        let Some((id, offset, fed)) = &mut take.session else {
            return Ok(());
        };
        let mut until = page_now_ms() / 1000.0 - MARGIN_S;
        if let Some(player) = player {
            let settled = player.settled_since(*fed);
            *fed += settled.len();
            take.live.add_played(*id, &settled);
            take.record.played(take.record_session, &settled);
            if let Some(start) = player.unsettled_start() {
                until = until.min(*offset + start);
            }
        }
        let bytes = take.live.render_at_most(until, MAX_RENDER_S);
        if bytes.is_empty() {
            return Ok(());
        }
        take.keep(part(&bytes)?)?;
        let header = take
            .live
            .header(take.live.written_frames())
            .map_err(|e| e.to_string())?;
        let fields = vec![
            ("name", take.file.as_str().into()),
            ("data", buffer(&bytes).into()),
            ("header", buffer(&header).into()),
        ];
        self.store("append", fields);
        Ok(())
    }

    /// Playback ends (the context is closing): everything heard goes in and the rest of the
    /// file is rendered.
    pub fn end(&mut self, player: Option<&Player>) {
        if let Some(player) = player {
            player.stop();
        }
        self.feed(player);
        let Some(take) = self.take.as_mut().filter(|t| !t.finished) else {
            return;
        };
        take.session = None;
        take.finished = true;
        let rest = take.live.finish();
        let lost = take.live.lost_samples();
        if lost > 0 {
            self.error.get_or_insert(format!(
                "{lost} samples of audio arrived after their moment had been written."
            ));
        }
        if !rest.is_empty() {
            if let Err(e) = part(&rest).and_then(|p| take.keep(p)) {
                self.error.get_or_insert(e);
            }
        }
        let name = download_name(&take.started, take.live.format());
        self.keep_record();
        let Some(take) = self.take.as_mut() else {
            return;
        };
        if let Ok(header) = take.live.header(take.live.total_frames()) {
            let fields = vec![
                ("name", take.file.as_str().into()),
                ("data", buffer(&rest).into()),
                ("header", buffer(&header).into()),
                ("rename", name.as_str().into()),
            ];
            self.store("close", fields);
        }
        if let Some((_, stored)) = &self.store {
            stored.refresh();
        }
    }

    /// The browser's storage, if the recording has one.
    pub fn storage(&self) -> Option<Rc<Store>> {
        self.store.as_ref().map(|(store, _)| Rc::clone(store))
    }

    /// Whether any audio went in (the recording can be saved).
    pub fn started(&self) -> bool {
        self.take.as_ref().is_some_and(|t| !t.live.is_empty())
    }

    /// Seconds recorded so far.
    pub fn duration(&self) -> f64 {
        self.take.as_ref().map_or(0.0, |t| t.live.duration())
    }

    /// The file so far as an object URL (the previous one is revoked): the header, the
    /// rendered parts and, during the conversation, the tail that is still open.
    pub fn save(&mut self) -> Result<Saved, String> {
        let take = self.take.as_ref().ok_or("Nothing recorded yet.")?;
        let file = take.whole_file()?;
        let url = web_sys::Url::create_object_url_with_blob(&file).map_err(js_error)?;
        if let Some(old) = self.url.replace(url.clone()) {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        Ok(Saved {
            url,
            name: download_name(&take.started, take.live.format()),
            summary: describe(take.live.duration(), file.size() as u64),
        })
    }
}

impl Take {
    /// The file so far as one Blob of the parts already kept (no copy): the header, the
    /// rendered parts, the tail still open during the conversation, the turns as cue points.
    fn whole_file(&self) -> Result<Blob, String> {
        let take = self;
        let tail = if take.finished {
            Vec::new()
        } else {
            take.live.tail()
        };
        let frames = take.live.total_frames();
        // The turns as cue points after the audio (audio editors show them as markers).
        let cues = take
            .live
            .origin()
            .map(|origin| {
                take.record
                    .export(origin, take.live.format().rate())
                    .cue_chunks()
            })
            .unwrap_or_default();
        let header = take.live.header(frames).map_err(|e| e.to_string())?;
        let header = crate::wav::with_trailing(header, cues.len()).map_err(|e| e.to_string())?;
        let parts = Array::of1(part(&header)?.as_ref());
        for p in take.joined.iter().chain(take.parts.iter()) {
            parts.push(&p);
        }
        for bytes in [tail, cues] {
            if !bytes.is_empty() {
                parts.push(part(&bytes)?.as_ref());
            }
        }
        blob(&parts)
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        let exports = std::mem::take(&mut self.exports);
        for url in [self.url.take(), self.heard.take()]
            .into_iter()
            .flatten()
            .chain(exports)
        {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}
