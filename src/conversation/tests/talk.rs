//! One-click talk, push-to-talk, typed messages, tool calls, refused settings.

use super::*;

const HOLD_TO_TALK: &str = "Hold the talk button (or the space bar) to talk.";
const TALKING: &str = "Talking (push-to-talk). Release to let the model answer.";

fn ptt_view(
    state: &'static str,
    text: &str,
    mic: [bool; 2],
    talk: [bool; 2],
    held: bool,
) -> Effect {
    Effect::Show(View {
        state,
        text: text.into(),
        connect: false,
        disconnect: true,
        mic_start: mic[0],
        mic_stop: mic[1],
        talk: talk[0],
        talking: talk[1],
        typing: true,
        push_to_talk: true,
        held,
        alert: None,
    })
}

/// A live push-to-talk conversation, microphone off.
fn live_ptt() -> Conversation {
    let mut c = Conversation::default();
    c.handle(0.0, Event::Connect(offline_plan(true)));
    c.handle(1.0, Event::AudioReady);
    c.handle(2.0, Event::Opened(Ok(())));
    c
}

fn mic_on(id: u32) -> Event {
    Event::MicOpened {
        id,
        result: Ok(48_000.0),
    }
}

fn sent(len: usize, time: f64) -> Effect {
    Effect::MicAudio {
        samples: vec![7; len],
        time,
        send: true,
    }
}

#[test]
fn one_click_talk_connects_then_starts_the_microphone_then_stops_it() {
    let mut c = Conversation::default();
    let effects = c.handle(0.0, Event::Talk(offline_plan(false)));
    assert_eq!(
        effects[2..4],
        [Effect::Open { handle: None }, Effect::StartAudio]
    );
    c.handle(1.0, Event::AudioReady);
    assert_eq!(
        c.handle(2.0, Event::Opened(Ok(()))),
        vec![
            Effect::BeginRecording,
            log(LogKind::Server, "setupComplete: the session is ready."),
            log(
                LogKind::Info,
                "Connect to ready: 2.0 ms (the audio graph 1.0 ms; the connection, opened alongside, 1.0 ms after it)."
            ),
            Effect::OpenMic {
            id: 1,
            system_default: false
        },
            view(
                "starting",
                "Starting the microphone...",
                [false, true, false, false],
                [false, true, true]
            ),
        ]
    );
    c.handle(3.0, mic_on(1));
    assert_eq!(c.view().state, "listening");
    // Talk again: the microphone stops (its last chunk first), the session stays.
    let stop = c.handle(4.0, Event::Talk(offline_plan(false)));
    assert_eq!(
        stop[0],
        Effect::FlushMic {
            id: 1,
            deadline_ms: MIC_STOP_DEADLINE_MS
        }
    );
    c.handle(5.0, Event::MicFlushed { id: 1 });
    assert_eq!(
        (c.mic(), c.view().talk, c.view().talking),
        (Mic::Off, true, false)
    );
    // And again: the microphone starts at once (already connected).
    assert_eq!(
        c.handle(6.0, Event::Talk(offline_plan(false)))[0],
        Effect::OpenMic {
            id: 2,
            system_default: false
        }
    );
}

