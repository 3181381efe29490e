//! The review view: a stored conversation opened in a dialog, its waveform with the turns
//! drawn on it (your voice and the model's in their colours, cut-offs, tool calls and
//! reconnects marked), a player, and the record's lines beside it following playback; a
//! click on a line or on the waveform plays from there. Closing the dialog drops what it
//! opened (its listeners and the file's object URL). The reading and the arithmetic are in
//! [`crate::record::review`].

use super::js_error;
use super::page::Page;
use crate::dom::Id;
use crate::record::review::{clock, duration, LineKind, Mark, Peaks, Review};
use crate::record::{NoteKind, Who};
use crate::web::recording::show::{context_2d, MODEL, YOU};
use gloo_events::EventListener;
use js_sys::{ArrayBuffer, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Blob, Element, HtmlCanvasElement, HtmlDialogElement, HtmlElement, HtmlMediaElement, MouseEvent,
};

/// The stored file is read this much at a time for its waveform: a long conversation never
/// sits in memory whole.
const PIECE: u64 = 1 << 20;

const CUT: &str = "#d92d20";
const TOOL: &str = "#7c3aed";
const NOTE: &str = "#6b7280";

/// Opens stored conversations for review, one at a time.
pub struct Reviewer {
    page: Page,
    open: Rc<RefCell<Option<Open>>>,
}

/// What an open review holds; dropping it detaches its listeners and frees the file's URL.
struct Open {
    url: String,
    _listeners: Vec<EventListener>,
}

/// What is drawn: the waveform's peaks, the record (if one was stored), the line heard.
struct Shown {
    peaks: Vec<f32>,
    duration: f64,
    review: Option<Review>,
    current: Option<usize>,
}

impl Drop for Open {
    fn drop(&mut self) {
        let _ = web_sys::Url::revoke_object_url(&self.url);
    }
}

impl Reviewer {
    pub fn new(page: Page) -> Rc<Reviewer> {
        Rc::new(Reviewer {
            page,
            open: Rc::default(),
        })
    }

    /// Opens stored conversation `name` (its recording `file`, its record's text or why
    /// there is none) in the review dialog.
    pub async fn open(
        self: &Rc<Self>,
        name: &str,
        file: &Blob,
        record: Result<String, String>,
    ) -> Result<(), String> {
        self.open.borrow_mut().take();
        let canvas: HtmlCanvasElement = self.page.element(Id::ReviewWave)?;
        let header = bytes(file, 0, crate::wav::HEADER_LEN as u64).await?;
        let columns = canvas.width() as usize;
        let mut peaks = Peaks::new(&header, file.size() as u64, columns)
            .ok_or("it is not a recording this page can read")?;
        let (mut at, end) = peaks.data();
        while at < end {
            let to = (at + PIECE).min(end);
            peaks.feed(&bytes(file, at, to).await?);
            at = to;
        }
        self.present(
            name,
            file,
            &canvas,
            peaks,
            record.and_then(|json| read(&json)),
        )
    }

    /// Shows what [`Reviewer::open`] read, and opens the dialog.
    fn present(
        self: &Rc<Self>,
        name: &str,
        file: &Blob,
        canvas: &HtmlCanvasElement,
        peaks: Peaks,
        review: Result<Review, String>,
    ) -> Result<(), String> {
        let page = &self.page;
        let duration = peaks.duration();
        let summary = match &review {
            Ok(r) => r.summary(),
            Err(e) => format!("Only the audio can be reviewed: {e}."),
        };
        let when = crate::recorder::stored_when(name);
        page.set_text(
            Id::ReviewTitle,
            &format!("Review: the conversation of {when}"),
        );
        page.set_text(Id::ReviewSummary, &summary);
        let label = format!("Waveform of the conversation, {}", clock(duration));
        let _ = canvas.set_attribute("aria-label", &label);
        let review = review.ok();
        self.show_lines(review.as_ref());
        let url = web_sys::Url::create_object_url_with_blob(file).map_err(js_error)?;
        let player: HtmlMediaElement = page.element(Id::ReviewPlayer)?;
        player.set_src(&url);
        let shown = Rc::new(RefCell::new(Shown {
            peaks: peaks.finish(),
            duration,
            review,
            current: None,
        }));
        draw(canvas, &shown.borrow(), 0.0)?;
        let listeners = self.listen(&player, canvas, &shown)?;
        *self.open.borrow_mut() = Some(Open {
            url,
            _listeners: listeners,
        });
        let dialog: HtmlDialogElement = page.element(Id::Review)?;
        if !dialog.open() {
            dialog.show_modal().map_err(js_error)?;
        }
        if let Ok(title) = page.element::<HtmlElement>(Id::ReviewTitle) {
            let _ = title.focus();
        }
        Ok(())
    }

