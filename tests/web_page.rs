//! The page's wiring in headless Chromium: the real `www/index.html` markup, `app::start`,
//! clicks. An audio graph that cannot be built gives plain words on the status line and
//! in the log (the page used to panic on a double borrow here), and the page stays usable:
//! once audio works again, Connect reaches the offline stand-in and Disconnect ends it.
#![cfg(target_arch = "wasm32")]

mod support;

use support::sleep_ms;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Document, HtmlElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = include_str!("../www/index.html");

fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

fn element(id: &str) -> HtmlElement {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("no #{id}"))
        .unchecked_into()
}

fn status() -> (String, String) {
    let status = element("status");
    (
        status.get_attribute("data-state").unwrap_or_default(),
        status.text_content().unwrap_or_default(),
    )
}

fn disabled(id: &str) -> bool {
    element(id).has_attribute("disabled")
}

fn log_lines() -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = element("log").first_element_child();
    while let Some(e) = line {
        let text = e.text_content().unwrap_or_default();
        lines.push(format!("{} | {text}", e.class_name()));
        line = e.next_element_sibling();
    }
    lines
}

async fn wait_for_state(state: &str, max_ms: u32) {
    for _ in 0..max_ms / 20 {
        if status().0 == state {
            return;
        }
        sleep_ms(20).await;
    }
    panic!(
        "status never became {state}: {:?}; log {:?}",
        status(),
        log_lines()
    );
}

#[wasm_bindgen_test]
async fn an_audio_graph_that_cannot_be_built_is_said_in_words_and_the_page_stays_usable() {
    let body = &PAGE[PAGE.find("<body>").unwrap() + 6..PAGE.find("</body>").unwrap()];
    // Beside the test runner's own output elements, which must stay.
    let holder = document().create_element("div").unwrap();
    holder.set_inner_html(body);
    document().body().unwrap().append_child(&holder).unwrap();
    support::provide_standin().await;
    gemini_live_voice::web::app::start().unwrap();
    assert_eq!(status().0, "idle");
    let backend: HtmlSelectElement = element("backend").unchecked_into();
    backend.set_value("offline");

    // The output graph cannot be built (wasm-bindgen's glue holds on to the AudioContext
    // constructor itself, so the graph's first node is what fails here).
    js_sys::eval(
        "window.__createGain = BaseAudioContext.prototype.createGain;
         BaseAudioContext.prototype.createGain = function () {
           throw new DOMException('The audio device is unavailable.', 'NotSupportedError');
         };",
    )
    .unwrap();
    element("connect").click();
    sleep_ms(50).await;
    let words = "Audio output could not start: The audio device is unavailable.";
    assert_eq!(status(), ("error".into(), words.into()));
    assert!(
        log_lines().contains(&format!("error | {words}")),
        "{:?}",
        log_lines()
    );
    assert!(!disabled("connect"), "Connect must be usable again");
    assert!(disabled("disconnect") && disabled("mic-start") && disabled("mic-stop"));

    js_sys::eval("BaseAudioContext.prototype.createGain = window.__createGain;").unwrap();
    element("connect").click();
    wait_for_state("ready", 5_000).await;
    assert!(!disabled("mic-start") && !disabled("disconnect") && disabled("connect"));
    element("disconnect").click();
    wait_for_state("closed", 5_000).await;
    assert!(!disabled("connect"));
    let errors: Vec<String> = log_lines()
        .into_iter()
        .filter(|l| l.starts_with("error"))
        .collect();
    assert_eq!(errors, vec![format!("error | {words}")]);
}

/// What the page shows for a thrown value: an `Error`'s message, a string as it is, anything
/// else as JSON, and words for what has no JSON (`undefined`).
#[wasm_bindgen_test]
fn thrown_values_become_words() {
    use gemini_live_voice::web::js_error;
    use wasm_bindgen::JsValue;
    let error: JsValue = js_sys::Error::new("the device is busy").into();
    assert_eq!(js_error(error), "the device is busy");
    let dom: JsValue =
        web_sys::DomException::new_with_message_and_name("denied", "NotAllowedError")
            .unwrap()
            .into();
    assert_eq!(js_error(dom), "denied");
    assert_eq!(js_error(JsValue::from_str("plain words")), "plain words");
    assert_eq!(js_error(JsValue::from_f64(42.0)), "42");
    let object = js_sys::JSON::parse(r#"{"code":7,"why":"busy"}"#).unwrap();
    assert_eq!(js_error(object), r#"{"code":7,"why":"busy"}"#);
    assert_eq!(js_error(JsValue::UNDEFINED), "an error with no description");
}
