//! The stored conversations on the page: the list (with the one whose tab died offered for
//! recovery), Download (the stored file itself, no copy) and Delete.

use super::page::{Item, Page};
use super::store::Store;
use crate::conversation::LogKind;
use crate::dom::Id;
use crate::recorder::stored_label;
use std::cell::RefCell;
use std::rc::Rc;

const LIST: Id = Id::RecStored;
const ACTIONS: &[(&str, &str)] = &[
    ("review", "Review"),
    ("download", "Download"),
    ("record", "Record (JSON)"),
    ("delete", "Delete"),
];

/// The list's state: the storage, and the object URL of the last download.
pub struct Stored {
    store: Rc<Store>,
    page: Page,
    url: RefCell<Option<String>>,
}

impl Stored {
    /// Wires the list's buttons (for the page's lifetime) and shows what is stored.
    pub fn start(store: Rc<Store>, page: &Page) -> Result<Rc<Stored>, String> {
        let stored = Rc::new(Stored {
            store,
            page: page.clone(),
            url: RefCell::default(),
        });
        let me = Rc::clone(&stored);
        page.on_item(LIST, move |action, name| {
            let me = Rc::clone(&me);
            wasm_bindgen_futures::spawn_local(async move { me.act(&action, &name).await });
        })?;
        stored.refresh();
        Ok(stored)
    }

    /// Lists what is stored now (after whatever the worker has been asked before).
    pub fn refresh(self: &Rc<Self>) {
        let me = Rc::clone(self);
        wasm_bindgen_futures::spawn_local(async move {
            match me.store.list().await {
                Ok(list) => {
                    let items: Vec<Item> = list
                        .iter()
                        .map(|s| {
                            let label = stored_label(&s.name, s.size, &s.header, s.busy);
                            // One another tab is writing cannot be read or removed yet.
                            let actions = if s.busy { &[][..] } else { ACTIONS };
                            (s.name.clone(), label, actions)
                        })
                        .collect();
                    me.page.set_items(LIST, &items);
                    me.page.set_hidden(Id::RecStoredNone, !items.is_empty());
                }
                Err(e) => me.page.set_text(
                    Id::RecStoredNone,
                    &format!("Stored conversations cannot be listed in this browser ({e})."),
                ),
            }
        });
    }

    async fn act(self: &Rc<Self>, action: &str, name: &str) {
        if action == "review" {
            if let Err(e) = self.review(name).await {
                let text = format!("The stored conversation {name} could not be reviewed: {e}");
                self.page.log(LogKind::Error, &text);
            }
            return;
        }
        let done = match action {
            "download" => self.download(name, false).await,
            "record" => self.download(name, true).await,
            "delete" => self
                .store
                .request("remove", &[("name", name.into())])
                .await
                .map(|_| ())
                .map_err(String::from),
            other => Err(format!("the page has no action \"{other}\" for it")),
        };
        if let Err(e) = done {
            let text = format!("The stored conversation {name} could not be used: {e}");
            self.page.log(LogKind::Error, &text);
        }
        self.refresh();
    }

    /// Opens stored conversation `name` in the review view (the page's second module).
    async fn review(&self, name: &str) -> Result<(), String> {
        let file = self.store.file(name).await?;
        let record = match self.store.record(name).await {
            Ok(blob) => wasm_bindgen_futures::JsFuture::from(blob.text())
                .await
                .map(|json| json.as_string().unwrap_or_default())
                .map_err(super::js_error),
            Err(e) => Err(format!("no record was stored with it ({e})")),
        };
        super::later::review(name, &file, record).await
    }

    /// Offers the stored recording `name`, or (`record`) the record kept beside it.
    async fn download(&self, name: &str, record: bool) -> Result<(), String> {
        let file = if record {
            self.store.record(name).await?
        } else {
            self.store.file(name).await?
        };
        let url = web_sys::Url::create_object_url_with_blob(&file).map_err(super::js_error)?;
        if let Some(old) = self.url.borrow_mut().replace(url.clone()) {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        let stem = name.strip_suffix(".wav").unwrap_or(name);
        let stem = stem.strip_suffix(".part").unwrap_or(stem);
        let name = format!("{stem}.{}", if record { "json" } else { "wav" });
        self.page.offer_download(&url, &name);
        Ok(())
    }
}
