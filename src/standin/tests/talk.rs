//! Push-to-talk, typed text, tool calls and turn-taking settings, as the stand-in honours them.

use super::*;
use crate::protocol::client::Scheduling;
use crate::protocol::models::Calls;
use crate::protocol::TurnTaking;
use crate::tools::Toolbox;

pub(super) fn ready_with(setup: Setup) -> StandIn {
    let mut s = StandIn::new(StandInConfig::default());
    s.receive(0.0, &ClientMessage::Setup(setup).to_json())
        .unwrap();
    s
}

fn base() -> Setup {
    Setup::audio(MODEL, "Puck").with_transcription(true, true)
}

fn push_to_talk() -> Setup {
    base().with_automatic_activity_detection(false)
}

pub(super) fn frames(s: &mut StandIn, at: f64, message: ClientMessage) -> Vec<ServerEvent> {
    let out = s.receive(at, &message.to_json()).unwrap();
    out.iter().flat_map(decode).collect()
}

fn samples(events: &[(f64, ServerEvent)]) -> usize {
    audio_of(events).iter().map(|(_, a)| a.len()).sum()
}

#[test]
fn push_to_talk_replies_to_what_was_said_between_the_markers() {
    let mut s = ready_with(push_to_talk());
    // Before activityStart: heard by nobody, even loud and followed by silence.
    let mut speech = tone(500, 8000.0);
    speech.extend_from_slice(&[0; 16_000]);
    assert_eq!(send(&mut s, 0.0, &speech), vec![]);
    assert_eq!(
        frames(&mut s, 2000.0, ClientMessage::activity(true)),
        vec![]
    );
    // No energy detection while held: a second of silence ends nothing.
    assert_eq!(send(&mut s, 2000.0, &tone(400, 8000.0)), vec![]);
    assert_eq!(send(&mut s, 2400.0, &[0; 16_384]), vec![]);
    let reply = frames(&mut s, 3500.0, ClientMessage::activity(false));
    assert_eq!(
        reply[0],
        ServerEvent::InputTranscription("(heard 1424 ms of speech)".into())
    );
    // 400 ms of tone (6,400 samples) + 16,384 of silence: 22,784 samples at 16 kHz (1.424 s),
    // 34,176 at 24 kHz.
    let mut events: Vec<(f64, ServerEvent)> = reply.into_iter().map(|e| (3500.0, e)).collect();
    events.extend(poll_until(&mut s, 10_000.0));
    assert_eq!(samples(&events), 34_176);
    let n = events.len();
    assert_eq!(events[n - 2].1, ServerEvent::TurnComplete, "then its usage");
}

#[test]
fn activity_markers_need_push_to_talk_and_interrupt_a_reply() {
    let mut s = ready(StandInConfig::default());
    let refused = s.receive(0.0, &ClientMessage::activity(true).to_json());
    assert_eq!(
        refused.unwrap_err(),
        Reject {
            code: 1007,
            reason: "Explicit activity control is not supported when automatic activity detection is enabled.".into()
        }
    );
    let mut p = ready_with(push_to_talk());
    p.receive(0.0, &ClientMessage::activity(true).to_json())
        .unwrap();
    send(&mut p, 0.0, &tone(500, 8000.0));
    p.receive(600.0, &ClientMessage::activity(false).to_json())
        .unwrap();
    assert!(p.next_due().is_some(), "replying");
    assert_eq!(
        frames(&mut p, 700.0, ClientMessage::activity(true)),
        vec![ServerEvent::Interrupted, ServerEvent::TurnComplete]
    );
}

