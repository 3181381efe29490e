//! What the server says, as the conversation takes it: tool calls, usage, interim
//! transcriptions and voice activity, an overdue answer, a server that fails every connection.

use super::*;
use crate::protocol::FunctionCall;

#[test]
fn tool_calls_are_handed_to_the_edge_to_answer() {
    let mut c = live();
    let calls = vec![FunctionCall {
        id: Some("c1".into()),
        name: "get_current_time".into(),
        args: serde_json::Value::Null,
    }];
    assert_eq!(
        c.handle(3.0, Event::Server(ServerEvent::ToolCall(calls.clone()))),
        vec![
            Effect::AnswerTools(calls),
            log(LogKind::Server, "toolCall: get_current_time"),
        ]
    );
    // The model no longer wants a running call's answer: the edge stops its timer.
    let ids = vec!["c1".to_owned()];
    assert_eq!(
        c.handle(
            4.0,
            Event::Server(ServerEvent::ToolCallCancellation(ids.clone()))
        ),
        vec![
            Effect::CancelTools(ids),
            log(LogKind::Server, "toolCallCancellation: c1"),
        ]
    );
}

#[test]
fn usage_is_counted_per_turn_and_for_the_conversation() {
    use crate::protocol::UsageMetadata;
    let mut c = live();
    let counts = |n| UsageMetadata {
        total_token_count: Some(n),
        ..UsageMetadata::default()
    };
    let usage = |n| Event::Server(ServerEvent::Usage(counts(n)));
    // The counts go to the record as they came; the log says them in words.
    assert_eq!(
        c.handle(3.0, usage(75)),
        vec![
            Effect::Usage(counts(75)),
            log(
                LogKind::Server,
                "usage: 75 tokens (75 in this conversation)"
            )
        ]
    );
    assert_eq!(
        c.handle(4.0, usage(40)),
        vec![
            Effect::Usage(counts(40)),
            log(
                LogKind::Server,
                "usage: 40 tokens (115 in this conversation)"
            )
        ]
    );
}

#[test]
fn interim_transcriptions_are_shown_provisionally_and_voice_activity_is_logged() {
    let mut c = live();
    assert_eq!(
        c.handle(
            3.0,
            Event::Server(ServerEvent::InterimInputTranscription("what ti".into()))
        ),
        vec![
            Effect::InterimTranscript("what ti".into()),
            log(LogKind::Server, "you (so far): what ti"),
        ]
    );
    assert_eq!(
        c.handle(
            4.0,
            Event::Server(ServerEvent::VoiceActivity { start: false })
        ),
        vec![log(LogKind::Server, "voiceActivity: you stopped talking")]
    );
}

#[test]
fn an_overdue_answer_is_said_once_and_its_arrival_too() {
    let stuck = "The server has sent nothing for 10 s while an answer was due. The connection is still open; if it stays silent, Disconnect and connect again.";
    let mut c = live();
    // Nothing due: silence is normal.
    assert_eq!(c.handle(20_000.0, Event::Playing(false)), vec![]);
    c.handle(21_000.0, Event::Text("hi".into()));
    assert_eq!(c.handle(31_000.0, Event::Playing(false)), vec![]);
    assert_eq!(
        c.handle(31_001.0, Event::Playing(false)),
        vec![
            log(LogKind::Warn, stuck),
            view(
                "stalled",
                stuck,
                [false, true, true, false],
                [true, false, true]
            ),
        ]
    );
    assert_eq!(
        c.handle(32_000.0, Event::Playing(false)),
        vec![],
        "said once"
    );
    let back = c.handle(33_000.0, audio(24_000, 4800));
    assert_eq!(back[0], log(LogKind::Info, "The server answers again."));
    assert_eq!(c.view().state, "ready");
    // Mid-reply (audio, no turnComplete yet) a long silence is overdue too.
    assert_eq!(
        c.handle(43_001.0, Event::Playing(false))[0],
        log(LogKind::Warn, stuck)
    );
    c.handle(44_000.0, Event::Server(ServerEvent::TurnComplete));
    assert_eq!(
        c.handle(60_000.0, Event::Playing(false)),
        vec![],
        "nothing due after the turn"
    );
}

