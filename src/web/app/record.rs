//! The recording card's buttons: the WAV so far (Save, Listen) and the conversation's record
//! (as JSON, or as captions).

use super::App;
use crate::web::recording::Export;

impl App {
    /// Save recording: the WAV so far, offered as a download.
    pub(super) fn save(&mut self) {
        self.recording.feed(self.rig.player());
        self.recording.save_on(&self.page);
    }

    /// Listen: the WAV so far in the page's player.
    pub(super) fn listen(&mut self) {
        self.recording.feed(self.rig.player());
        self.recording.listen_on(&self.page);
    }

    /// The record so far (JSON or captions), offered as a download.
    pub(super) fn export(&mut self, what: Export) {
        self.recording.feed(self.rig.player());
        self.recording.export_on(&self.page, what);
    }
}
