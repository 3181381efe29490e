//! The service as other clients observed it (docs/models.md, "Observed on the live
//! service"): one test per row the stand-in models, each naming its source.

use super::talk::{answer, frames, ready_with, transcripts};
use super::*;
use crate::protocol::client::Scheduling;
use crate::protocol::models::Calls;
use crate::tools::Toolbox;

/// One spoken sentence (1 s), as the page sends it, ending at 1024 ms.
fn say(s: &mut StandIn) -> Vec<(f64, ServerEvent)> {
    send(s, 0.0, &tone(1000, 8000.0))
}

fn stream_end(s: &mut StandIn, at: f64) -> Vec<ServerEvent> {
    let out = s.receive(at, &ClientMessage::audio_stream_end().to_json());
    out.unwrap().iter().flat_map(decode).collect()
}

fn replied(events: &[ServerEvent]) -> bool {
    events.iter().any(|e| matches!(e, ServerEvent::Audio(_)))
}

/// openclaw/openclaw#152830 and #152844 (the live service, 2026-09-19): on 3.8 Live and
/// Extended Thinking `audioStreamEnd` does not end the turn: no reply comes; the words wait
/// for audio to come again. Streamed silence (digital zero) ends it; 2.5 and 3.1 answer
/// `audioStreamEnd` at once.
#[test]
fn on_38_audio_stream_end_is_no_turns_end_and_trailing_silence_is() {
    for model in ["gemini-3.8-live", "gemini-3.8-live-extended-thinking"] {
        let mut s = ready_with(Setup::audio(model, "Puck"));
        assert_eq!(say(&mut s), vec![], "{model}");
        assert!(stream_end(&mut s, 1024.0).is_empty(), "{model}");
        assert_eq!(s.next_due(), None, "{model}: nothing will come");
        // 480 ms of zeros is not yet the default 500 ms pause; 20 ms more is.
        let silence = send(&mut s, 1024.0, &[0; 16 * 480]);
        assert!(silence.is_empty(), "{model}");
        let reply = send(&mut s, 1504.0, &[0; 16 * 20]);
        let first = audio_of(&reply);
        assert_eq!(first.len(), 1, "{model}: the reply begins");
        assert_eq!(first[0].0, 1524.0, "{model}");
    }
    for model in [MODEL, "gemini-3.1-flash-live-preview"] {
        let mut s = ready_with(Setup::audio(model, "Puck"));
        say(&mut s);
        assert!(replied(&stream_end(&mut s, 1024.0)), "{model}");
    }
}

/// The same report: after `audioStreamEnd` on 3.8 the words are answered only with the next
/// utterance, merged into it (one reply for both).
#[test]
fn on_38_the_stalled_words_come_back_merged_with_the_next_utterance() {
    let mut s = ready_with(Setup::audio("gemini-3.8-live", "Puck"));
    say(&mut s);
    stream_end(&mut s, 1024.0);
    // Ten seconds later the person speaks again (0.5 s) and pauses.
    let mut again = tone(500, 8000.0);
    again.extend_from_slice(&[0; 16 * 600]);
    let out = send(&mut s, 11_024.0, &again);
    let mut events: Vec<(f64, ServerEvent)> = out;
    events.extend(poll_until(&mut s, 30_000.0));
    let heard: usize = audio_of(&events).iter().map(|(_, a)| a.len()).sum();
    // Both utterances in one echo, 1000 ms + 500 ms at 24 kHz (the second alone would be
    // 100 ms of pre-roll and 500 ms).
    assert_eq!(heard, 36_000);
    let turns = events
        .iter()
        .filter(|(_, e)| *e == ServerEvent::TurnComplete)
        .count();
    assert_eq!(turns, 1);
}

