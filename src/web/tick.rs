//! A callback every so many milliseconds that keeps its pace in a background tab: from a page
//! timer and from a dedicated worker's (`www/clock-worker.js`). Chrome runs a hidden page's
//! timers only on one-second wake-ups (unless it made a sound in the last 30 s), and leaves a
//! dedicated worker's alone; the page timer keeps it going where no worker can run. Dropping
//! it stops both.

use super::page_now_ms;
use gloo_events::EventListener;
use gloo_timers::callback::Interval;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::Worker;

const CLOCK_URL: &str = "clock-worker.js";

#[must_use = "dropping the tick stops it"]
pub struct Tick {
    _timer: Interval,
    worker: Option<(Worker, EventListener)>,
}

impl Tick {
    /// Calls `f` every `ms`: from whichever clock comes first, skipping a call within half
    /// an interval of the last (so a page with both running calls it no more often).
    pub fn new(ms: u32, mut f: impl FnMut() + 'static) -> Tick {
        let last = Rc::new(Cell::new(f64::NEG_INFINITY));
        let f = Rc::new(RefCell::new(move || {
            let now = page_now_ms();
            if now - last.get() >= f64::from(ms) / 2.0 {
                last.set(now);
                f();
            }
        }));
        let page = Rc::clone(&f);
        let timer = Interval::new(ms, move || {
            if let Ok(mut f) = page.try_borrow_mut() {
                f();
            }
        });
        let worker = Worker::new(CLOCK_URL).ok().map(|worker| {
            let tick = EventListener::new(&worker, "message", move |_| {
                if let Ok(mut f) = f.try_borrow_mut() {
                    f();
                }
            });
            let _ = worker.post_message(&ms.into());
            (worker, tick)
        });
        Tick {
            _timer: timer,
            worker,
        }
    }
}

impl Drop for Tick {
    fn drop(&mut self) {
        if let Some((worker, _)) = &self.worker {
            worker.terminate();
        }
    }
}
