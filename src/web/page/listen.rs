//! The page's listeners: its controls' events, the keyboard, focus kept inside the settings
//! dialog. The page's own controls never go away, so these live as long as the page (each
//! is `forget`-ed once, here and nowhere else).

use super::Page;
use crate::dom::Id;
use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

impl Page {
    /// Calls `f` on element `id`'s `event`, for as long as the page lives: the page's own
    /// controls never go away, so the listener is never removed (`forget`).
    pub fn on(&self, id: Id, event: &'static str, f: impl Fn() + 'static) -> Result<(), String> {
        let target: HtmlElement = self.element(id)?;
        EventListener::new(&target, event, move |_| f()).forget();
        Ok(())
    }

    /// Calls `f` when form `id` is submitted, instead of the browser's navigation, for as
    /// long as the page lives (never removed, like [`Page::on`]).
    pub fn on_submit(&self, id: Id, f: impl Fn() + 'static) -> Result<(), String> {
        let form: HtmlElement = self.element(id)?;
        let options = EventListenerOptions::enable_prevent_default();
        EventListener::new_with_options(&form, "submit", options, move |e| {
            e.prevent_default();
            f();
        })
        .forget();
        Ok(())
    }

    /// Calls `f` when `key` is pressed without a modifier, outside text fields, for as long
    /// as the page lives (never removed, like [`Page::on`]).
    pub fn on_key(&self, key: &'static str, f: impl Fn() + 'static) {
        let listener = EventListener::new(&self.doc, "keydown", move |e| {
            let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                return;
            };
            let typing = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlElement>().ok())
                .is_some_and(|t| matches!(t.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            if !typing && e.key() == key && !(e.ctrl_key() || e.meta_key() || e.alt_key()) {
                f();
            }
        });
        listener.forget();
    }

    /// Push-to-talk on `key` (the space bar), while `active()`: `down` when pressed (not on
    /// auto-repeat), `up` when released, outside text fields and other buttons, for as long
    /// as the page lives (never removed, like [`Page::on`]). The page does not scroll and
    /// the focused talk control is not clicked meanwhile.
    pub fn on_hold_key(
        &self,
        key: &'static str,
        active: impl Fn() -> bool + 'static,
        down: impl Fn() + 'static,
        up: impl Fn() + 'static,
    ) {
        let ours = std::rc::Rc::new(move |e: &KeyboardEvent| {
            let target = e.target().and_then(|t| t.dyn_into::<HtmlElement>().ok());
            // Text fields keep their spaces; another enabled button keeps its own Space.
            let elsewhere = target.is_some_and(|t| match t.tag_name().as_str() {
                "INPUT" | "TEXTAREA" | "SELECT" => true,
                "BUTTON" => t.id() != Id::Talk.as_str() && !t.has_attribute("disabled"),
                _ => false,
            });
            let plain = !(e.ctrl_key() || e.meta_key() || e.alt_key());
            !elsewhere && plain && e.key() == key && active()
        });
        let on_down = std::rc::Rc::clone(&ours);
        // Not passive: the space bar must neither scroll nor click.
        let options = EventListenerOptions::enable_prevent_default();
        let pressed = EventListener::new_with_options(&self.doc, "keydown", options, move |e| {
            if let Some(e) = e.dyn_ref::<KeyboardEvent>().filter(|e| on_down(e)) {
                e.prevent_default();
                if !e.repeat() {
                    down();
                }
            }
        });
        let released = EventListener::new_with_options(&self.doc, "keyup", options, move |e| {
            if let Some(e) = e.dyn_ref::<KeyboardEvent>().filter(|e| ours(e)) {
                e.prevent_default();
                up();
            }
        });
        pressed.forget();
        released.forget();
    }

    /// Keeps Tab inside a modal dialog: each (sentinel, control) pair sends the focus a
    /// sentinel at one end of the dialog receives round to the control at the other end.
    pub fn wrap_focus(&self, pairs: [(Id, Id); 2]) -> Result<(), String> {
        for (sentinel, to) in pairs {
            let page = self.clone();
            self.on(sentinel, "focus", move || {
                if let Ok(control) = page.element::<HtmlElement>(to) {
                    let _ = control.focus();
                }
            })?;
        }
        Ok(())
    }

    /// Calls `f(action, key)` when a button made by [`Page::set_items`] in list `id` is
    /// pressed, for as long as the page lives (never removed, like [`Page::on`]).
    pub fn on_item(&self, id: Id, f: impl Fn(String, String) + 'static) -> Result<(), String> {
        let list: HtmlElement = self.element(id)?;
        let listener = EventListener::new(&list, "click", move |e| {
            let Some(button) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            if let (Some(action), Some(key)) = (
                button.get_attribute("data-action"),
                button.get_attribute("data-key"),
            ) {
                f(action, key);
            }
        });
        listener.forget();
        Ok(())
    }
}