    /// The record's lines, each a button that plays from its start.
    fn show_lines(&self, review: Option<&Review>) {
        let Ok(list) = self.page.element::<HtmlElement>(Id::ReviewLines) else {
            return;
        };
        list.set_text_content(None);
        let doc = self.page.document();
        for (i, line) in review.map_or(&[][..], |r| &r.lines[..]).iter().enumerate() {
            let (class, who) = match line.kind {
                LineKind::You => ("you", "You"),
                LineKind::Typed => ("you", "You (typed)"),
                LineKind::Model => ("model", "Model"),
                LineKind::Tool => ("tool", "Tool"),
                LineKind::Note(NoteKind::Reconnect) => ("note", "Reconnect"),
                LineKind::Note(NoteKind::Warning) => ("note", "Warning"),
                LineKind::Note(NoteKind::Error) => ("note", "Error"),
            };
            let (Ok(item), Ok(button)) = (doc.create_element("li"), doc.create_element("button"))
            else {
                return;
            };
            item.set_class_name(class);
            let _ = button.set_attribute("type", "button");
            let _ = button.set_attribute("data-line", &i.to_string());
            for (tag, text) in [("time", clock(line.at)), ("b", who.to_owned())] {
                if let Ok(part) = doc.create_element(tag) {
                    part.set_text_content(Some(&text));
                    if tag == "time" {
                        let _ = part.set_attribute("datetime", &duration(line.at));
                    }
                    let _ = button.append_child(&part);
                }
            }
            let _ = button.append_with_str_1(&line.text);
            let _ = item.append_child(&button);
            if !line.detail.is_empty() {
                if let Ok(detail) = doc.create_element("span") {
                    detail.set_text_content(Some(&line.detail));
                    let _ = item.append_child(&detail);
                }
            }
            let _ = list.append_child(&item);
        }
    }

