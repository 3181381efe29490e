//! The page's 100 ms tick while audio runs: the meters, the talk control's ring, the
//! recording (and each reply's latency in the log), whether the model is heard.

use super::{dispatch, App, WeakApp};
use crate::conversation::{Event, LogKind};
use crate::dom::Id;
use crate::pcm::dbfs;

impl App {
    /// The meters, the talk control's ring (the model's level while it is heard, else
    /// yours) and the recording brought up to date; whether the model's audio plays.
    pub(super) fn tick(&mut self, ticks: u32) -> bool {
        let (input, output) = (dbfs(self.rig.input_level()), dbfs(self.rig.output_level()));
        self.page.set_meter(Id::InputLevel, input);
        self.page.set_meter(Id::OutputLevel, output);
        let (side, level) = if output > -60.0 {
            ("model", output)
        } else {
            ("you", input)
        };
        self.page.set_level(
            side,
            ((level + 60.0) * 100.0 / 60.0).clamp(0.0, 100.0) as u32,
        );
        self.recording.feed(self.rig.player());
        // Each reply's latency, once the record knows it: the log says the record's figure.
        for latency in self.recording.new_latencies() {
            self.page
                .log(LogKind::Info, &crate::record::latency::line(&latency));
        }
        if ticks.is_multiple_of(10) {
            self.recording.draw_on(&self.page);
            self.recording.progress_on(&self.page);
            self.recording.keep_record();
        }
        for id in [Id::RecSave, Id::RecRecord, Id::RecCaptions] {
            self.page.enable(id, self.recording.started());
        }
        self.page.enable(Id::RecListen, self.recording.started());
        self.rig.player().is_some_and(|p| p.is_playing())
    }
}

/// Ten times a second: the meters, whether the model is speaking, the recording.
pub(super) fn ticker(app: WeakApp) -> impl FnMut() {
    let mut ticks = 0u32;
    move || {
        ticks += 1;
        let Some(app) = app.upgrade() else { return };
        let Ok(playing) = app.try_borrow_mut().map(|mut a| a.tick(ticks)) else {
            return;
        };
        dispatch(&app, Event::Playing(playing));
    }
}