#[test]
fn typed_text_gets_a_spoken_reply_with_its_transcription() {
    let mut s = ready(StandInConfig::default());
    let first = frames(&mut s, 0.0, ClientMessage::realtime_text("hello"));
    assert_eq!(
        first.get(1),
        Some(&ServerEvent::OutputTranscription(
            "(you typed: hello)".into()
        ))
    );
    let mut events: Vec<(f64, ServerEvent)> = first.into_iter().map(|e| (0.0, e)).collect();
    events.extend(poll_until(&mut s, 10_000.0));
    // 600 ms + 40 ms per character: 800 ms at 24 kHz.
    assert_eq!(samples(&events), 19_200);
    // Within push-to-talk, the text is answered when the activity ends.
    let mut p = ready_with(push_to_talk());
    p.receive(0.0, &ClientMessage::activity(true).to_json())
        .unwrap();
    assert_eq!(
        frames(&mut p, 1.0, ClientMessage::realtime_text("hi")),
        vec![]
    );
    let reply = frames(&mut p, 2.0, ClientMessage::activity(false));
    assert_eq!(
        reply.get(1),
        Some(&ServerEvent::OutputTranscription("(you typed: hi)".into()))
    );
}

#[test]
fn asking_the_time_makes_a_tool_call_and_its_answer_is_spoken() {
    let tools = Toolbox::new(true, "")
        .unwrap()
        .setup_tools(Calls::NonBlockingByDefault);
    let mut s = ready_with(base().with_tools(tools));
    let out = s
        .receive(
            0.0,
            &ClientMessage::realtime_text("What time is it?").to_json(),
        )
        .unwrap();
    assert_eq!(
        out,
        vec![j(
            r#"{"toolCall":{"functionCalls":[{"id":"standin-call-1","name":"get_current_time","args":{}}]}}"#
        )]
    );
    // An answer to another id changes nothing.
    let stray = crate::protocol::client::FunctionResponse {
        id: "other".into(),
        name: "get_current_time".into(),
        response: serde_json::json!({}),
        scheduling: None,
    };
    assert_eq!(
        frames(&mut s, 1.0, ClientMessage::tool_response(vec![stray])),
        vec![]
    );
    let answer = crate::protocol::client::FunctionResponse {
        id: "standin-call-1".into(),
        name: "get_current_time".into(),
        response: serde_json::json!({"local": "21:31"}),
        scheduling: None,
    };
    let reply = frames(&mut s, 2.0, ClientMessage::tool_response(vec![answer]));
    assert_eq!(
        reply.get(1),
        Some(&ServerEvent::OutputTranscription(
            r#"(the tool said: {"local":"21:31"})"#.into()
        ))
    );
    // Without the tool declared, the same text is simply answered.
    let mut plain = ready(StandInConfig::default());
    let reply = frames(
        &mut plain,
        0.0,
        ClientMessage::realtime_text("What time is it?"),
    );
    assert!(matches!(reply[0], ServerEvent::Audio(_)));
}

#[test]
fn with_no_interruption_the_reply_goes_on_and_the_next_follows_it() {
    let turns = TurnTaking {
        interrupts: false,
        ..TurnTaking::default()
    };
    let mut s = ready_with(base().with_turn_taking(turns));
    let mut sent = tone(500, 8000.0);
    sent.extend_from_slice(&[0; 8192]);
    let mut events = send(&mut s, 0.0, &sent);
    let start = events[0].0;
    // Talked over: no `interrupted`; the second utterance's reply waits for the first.
    let mut over = tone(300, 8000.0);
    over.extend_from_slice(&[0; 8192]);
    events.extend(send(&mut s, start + 100.0, &over));
    assert!(events.iter().all(|(_, e)| *e != ServerEvent::Interrupted));
    events.extend(poll_until(&mut s, start + 10_000.0));
    let ends: Vec<f64> = events
        .iter()
        .filter(|(_, e)| *e == ServerEvent::TurnComplete)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(ends.len(), 2, "both replies, one after the other");
    // The first reply is heard whole: 0.5 s of speech, 12,000 samples at 24 kHz, before
    // its turnComplete.
    let first: usize = events
        .iter()
        .take_while(|(_, e)| *e != ServerEvent::TurnComplete)
        .filter_map(|(_, e)| match e {
            ServerEvent::Audio(a) => Some(a.samples.len()),
            _ => None,
        })
        .sum();
    assert_eq!(first, 12_000);
}