    /// Playback moves the highlighted line and the playhead; a click on a line or on the
    /// waveform plays from there; closing the dialog pauses and lets go of the review.
    fn listen(
        self: &Rc<Self>,
        player: &HtmlMediaElement,
        canvas: &HtmlCanvasElement,
        shown: &Rc<RefCell<Shown>>,
    ) -> Result<Vec<EventListener>, String> {
        let mut listeners = Vec::new();
        for event in ["timeupdate", "seeked"] {
            let (page, shown, canvas) = (self.page.clone(), Rc::clone(shown), canvas.clone());
            let player_ = player.clone();
            listeners.push(EventListener::new(player, event, move |_| {
                follow(
                    &page,
                    &canvas,
                    &mut shown.borrow_mut(),
                    player_.current_time(),
                );
            }));
        }
        let (play, duration) = (player.clone(), shown.borrow().duration);
        let clicked = canvas.clone();
        listeners.push(EventListener::new(canvas, "click", move |e| {
            let Some(e) = e.dyn_ref::<MouseEvent>() else {
                return;
            };
            let width = f64::from(clicked.client_width().max(1));
            play_from(&play, f64::from(e.offset_x()) / width * duration);
        }));
        let list: HtmlElement = self.page.element(Id::ReviewLines)?;
        let (play, lines) = (player.clone(), Rc::clone(shown));
        listeners.push(EventListener::new(&list, "click", move |e| {
            let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
            let button = target.and_then(|t| t.closest("button[data-line]").ok().flatten());
            let i: Option<usize> = button.and_then(|b| b.get_attribute("data-line")?.parse().ok());
            let shown = lines.borrow();
            let line = i.and_then(|i| shown.review.as_ref()?.lines.get(i));
            if let Some(line) = line {
                play_from(&play, line.at);
            }
        }));
        let dialog: HtmlDialogElement = self.page.element(Id::Review)?;
        let (open, play) = (Rc::clone(&self.open), player.clone());
        listeners.push(EventListener::new(&dialog, "close", move |_| {
            let _ = play.pause();
            play.remove_attribute("src").ok();
            play.load();
            // Not now: this listener is one of what it drops.
            let open = Rc::clone(&open);
            wasm_bindgen_futures::spawn_local(async move {
                open.borrow_mut().take();
            });
        }));
        Ok(listeners)
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// What a stored record says it is, read before the whole of it.
    type Stamp;
    #[wasm_bindgen(method, getter)]
    fn schema(this: &Stamp) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn version(this: &Stamp) -> Option<f64>;
}

/// A stored record read with the browser's JSON parser (the page's own reads the service's
/// frames the same way; a second JSON reader in the page would weigh 40 KB).
fn read(json: &str) -> Result<Review, String> {
    let value = js_sys::JSON::parse(json)
        .map_err(|e| format!("the stored record is not readable ({})", js_error(e)))?;
    // A getter on `null` would throw: what is not an object has no schema.
    let (schema, version) = if value.is_object() {
        let stamp: &Stamp = value.unchecked_ref();
        (
            stamp.schema().unwrap_or_default(),
            stamp.version().unwrap_or_default() as u32,
        )
    } else {
        (String::new(), 0)
    };
    Review::check(&schema, version).map_err(|e| e.to_string())?;
    let record = serde_wasm_bindgen::from_value(value)
        .map_err(|e| format!("the stored record is not readable ({})", js_error(e.into())))?;
    Ok(Review::new(record))
}

/// Bytes `from..to` of a file.
async fn bytes(file: &Blob, from: u64, to: u64) -> Result<Vec<u8>, String> {
    let piece = file
        .slice_with_f64_and_f64(from as f64, to as f64)
        .map_err(js_error)?;
    let buffer: ArrayBuffer = JsFuture::from(piece.array_buffer())
        .await
        .map_err(js_error)?
        .unchecked_into();
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn play_from(player: &HtmlMediaElement, at: f64) {
    player.set_current_time(at);
    let _ = player.play();
}

/// The player is at `t`: the line heard there is highlighted (and scrolled to), the
/// playhead drawn there.
fn follow(page: &Page, canvas: &HtmlCanvasElement, shown: &mut Shown, t: f64) {
    let line = shown.review.as_ref().and_then(|r| r.line_at(t));
    if line != shown.current {
        if let Ok(list) = page.element::<HtmlElement>(Id::ReviewLines) {
            let items = list.children();
            if let Some(old) = shown.current.and_then(|i| items.item(i as u32)) {
                let _ = old.remove_attribute("aria-current");
            }
            if let Some(new) = line.and_then(|i| items.item(i as u32)) {
                let _ = new.set_attribute("aria-current", "true");
                let options = web_sys::ScrollIntoViewOptions::new();
                options.set_block(web_sys::ScrollLogicalPosition::Nearest);
                new.scroll_into_view_with_scroll_into_view_options(&options);
            }
        }
        shown.current = line;
    }
    let _ = draw(canvas, shown, t);
}

/// The waveform: the turns as bands in their speaker's colour, each column's peak in the
/// colour of who was heard there (the model's over yours), the marks as lines, the playhead.
fn draw(canvas: &HtmlCanvasElement, shown: &Shown, playhead: f64) -> Result<(), String> {
    let ctx = context_2d(canvas)?;
    let (width, height) = (f64::from(canvas.width()), f64::from(canvas.height()));
    ctx.clear_rect(0.0, 0.0, width, height);
    let duration = shown.duration.max(1e-9);
    let x = |t: f64| (t / duration * width).clamp(0.0, width);
    let bands = shown.review.as_ref().map(Review::bands).unwrap_or_default();
    ctx.set_global_alpha(0.16);
    for band in &bands {
        ctx.set_fill_style_str(colour(band.who));
        ctx.fill_rect(
            x(band.start),
            0.0,
            (x(band.end) - x(band.start)).max(1.0),
            height,
        );
    }
    ctx.set_global_alpha(1.0);
    let middle = height / 2.0;
    let columns = shown.peaks.len().max(1) as f64;
    for (i, &peak) in shown.peaks.iter().enumerate() {
        let t = (i as f64 + 0.5) / columns * duration;
        ctx.set_fill_style_str(colour(Review::heard_at(&bands, t)));
        let half = (f64::from(peak) * middle).max(0.5);
        let left = i as f64 * width / columns;
        ctx.fill_rect(left, middle - half, (width / columns).max(1.0), 2.0 * half);
    }
    let marks = shown.review.as_ref().map(Review::marks).unwrap_or_default();
    for (at, mark) in marks {
        let colour = match mark {
            Mark::Cut | Mark::Note(NoteKind::Error) => CUT,
            Mark::Tool => TOOL,
            Mark::Note(_) => NOTE,
        };
        ctx.set_fill_style_str(colour);
        ctx.fill_rect(x(at) - 1.0, 0.0, 2.0, height);
    }
    ctx.set_fill_style_str(NOTE);
    ctx.fill_rect(x(playhead) - 0.5, 0.0, 1.0, height);
    Ok(())
}

fn colour(who: Who) -> &'static str {
    match who {
        Who::You => YOU,
        Who::Model => MODEL,
    }
}
