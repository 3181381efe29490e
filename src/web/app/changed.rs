//! A setting changed on the page: what the page does at once (the rest apply when used).

use super::App;
use crate::conversation::LogKind;
use crate::dom::Id;
use crate::web::{archive, devices, later, settings};
use std::rc::Rc;

impl App {
    /// Sends playback to the chosen speaker (where the browser can), and says what that
    /// means for echo cancellation.
    pub(super) fn speaker_chosen(&self) {
        let device = self.page.value(Id::SpeakerDevice);
        let warn = !device.is_empty();
        self.page.set_hidden(Id::SpeakerWarning, !warn);
        let (Some(ctx), true) = (self.rig.audio_context(), devices::can_choose_speaker()) else {
            return;
        };
        // The default needs no call (and a context never sent elsewhere keeps Chromium's
        // echo cancellation, which `setSinkId` turns off for it).
        if device.is_empty() && devices::sink_of(&ctx).is_empty() {
            return;
        }
        let page = self.page.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(why) = devices::apply_speaker(ctx, device).await {
                page.log(LogKind::Warn, &why);
            }
        });
    }

    /// Shows the archive's line when the backend is the server that serves the page and it
    /// keeps conversations (asked each time the backend becomes that server).
    /// Then sends what this browser kept for the archive and it never confirmed.
    pub(super) fn offer_terms(&self) {
        let from_server = self.page.value(Id::Backend) == "server";
        let (page, shown) = (self.page.clone(), Rc::clone(&self.terms));
        let left = self.recording.storage();
        let passcode = settings::read(&self.page).secret;
        wasm_bindgen_futures::spawn_local(async move {
            let shown = archive::offer(page.clone(), shown, from_server).await;
            if let (true, Some(store)) = (shown, left) {
                archive::send_left(page, store, passcode).await;
            }
        });
    }

    /// A conversation that ended after the archive's line was shown goes to the archive.
    pub(super) fn archive(&self) {
        match self.recording.for_archive() {
            Some(Ok((id, file, record))) => {
                let passcode = settings::read(&self.page).secret;
                let page = self.page.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let Err(why) = later::upload(&id, &file, &record, &passcode).await {
                        let text = format!(
                            "This conversation could not be sent to the team's archive: {why}"
                        );
                        page.log(LogKind::Error, &text);
                    }
                });
            }
            Some(Err(why)) => self.page.log(
                LogKind::Error,
                &format!("This conversation could not be sent to the team's archive: {why}"),
            ),
            None => {}
        }
    }

    /// A setting on the page changed.
    pub(super) fn changed(&self, setting: Changed) {
        match setting {
            Changed::Backend => {
                settings::show_backend_fields(&self.page);
                super::prefetch_standin(&self.page);
                self.offer_terms();
            }
            Changed::SpeakerDevice => {
                devices::remember(&self.page, Id::SpeakerDevice);
                self.speaker_chosen();
            }
            Changed::Volume => self.rig.set_volume(settings::volume(&self.page)),
            Changed::Model => settings::show_model_notes(&self.page),
            Changed::RecFormat => self.recording.format_changed(&self.page),
        }
    }
}

/// The settings whose change the page acts on at once (the rest apply when used).
#[derive(Debug, Clone, Copy)]
pub(super) enum Changed {
    Backend,
    SpeakerDevice,
    Volume,
    Model,
    RecFormat,
}
