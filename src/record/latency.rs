//! Each reply's latency as the record has it, told once as it becomes known: the page's log
//! line says the record's own figure (from the end of the person's turn to the reply's first
//! sound heard), so the two never disagree. The older line counted from the last microphone
//! chunk sent, which in a continuous stream comes after the reply began (it read -1766.6 ms).

use super::export::Latency;
use super::{Record, Who};
use crate::protocol::OUTPUT_RATE;

impl Record {
    /// The latencies of the replies heard since the last call that have one (a reply with a
    /// turn of the person's just before it; not when the model spoke first, or on), in order.
    pub fn new_latencies(&mut self) -> Vec<Latency> {
        let heard = self
            .turns
            .iter()
            .filter(|t| t.who == Who::Model && t.heard)
            .count();
        if heard == self.heard_seen {
            return Vec::new();
        }
        self.heard_seen = heard;
        // Latencies are differences: the file's origin does not change them.
        let export = self.export(0.0, OUTPUT_RATE);
        let all: Vec<Latency> = export.turns.iter().filter_map(|t| t.latency).collect();
        let new = all.get(self.told..).unwrap_or_default().to_vec();
        self.told = all.len();
        new
    }
}

/// The log's line for one reply's latency.
pub fn line(latency: &Latency) -> String {
    format!(
        "Reply latency: {:.1} ms from the end of your turn to the reply's first sound ({:.1} ms until its audio arrived, {:.1} ms in the playback buffer).",
        latency.total_ms, latency.to_first_audio_ms, latency.buffered_ms
    )
}
