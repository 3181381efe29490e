//! Why playback could not start, in words.

/// Why a scheduler could not be built.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaybackError {
    /// The context rate cannot be resampled to.
    Rate(u32),
    /// The timings contradict each other (each field is named in the text).
    Config(String),
    /// The browser refused to build the output graph.
    Output(String),
}

impl std::fmt::Display for PlaybackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlaybackError::Rate(rate) => {
                write!(
                    f,
                    "Playback cannot run at an audio device rate of {rate} Hz."
                )
            }
            PlaybackError::Config(why) => write!(f, "Playback settings: {why}"),
            PlaybackError::Output(why) => write!(f, "Audio output could not start: {why}"),
        }
    }
}

impl std::error::Error for PlaybackError {}
