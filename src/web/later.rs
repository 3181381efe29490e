//! The page's second module: what the page does rarely, fetched the first time it is needed
//! (never before Talk), so a first visit loads only what the first click needs. It is this
//! crate built with the `later-module` feature (.ci/build-worklet: `later.js` and
//! `later_bg.wasm` beside the page) and holds the review view ([`super::review`]: 16 KB gzip
//! the first load no longer carries) and the archive's upload ([`super::archive::upload`]). wasm-bindgen has no code splitting of its own; a second
//! module is how its ecosystem loads code on demand.
//!
//! The page side ([`review`]) imports the module's glue with `import()` once and keeps it; a
//! load that failed is tried again on the next use.

use super::js_error;
use js_sys::Promise;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Blob;

#[wasm_bindgen(inline_js = r#"
let loading;
export function load(glue, wasm) {
  const at = (url) => new URL(url, document.baseURI).href;
  loading ??= import(at(glue))
    .then(async (m) => { await m.default({ module_or_path: at(wasm) }); return m; })
    .catch((e) => { loading = undefined; throw e; });
  return loading;
}
"#)]
extern "C" {
    /// The later module's exports, once its glue is imported and its wasm instantiated.
    fn load(glue: &str, wasm: &str) -> Promise;

    type Later;
    #[wasm_bindgen(method)]
    fn review(
        this: &Later,
        name: &str,
        file: &Blob,
        record: Option<String>,
        missing: Option<String>,
    ) -> Promise;
    #[wasm_bindgen(method)]
    fn upload(this: &Later, id: &str, audio: &Blob, record: &str, passcode: &str) -> Promise;
}

thread_local! {
    /// Where the module's glue and wasm are: beside the page, unless a test says otherwise.
    static SOURCE: RefCell<(String, String)> =
        RefCell::new(("later.js".to_owned(), "later_bg.wasm".to_owned()));
}

/// Loads the module from `glue` and `wasm` (URLs) instead of beside the page: for tests,
/// whose page is the test runner's. Takes effect at the next load.
pub fn use_source(glue: String, wasm: String) {
    SOURCE.with(|source| *source.borrow_mut() = (glue, wasm));
}

async fn module() -> Result<Later, String> {
    let loading = SOURCE.with(|source| {
        let (glue, wasm) = &*source.borrow();
        load(glue, wasm)
    });
    let module = JsFuture::from(loading).await.map_err(|e| {
        format!(
            "the page's second module (later.js) could not be loaded: {}",
            js_error(e)
        )
    })?;
    Ok(module.unchecked_into())
}

/// Opens stored conversation `name` (its recording `file`, its record's text or why there
/// is none) in the review view.
pub async fn review(name: &str, file: &Blob, record: Result<String, String>) -> Result<(), String> {
    let later = module().await?;
    let (record, missing) = match record {
        Ok(text) => (Some(text), None),
        Err(why) => (None, Some(why)),
    };
    JsFuture::from(later.review(name, file, record, missing))
        .await
        .map(drop)
        .map_err(js_error)
}

/// Sends a finished conversation to the team's archive as `id` (its recording `audio`, its
/// `record`'s JSON): the second module uploads, retries and logs what became of it.
pub async fn upload(id: &str, audio: &Blob, record: &str, passcode: &str) -> Result<(), String> {
    let later = module().await?;
    JsFuture::from(later.upload(id, audio, record, passcode))
        .await
        .map(drop)
        .map_err(js_error)
}

/// The module's side: its exports.
#[cfg(feature = "later-module")]
mod exports {
    use super::super::review::Reviewer;
    use std::rc::Rc;
    use wasm_bindgen::prelude::*;
    use web_sys::Blob;

    thread_local! {
        /// The review view (one dialog, one review open at a time), on the app's page.
        static REVIEWER: Option<Rc<Reviewer>> = super::super::page::Page::find().map(Reviewer::new);
    }

    /// Opens stored conversation `name` in the review view: its recording, and its record's
    /// text (or, `missing`, why there is none: the audio alone is reviewed then).
    #[wasm_bindgen]
    pub async fn review(
        name: String,
        file: Blob,
        record: Option<String>,
        missing: Option<String>,
    ) -> Result<(), JsValue> {
        let reviewer = REVIEWER
            .with(Clone::clone)
            .ok_or_else(|| JsValue::from_str("this page has no review view"))?;
        let record = record.ok_or_else(|| missing.unwrap_or_default());
        // The page logs why it failed.
        reviewer
            .open(&name, &file, record)
            .await
            .map_err(|e| JsValue::from_str(&e))
    }

    /// Sends a finished conversation to the team's archive (see `web::archive::upload`).
    #[wasm_bindgen]
    pub async fn upload(id: String, audio: Blob, record: String, passcode: String) {
        if let Some(page) = super::super::page::Page::find() {
            super::super::archive::upload(page, id, audio, record, passcode).await;
        }
    }
}