/// Found by the hostile-server run: a server that accepts each connection and fails it 300 ms
/// later (1011) was reconnected to forever (each opening reset the count). A connection that
/// ends within `STABLE_MS` of opening now keeps the count going.
#[test]
fn a_server_that_fails_every_connection_soon_is_given_up_on() {
    let mut c = live();
    let mut t = 2.0;
    let mut delays = Vec::new();
    loop {
        t += 300.0;
        let effects = c.handle(t, server_trouble());
        match effects.iter().find_map(|e| match e {
            Effect::RetryAfter(ms) => Some(*ms),
            _ => None,
        }) {
            Some(ms) => delays.push(ms),
            None => break,
        }
        t += f64::from(delays[delays.len() - 1]);
        c.handle(t, Event::RetryDue);
        c.handle(t + 10.0, Event::Opened(Ok(())));
        assert!(delays.len() < 10, "never gives up");
    }
    assert_eq!(delays, vec![500, 1000, 2000]);
    assert_eq!((c.link(), c.view().state), (&Link::Idle, "error"));
    // A connection that lived longer than STABLE_MS starts the count again.
    let mut d = live();
    let first = d.handle(STABLE_MS + 3.0, server_trouble());
    assert!(first.contains(&Effect::RetryAfter(500)));
}

/// The connection ended with 1011, a resumption handle in hand.
fn server_trouble() -> Event {
    Event::Ended {
        error: closed(1011, "Internal error encountered."),
        handle: Some("h".into()),
    }
}

#[test]
fn a_renewal_resumes_on_a_new_connection_with_the_latest_handle() {
    let mut c = listening();
    // No handle yet: nothing can be resumed, so the change waits, in words.
    assert_eq!(
        c.handle(5.0, Event::Renew)[..],
        [log(
            LogKind::Info,
            "The new instruction and tools apply from the next reconnect or conversation: the server has not yet given a resumption handle."
        )]
    );
    assert_eq!(c.link(), &Link::Live { goaway: false });
    c.handle(
        6.0,
        Event::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some("h-2".into()),
            resumable: true,
        }),
    );
    let renew = c.handle(7.0, Event::Renew);
    assert_eq!(
        renew[..2],
        [
            Effect::Close,
            log(
                LogKind::Info,
                "Resuming on a new connection with the new instruction and tools (this model takes them only when a connection starts)..."
            ),
        ]
    );
    assert_eq!(c.link(), &Link::Renewing);
    // The page's own close (1000) is not an end: the next connection opens at once.
    let ended = Event::Ended {
        error: closed(1000, "client closed"),
        handle: Some("h-2".into()),
    };
    assert_eq!(
        c.handle(20.0, ended)[..2],
        [
            Effect::TurnComplete,
            Effect::Open {
                handle: Some("h-2".into())
            }
        ]
    );
    let opened = c.handle(40.0, Event::Opened(Ok(())));
    assert_eq!(
        opened[0],
        log(
            LogKind::Reconnected,
            "Reconnected; the conversation continues (0.0 s of microphone audio could not be sent meanwhile)."
        )
    );
    assert_eq!(c.link(), &Link::Live { goaway: false });
    // Disconnect while renewing ends the conversation as usual.
    c.handle(
        41.0,
        Event::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some("h-3".into()),
            resumable: true,
        }),
    );
    c.handle(42.0, Event::Renew);
    c.handle(43.0, Event::Disconnect);
    assert_eq!(c.link(), &Link::Closing);
}

#[test]
fn the_status_line_says_while_the_model_works_in_the_background() {
    let mut c = listening();
    let status = |effects: Vec<Effect>| {
        effects.into_iter().find_map(|e| match e {
            Effect::Show(v) => Some((v.state, v.text)),
            _ => None,
        })
    };
    let working = c.handle(
        5.0,
        Event::Server(ServerEvent::InteractionStatus("IN_PROGRESS".into())),
    );
    assert_eq!(
        status(working),
        Some((
            "listening",
            "Listening. Talk to the model. The model is still working in the background.".into()
        ))
    );
    let idle = c.handle(
        9.0,
        Event::Server(ServerEvent::InteractionStatus("IDLE".into())),
    );
    assert_eq!(status(idle), Some(("listening", LISTENING.into())));
}

