//! What the server says, as the conversation takes it: the model's audio into the reply,
//! transcripts, tool calls and cancellations, `goAway`, resumption handles, background work,
//! the end of a turn, and a log line for each.

use super::*;
use crate::protocol::server::TurnCompleteReason;

impl Conversation {
    pub(super) fn server(&mut self, event: ServerEvent, out: &mut Out) {
        let event = match event {
            ServerEvent::Audio(chunk) => {
                match self.reply.audio(chunk) {
                    Audio::Play { samples, first } => out.push(Effect::Play { samples, first }),
                    Audio::Refused(why) => out.log(LogKind::Warn, &why),
                }
                return;
            }
            other => other,
        };
        match &event {
            ServerEvent::InterimInputTranscription(text) => {
                out.push(Effect::InterimTranscript(text.clone()))
            }
            ServerEvent::InputTranscription(text) => out.push(Effect::Transcript {
                speaker: Speaker::You,
                text: text.clone(),
            }),
            ServerEvent::OutputTranscription(text) => out.push(Effect::Transcript {
                speaker: Speaker::Model,
                text: text.clone(),
            }),
            ServerEvent::Interrupted => {
                self.set_status("interrupted", "You interrupted the model.");
                out.push(Effect::Interrupt);
            }
            ServerEvent::TurnComplete => {
                // A turn resampled to 24 kHz ends on its own last sample, not 2.7 ms short.
                if let Some(samples) = self.reply.flush() {
                    out.push(Effect::Play {
                        samples,
                        first: false,
                    });
                }
                out.push(Effect::TurnComplete);
            }
            ServerEvent::ToolCall(calls) => out.push(Effect::AnswerTools(calls.clone())),
            ServerEvent::ToolCallCancellation(ids) => out.push(Effect::CancelTools(ids.clone())),
            // Kept as it comes, so that a renewal mid-connection can resume (the session
            // reports the same latest handle when the connection ends).
            ServerEvent::ResumptionUpdate {
                new_handle: Some(handle),
                resumable: true,
            } => self.handle = Some(handle.clone()),
            ServerEvent::InteractionStatus(status) => {
                self.background = if status == "IN_PROGRESS" {
                    Background::Working
                } else {
                    Background::Idle
                };
                self.settle();
            }
            // What the end of a turn or a pause means for the person, where it says anything.
            ServerEvent::TurnCompleteReason(reason) => self.turn_reason(reason, out),
            ServerEvent::WaitingForInput if matches!(self.mic, Mic::On { .. }) => self.set_status(
                "listening",
                "Listening. The model is waiting for you to go on.",
            ),
            ServerEvent::GoAway { .. } => {
                if let Link::Live { goaway } = &mut self.link {
                    *goaway = true;
                }
            }
            _ => {}
        }
        if matches!(event, ServerEvent::TurnComplete | ServerEvent::Interrupted) {
            if let Some(line) = self.reply.end() {
                out.log(LogKind::Server, &line);
            }
        }
        let line = match &event {
            ServerEvent::Usage(usage) => {
                out.push(Effect::Usage(usage.clone()));
                let turn = usage.total_token_count.unwrap_or(0);
                self.tokens += turn;
                format!(
                    "usage: {turn} tokens ({} in this conversation)",
                    self.tokens
                )
            }
            other => words::describe(other),
        };
        out.log(LogKind::Server, &line);
    }

    /// `turnCompleteReason`: a reply withheld or a call gone wrong is a warning (the record
    /// keeps it); a model that needs more says so in the status line.
    fn turn_reason(&mut self, reason: &TurnCompleteReason, out: &mut Out) {
        match reason {
            TurnCompleteReason::ResponseRejected => out.log(
                LogKind::Warn,
                "The service withheld the model's reply (turnCompleteReason RESPONSE_REJECTED): ask again in other words.",
            ),
            TurnCompleteReason::MalformedFunctionCall => out.log(
                LogKind::Warn,
                "The model's function call was malformed (turnCompleteReason MALFORMED_FUNCTION_CALL): no tool ran for it.",
            ),
            TurnCompleteReason::NeedMoreInput if matches!(self.link, Link::Live { .. }) => {
                let on = matches!(self.mic, Mic::On { .. });
                let state = if on { "listening" } else { "ready" };
                self.set_status(state, "The model needs more from you before it answers.");
            }
            TurnCompleteReason::NeedMoreInput => {}
            TurnCompleteReason::Unspecified | TurnCompleteReason::Other(_) => {}
        }
    }
}
