//! The page's DOM: form fields read and written by id, the status line and the buttons
//! rendered from the conversation's [`View`], the log and transcript panes (one
//! append-and-trim helper), the meters. Text goes in with `textContent`, never as HTML.

mod listen;

use super::js_error;
use crate::conversation::{LogKind, Speaker, View};
use crate::dom::Id;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, Element, HtmlAnchorElement, HtmlDialogElement, HtmlElement, HtmlInputElement,
    HtmlMeterElement, HtmlSelectElement, HtmlTextAreaElement,
};

/// Lines kept in the log and the transcript (up to [`PRUNE`] more before the oldest go).
const MAX_LINES: u32 = 500;
/// Old lines go this many at a time: each removal makes the browser lay the whole list out
/// again, and one per line (with the scroll that reads the layout) held the main thread for
/// 50-100 ms a time once a list was full (a CPU profile of a 7-minute conversation: 86 % of
/// the long tasks in `scrollHeight`).
const PRUNE: u32 = 100;

/// The app's page. Cheap to clone (a document handle).
/// A line of a list made by [`Page::set_items`]: its key, its text, its buttons'
/// (action, label).
pub type Item = (String, String, &'static [(&'static str, &'static str)]);

#[derive(Clone)]
pub struct Page {
    doc: Document,
}

impl Page {
    /// The page, if this document is the app's (tests load the module without it).
    pub fn find() -> Option<Page> {
        let doc = web_sys::window()?.document()?;
        doc.get_element_by_id(Id::App.as_str())?;
        Some(Page { doc })
    }

    pub fn element<T: JsCast>(&self, id: Id) -> Result<T, String> {
        self.doc
            .get_element_by_id(id.as_str())
            .ok_or_else(|| format!("the page has no #{}", id.as_str()))?
            .dyn_into::<T>()
            .map_err(|_| format!("#{} is not the expected kind of element", id.as_str()))
    }

    pub fn document(&self) -> &Document {
        &self.doc
    }

    /// A field's value (input, select or textarea); empty if there is no such field.
    pub fn value(&self, id: Id) -> String {
        if let Ok(input) = self.element::<HtmlInputElement>(id) {
            return input.value();
        }
        if let Ok(select) = self.element::<HtmlSelectElement>(id) {
            return select.value();
        }
        self.element::<HtmlTextAreaElement>(id)
            .map(|t| t.value())
            .unwrap_or_default()
    }

    /// Sets a field; a checkbox is ticked unless `value` is 0/false/off/no.
    pub fn set_value(&self, id: Id, value: &str) {
        if let Ok(input) = self.element::<HtmlInputElement>(id) {
            if input.type_() == "checkbox" {
                input.set_checked(!matches!(value, "0" | "false" | "off" | "no"));
                return;
            }
            input.set_value(value);
        } else if let Ok(select) = self.element::<HtmlSelectElement>(id) {
            select.set_value(value);
        } else if let Ok(text) = self.element::<HtmlTextAreaElement>(id) {
            text.set_value(value);
        }
    }

    /// Sets a setting from the URL or storage: a list takes only one of its choices (else it
    /// keeps what it had, and the error names the value; the list shows the choices); other
    /// fields as [`Page::set_value`].
    pub fn choose(&self, id: Id, name: &str, value: &str) -> Result<(), String> {
        let Ok(select) = self.element::<HtmlSelectElement>(id) else {
            self.set_value(id, value);
            return Ok(());
        };
        let before = select.value();
        select.set_value(value);
        if select.value() == value {
            return Ok(());
        }
        select.set_value(&before);
        Err(format!(
            "Settings: {name} \"{value}\" is not one of the choices in Settings; it stays \"{before}\"."
        ))
    }

    /// A field as a setting: a checkbox as 1 or 0, anything else its value.
    pub fn field(&self, id: Id) -> String {
        match self.element::<HtmlInputElement>(id) {
            Ok(i) if i.type_() == "checkbox" => if i.checked() { "1" } else { "0" }.into(),
            _ => self.value(id),
        }
    }

    pub fn checked(&self, id: Id) -> bool {
        self.element::<HtmlInputElement>(id)
            .map(|i| i.checked())
            .unwrap_or(false)
    }

    /// Fills a select with (value, label) options.
    pub fn options(&self, id: Id, options: &[(&str, &str)], chosen: &str) -> Result<(), String> {
        let select: HtmlSelectElement = self.element(id)?;
        for (value, label) in options {
            let option = self.doc.create_element("option").map_err(js_error)?;
            option.set_text_content(Some(label));
            option.set_attribute("value", value).map_err(js_error)?;
            select.append_child(&option).map_err(js_error)?;
        }
        select.set_value(chosen);
        Ok(())
    }

    /// Replaces a select's options with (value, label) pairs and chooses `chosen`.
    pub fn set_options(&self, id: Id, options: &[(String, String)], chosen: &str) {
        let Ok(select) = self.element::<HtmlSelectElement>(id) else {
            return;
        };
        select.set_text_content(None);
        for (value, label) in options {
            if let Ok(option) = self.doc.create_element("option") {
                option.set_text_content(Some(label));
                let _ = option.set_attribute("value", value);
                let _ = select.append_child(&option);
            }
        }
        select.set_value(chosen);
    }

    /// The status line and the buttons, as the conversation says.
    pub fn show(&self, view: &View) {
        if let Ok(status) = self.element::<HtmlElement>(Id::Status) {
            let _ = status.set_attribute("data-state", view.state);
            status.set_text_content(Some(&view.text));
        }
        for (id, enabled) in [
            (Id::Connect, view.connect),
            (Id::Disconnect, view.disconnect),
            (Id::MicStart, view.mic_start),
            (Id::MicStop, view.mic_stop),
            (Id::TextSend, view.typing),
        ] {
            self.enable(id, enabled);
        }
        // The banner: what went wrong, where the person is looking.
        self.set_hidden(Id::Banner, view.alert.is_none());
        if let Some(alert) = &view.alert {
            self.set_text(Id::BannerText, alert);
        }
        if let Ok(talk) = self.element::<HtmlElement>(Id::Talk) {
            let (label, pressed) = match (view.push_to_talk, view.held, view.talking) {
                (true, true, _) => ("Release to send", true),
                (true, false, _) => ("Hold to talk", false),
                (false, _, true) => ("Stop talking", true),
                (false, _, false) => ("Talk", false),
            };
            // Only a label that changes is set: WebKit fires no `click` on a button whose
            // text node was replaced between `mousedown` and `mouseup`, and the page's first
            // event (a pointer's on Talk) shows the controls; replacing the node with the same
            // words there lost the first click on Talk in Safari.
            if talk.text_content().as_deref() != Some(label) {
                talk.set_text_content(Some(label));
            }
            let state = match view.state {
                "idle" => "not connected",
                "speaking" => "the model is speaking",
                other => other,
            };
            let _ = talk.set_attribute("aria-label", &format!("{label}: {state}"));
            let _ = talk.set_attribute("aria-pressed", if pressed { "true" } else { "false" });
            // Not `disabled` while the conversation is on its way: that would throw the
            // keyboard focus off the control the person just pressed (the core ignores the
            // press meanwhile).
            let _ = talk.set_attribute("aria-disabled", if view.talk { "false" } else { "true" });
            let mode = if view.push_to_talk { "hold" } else { "toggle" };
            let _ = talk.set_attribute("data-mode", mode);
        }
    }

    /// Whether the talk control is in push-to-talk mode (held, not clicked).
    pub fn talk_is_held(&self) -> bool {
        self.element::<HtmlElement>(Id::Talk)
            .ok()
            .and_then(|t| t.get_attribute("data-mode"))
            .as_deref()
            == Some("hold")
    }

    pub fn enable(&self, id: Id, enabled: bool) {
        if let Ok(button) = self.element::<HtmlElement>(id) {
            let _ = button.toggle_attribute_with_force("disabled", !enabled);
        }
    }

    pub fn set_hidden(&self, id: Id, hidden: bool) {
        if let Ok(element) = self.element::<HtmlElement>(id) {
            element.set_hidden(hidden);
        }
    }

    pub fn set_text(&self, id: Id, text: &str) {
        if let Ok(element) = self.element::<HtmlElement>(id) {
            element.set_text_content(Some(text));
        }
    }

    /// One line in the log.
    pub fn log(&self, kind: LogKind, text: &str) {
        self.append(Id::Log, kind.class(), text);
    }

    /// A tool call, as a small card in the conversation.
    pub fn tool_card(&self, text: &str) {
        self.append(Id::Transcript, "tool", text);
    }

    /// Function call `id`'s card in the conversation: shown, or its words replaced (running
    /// -> answered / cancelled).
    pub fn call_card(&self, id: &str, text: &str) {
        // From the newest line back: a call's card is near the end.
        let list = self.element::<HtmlElement>(Id::Transcript).ok();
        let mut line = list.and_then(|l| l.last_element_child());
        let found = loop {
            match line {
                Some(l) if l.get_attribute("data-call").as_deref() == Some(id) => break Some(l),
                Some(l) => line = l.previous_element_sibling(),
                None => break None,
            }
        };
        match found {
            Some(card) => card.set_text_content(Some(text)),
            None => {
                if let Some(card) = self.append(Id::Transcript, "tool", text) {
                    let _ = card.set_attribute("data-call", id);
                }
            }
        }
    }

    /// What the person is saying so far, greyed, in place of the previous provisional text.
    pub fn interim(&self, text: &str) {
        let list = self.element::<HtmlElement>(Id::Transcript).ok();
        match list.and_then(|l| l.query_selector("li.interim").ok().flatten()) {
            Some(line) => line.set_text_content(Some(text)),
            None => {
                self.append(Id::Transcript, "you interim", text);
            }
        }
    }

    /// The model's turn is over: its next words start a line of their own (a speech made
    /// while a tool ran, then the tool's answer, are two turns).
    pub fn end_line(&self) {
        let last = self.element::<HtmlElement>(Id::Transcript).ok();
        if let Some(line) = last.and_then(|l| l.last_element_child()) {
            let _ = line.remove_attribute("data-speaker");
        }
    }

    /// A transcription fragment: it continues the speaker's current line, or starts one
    /// (replacing the provisional text, if any).
    pub fn transcript(&self, speaker: Speaker, text: &str) {
        let Ok(list) = self.element::<HtmlElement>(Id::Transcript) else {
            return;
        };
        if let Some(interim) = list.query_selector("li.interim").ok().flatten() {
            interim.remove();
        }
        let speaker = match speaker {
            Speaker::You => "you",
            Speaker::Model => "model",
        };
        let last = list
            .last_element_child()
            .filter(|l| l.get_attribute("data-speaker").as_deref() == Some(speaker));
        match last {
            Some(line) => {
                let mut content = line.text_content().unwrap_or_default();
                content.push_str(text);
                line.set_text_content(Some(&content));
                list.set_scroll_top(list.scroll_height());
            }
            None => {
                if let Some(line) = self.append(Id::Transcript, speaker, text.trim_start()) {
                    let _ = line.set_attribute("data-speaker", speaker);
                }
            }
        }
    }

    /// Appends an `<li class=...>` with `text` to list `id`, keeps the last [`MAX_LINES`]
    /// (pruned [`PRUNE`] at a time), and scrolls to it if the list is shown (reading a
    /// hidden list's layout, inside the closed log panel, makes the browser lay it out
    /// anyway; [`Page::scroll_to_end`] catches up when it opens).
    fn append(&self, id: Id, class: &str, text: &str) -> Option<Element> {
        let list = self.element::<HtmlElement>(id).ok()?;
        let line = self.doc.create_element("li").ok()?;
        let _ = line.set_attribute("class", class);
        line.set_text_content(Some(text));
        let _ = list.append_child(&line);
        if list.child_element_count() > MAX_LINES + PRUNE {
            while list.child_element_count() > MAX_LINES {
                if let Some(first) = list.first_element_child() {
                    first.remove();
                }
            }
        }
        let hidden = list.closest("details:not([open])").ok().flatten().is_some();
        if !hidden {
            list.set_scroll_top(list.scroll_height());
        }
        Some(line)
    }

    /// Scrolls list `id` to its last line (the log, when its panel opens).
    pub fn scroll_to_end(&self, id: Id) {
        if let Ok(list) = self.element::<HtmlElement>(id) {
            list.set_scroll_top(list.scroll_height());
        }
    }

    /// The talk control's ring: `level` (0 to 100) of whoever is heard, `side` (you or
    /// the model).
    pub fn set_level(&self, side: &str, level: u32) {
        if let Ok(talk) = self.element::<HtmlElement>(Id::Talk) {
            let _ = talk.set_attribute("data-side", side);
            // Through the CSSOM: the page's CSP refuses inline `style` attributes.
            let _ = talk.style().set_property("--level", &level.to_string());
        }
    }

    /// Opens dialog `id` as a modal (the rest of the page inert, Escape closes it).
    pub fn open_dialog(&self, id: Id) {
        if let Ok(dialog) = self.element::<HtmlDialogElement>(id) {
            let _ = dialog.show_modal();
        }
    }

    /// A meter, in dBFS (floor -60).
    pub fn set_meter(&self, id: Id, dbfs: f64) {
        if let Ok(meter) = self.element::<HtmlMeterElement>(id) {
            meter.set_value(dbfs.max(-60.0));
        }
    }

    /// Offers `url` as a download named `name` (the link stays on the page).
    pub fn offer_download(&self, url: &str, name: &str) {
        if let Ok(link) = self.element::<HtmlAnchorElement>(Id::RecLink) {
            link.set_href(url);
            link.set_download(name);
            link.set_text_content(Some(name));
            link.set_hidden(false);
            link.click();
        }
    }

    /// Takes the text box's text (emptying it).
    pub fn take_text(&self, id: Id) -> String {
        let Ok(input) = self.element::<HtmlInputElement>(id) else {
            return String::new();
        };
        let text = input.value();
        input.set_value("");
        text
    }

    /// Replaces list `id`'s items: per (key, text, actions) a line with the text and one
    /// button per (action, label), the button carrying `data-action` and `data-key`.
    pub fn set_items(&self, id: Id, items: &[Item]) {
        let Ok(list) = self.element::<HtmlElement>(id) else {
            return;
        };
        list.set_text_content(None);
        for (key, text, actions) in items {
            let Ok(line) = self.doc.create_element("li") else {
                return;
            };
            if let Ok(span) = self.doc.create_element("span") {
                span.set_text_content(Some(text));
                let _ = line.append_child(&span);
            }
            for (action, label) in actions.iter() {
                let Ok(button) = self.doc.create_element("button") else {
                    continue;
                };
                let _ = button.set_attribute("type", "button");
                let _ = button.set_attribute("data-action", action);
                let _ = button.set_attribute("data-key", key);
                let _ = button.set_attribute("aria-label", &format!("{label}: {text}"));
                button.set_text_content(Some(label));
                let _ = line.append_child(&button);
            }
            let _ = list.append_child(&line);
        }
    }
}
