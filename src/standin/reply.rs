//! The stand-in's replies on the wire: a turn streamed in chunks at the configured pace, its
//! transcript with the first chunk, `generationComplete`, usage and `turnComplete` at its end
//! (after a delay, if configured), and the next reply held until then.

use super::*;

impl StandIn {
    /// Streams `audio` (24 kHz) as the model's next turn, from `now_ms`; held back until
    /// the current reply ends if there is one (it was not interrupted).
    pub(super) fn start_reply(&mut self, now_ms: f64, audio: Vec<i16>, mut transcript: String) {
        if self.reply.is_some() {
            self.queued = Some((audio, transcript));
            return;
        }
        if let Some(instruction) = &self.instruction {
            transcript = format!("{transcript} (instruction: {instruction})");
        }
        let per_ms = OUTPUT_RATE / 1000;
        let per_chunk = (per_ms * self.config.chunk_ms).max(1) as usize;
        let chunks: VecDeque<Vec<i16>> = audio.chunks(per_chunk).map(<[i16]>::to_vec).collect();
        if chunks.is_empty() {
            self.turns.reply_done();
            return;
        }
        self.reply = Some(Reply {
            chunks,
            sent: 0,
            start_ms: now_ms,
            last_ms: now_ms,
            transcript,
            end_due: None,
        });
    }

    /// Sends what is due at `due`: the next chunk, or the turn's end.
    pub(super) fn send_next_chunk(&mut self, due: f64, out: &mut Vec<ServerMessage>) {
        let Some(reply) = self.reply.as_mut() else {
            return;
        };
        let Some(chunk) = reply.chunks.pop_front() else {
            self.reply = None;
            self.end_turn(due, out);
            return;
        };
        reply.sent += 1;
        reply.last_ms = due;
        let first = reply.sent == 1;
        let last = reply.chunks.is_empty();
        let transcript = std::mem::take(&mut reply.transcript);
        let part = Part {
            inline_data: Some(InlineData {
                mime_type: Some(format!("audio/pcm;rate={OUTPUT_RATE}")),
                data: Some(crate::pcm::to_base64(&chunk)),
            }),
            ..Part::default()
        };
        let said = first && self.setup.as_ref().is_some_and(|s| s.output_transcription);
        out.push(content(ServerContent {
            model_turn: Some(ModelTurn { parts: vec![part] }),
            output_transcription: said.then_some(Transcription {
                text: Some(transcript),
            }),
            ..ServerContent::default()
        }));
        if last {
            self.turns.reply_done();
            let delay = self.config.turn_complete_after_ms;
            if delay > 0.0 && delay.is_finite() {
                reply.end_due = Some(due + delay);
            } else {
                self.reply = None;
                self.end_turn(due, out);
            }
        }
    }

    pub(super) fn end_turn(&mut self, due: f64, out: &mut Vec<ServerMessage>) {
        out.push(content(ServerContent {
            generation_complete: Some(true),
            ..ServerContent::default()
        }));
        out.push(ServerMessage {
            usage_metadata: Some(Usage {
                prompt_token_count: Some(25),
                response_token_count: Some(50),
                total_token_count: Some(75),
            }),
            ..turn_complete()
        });
        if self.setup.as_ref().is_some_and(|s| s.resumption) {
            out.push(self.handle());
        }
        if let Some((audio, transcript)) = self.queued.take() {
            self.start_reply(due, audio, transcript);
        }
    }
}

/// A message of `serverContent` alone.
pub(super) fn content(content: ServerContent) -> ServerMessage {
    ServerMessage {
        server_content: Some(content),
        ..ServerMessage::default()
    }
}

/// `{"serverContent": {"interrupted": true}}`.
pub(super) fn interrupted() -> ServerMessage {
    content(ServerContent {
        interrupted: Some(true),
        ..ServerContent::default()
    })
}

/// `{"serverContent": {"turnComplete": true}}`.
pub(super) fn turn_complete() -> ServerMessage {
    content(ServerContent {
        turn_complete: Some(true),
        ..ServerContent::default()
    })
}