fn extended_thinking() -> StandIn {
    let tools = Toolbox::new(false, r#"[{"name": "slow_lookup"}]"#)
        .unwrap()
        .setup_tools(Calls::NonBlockingOnly);
    ready_with(
        Setup::audio("gemini-3.8-live-extended-thinking", "Puck")
            .with_transcription(true, true)
            .with_tools(tools),
    )
}

/// openclaw/openclaw#152413 (the live service, 2026-09-19): Extended Thinking closes the
/// session with 1007 on a function response that carries `scheduling`.
#[test]
fn extended_thinking_refuses_scheduling_with_the_services_words() {
    let mut s = extended_thinking();
    frames(&mut s, 0.0, ClientMessage::user_turn("slow_lookup", true));
    let refused = s
        .receive(
            300.0,
            &answer("standin-call-1", "slow_lookup", Some(Scheduling::WhenIdle)).to_json(),
        )
        .unwrap_err();
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (
            1007,
            "Function response scheduling is not supported for this model"
        )
    );
}

/// The same report: an interim `willContinue` answer is taken, but the model abandons the
/// call (a final answer 2 s later is never spoken); one final answer is spoken.
#[test]
fn extended_thinking_abandons_a_call_after_an_interim_answer() {
    let interim = r#"{"toolResponse":{"functionResponses":[{"id":"standin-call-1","name":"slow_lookup","response":{"status":"working"},"willContinue":true}]}}"#;
    let mut s = extended_thinking();
    frames(&mut s, 0.0, ClientMessage::user_turn("slow_lookup", true));
    // Taken (the session stays open), but nothing of it is spoken...
    let taken = s.receive(300.0, interim).unwrap();
    let mut later: Vec<ServerEvent> = taken.iter().flat_map(decode).collect();
    // ...nor of the final answer 2 s later.
    later.extend(frames(
        &mut s,
        2_300.0,
        answer("standin-call-1", "slow_lookup", None),
    ));
    later.extend(poll_until(&mut s, 10_000.0).into_iter().map(|(_, e)| e));
    assert!(
        !transcripts(&later)
            .iter()
            .any(|t| t.contains("the tool said")),
        "{later:?}"
    );
    // One final answer, no scheduling: spoken.
    let mut s = extended_thinking();
    frames(&mut s, 0.0, ClientMessage::user_turn("slow_lookup", true));
    let spoken = frames(
        &mut s,
        2_000.0,
        answer("standin-call-1", "slow_lookup", None),
    );
    assert_eq!(transcripts(&spoken), [r#"(the tool said: {"found":3})"#]);
}

/// The same report, from the page's side: a declared tool with `"scheduling": "WHEN_IDLE"`
/// is answered on Extended Thinking as the page answers it (`Toolbox::timing` with the
/// model's row): without `scheduling`, so the session stays open and the answer is spoken.
#[test]
fn extended_thinking_takes_the_pages_own_answer() {
    let model = crate::protocol::models::lookup("gemini-3.8-live-extended-thinking");
    let toolbox = Toolbox::new(
        false,
        r#"[{"name": "slow_lookup", "delay_ms": 2000, "scheduling": "WHEN_IDLE", "response": {"found": 3}}]"#,
    )
    .unwrap();
    let mut s = ready_with(
        Setup::audio(model.id, "Puck")
            .with_transcription(true, true)
            .with_tools(toolbox.setup_tools(model.calls)),
    );
    frames(&mut s, 0.0, ClientMessage::user_turn("slow_lookup", true));
    let (delay_ms, scheduling) = toolbox.timing("slow_lookup", model.scheduling);
    assert_eq!((delay_ms, scheduling), (2000, None));
    let answer = ClientMessage::tool_response(vec![crate::protocol::client::FunctionResponse {
        id: "standin-call-1".into(),
        name: "slow_lookup".into(),
        response: serde_json::json!({"found": 3}),
        scheduling,
    }]);
    let spoken = frames(&mut s, f64::from(delay_ms), answer);
    assert_eq!(transcripts(&spoken), [r#"(the tool said: {"found":3})"#]);
}
