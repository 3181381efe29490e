//! The microphone and speaker pickers: the browser's device lists (`enumerateDevices`, again
//! on `devicechange` and once the microphone is allowed, when labels appear), the choice kept
//! for the next visit (`localStorage`), and the speaker applied with `AudioContext.setSinkId`
//! where the browser has it (the picker is hidden where it does not).

use super::page::Page;
use crate::devices::{picker, Device};
use crate::dom::Id;
use js_sys::{Array, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AudioContext, MediaDeviceInfo, MediaDeviceKind, MediaDevices};

#[wasm_bindgen]
extern "C" {
    /// An AudioContext's speaker choice (Chromium 110+, Safari 26; web-sys binds neither).
    type Sink;
    /// A device id, or an `AudioSinkInfo` object for "no device": read as any value.
    #[wasm_bindgen(method, getter, js_name = sinkId)]
    fn sink_id(this: &Sink) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = setSinkId)]
    fn set_sink_id(this: &Sink, id: &str) -> Result<Promise, JsValue>;
}

const MIC_KEY: &str = "gemini-live-voice.microphone";
const SPEAKER_KEY: &str = "gemini-live-voice.speaker";

fn media_devices() -> Option<MediaDevices> {
    let devices = web_sys::window()?.navigator().media_devices().ok()?;
    (!JsValue::from(devices.clone()).is_undefined()).then_some(devices)
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether this browser can send an AudioContext's output to a chosen device: whether its
/// prototype has `setSinkId` at all (feature detection, the one `Reflect::get` here: no
/// typed binding can ask whether a method exists).
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
        let info: MediaDeviceInfo = info.unchecked_into();
        let device = Device {
            id: info.device_id(),
            label: info.label(),
        };
        match info.kind() {
            MediaDeviceKind::Audioinput => inputs.push(device),
            MediaDeviceKind::Audiooutput => outputs.push(device),
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
    ctx.unchecked_ref::<Sink>()
        .sink_id()
        .as_string()
        .unwrap_or_default()
}

/// Sends `ctx`'s output to speaker `device` (`""`: the system default); `Err` in words.
pub async fn apply_speaker(ctx: AudioContext, device: String) -> Result<(), String> {
    if !can_choose_speaker() {
        return Err("This browser cannot choose the speaker.".into());
    }
    let promise = ctx
        .unchecked_ref::<Sink>()
        .set_sink_id(&device)
        .map_err(super::js_error)?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|e| format!("The speaker could not be chosen: {}", super::js_error(e)))
}
