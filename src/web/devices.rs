//! The microphone and speaker pickers: the browser's device lists (`enumerateDevices`, again
//! on `devicechange` and once the microphone is allowed, when labels appear), the choice kept
//! for the next visit (`localStorage`), and the speaker applied with `AudioContext.setSinkId`
//! where the browser has it (the picker is hidden where it does not).

use super::page::Page;
use crate::devices::{picker, Device};
use crate::dom::Id;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AudioContext, MediaDevices};

const MIC_KEY: &str = "gemini-live-voice.microphone";
const SPEAKER_KEY: &str = "gemini-live-voice.speaker";

fn media_devices() -> Option<MediaDevices> {
    let devices = web_sys::window()?.navigator().media_devices().ok()?;
    (!JsValue::from(devices.clone()).is_undefined()).then_some(devices)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn text(value: &JsValue, key: &str) -> String {
    Reflect::get(value, &key.into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Whether this browser can send an AudioContext's output to a chosen device.
pub fn can_choose_speaker() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    Reflect::get(&window, &"AudioContext".into())
        .and_then(|c| Reflect::get(&c, &"prototype".into()))
        .and_then(|p| Reflect::get(&p, &"setSinkId".into()))
        .is_ok_and(|f| f.is_function())
}

/// Fills both pickers from the browser's current device list.
pub async fn refresh(page: Page) {
    let Some(devices) = media_devices() else {
        return;
    };
    let Ok(promise) = devices.enumerate_devices() else {
        return;
    };
    let Ok(list) = JsFuture::from(promise).await else {
        return;
    };
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for info in Array::from(&list).iter() {
        let device = Device {
            id: text(&info, "deviceId"),
            label: text(&info, "label"),
        };
        match text(&info, "kind").as_str() {
            "audioinput" => inputs.push(device),
            "audiooutput" => outputs.push(device),
            _ => {}
        }
    }
    let stored = |key| {
        storage()
            .and_then(|s| s.get_item(key).ok().flatten())
            .unwrap_or_default()
    };
    for (id, noun, devices, key) in [
        (Id::MicDevice, "Microphone", inputs, MIC_KEY),
        (Id::SpeakerDevice, "Speaker", outputs, SPEAKER_KEY),
    ] {
        let p = picker(noun, &devices, &stored(key));
        page.set_options(id, &p.options, &p.chosen);
    }
    page.set_hidden(Id::SpeakerRow, !can_choose_speaker());
}

/// Refreshes the pickers whenever the devices change, for as long as the page lives.
pub fn follow(page: &Page) {
    let Some(devices) = media_devices() else {
        return;
    };
    let page = page.clone();
    gloo_events::EventListener::new(&devices, "devicechange", move |_| {
        wasm_bindgen_futures::spawn_local(refresh(page.clone()));
    })
    .forget();
}

/// Keeps the chosen device for the next visit.
pub fn remember(page: &Page, id: Id) {
    let key = if id == Id::MicDevice {
        MIC_KEY
    } else {
        SPEAKER_KEY
    };
    if let Some(s) = storage() {
        let _ = s.set_item(key, &page.value(id));
    }
}

/// The speaker `ctx` plays on (`""`: the system default).
pub fn sink_of(ctx: &AudioContext) -> String {
    text(ctx, "sinkId")
}

/// Sends `ctx`'s output to speaker `device` (`""`: the system default); `Err` in words.
pub async fn apply_speaker(ctx: AudioContext, device: String) -> Result<(), String> {
    let set = Reflect::get(&ctx, &"setSinkId".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("This browser cannot choose the speaker.")?;
    let promise = set
        .call1(&ctx, &JsValue::from_str(&device))
        .map_err(super::js_error)?;
    JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map(|_| ())
        .map_err(|e| format!("The speaker could not be chosen: {}", super::js_error(e)))
}
