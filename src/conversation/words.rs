//! What the page's log says about each server event, one line each.

use crate::protocol::ServerEvent;

/// One log line for a server event.
pub fn describe(event: &ServerEvent) -> String {
    match event {
        ServerEvent::SetupComplete => "setupComplete".into(),
        ServerEvent::SessionId(id) => format!("sessionId: {id}"),
        ServerEvent::Audio(chunk) => format!("audio: {} samples", chunk.samples.len()),
        ServerEvent::Text { text, thought } => {
            format!("{}: {text}", if *thought { "thought" } else { "text" })
        }
        ServerEvent::InputTranscription(t) => format!("you: {t}"),
        ServerEvent::OutputTranscription(t) => format!("model: {t}"),
        ServerEvent::Interrupted => "interrupted".into(),
        ServerEvent::GenerationComplete => "generationComplete".into(),
        ServerEvent::TurnComplete => "turnComplete".into(),
        ServerEvent::TurnCompleteReason(reason) => format!("the turn ended: {reason}"),
        ServerEvent::WaitingForInput => "waitingForInput: the model waits for you".into(),
        ServerEvent::InteractionStatus(status) => match status.as_str() {
            "IN_PROGRESS" => {
                "interactionStatus: IN_PROGRESS (still working; more may follow)".into()
            }
            "IDLE" => "interactionStatus: IDLE (all done)".into(),
            other => format!("interactionStatus: {other}"),
        },
        ServerEvent::InterimInputTranscription(t) => format!("you (so far): {t}"),
        ServerEvent::VoiceActivity { start: true } => "voiceActivity: you started talking".into(),
        ServerEvent::VoiceActivity { start: false } => "voiceActivity: you stopped talking".into(),
        ServerEvent::ToolCall(calls) => {
            let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
            format!("toolCall: {}", names.join(", "))
        }
        ServerEvent::ToolCallCancellation(ids) => {
            format!("toolCallCancellation: {}", ids.join(", "))
        }
        ServerEvent::GoAway { time_left } => match time_left {
            Some(t) => format!("goAway: the server closes in {:.1} s", t.as_secs_f64()),
            None => "goAway".into(),
        },
        ServerEvent::ResumptionUpdate { resumable, .. } => {
            format!("sessionResumptionUpdate (resumable: {resumable})")
        }
        ServerEvent::Usage(u) => format!(
            "usage: {} tokens",
            u.total_token_count.map_or("?".into(), |n| n.to_string())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn each_event_gets_its_line() {
        assert_eq!(
            describe(&ServerEvent::GoAway {
                time_left: Some(Duration::from_millis(9_500))
            }),
            "goAway: the server closes in 9.5 s"
        );
        assert_eq!(
            describe(&ServerEvent::ResumptionUpdate {
                new_handle: Some("h".into()),
                resumable: true
            }),
            "sessionResumptionUpdate (resumable: true)"
        );
        assert_eq!(
            describe(&ServerEvent::ToolCallCancellation(vec![
                "a".into(),
                "b".into()
            ])),
            "toolCallCancellation: a, b"
        );
        assert_eq!(describe(&ServerEvent::Interrupted), "interrupted");
        assert_eq!(
            describe(&ServerEvent::SessionId("s-42".into())),
            "sessionId: s-42"
        );
        assert_eq!(
            describe(&ServerEvent::InteractionStatus("IN_PROGRESS".into())),
            "interactionStatus: IN_PROGRESS (still working; more may follow)"
        );
    }
}