/// `turnCompleteReason` and `waitingForInput`, where they tell the person something: a
/// withheld reply or a malformed call is a warning (the record keeps warnings); a model that
/// needs more, or waits for the person to go on, says so in the status line.
#[test]
fn why_a_turn_ended_and_a_model_waiting_are_said_where_they_matter() {
    use crate::protocol::server::TurnCompleteReason as Why;
    let mut c = listening();
    let said = c.handle(
        10.0,
        Event::Server(ServerEvent::TurnCompleteReason(Why::ResponseRejected)),
    );
    assert_eq!(
        said[0],
        log(
            LogKind::Warn,
            "The service withheld the model's reply (turnCompleteReason RESPONSE_REJECTED): ask again in other words."
        )
    );
    let said = c.handle(
        11.0,
        Event::Server(ServerEvent::TurnCompleteReason(Why::MalformedFunctionCall)),
    );
    assert_eq!(
        said[0],
        log(
            LogKind::Warn,
            "The model's function call was malformed (turnCompleteReason MALFORMED_FUNCTION_CALL): no tool ran for it."
        )
    );
    c.handle(
        12.0,
        Event::Server(ServerEvent::TurnCompleteReason(Why::NeedMoreInput)),
    );
    assert_eq!(
        (c.view().state, c.view().text.as_str()),
        (
            "listening",
            "The model needs more from you before it answers."
        )
    );
    c.handle(13.0, Event::Server(ServerEvent::WaitingForInput));
    assert_eq!(
        (c.view().state, c.view().text.as_str()),
        (
            "listening",
            "Listening. The model is waiting for you to go on."
        )
    );
    // Other reasons say nothing beyond the server's own log line.
    let other = c.handle(
        14.0,
        Event::Server(ServerEvent::TurnCompleteReason(Why::Other(
            "SOMETHING_NEW".into(),
        ))),
    );
    assert_eq!(
        other,
        vec![log(LogKind::Server, "the turn ended: SOMETHING_NEW")]
    );
}

/// The browser paused the audio (iOS interrupts a context; any browser may suspend one): the
/// status line says so and how to go on; when it runs again the status line is as before.
#[test]
fn audio_the_browser_paused_is_said_and_its_return_too() {
    let mut c = listening();
    let paused = c.handle(10.0, Event::AudioPaused(Some("interrupted")));
    let text =
        "The browser paused the audio (interrupted). Click anywhere or press a key to resume it.";
    assert_eq!(paused[0], log(LogKind::Warn, text));
    assert_eq!((c.view().state, c.view().text.as_str()), ("paused", text));
    let back = c.handle(20.0, Event::AudioPaused(None));
    assert_eq!(back[0], log(LogKind::Info, "The audio runs again."));
    assert_eq!(
        (c.view().state, c.view().text.as_str()),
        ("listening", "Listening. Talk to the model.")
    );
    // Before a conversation nothing is said (the first event only shows the page).
    let mut idle = Conversation::default();
    let said = idle.handle(1.0, Event::AudioPaused(Some("suspended")));
    assert!(
        said.iter().all(|e| matches!(e, Effect::Show(_))),
        "{said:?}"
    );
    assert_eq!(idle.view().state, "idle");
}

/// A fresh token for the connection being opened (the edge asked the token server for one):
/// the conversation opens it with the latest handle; at any other time nothing happens.
#[test]
fn a_fresh_token_opens_the_connection_being_opened() {
    let mut c = live();
    c.handle(
        3.0,
        Event::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some("h1".into()),
            resumable: true,
        }),
    );
    assert!(!c
        .handle(4.0, Event::TokenReady)
        .iter()
        .any(|e| matches!(e, Effect::Open { .. })));
    c.handle(
        5.0,
        Event::Ended {
            error: closed(1011, "Internal error encountered."),
            handle: None,
        },
    );
    let opened = c.handle(5_600.0, Event::RetryDue);
    assert_eq!(
        opened[0],
        Effect::Open {
            handle: Some("h1".into())
        }
    );
    assert_eq!(
        c.handle(5_700.0, Event::TokenReady)[0],
        Effect::Open {
            handle: Some("h1".into())
        }
    );
}

/// The browser reports echo cancellation off for the microphone: a warning with what to do;
/// with no microphone on (a late report) nothing is said.
#[test]
fn echo_cancellation_the_browser_did_not_grant_is_said_with_what_to_do() {
    let mut c = listening();
    let said = c.handle(10.0, Event::EchoCancellationOff);
    assert_eq!(
        said,
        vec![log(
            LogKind::Warn,
            "The browser did not turn on echo cancellation for this microphone: through speakers the model may hear itself and stop. Use headphones, or another microphone or browser."
        )]
    );
    let mut idle = Conversation::default();
    let said = idle.handle(1.0, Event::EchoCancellationOff);
    assert!(
        said.iter().all(|e| matches!(e, Effect::Show(_))),
        "{said:?}"
    );
}
