//! The team's archive at the page's edge (the rules are in [`crate::archive`]): when the
//! token server that serves the page keeps conversations, its line is shown by Talk before
//! anyone talks, and a conversation that began after it was shown is uploaded when it ends
//! (its recording and its record, under one id, retried as the rules say); what a tab that
//! died or an upload that failed left in the browser's storage is sent on the next visit.
//! The copy in the browser's storage stays either way; the log says what became of it.

use super::fetch::request;
use super::page::Page;
use super::store::Store;
use crate::archive::{retry_after, Outcome, Terms, ARCHIVE_PATH};
use crate::conversation::LogKind;
use crate::dom::Id;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

/// The line as it was shown and when (ISO 8601), while it is on the page (`None`: no
/// archive, or not yet known).
pub type Shown = Rc<RefCell<Option<(String, String)>>>;

/// Asks the serving token server for its terms and shows them by Talk (or hides the line
/// when it keeps nothing or the backend is not that server). `shown` holds what was shown;
/// the answer is whether the line is shown.
pub async fn offer(page: Page, shown: Shown, from_server: bool) -> bool {
    shown.borrow_mut().take();
    page.set_hidden(Id::ArchiveTerms, true);
    if !from_server {
        return false;
    }
    let terms = match request("GET", ARCHIVE_PATH, None, &[]).await {
        Ok((status, body)) => {
            let body = body.filter(JsValue::is_object).and_then(|v| {
                let said: &Said = v.unchecked_ref();
                Some(Terms {
                    organisation: said.organisation()?,
                    days: said.days()? as u64,
                })
            });
            Terms::from_answer(status, body)
        }
        Err(why) => Err(why),
    };
    match terms {
        Ok(Some(terms)) => {
            let text = terms.line();
            page.set_text(Id::ArchiveTerms, &text);
            page.set_hidden(Id::ArchiveTerms, false);
            let shown_at = String::from(js_sys::Date::new_0().to_iso_string());
            *shown.borrow_mut() = Some((text, shown_at));
            return true;
        }
        Ok(None) => {}
        Err(why) => page.log(
            LogKind::Warn,
            &format!(
                "The server's archive terms could not be read ({why}); conversations stay in \
                 this browser only."
            ),
        ),
    }
    false
}

/// Uploads a finished conversation as `id` (its recording and its record's JSON), then
/// logs what became of it. Each file is retried on its own; a refusal is not retried. It
/// runs in the page's second module (`super::later::upload`): the first load does not carry it.
pub async fn upload(page: Page, id: String, audio: Blob, record: String, passcode: String) {
    let record = Blob::new_with_str_sequence_and_options(&js_sys::Array::of1(&record.into()), &{
        let options = web_sys::BlobPropertyBag::new();
        options.set_type("application/json");
        options
    });
    let record = match record {
        Ok(record) => record,
        Err(e) => return page.log(LogKind::Error, &super::js_error(e)),
    };
    let size = audio.size() + record.size();
    for (file, body) in [("audio.wav", &audio), ("record.json", &record)] {
        let url = format!("{ARCHIVE_PATH}/{id}/{file}");
        if let Err(why) = put(&url, body, &passcode).await {
            let text = format!(
                "The team's archive did not keep this conversation ({file}: {why}). It stays \
                 in this browser's storage."
            );
            return page.log(LogKind::Error, &text);
        }
    }
    confirm(&id);
    let text = format!(
        "Kept in the team's archive as {id} ({} kB).",
        (size / 1000.0).round()
    );
    page.log(LogKind::Info, &text);
}

/// One file `PUT` until the server keeps it, a refusal, or the last retry.
async fn put(url: &str, body: &Blob, passcode: &str) -> Result<(), String> {
    let mut tried = 0;
    loop {
        let headers = [("x-passcode", passcode)];
        let (outcome, why) = match request("PUT", url, Some(body), &headers).await {
            Ok((200, _)) => return Ok(()),
            Ok((status, answer)) => (Outcome::Status(status), refusal(status, answer)),
            Err(why) => (Outcome::Unreached, why),
        };
        tried += 1;
        let Some(wait) = retry_after(tried, outcome) else {
            return Err(why);
        };
        gloo_timers::future::TimeoutFuture::new(wait).await;
    }
}

/// A refusal's words (the server answers `{"error": "..."}`), or its status.
fn refusal(status: u16, answer: Option<JsValue>) -> String {
    #[derive(serde::Deserialize)]
    struct Refused {
        error: String,
    }
    let said = answer.and_then(|v| serde_wasm_bindgen::from_value::<Refused>(v).ok());
    match said {
        Some(refused) => format!("HTTP {status}: {}", refused.error),
        None => format!("HTTP {status}"),
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The server's terms as the browser's `JSON.parse` reads them.
    type Said;
    #[wasm_bindgen(method, getter)]
    fn organisation(this: &Said) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn days(this: &Said) -> Option<f64>;
    /// A stored record as the browser's `JSON.parse` reads it: only its archive id is read.
    type Kept;
    #[wasm_bindgen(method, getter)]
    fn consent(this: &Kept) -> Option<KeptConsent>;
    type KeptConsent;
    #[wasm_bindgen(method, getter)]
    fn id(this: &KeptConsent) -> Option<String>;
}

/// Where the page notes an id the archive confirmed (`localStorage`): a conversation is sent
/// once, and again only until the archive keeps it.
fn marker(id: &str) -> String {
    format!("gemini-live-voice.archived.{id}")
}

fn confirmed(id: &str) -> bool {
    let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
    storage.is_some_and(|s| s.get_item(&marker(id)).ok().flatten().is_some())
}

fn confirm(id: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(&marker(id), "1");
    }
}

/// Sends what this browser stored for the archive and the archive never confirmed: a
/// conversation whose tab died, or whose upload failed. Its record names its id (kept when
/// the line was shown), so a second try replaces the same files.
pub async fn send_left(page: Page, store: Rc<Store>, passcode: String) {
    let Ok(stored) = store.list().await else {
        return;
    };
    for entry in stored.iter().filter(|s| !s.busy) {
        let Ok(record) = store.record(&entry.name).await else {
            continue;
        };
        let Ok(text) = JsFuture::from(record.text()).await else {
            continue;
        };
        let text = text.as_string().unwrap_or_default();
        let Ok(value) = js_sys::JSON::parse(&text) else {
            continue;
        };
        let id = value.is_object().then(|| value.unchecked_into::<Kept>());
        let Some(id) = id.and_then(|kept| kept.consent()?.id()) else {
            continue;
        };
        if confirmed(&id) {
            continue;
        }
        let sent = match store.file(&entry.name).await {
            Ok(file) => super::later::upload(&id, &file, &text, &passcode).await,
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = sent {
            let name = &entry.name;
            let text =
                format!("The stored conversation {name} could not be sent to the archive: {e}");
            page.log(LogKind::Error, &text);
        }
    }
}
