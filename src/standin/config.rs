//! How the stand-in answers: chunking, pace, burst, jitter, the turn's end.

use super::turns::TurnConfig;

/// How the stand-in answers.
#[derive(Debug, Clone)]
pub struct StandInConfig {
    pub turns: TurnConfig,
    /// Reply chunk length in ms (the real service sends ~200-240 ms).
    pub chunk_ms: u32,
    /// Replies go out this many times faster than real time.
    pub pace: f64,
    /// The first `burst` chunks of a reply go out at once, as the real service often does.
    pub burst: u32,
    /// Each paced chunk goes out up to this many ms early or late (uniform, from
    /// `jitter_seed`), never before the one before it: a jittery network.
    pub jitter_ms: f64,
    pub jitter_seed: u64,
    /// How long after the reply's last chunk `generationComplete` and `turnComplete` follow
    /// (ms). 0 sends them with the last chunk, before the audio has played out; the real
    /// service's timing varies, and a value longer than the playback buffer sends them after
    /// the audio has played out.
    pub turn_complete_after_ms: f64,
    /// Whether `interrupted` is followed by the interrupted turn's `turnComplete` (as the
    /// service does today); off, for a server that never sends it.
    pub turn_complete_on_interrupt: bool,
    /// New resumption handles are `<handle_prefix><n>`.
    pub handle_prefix: String,
    /// A `setup` may resume only handles starting with this (the service's own handles);
    /// any other is refused.
    pub accepted_handles: String,
}

impl Default for StandInConfig {
    fn default() -> Self {
        StandInConfig {
            turns: TurnConfig::default(),
            chunk_ms: 200,
            pace: 1.0,
            burst: 0,
            jitter_ms: 0.0,
            jitter_seed: 1,
            turn_complete_after_ms: 0.0,
            turn_complete_on_interrupt: true,
            handle_prefix: "standin-".into(),
            accepted_handles: "standin-".into(),
        }
    }
}
