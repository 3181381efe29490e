//! What the scheduler hands out and keeps: buffers to start, cuts, the log of what was
//! scheduled and heard (the recorder's model track), and counters.

/// One buffer to start: `samples` (context rate) from frame `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Play {
    pub id: u64,
    pub start: u64,
    pub samples: Vec<f32>,
}

/// What [`super::Scheduler::receive`] made of a chunk: the buffers to start, and the chunk
/// as it will sound (empty when it was dropped).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Received {
    pub plays: Vec<Play>,
    pub audio: Vec<i16>,
}

/// What an interruption asks of the graph: fade from 1 to 0 over frames `at..end`, stop the
/// listed buffers at `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub at: u64,
    pub end: u64,
    pub stop: Vec<u64>,
}

/// One scheduled buffer in the played-audio log.
#[derive(Debug, Clone, PartialEq)]
pub struct Played {
    pub id: u64,
    /// Turn number, from 1.
    pub turn: u64,
    /// Context frame of its first sample.
    pub start: u64,
    /// Frames scheduled.
    pub frames: u64,
    /// Frames heard: all, or up to the end of the fade when an interruption cut it.
    pub heard: u64,
    /// Where its fade to silence began: an interruption cut it, or it ends a turn or a
    /// stretch of audio that ran dry (it fades from here to its end).
    pub fade_from: Option<u64>,
    /// Frames at its start that fade in from silence (it resumes a turn after a gap).
    pub fade_in: u64,
    /// A bridge that never sounded: more of the turn came before it started, so it was
    /// stopped and its frames scheduled again (heard 0, and nothing of the turn was lost).
    pub cancelled: bool,
    /// Position in the turn's 24 kHz audio shown by the first frame (may be fractional, and
    /// negative for the filter's run-in at the start of a turn).
    pub source_pos: f64,
}

/// Counters for the log and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlaybackStats {
    pub turns: u64,
    pub chunks: u64,
    pub buffers: u64,
    /// Frames of silence inserted inside turns by underruns.
    pub silence_frames: u64,
    pub underruns: u64,
    pub interruptions: u64,
    /// Chunks dropped because they belonged to an interrupted turn.
    pub dropped_chunks: u64,
    /// Frames received but never played (queued when an interruption came).
    pub discarded_frames: u64,
    /// Times a turn's audio ran dry and faded out before more came (a bridge sounded).
    pub gaps: u64,
    /// Periods inserted to grow the buffer without a gap ([`super::stretch`]), and the
    /// 24 kHz samples they added.
    pub stretches: u64,
    pub stretched_samples: u64,
}
