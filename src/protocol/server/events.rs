//! A [`ServerMessage`] to the [`ServerEvent`]s it holds, in the order they should be acted
//! on: what the user said, what the model said, then the turn's state changes. The audio's
//! base64 is decoded here (the `base64` crate), and its mime type read.

use super::wire::{ServerContent, ServerMessage, VoiceActivityType};
use super::{pcm_rate, AudioChunk, FunctionCall, ProtocolError, ServerEvent, UsageMetadata};
use crate::pcm;

/// The events of one message.
pub fn events(message: ServerMessage) -> Result<Vec<ServerEvent>, ProtocolError> {
    let mut events = Vec::new();
    if let Some(setup) = message.setup_complete {
        events.push(ServerEvent::SetupComplete);
        if let Some(id) = setup.session_id.filter(|id| !id.is_empty()) {
            events.push(ServerEvent::SessionId(id));
        }
    }
    if let Some(content) = message.server_content {
        server_content(content, &mut events)?;
    }
    if let Some(call) = message.tool_call {
        let calls = call.function_calls.into_iter().map(|call| FunctionCall {
            id: call.id,
            name: call.name,
            args: call.args.map(|args| args.0).unwrap_or_default(),
        });
        events.push(ServerEvent::ToolCall(calls.collect()));
    }
    if let Some(cancel) = message.tool_call_cancellation {
        events.push(ServerEvent::ToolCallCancellation(cancel.ids));
    }
    if let Some(activity) = message.voice_activity {
        match activity.voice_activity_type {
            Some(VoiceActivityType::ActivityStart) => {
                events.push(ServerEvent::VoiceActivity { start: true })
            }
            Some(VoiceActivityType::ActivityEnd) => {
                events.push(ServerEvent::VoiceActivity { start: false })
            }
            Some(VoiceActivityType::Other) | None => {}
        }
    }
    if let Some(update) = message.session_resumption_update {
        events.push(ServerEvent::ResumptionUpdate {
            new_handle: update.new_handle.filter(|h| !h.is_empty()),
            resumable: update.resumable.unwrap_or(false),
        });
    }
    if let Some(go_away) = message.go_away {
        events.push(ServerEvent::GoAway {
            time_left: go_away.time_left.as_deref().and_then(super::parse_duration),
        });
    }
    if let Some(usage) = message.usage_metadata {
        events.push(ServerEvent::Usage(UsageMetadata {
            prompt_token_count: usage.prompt_token_count,
            response_token_count: usage.response_token_count,
            total_token_count: usage.total_token_count,
        }));
    }
    Ok(events)
}

fn said(text: Option<super::wire::Transcription>) -> Option<String> {
    text?.text.filter(|t| !t.is_empty())
}

fn server_content(
    content: ServerContent,
    events: &mut Vec<ServerEvent>,
) -> Result<(), ProtocolError> {
    if let Some(text) = said(content.interim_input_transcription) {
        events.push(ServerEvent::InterimInputTranscription(text));
    }
    if let Some(text) = said(content.input_transcription) {
        events.push(ServerEvent::InputTranscription(text));
    }
    let parts = content
        .model_turn
        .map(|turn| turn.parts)
        .unwrap_or_default();
    for (index, part) in parts.into_iter().enumerate() {
        if let Some(blob) = part.inline_data {
            let mime = blob.mime_type.unwrap_or_default();
            let rate =
                pcm_rate(&mime).ok_or(ProtocolError::UnsupportedMime { part: index, mime })?;
            let samples = pcm::from_base64(blob.data.as_deref().unwrap_or_default())
                .map_err(|error| ProtocolError::Audio { part: index, error })?;
            events.push(ServerEvent::Audio(AudioChunk { rate, samples }));
        }
        if let Some(text) = part.text.filter(|t| !t.is_empty()) {
            events.push(ServerEvent::Text {
                text,
                thought: part.thought.unwrap_or(false),
            });
        }
    }
    if let Some(text) = said(content.output_transcription) {
        events.push(ServerEvent::OutputTranscription(text));
    }
    for (flag, event) in [
        (content.interrupted, ServerEvent::Interrupted),
        (content.generation_complete, ServerEvent::GenerationComplete),
        (content.waiting_for_input, ServerEvent::WaitingForInput),
    ] {
        if flag == Some(true) {
            events.push(event);
        }
    }
    match content.turn_complete_reason {
        None | Some(super::wire::TurnCompleteReason::Unspecified) => {}
        Some(reason) => events.push(ServerEvent::TurnCompleteReason(reason)),
    }
    if let Some(status) = content.interaction_status.filter(|s| !s.is_empty()) {
        events.push(ServerEvent::InteractionStatus(status));
    }
    if content.turn_complete == Some(true) {
        events.push(ServerEvent::TurnComplete);
    }
    Ok(())
}