#[test]
fn push_to_talk_sends_audio_only_while_held_each_hold_marked() {
    let mut c = live_ptt();
    assert_eq!(c.view().text, HOLD_TO_TALK);
    assert_eq!(
        c.handle(3.0, chunk(9, 10, 0.1)),
        vec![],
        "no microphone yet"
    );
    // Held: the microphone starts; activityStart once it runs.
    assert_eq!(
        c.handle(3.0, Event::Hold),
        vec![
            Effect::OpenMic {
                id: 1,
                system_default: false
            },
            ptt_view(
                "starting",
                "Starting the microphone...",
                [false, false],
                [false, true],
                true
            ),
        ]
    );
    assert_eq!(
        c.handle(4.0, mic_on(1)),
        vec![
            log(
                LogKind::Info,
                "Microphone on (48000 Hz device rate, sent as 16 kHz)"
            ),
            Effect::SendActivity { start: true },
            ptt_view("listening", TALKING, [false, true], [true, true], true),
        ]
    );
    assert_eq!(c.handle(5.0, chunk(1, 2048, 0.2)), vec![sent(2048, 0.2)]);
    // Released: the next chunk (the last words) goes out, then activityEnd.
    assert_eq!(
        c.handle(6.0, Event::Release),
        vec![ptt_view(
            "ready",
            HOLD_TO_TALK,
            [false, true],
            [true, true],
            false
        )]
    );
    assert_eq!(
        c.handle(7.0, chunk(1, 2048, 0.328)),
        vec![sent(2048, 0.328), Effect::SendActivity { start: false }]
    );
    // Not held: neither sent nor recorded.
    assert_eq!(c.handle(8.0, chunk(1, 2048, 0.456)), vec![]);
    // Held again with the microphone running: activityStart at once.
    assert_eq!(
        c.handle(9.0, Event::Hold),
        vec![
            Effect::SendActivity { start: true },
            ptt_view("listening", TALKING, [false, true], [true, true], true),
        ]
    );
    // Stop Mic while held: the turn ends with activityEnd, never audioStreamEnd.
    c.handle(10.0, Event::StopMic);
    assert_eq!(
        c.handle(11.0, Event::MicFlushed { id: 1 }),
        vec![
            Effect::CloseMic { id: 1 },
            Effect::DrawRecording,
            Effect::SendActivity { start: false },
            log(LogKind::Info, "Microphone off."),
            ptt_view("ready", HOLD_TO_TALK, [true, false], [true, false], false),
        ]
    );
}

#[test]
fn a_push_released_before_the_microphone_runs_marks_nothing() {
    let mut c = live_ptt();
    c.handle(3.0, Event::Hold);
    c.handle(3.5, Event::Release);
    assert_eq!(
        c.handle(4.0, mic_on(1)),
        vec![
            log(
                LogKind::Info,
                "Microphone on (48000 Hz device rate, sent as 16 kHz)"
            ),
            ptt_view("ready", HOLD_TO_TALK, [false, true], [true, true], false),
        ]
    );
    assert_eq!(c.handle(5.0, chunk(1, 2048, 0.2)), vec![]);
    // Hold and Release outside push-to-talk change nothing.
    let mut auto = listening();
    assert_eq!(auto.handle(6.0, Event::Hold), vec![]);
    assert_eq!(auto.handle(7.0, Event::Release), vec![]);
}

#[test]
fn a_pressed_again_release_keeps_the_same_turn() {
    let mut c = live_ptt();
    c.handle(3.0, Event::Hold);
    c.handle(4.0, mic_on(1));
    c.handle(5.0, Event::Release);
    c.handle(5.5, Event::Hold);
    // No activityEnd between: one turn.
    assert_eq!(c.handle(6.0, chunk(1, 2048, 0.2)), vec![sent(2048, 0.2)]);
}

#[test]
fn typed_messages_go_as_realtime_text_and_show_as_your_turn() {
    let mut c = live();
    assert_eq!(
        c.handle(3.0, Event::Text("  what time is it? ".into())),
        vec![
            Effect::SendText("what time is it?".into()),
            Effect::Transcript {
                speaker: Speaker::You,
                text: "what time is it?".into()
            },
            log(LogKind::Info, "You typed: what time is it?"),
        ]
    );
    assert_eq!(c.handle(4.0, Event::Text("   ".into())), vec![]);
    // Push-to-talk: the service does not detect activity, so the page marks it.
    let mut p = live_ptt();
    let effects = p.handle(3.0, Event::Text("hi".into()));
    assert_eq!(
        effects[..3],
        [
            Effect::SendActivity { start: true },
            Effect::SendText("hi".into()),
            Effect::SendActivity { start: false },
        ]
    );
    // ...unless the model takes typed text as a turn of its own (3.8 Live: `clientContent`,
    // which is no realtime input to mark).
    let mut turns = Conversation::default();
    let plan = Plan {
        model: "gemini-3.8-live".into(),
        ..offline_plan(true)
    };
    turns.handle(0.0, Event::Connect(plan));
    turns.handle(1.0, Event::AudioReady);
    turns.handle(2.0, Event::Opened(Ok(())));
    let effects = turns.handle(3.0, Event::Text("hi".into()));
    assert_eq!(effects[0], Effect::SendText("hi".into()));
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::SendActivity { .. })));
    // Not connected: not sent, and said so.
    let mut idle = Conversation::default();
    assert_eq!(
        idle.handle(0.0, Event::Text("hi".into()))[0],
        log(
            LogKind::Warn,
            "Not sent: a typed message needs a live conversation (Connect first)."
        )
    );
}

