//! The recordings' storage: requests to the dedicated worker (`www/recording-worker.js`)
//! that keeps them in the Origin Private File System. Each request gets one reply, in order,
//! read through [`Reply`]'s typed getters; a refused request (no OPFS in this browser, a
//! full disk) is a [`StorageError`], never a panic. Dropping the store ends the worker.

use super::js_error;
use crate::recorder::stored::StorageError;
use futures_channel::oneshot::{channel, Sender};
use gloo_events::EventListener;
use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker};

const WORKER_URL: &str = "recording-worker.js";

type Replies = Rc<RefCell<Vec<(u32, Sender<Result<Reply, StorageError>>)>>>;

#[wasm_bindgen]
extern "C" {
    /// The worker's reply to request `id`: a refusal (`error`, the exception's `name`), or
    /// what the request asked for (`list`, `file`). Typed getters, read where they are used.
    pub type Reply;
    #[wasm_bindgen(method, getter)]
    fn id(this: &Reply) -> Option<u32>;
    #[wasm_bindgen(method, getter)]
    fn error(this: &Reply) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn name(this: &Reply) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn list(this: &Reply) -> Option<Vec<Entry>>;
    #[wasm_bindgen(method, getter)]
    fn file(this: &Reply) -> JsValue;

    /// A stored recording as the worker lists it.
    type Entry;
    #[wasm_bindgen(method, getter)]
    fn name(this: &Entry) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn size(this: &Entry) -> Option<f64>;
    #[wasm_bindgen(method, getter)]
    fn header(this: &Entry) -> Option<ArrayBuffer>;
    #[wasm_bindgen(method, getter)]
    fn busy(this: &Entry) -> bool;
}

/// A connection to the storage worker. Cheap to share through an `Rc`.
pub struct Store {
    worker: Worker,
    replies: Replies,
    next: Cell<u32>,
    /// Why the worker could not run (its script failed to load or threw), once it is known.
    failed: Rc<RefCell<Option<StorageError>>>,
    _listeners: [EventListener; 2],
}

/// A stored recording, as listed.
pub struct Stored {
    pub name: String,
    pub size: u64,
    /// The file's first 44 bytes (its WAV header).
    pub header: Vec<u8>,
    /// Another tab is writing it now.
    pub busy: bool,
}

/// Bytes out of wasm memory into a transferable buffer.
pub fn buffer(bytes: &[u8]) -> ArrayBuffer {
    Uint8Array::from(bytes).buffer()
}

impl Store {
    /// Starts the worker (it opens the storage on the first request), on `backend`
    /// ("indexeddb") if given, else on the best this browser has.
    pub fn open(backend: Option<&str>) -> Result<Store, String> {
        let url = match backend {
            Some(b) => format!("{WORKER_URL}?store={}", js_sys::encode_uri_component(b)),
            None => WORKER_URL.to_owned(),
        };
        let worker = Worker::new(&url).map_err(js_error)?;
        let replies: Replies = Rc::default();
        let pending = Rc::clone(&replies);
        let on_message = EventListener::new(&worker, "message", move |e| {
            let data = e.unchecked_ref::<MessageEvent>().data();
            if !data.is_object() {
                return; // not a reply (a getter on it could throw)
            }
            let reply: Reply = data.unchecked_into();
            let Some(tx) = reply
                .id()
                .and_then(|id| take(&mut pending.borrow_mut(), id))
            else {
                return;
            };
            let _ = tx.send(match reply.error() {
                Some(error) => Err(StorageError::from_dom(
                    &reply.name().unwrap_or_default(),
                    &error,
                )),
                None => Ok(reply),
            });
        });
        // A worker that cannot run answers nothing: every request waiting, and every later
        // one, fails with the reason instead.
        let failed: Rc<RefCell<Option<StorageError>>> = Rc::default();
        let (pending, reason) = (Rc::clone(&replies), Rc::clone(&failed));
        let on_error = EventListener::new(&worker, "error", move |e| {
            let e: &web_sys::ErrorEvent = e.unchecked_ref();
            let why =
                StorageError::Unavailable(format!("the storage worker stopped ({})", e.message()));
            for (_, tx) in pending.borrow_mut().drain(..) {
                let _ = tx.send(Err(why.clone()));
            }
            reason.borrow_mut().get_or_insert(why);
        });
        Ok(Store {
            worker,
            replies,
            next: Cell::new(0),
            failed,
            _listeners: [on_message, on_error],
        })
    }

    /// Sends `op` with `fields` (buffers among them are transferred) and waits for the reply.
    pub async fn request(
        &self,
        op: &str,
        fields: &[(&str, JsValue)],
    ) -> Result<Reply, StorageError> {
        if let Some(why) = self.failed.borrow().clone() {
            return Err(why);
        }
        let refused = |e| StorageError::Other(js_error(e));
        let id = self.next.get();
        self.next.set(id.wrapping_add(1));
        let message = Object::new();
        let transfer = Array::new();
        let set = |k: &str, v: &JsValue| Reflect::set(&message, &k.into(), v).map(|_| ());
        set("op", &op.into()).map_err(refused)?;
        set("id", &id.into()).map_err(refused)?;
        for (key, value) in fields {
            set(key, value).map_err(refused)?;
            if value.is_instance_of::<ArrayBuffer>() {
                transfer.push(value);
            }
        }
        let (tx, rx) = channel();
        self.replies.borrow_mut().push((id, tx));
        if let Err(e) = self.worker.post_message_with_transfer(&message, &transfer) {
            take(&mut self.replies.borrow_mut(), id);
            return Err(refused(e));
        }
        rx.await
            .map_err(|_| StorageError::Unavailable("the storage worker went away".to_owned()))?
    }

    /// The stored recordings, newest first.
    pub async fn list(&self) -> Result<Vec<Stored>, StorageError> {
        let reply = self.request("list", &[]).await?;
        Ok(reply
            .list()
            .unwrap_or_default()
            .iter()
            .map(|entry| Stored {
                name: entry.name().unwrap_or_default(),
                size: entry.size().unwrap_or(0.0) as u64,
                header: entry
                    .header()
                    .map(|b| Uint8Array::new(&b).to_vec())
                    .unwrap_or_default(),
                busy: entry.busy(),
            })
            .collect())
    }

    /// A stored recording as a `File` (a `Blob`: handed to the browser as it is).
    pub async fn file(&self, name: &str) -> Result<web_sys::Blob, StorageError> {
        self.blob("file", name).await
    }

    /// The record kept beside recording `name` (its JSON as last written).
    pub async fn record(&self, name: &str) -> Result<web_sys::Blob, StorageError> {
        self.blob("record", name).await
    }

    async fn blob(&self, op: &str, name: &str) -> Result<web_sys::Blob, StorageError> {
        let reply = self.request(op, &[("name", name.into())]).await?;
        reply
            .file()
            .dyn_into()
            .map_err(|_| StorageError::Other("the storage gave no file".to_owned()))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// The reply channel of request `id`, out of the waiting ones (a few at most).
fn take<T>(waiting: &mut Vec<(u32, T)>, id: u32) -> Option<T> {
    let at = waiting.iter().position(|(i, _)| *i == id)?;
    Some(waiting.swap_remove(at).1)
}
