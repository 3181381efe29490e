//! The page's 100 ms tick while audio runs (the meters, the talk control's ring, the
//! recording, whether the model is heard, whether the browser paused the audio), and the
//! resume of a paused context on the person's next gesture.

use super::{dispatch, App, Shared, WeakApp};
use crate::conversation::{Event, LogKind};
use crate::dom::Id;
use crate::pcm::dbfs;
use std::rc::Rc;

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

/// Ten times a second: the meters, whether the model is speaking, the recording, and
/// whether the browser paused the audio (said when it changes).
pub(super) fn ticker(app: WeakApp) -> impl FnMut() {
    let mut ticks = 0u32;
    let mut paused = None;
    move || {
        ticks += 1;
        let Some(app) = app.upgrade() else { return };
        let Ok((playing, now_paused)) = app
            .try_borrow_mut()
            .map(|mut a| (a.tick(ticks), a.rig.paused()))
        else {
            return;
        };
        if now_paused != paused {
            paused = now_paused;
            dispatch(&app, Event::AudioPaused(paused));
        }
        dispatch(&app, Event::Playing(playing));
    }
}

/// A context the browser paused (iOS interrupts it) resumes on the person's next gesture
/// anywhere on the page; the listeners live as long as the page.
pub(super) fn resume_on_gesture(app: &Shared) {
    let Some(window) = web_sys::window() else {
        return;
    };
    for event in ["pointerdown", "keydown"] {
        let app = Rc::downgrade(app);
        gloo_events::EventListener::new(&window, event, move |_| {
            if let Some(app) = app.upgrade() {
                if let Ok(a) = app.try_borrow() {
                    a.rig.resume_if_paused();
                }
            }
        })
        .forget();
    }
}
