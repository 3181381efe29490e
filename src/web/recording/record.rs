//! The conversation's record on the recording's side: what the page learns (typed text,
//! transcripts, the end of a reply, calls, reconnects and problems) goes into the take's
//! [`Record`](crate::record::Record) at the page clock's now, and the record leaves as a
//! JSON file or WebVTT captions named like the recording.

use super::{page_now_ms, Recording, Take};
use crate::conversation::LogKind;
use crate::dom::Id;
use crate::protocol::FunctionCall;
use crate::record::{NoteKind, Record, Who};
use crate::web::js_error;
use crate::web::page::Page;
use crate::web::tools::{CallState, Card};
use js_sys::Array;
use web_sys::{Blob, BlobPropertyBag};

/// What leaves the page from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// The whole record (`.json`).
    Json,
    /// Captions (`.vtt`).
    Captions,
}

impl Recording {
    fn record(&mut self) -> Option<&mut Record> {
        self.take
            .as_mut()
            .filter(|t| !t.finished)
            .map(|t| &mut t.record)
    }

    fn now() -> f64 {
        page_now_ms() / 1000.0
    }

    pub fn typed(&mut self, text: &str) {
        if let Some(r) = self.record() {
            r.typed(Self::now(), text);
        }
    }

    pub fn transcript(&mut self, who: Who, text: &str) {
        if let Some(r) = self.record() {
            r.transcript(Self::now(), who, text);
        }
    }

    /// Push-to-talk pressed (`true`) or released: the hold is the person's turn.
    pub fn hold(&mut self, down: bool) {
        if let Some(r) = self.record() {
            r.hold(Self::now(), down);
        }
    }

    pub fn usage(&mut self, usage: &crate::protocol::UsageMetadata) {
        if let Some(r) = self.record() {
            r.usage(usage);
        }
    }

    /// The reply being received ended (`interrupted`: cut off).
    pub fn model_done(&mut self, interrupted: bool) {
        if let Some(r) = self.record() {
            r.model_done(interrupted);
        }
    }

    pub fn tools_asked(&mut self, calls: &[FunctionCall]) {
        if let Some(r) = self.record() {
            for call in calls {
                let id = call.id.as_deref().unwrap_or_default();
                r.tool_asked(Self::now(), id, &call.name, &call.args.to_string());
            }
        }
    }

    /// A call's card changed: answered, or cancelled by the model.
    pub fn tool_card(&mut self, card: &Card) {
        if let Some(r) = self.record() {
            match card.state {
                CallState::Running => {}
                CallState::Answered => r.tool_answered(Self::now(), &card.id, &card.words),
                CallState::Cancelled => r.tool_cancelled(Self::now(), &card.id),
            }
        }
    }

    /// A log line: reconnects, warnings and errors go into the record, in words.
    pub fn log(&mut self, kind: LogKind, text: &str) {
        // Every kind named: a new one must say here whether the record keeps it.
        let kind = match kind {
            LogKind::Warn => NoteKind::Warning,
            LogKind::Error => NoteKind::Error,
            LogKind::Reconnected => NoteKind::Reconnect,
            // The log's own lines: what the server said, what the page did.
            LogKind::Info | LogKind::Server => return,
        };
        if let Some(r) = self.record() {
            r.note(Self::now(), kind, text);
        }
    }

    /// Stores the record beside the recording (when it changed): a tab that dies keeps its
    /// record up to the last time this ran (each second, and at the end).
    pub fn keep_record(&mut self) {
        let Some(take) = self.take.as_mut() else {
            return;
        };
        let Some(origin) = take.live.origin() else {
            return;
        };
        let json = take
            .record
            .export(origin, take.live.format().rate())
            .to_json();
        if json == take.kept {
            return;
        }
        let fields = vec![
            ("name", take.file.as_str().into()),
            ("text", json.as_str().into()),
        ];
        take.kept = json;
        self.store("note", fields);
    }

    /// Offers the record so far as `what`, named like the recording.
    pub fn export_on(&mut self, page: &Page, what: Export) {
        let Some(take) = self.take.as_ref() else {
            return page.set_text(Id::RecInfo, "Nothing recorded yet.");
        };
        match exported(take, what) {
            Ok((url, name)) => {
                page.offer_download(&url, &name);
                if let Some(old) = std::mem::replace(&mut self.exports, vec![url]).pop() {
                    let _ = web_sys::Url::revoke_object_url(&old);
                }
                page.log(LogKind::Info, &format!("Saved {name}."));
            }
            Err(e) => page.log(
                LogKind::Error,
                &format!("The record could not be saved: {e}"),
            ),
        }
    }
}

/// The object URL and file name of `take`'s record as `what`.
fn exported(take: &Take, what: Export) -> Result<(String, String), String> {
    let origin = take.live.origin().ok_or("nothing is recorded yet")?;
    let record = take.record.export(origin, take.live.format().rate());
    let (text, kind, ext) = match what {
        Export::Json => (record.to_json(), "application/json", "json"),
        Export::Captions => (record.webvtt(), "text/vtt", "vtt"),
    };
    let options = BlobPropertyBag::new();
    options.set_type(kind);
    let parts = Array::of1(&text.into());
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let wav = super::download_name(&take.started, take.live.format());
    let stem = wav.strip_suffix(".wav").unwrap_or(&wav);
    Ok((url, format!("{stem}.{ext}")))
}

impl Recording {
    /// The archive's line was shown before this conversation's first Talk: its record keeps
    /// it, and the conversation is uploaded when it ends.
    pub fn consent(&mut self, text: String, shown_at: String) {
        let Some(take) = self.take.as_mut().filter(|t| !t.finished) else {
            return;
        };
        // Once per conversation: a reconnect keeps its id.
        if take.record.consented().is_none() {
            let name = super::file::download_name(&take.started, take.live.format());
            let id = crate::archive::conversation_id(&name, js_sys::Math::random());
            let consent = crate::archive::Consent { text, shown_at, id };
            take.record.consent(consent);
        }
    }

    /// A finished conversation whose record kept the archive's line, as the archive takes
    /// it: its id, the whole file (the parts already kept, no copy) and the record's JSON.
    pub fn for_archive(&self) -> Option<Result<(String, Blob, String), String>> {
        let take = self.take.as_ref().filter(|t| t.finished)?;
        let id = take.record.consented()?.id.clone();
        let origin = take.live.origin()?;
        let json = take
            .record
            .export(origin, take.live.format().rate())
            .to_json();
        Some(take.whole_file().map(|file| (id, file, json)))
    }
}
