//! A setting changed on the page: what the page does at once (the rest apply when used).

use super::App;
use crate::conversation::LogKind;
use crate::dom::Id;
use crate::web::{devices, settings};

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

    /// A setting on the page changed.
    pub(super) fn changed(&self, setting: Changed) {
        match setting {
            Changed::Backend => {
                settings::show_backend_fields(&self.page);
                super::prefetch_standin(&self.page);
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
