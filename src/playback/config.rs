//! The scheduler's timings and their checks.

use super::jitter;
use super::PlaybackError;

/// The Web Audio render quantum, in frames.
const QUANTUM: f64 = 128.0;

/// Tunable timings, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlaybackConfig {
    /// Delay before the first audio of a turn (and after an underrun): jitter headroom.
    pub prebuffer_ms: f64,
    /// Most audio scheduled ahead of the clock.
    pub lookahead_ms: f64,
    /// Length of the fade-out on interruption (avoids a click).
    pub fade_ms: f64,
    /// Margin between the clock the main thread reads and the first frame it can still
    /// change; a cut starts this far after the call. The page raises it to cover the audio
    /// thread's callback ([`PlaybackConfig::covering`]).
    pub lead_ms: f64,
    /// Learn the prebuffer from how audio arrives ([`jitter`]), starting from `prebuffer_ms`;
    /// `false` keeps `prebuffer_ms` fixed.
    pub adaptive: bool,
}

impl Default for PlaybackConfig {
    fn default() -> Self {
        PlaybackConfig {
            prebuffer_ms: 120.0,
            lookahead_ms: 500.0,
            fade_ms: 5.0,
            lead_ms: 3.0,
            adaptive: false,
        }
    }
}

impl PlaybackConfig {
    /// The adaptive jitter buffer, starting at [`jitter::START_MS`] (the page's default).
    pub fn adaptive() -> Self {
        PlaybackConfig {
            prebuffer_ms: jitter::START_MS,
            adaptive: true,
            ..PlaybackConfig::default()
        }
    }
}

impl PlaybackConfig {
    /// These timings with a lead that covers `render_frames`, the frames the audio thread
    /// renders in one callback (the context's `baseLatency` times its rate), rounded up to
    /// whole 128-frame render quanta. The main thread reads a clock that jumps a callback at
    /// a time; a fade planned closer than that to the clock it read can reach the audio thread
    /// after its first frame has been rendered, and the frames before it play unfaded (a click).
    /// A figure that is not a number leaves the lead as it is.
    pub fn covering(self, render_frames: f64, rate: u32) -> Self {
        if !(render_frames.is_finite() && render_frames > 0.0) {
            return self;
        }
        let quanta = (render_frames / QUANTUM).ceil() * QUANTUM;
        PlaybackConfig {
            lead_ms: self.lead_ms.max(quanta * 1000.0 / f64::from(rate)),
            ..self
        }
    }

    /// Whether these timings can work together (the words say why not).
    pub(super) fn check(&self) -> Result<(), PlaybackError> {
        let c = self;
        for (name, value) in [
            ("prebuffer", c.prebuffer_ms),
            ("lookahead", c.lookahead_ms),
            ("fade", c.fade_ms),
            ("lead", c.lead_ms),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(PlaybackError::Config(format!(
                    "{name} must be a number of milliseconds >= 0, not {value}"
                )));
            }
        }
        if c.prebuffer_ms < c.lead_ms + c.fade_ms {
            return Err(PlaybackError::Config(format!(
                "the prebuffer ({} ms) must cover lead + fade ({} ms), or a new turn could start inside a fade",
                c.prebuffer_ms,
                c.lead_ms + c.fade_ms
            )));
        }
        if c.lookahead_ms <= c.prebuffer_ms {
            return Err(PlaybackError::Config(format!(
                "the lookahead ({} ms) must exceed the prebuffer ({} ms)",
                c.lookahead_ms, c.prebuffer_ms
            )));
        }
        Ok(())
    }
}