#[test]
fn the_silence_duration_from_setup_ends_turns() {
    let turns = TurnTaking {
        silence_duration_ms: Some(1_000),
        ..TurnTaking::default()
    };
    let mut s = ready_with(base().with_turn_taking(turns));
    let mut sent = tone(400, 8000.0);
    sent.extend_from_slice(&[0; 9_600]); // 600 ms of silence: not yet the end
    assert_eq!(send(&mut s, 0.0, &sent), vec![]);
    let more = send(&mut s, 1000.0, &[0; 8_192]); // 1,112 ms of silence in all
    assert_eq!(
        more.first().map(|e| &e.1),
        Some(&ServerEvent::InputTranscription(
            "(heard 400 ms of speech)".into()
        ))
    );
}

/// 3.8 Live with the built-ins (blocking), `slow_lookup` (the model's default: not
/// blocking) and `check_order` (declared blocking).
fn live_38() -> StandIn {
    let tools = Toolbox::new(
        true,
        r#"[{"name": "slow_lookup"}, {"name": "check_order", "behavior": "BLOCKING"}]"#,
    )
    .unwrap()
    .setup_tools(Calls::NonBlockingByDefault);
    ready_with(
        Setup::audio("gemini-3.8-live", "Puck")
            .with_transcription(true, true)
            .with_tools(tools),
    )
}

pub(super) fn answer(id: &str, name: &str, scheduling: Option<Scheduling>) -> ClientMessage {
    ClientMessage::tool_response(vec![crate::protocol::client::FunctionResponse {
        id: id.into(),
        name: name.into(),
        response: serde_json::json!({"found": 3}),
        scheduling,
    }])
}

