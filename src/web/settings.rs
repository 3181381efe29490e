//! The settings' browser side: fills the form (voices, formats, the default model, the
//! stored key and settings, the page's query), reads it into the pure [`Form`], and keeps
//! the key and the settings.
//!
//! Secrets: the key or token lives only in its field unless the person ticks "remember"
//! (then `localStorage`); it never reaches the log, which shows only the redacted URL.

use super::page::Page;
use crate::dom::Id;
use crate::playback::PlaybackConfig;
use crate::protocol::models::{self, Offer};
use crate::protocol::{DEFAULT_MODEL, DEFAULT_VOICE, VOICES};
use crate::recorder::Format;
use crate::settings::{playback_config, Answer, Connection, Form, QUERY_SETTINGS};
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement, Storage, UrlSearchParams};

const SECRET_KEY: &str = "gemini-live-voice.secret";
/// The other settings, kept between visits as a query string (never the key).
const SETTINGS_KEY: &str = "gemini-live-voice.settings";

/// Fills the form with its choices, the stored key and the settings in the page's query;
/// gives what it could not take, in words (a value a list does not offer).
pub fn fill(page: &Page) -> Result<Vec<String>, String> {
    let voices: Vec<(&str, &str)> = VOICES.iter().map(|v| (*v, *v)).collect();
    page.options(Id::Voice, &voices, DEFAULT_VOICE)?;
    let formats: Vec<(&str, &str)> = Format::ALL.iter().map(|f| (f.id(), f.label())).collect();
    page.options(Id::RecFormat, &formats, Format::default().id())?;
    let chunk = crate::protocol::CHUNK.to_string();
    page.set_options(Id::MicChunk, &crate::settings::chunk_choices(), &chunk);
    page.set_value(
        Id::Model,
        DEFAULT_MODEL
            .strip_prefix("models/")
            .unwrap_or(DEFAULT_MODEL),
    );
    let (remembered, secret) = stored_secret().unwrap_or_default();
    // With no key at hand the page starts on the offline stand-in: it works at once.
    page.set_value(
        Id::Backend,
        if secret.is_empty() { "offline" } else { "key" },
    );
    // What was chosen on the last visit, then what the page's address says.
    let stored = storages()
        .1
        .and_then(|s| s.get_item(SETTINGS_KEY).ok().flatten());
    let stored = stored.and_then(|s| UrlSearchParams::new_with_str(&s).ok());
    let mut refused = Vec::new();
    for params in [stored, query()].into_iter().flatten() {
        for (name, id) in QUERY_SETTINGS {
            if let Some(value) = params.get(name) {
                refused.extend(page.choose(*id, name, &value).err());
            }
        }
    }
    page.set_value(Id::Secret, &secret);
    if let Ok(remember) = page.element::<HtmlInputElement>(Id::Remember) {
        remember.set_checked(remembered);
    }
    show_backend_fields(page);
    show_model_notes(page);
    Ok(refused)
}

/// Keeps the settings (all but the key, which [`connection`] keeps as asked) for the next
/// visit. A storage that refuses only costs choosing them again.
pub fn remember(page: &Page) {
    let (Ok(params), Some(local)) = (UrlSearchParams::new(), storages().1) else {
        return;
    };
    for (name, id) in QUERY_SETTINGS {
        let held = page.element::<web_sys::Element>(*id).ok();
        let value = held.and_then(|e| e.get_attribute(CHOSEN));
        params.append(name, &value.unwrap_or_else(|| page.field(*id)));
    }
    let _ = local.set_item(SETTINGS_KEY, &String::from(params.to_string()));
}

/// The volume slider as a gain (0..=1); its spoken value follows it.
pub fn volume(page: &Page) -> f32 {
    let value = page.value(Id::Volume);
    if let Ok(slider) = page.element::<HtmlElement>(Id::Volume) {
        let _ = slider.set_attribute("aria-valuetext", &format!("{value}%"));
    }
    crate::settings::volume(&value)
}

/// The form as it stands.
pub fn read(page: &Page) -> Form {
    Form {
        backend: page.value(Id::Backend),
        secret: page.value(Id::Secret),
        url: page.value(Id::Url),
        model: page.value(Id::Model),
        voice: page.value(Id::Voice),
        instruction: page.value(Id::Instruction),
        transcription: page.checked(Id::Transcription),
        turns: page.value(Id::Turns),
        start_sensitivity: page.value(Id::StartSensitivity),
        end_sensitivity: page.value(Id::EndSensitivity),
        prefix_padding_ms: page.value(Id::PrefixPadding),
        silence_ms: page.value(Id::Silence),
        interrupts: page.checked(Id::Interrupts),
        builtin_tools: page.checked(Id::BuiltinTools),
        tools: super::tools::declarations(&page.value(Id::Tools)),
        thinking: page.value(Id::Thinking),
        proactive: page.checked(Id::Proactive),
        affective: page.checked(Id::Affective),
    }
}

/// The connection the form describes (or what is wrong with it); the key is kept as the
/// person asked.
pub fn connection(page: &Page) -> Result<Connection, String> {
    let form = read(page);
    keep_secret(page, &form);
    remember(page);
    form.connection()
}

/// Keeps the key as the person asked (only for backends that use one).
fn keep_secret(page: &Page, form: &Form) {
    if form.uses_secret() {
        store_secret(form.secret.trim(), page.checked(Id::Remember));
    }
}

/// Asks the server that serves the page for a token (`passcode` if it needs one): the
/// answer's status and its JSON (read by the browser's `JSON.parse`; `None` if it is not
/// JSON), or why it could not be asked.
pub async fn mint(passcode: &str) -> (u16, Result<Option<Answer>, String>) {
    match try_mint(passcode).await {
        Ok((status, answer)) => (status, Ok(answer)),
        Err(why) => (0, Err(why)),
    }
}