#[test]
fn refused_settings_say_why_and_start_nothing() {
    let mut c = Conversation::default();
    let why = "Tools are not JSON: EOF while parsing a value at line 1 column 1.";
    assert_eq!(
        c.handle(0.0, Event::Invalid(why.into())),
        vec![
            log(LogKind::Error, why),
            alerted(view(
                "error",
                why,
                [true, false, false, false],
                [true, false, false]
            )),
        ]
    );
    // While a conversation runs it keeps its own settings.
    let mut l = live();
    assert_eq!(l.handle(3.0, Event::Invalid(why.into())), vec![]);
}

#[test]
fn the_banner_stays_until_dismissed_or_tried_again_and_a_plain_disconnect_raises_none() {
    let mut c = Conversation::default();
    c.handle(0.0, Event::Invalid("Tools are not JSON.".into()));
    assert_eq!(c.view().alert.as_deref(), Some("Tools are not JSON."));
    // Dismissed: the status line keeps the words, the banner goes.
    let effects = c.handle(1.0, Event::Dismiss);
    assert!(
        matches!(&effects[..], [Effect::Show(v)] if v.alert.is_none() && v.text == "Tools are not JSON."),
        "{effects:?}"
    );
    // Trying again clears it at once.
    c.handle(2.0, Event::Invalid("Tools are not JSON.".into()));
    c.handle(3.0, connect_offline());
    assert_eq!(c.view().alert, None);
    // A denied microphone raises it; starting the microphone again clears it.
    let mut l = live();
    l.handle(4.0, Event::StartMic);
    let denied = "Microphone access was denied.";
    l.handle(
        5.0,
        Event::MicOpened {
            id: 1,
            result: Err(denied.into()),
        },
    );
    assert_eq!(l.view().alert.as_deref(), Some(denied));
    l.handle(6.0, Event::StartMic);
    assert_eq!(l.view().alert, None);
    // The person's own Disconnect is no problem.
    l.handle(7.0, Event::Disconnect);
    l.handle(
        8.0,
        Event::Ended {
            error: closed(1000, "client closed"),
            handle: None,
        },
    );
    assert_eq!((l.view().state, l.view().alert), ("closed", None));
}

/// Found by the fuzzer: released while Stop Mic waited for the last chunk, then a typed
/// message: one activityStart, one activityEnd, in order.
#[test]
fn released_while_the_microphone_stops_ends_the_turn_once() {
    let mut c = live_ptt();
    c.handle(3.0, Event::Hold);
    c.handle(4.0, mic_on(1));
    c.handle(5.0, Event::StopMic);
    assert_eq!(
        c.handle(6.0, Event::Release),
        vec![ptt_view(
            "ready",
            HOLD_TO_TALK,
            [false, false],
            [false, true],
            false
        )]
    );
    let typed = c.handle(7.0, Event::Text("hi".into()));
    assert_eq!(
        typed[0],
        Effect::SendText("hi".into()),
        "inside the open turn"
    );
    assert_eq!(
        c.handle(8.0, chunk(1, 700, 0.2)),
        vec![sent(700, 0.2), Effect::SendActivity { start: false }]
    );
    let stopped = c.handle(9.0, Event::MicFlushed { id: 1 });
    assert!(!stopped
        .iter()
        .any(|e| matches!(e, Effect::SendActivity { .. })));
}

#[test]
fn switching_the_microphone_keeps_the_stream_open_and_opens_the_new_one() {
    let mut c = listening();
    assert_eq!(
        c.handle(5.0, Event::SwitchMic)[0],
        Effect::FlushMic {
            id: 1,
            deadline_ms: MIC_STOP_DEADLINE_MS
        }
    );
    let switched = c.handle(6.0, Event::MicFlushed { id: 1 });
    assert_eq!(
        switched[..4],
        [
            Effect::CloseMic { id: 1 },
            Effect::DrawRecording,
            log(LogKind::Info, "Switching to the chosen microphone."),
            Effect::OpenMic {
                id: 2,
                system_default: false
            },
        ]
    );
    assert!(!switched.contains(&Effect::SendStreamEnd));
    // With the microphone off there is nothing to switch: the choice applies next time.
    let mut off = live();
    assert_eq!(off.handle(7.0, Event::SwitchMic), vec![]);
}