pub(super) fn transcripts(events: &[ServerEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::OutputTranscription(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn on_38_a_non_blocking_call_runs_while_the_model_speaks_and_its_answer_waits_its_turn() {
    let mut s = live_38();
    let typed = ClientMessage::user_turn("please run slow_lookup", true);
    let out = frames(&mut s, 0.0, typed);
    assert!(matches!(&out[0], ServerEvent::ToolCall(calls) if calls[0].name == "slow_lookup"));
    // It speaks on at once.
    assert_eq!(transcripts(&out), ["(working on it: slow_lookup runs)"]);
    // The answer, WHEN_IDLE, 300 ms later: nothing interrupted, it is held...
    let held = frames(
        &mut s,
        300.0,
        answer("standin-call-1", "slow_lookup", Some(Scheduling::WhenIdle)),
    );
    assert!(!held.contains(&ServerEvent::Interrupted), "{held:?}");
    assert!(transcripts(&held).is_empty());
    // ...and spoken once the 1.5 s of speech is out, after its turn ends.
    let later: Vec<ServerEvent> = poll_until(&mut s, 5_000.0)
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let end = later
        .iter()
        .position(|e| *e == ServerEvent::TurnComplete)
        .unwrap();
    assert_eq!(
        transcripts(&later[end..]),
        [r#"(the tool said: {"found":3})"#]
    );

    // SILENT: taken in without a word.
    frames(
        &mut s,
        6_000.0,
        ClientMessage::user_turn("slow_lookup again", true),
    );
    let silent = frames(
        &mut s,
        6_100.0,
        answer("standin-call-2", "slow_lookup", Some(Scheduling::Silent)),
    );
    assert!(transcripts(&silent).is_empty());
    // INTERRUPT (as no scheduling): the speech so far stops for the answer.
    frames(
        &mut s,
        9_000.0,
        ClientMessage::user_turn("slow_lookup once more", true),
    );
    let now = frames(
        &mut s,
        9_100.0,
        answer("standin-call-3", "slow_lookup", Some(Scheduling::Interrupt)),
    );
    assert_eq!(
        now[..2],
        [ServerEvent::Interrupted, ServerEvent::TurnComplete]
    );
    assert_eq!(transcripts(&now), [r#"(the tool said: {"found":3})"#]);
}

#[test]
fn on_38_new_input_cancels_a_blocking_call() {
    let mut s = live_38();
    let out = frames(&mut s, 0.0, ClientMessage::user_turn("check_order 7", true));
    assert!(matches!(&out[0], ServerEvent::ToolCall(calls) if calls[0].name == "check_order"));
    assert!(transcripts(&out).is_empty(), "a blocking call: it waits");
    let next = frames(&mut s, 500.0, ClientMessage::user_turn("never mind", true));
    assert_eq!(
        next[0],
        ServerEvent::ToolCallCancellation(vec!["standin-call-1".into()])
    );
    // The cancelled call's late answer is not asked for any more.
    let late = frames(&mut s, 600.0, answer("standin-call-1", "check_order", None));
    assert!(transcripts(&late).is_empty());
}

#[test]
fn a_model_whose_calls_block_refuses_scheduling() {
    let tools = Toolbox::new(true, "").unwrap().setup_tools(Calls::Blocking);
    let mut s = ready_with(Setup::audio("gemini-3.1-flash-live-preview", "Puck").with_tools(tools));
    s.receive(
        0.0,
        &ClientMessage::realtime_text("what time is it").to_json(),
    )
    .unwrap();
    let refused = s
        .receive(
            1.0,
            &answer(
                "standin-call-1",
                "get_current_time",
                Some(Scheduling::WhenIdle),
            )
            .to_json(),
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

#[test]
fn a_resumed_session_goes_on_with_its_setups_instruction() {
    let instructed = || base().with_system_instruction("Answer in French.");
    // A new conversation with an instruction: replies are plain (it was there from the start).
    let mut fresh = ready_with(instructed().with_resumption(None));
    let reply = frames(&mut fresh, 0.0, ClientMessage::realtime_text("hello"));
    assert_eq!(transcripts(&reply), ["(you typed: hello)"]);
    // Resumed with a new one (how the page changes it on 2.5): each reply says it follows it.
    let mut resumed = ready_with(instructed().with_resumption(Some("standin-1".into())));
    let reply = frames(&mut resumed, 0.0, ClientMessage::realtime_text("hello"));
    assert_eq!(
        transcripts(&reply),
        ["(you typed: hello) (instruction: Answer in French.)"]
    );
}

#[test]
fn on_38_a_context_update_changes_the_instruction_and_tools_mid_session() {
    let mut s = live_38();
    let update = ClientMessage::context_update(Some("Answer in French."), Some(vec![]));
    assert_eq!(frames(&mut s, 0.0, update), vec![]);
    let reply = frames(&mut s, 100.0, ClientMessage::user_turn("hello", true));
    assert_eq!(
        transcripts(&reply),
        ["(you typed: hello) (instruction: Answer in French.)"]
    );
    // The tools are gone: naming one is plain text now.
    let plain = frames(
        &mut s,
        5_000.0,
        ClientMessage::user_turn("slow_lookup", true),
    );
    assert!(!plain.iter().any(|e| matches!(e, ServerEvent::ToolCall(_))));
    // A model that takes no contextUpdate closes the session, as the service would.
    let mut older = ready_with(base());
    let refused = older
        .receive(
            0.0,
            &ClientMessage::context_update(Some("x"), None).to_json(),
        )
        .unwrap_err();
    assert_eq!(
        (refused.code, refused.reason.as_str()),
        (1007, "contextUpdate is not supported for models/gemini-2.5-flash-native-audio-preview-12-2025.")
    );
}

#[test]
fn on_38_setup_complete_names_the_session() {
    let mut s = StandIn::new(StandInConfig::default());
    let setup = ClientMessage::Setup(Setup::audio("gemini-3.8-live", "Puck"));
    let out = s.receive(0.0, &setup.to_json()).unwrap();
    assert_eq!(
        out[0],
        j(r#"{"setupComplete":{"sessionId":"standin-session"}}"#)
    );
    let mut older = StandIn::new(StandInConfig::default());
    let setup = ClientMessage::Setup(Setup::audio(MODEL, "Puck"));
    assert_eq!(
        older.receive(0.0, &setup.to_json()).unwrap()[0],
        j(r#"{"setupComplete":{}}"#)
    );
}