async fn try_mint(passcode: &str) -> Result<(u16, Option<Answer>), String> {
    let path = crate::settings::SERVER_TOKEN_PATH;
    let headers = [("x-passcode", passcode)];
    let (status, json) = super::fetch::request("POST", path, None, &headers).await?;
    Ok((
        status,
        json.and_then(|v| serde_wasm_bindgen::from_value(v).ok()),
    ))
}

/// Shows the fields the chosen backend needs.
pub fn show_backend_fields(page: &Page) {
    let backend = page.value(Id::Backend);
    page.set_hidden(Id::UrlRow, backend != "url");
    page.set_hidden(Id::SecretRow, backend == "offline");
    page.set_text(
        Id::SecretLabel,
        match backend.as_str() {
            "token" => "Ephemeral token",
            "server" => "Passcode (if this server asks for one)",
            "url" => "Key or token for the URL (optional)",
            // "key"; the list offers nothing else (`Page::choose` keeps it to its choices).
            _ => "API key",
        },
    );
}

/// What the page does differently with the chosen model, under its field (the model
/// table's words), and the settings it takes: one it refuses is disabled, with the reason.
pub fn show_model_notes(page: &Page) {
    let chosen = page.value(Id::Model);
    let model = models::lookup(&chosen);
    let notes = models::shut_down(&chosen).unwrap_or_else(|| model.notes());
    page.set_text(Id::ModelNotes, &notes);
    let why = [Id::ThinkingWhy, Id::ProactiveWhy, Id::AffectiveWhy];
    offer_choice(page, (Id::Thinking, why[0]), &model.thinking_offer());
    offer_toggle(page, (Id::Proactive, why[1]), &model.proactive_offer());
    offer_toggle(page, (Id::Affective, why[2]), &model.affective_offer());
}

/// The person's own choice, held in `data-chosen` while a model overrides the control, so
/// it comes back (and is remembered) when another model takes it.
const CHOSEN: &str = "data-chosen";

/// `id`: the control and the line that says why.
fn offer_choice(page: &Page, (id, why): (Id, Id), offer: &Offer) {
    page.set_text(why, &offer.why);
    let Ok(select) = page.element::<HtmlSelectElement>(id) else {
        return;
    };
    for i in 0..select.length() {
        if let Some(option) = select.item(i) {
            let value = option.get_attribute("value").unwrap_or_default();
            let _ = option.toggle_attribute_with_force("disabled", !offer.allows(&value));
        }
    }
    let chosen = select
        .get_attribute(CHOSEN)
        .unwrap_or_else(|| select.value());
    let shown = if offer.allows(&chosen) {
        chosen.as_str()
    } else {
        ""
    };
    select.set_value(shown);
    let _ = if shown == chosen {
        select.remove_attribute(CHOSEN)
    } else {
        select.set_attribute(CHOSEN, &chosen)
    };
    select.set_disabled(offer.choices.is_empty());
}

fn offer_toggle(page: &Page, (id, why): (Id, Id), offer: &Offer) {
    page.set_text(why, &offer.why);
    let Ok(input) = page.element::<HtmlInputElement>(id) else {
        return;
    };
    let chosen = input
        .get_attribute(CHOSEN)
        .map_or(input.checked(), |c| c == "1");
    let closed = offer.choices.is_empty();
    if closed {
        let _ = input.set_attribute(CHOSEN, if chosen { "1" } else { "0" });
        input.set_checked(offer.fixed.unwrap_or(false));
    } else {
        let _ = input.remove_attribute(CHOSEN);
        input.set_checked(chosen);
    }
    input.set_disabled(closed);
}

/// Playback timings, with `?prebuffer=MS` if the page's query has it.
pub fn playback() -> PlaybackConfig {
    playback_config(query().and_then(|p| p.get("prebuffer")).as_deref())
}

/// `?store=indexeddb`: keep recordings in IndexedDB even where OPFS works (the fallback,
/// chosen by hand to try it).
pub fn storage() -> Option<String> {
    query().and_then(|p| p.get("store"))
}

/// The microphone's chunk size chosen on the page (samples).
pub fn chunk(page: &Page) -> u32 {
    crate::settings::chunk_size(&page.value(Id::MicChunk))
}

/// The recording format chosen on the page.
pub fn format(page: &Page) -> Format {
    Format::parse(&page.value(Id::RecFormat)).unwrap_or_default()
}

fn query() -> Option<UrlSearchParams> {
    let search = web_sys::window()?.location().search().ok()?;
    UrlSearchParams::new_with_str(&search).ok()
}

fn storages() -> (Option<Storage>, Option<Storage>) {
    let window = web_sys::window();
    let session = window
        .as_ref()
        .and_then(|w| w.session_storage().ok().flatten());
    let local = window
        .as_ref()
        .and_then(|w| w.local_storage().ok().flatten());
    (session, local)
}

/// (remembered, secret) from localStorage, where it is only if "remember" was ticked.
fn stored_secret() -> Option<(bool, String)> {
    let (session, local) = storages();
    // Earlier versions kept an unremembered key for the tab's lifetime: no longer.
    if let Some(session) = session {
        let _ = session.remove_item(SECRET_KEY);
    }
    let secret = local?.get_item(SECRET_KEY).ok().flatten()?;
    Some((true, secret))
}

fn store_secret(secret: &str, remember: bool) {
    // A storage that refuses (private mode, quota) only costs retyping the key.
    if let Some(local) = storages().1 {
        let _ = if remember && !secret.is_empty() {
            local.set_item(SECRET_KEY, secret)
        } else {
            local.remove_item(SECRET_KEY)
        };
    }
}
