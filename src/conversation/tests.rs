use super::*;
use crate::close::CloseInfo;
use crate::protocol::AudioChunk;
use crate::session::SessionError;

fn log(kind: LogKind, text: &str) -> Effect {
    Effect::Log {
        kind,
        text: text.into(),
    }
}

/// The status line and the controls: [connect, disconnect, mic_start, mic_stop] and
/// [talk, talking, typing] (push-to-talk off).
fn view(state: &'static str, text: &str, buttons: [bool; 4], talk: [bool; 3]) -> Effect {
    Effect::Show(View {
        state,
        text: text.into(),
        connect: buttons[0],
        disconnect: buttons[1],
        mic_start: buttons[2],
        mic_stop: buttons[3],
        talk: talk[0],
        talking: talk[1],
        typing: talk[2],
        push_to_talk: false,
        held: false,
        alert: None,
    })
}

/// A view whose banner says what went wrong (the status line's words).
fn alerted(view: Effect) -> Effect {
    match view {
        Effect::Show(v) => Effect::Show(View {
            alert: Some(v.text.clone()),
            ..v
        }),
        other => other,
    }
}

/// Live, the microphone off after it failed: the banner and status line say `why`, Start
/// Mic usable again.
fn mic_refused(why: &str) -> Effect {
    alerted(view(
        "ready",
        why,
        [false, true, true, false],
        [true, false, true],
    ))
}

fn closed(code: u16, reason: &str) -> SessionError {
    SessionError::Closed(CloseInfo {
        code,
        reason: reason.into(),
        was_clean: code != 1006,
    })
}

fn audio(rate: u32, len: usize) -> Event {
    Event::Server(ServerEvent::Audio(AudioChunk {
        rate,
        samples: vec![100; len],
    }))
}

/// Connect, with the offline stand-in chosen.
fn connect_offline() -> Event {
    Event::Connect(offline_plan(false))
}

/// On a model that takes `audioStreamEnd` as the turn's end (the tail's tests, in
/// `tests/tail.rs`, choose 3.8).
fn offline_plan(push_to_talk: bool) -> Plan {
    Plan {
        target: Target::Offline,
        model: "gemini-2.5-flash-native-audio-preview-12-2025".into(),
        push_to_talk,
    }
}

const READY: &str = "Connected. Press Start Mic to talk.";
const LISTENING: &str = "Listening. Talk to the model.";

/// A conversation connected to the offline stand-in (events checked in the first test).
fn live() -> Conversation {
    let mut c = Conversation::default();
    c.handle(0.0, connect_offline());
    c.handle(1.0, Event::AudioReady);
    c.handle(2.0, Event::Opened(Ok(())));
    c
}

/// A live conversation with microphone 1 on.
fn listening() -> Conversation {
    let mut c = live();
    c.handle(3.0, Event::StartMic);
    c.handle(
        4.0,
        Event::MicOpened {
            id: 1,
            result: Ok(48_000.0),
        },
    );
    c
}

fn chunk(id: u32, len: usize, time: f64) -> Event {
    Event::MicChunk {
        id,
        samples: vec![7; len],
        time,
    }
}

#[test]
fn connect_opens_the_connection_while_audio_starts_then_is_ready() {
    let mut c = Conversation::default();
    assert_eq!(c.view().state, "idle");
    assert_eq!(
        c.handle(
            0.0,
            Event::Connect(Plan {
                target: Target::Remote("wss://host/ws?key=...".into()),
                model: "gemini-x".into(),
                push_to_talk: false,
            })
        ),
        vec![
            log(LogKind::Info, "Connecting to wss://host/ws?key=..."),
            log(LogKind::Info, "Model gemini-x"),
            Effect::Open { handle: None },
            Effect::StartAudio,
            view(
                "connecting",
                "Connecting...",
                [false, true, false, false],
                [false, false, false]
            ),
        ]
    );
    assert_eq!(c.handle(1.0, Event::AudioReady), vec![]);
    assert_eq!(c.link(), &Link::Opening { attempt: 0 });
    assert_eq!(
        c.handle(162.5, Event::Opened(Ok(()))),
        vec![
            Effect::BeginRecording,
            log(LogKind::Server, "setupComplete: the session is ready."),
            log(
                LogKind::Info,
                "Connect to ready: 162.5 ms (the audio graph 1.0 ms; the connection, opened alongside, 161.5 ms after it)."
            ),
            view(
                "ready",
                READY,
                [false, true, true, false],
                [true, false, true]
            ),
        ]
    );
    // A second Connect while connected does nothing.
    let again = connect_offline();
    assert_eq!(c.handle(3.0, again), vec![]);
}

#[test]
fn audio_that_cannot_start_is_said_in_words_and_connect_works_again() {
    let mut c = Conversation::default();
    c.handle(0.0, connect_offline());
    let why = "Audio could not start: NotSupportedError";
    assert_eq!(
        c.handle(1.0, Event::AudioFailed(why.into())),
        vec![
            Effect::EndAudio,
            log(LogKind::Error, why),
            alerted(view(
                "error",
                why,
                [true, false, false, false],
                [true, false, false]
            )),
        ]
    );
    assert_eq!(c.link(), &Link::Idle);
    // The connection that was opening alongside is closed when it opens.
    assert_eq!(c.handle(2.0, Event::Opened(Ok(()))), vec![Effect::Close]);
}

#[test]
fn a_connection_faster_than_the_audio_graph_waits_for_it() {
    let mut c = Conversation::default();
    c.handle(0.0, connect_offline());
    // The session is ready before the audio graph (a slow AudioContext on a fast link).
    assert_eq!(c.handle(40.0, Event::Opened(Ok(()))), vec![]);
    assert_eq!(c.link(), &Link::Starting);
    let ready = c.handle(120.0, Event::AudioReady);
    assert_eq!(ready[0], Effect::BeginRecording);
    assert_eq!(
        ready[2],
        log(
            LogKind::Info,
            "Connect to ready: 120.0 ms (the audio graph 120.0 ms; the connection, opened alongside, 0.0 ms after it)."
        )
    );
    assert_eq!(c.link(), &Link::Live { goaway: false });
    // Audio that fails after the connection opened closes it at once.
    let mut d = Conversation::default();
    d.handle(0.0, connect_offline());
    d.handle(40.0, Event::Opened(Ok(())));
    let failed = d.handle(50.0, Event::AudioFailed("no audio".into()));
    assert_eq!(failed[..2], [Effect::Close, Effect::EndAudio]);
}

#[test]
fn go_away_reconnects_at_once_and_reports_the_audio_that_could_not_be_sent() {
    let mut c = listening();
    c.handle(10.0, chunk(1, 2048, 0.5));
    c.handle(
        11.0,
        Event::Server(ServerEvent::GoAway {
            time_left: Some(std::time::Duration::from_secs(5)),
        }),
    );
    let ended = Event::Ended {
        error: closed(1008, "The connection lifetime is over."),
        handle: Some("h-1".into()),
    };
    assert_eq!(
        c.handle(12.0, ended),
        vec![
            log(
                LogKind::Warn,
                "The server ended the connection as it announced (goAway). Reconnecting with the resumption handle h-1 (attempt 1)..."
            ),
            Effect::TurnComplete,
            Effect::RetryAfter(0),
            view(
                "reconnecting",
                "Reconnecting; the conversation will continue...",
                [false, true, false, true], [false, true, false]
            ),
        ]
    );
    // The person keeps talking: recorded, not sent (10 chunks = 20480 samples = 1.28 s).
    for k in 0..10 {
        assert_eq!(
            c.handle(20.0 + f64::from(k), chunk(1, 2048, 1.0)),
            vec![Effect::MicAudio {
                samples: vec![7; 2048],
                time: 1.0,
                send: false
            }]
        );
    }
    assert_eq!(
        c.handle(30.0, Event::RetryDue),
        vec![Effect::Open {
            handle: Some("h-1".into())
        }]
    );
    assert_eq!(
        c.handle(40.0, Event::Opened(Ok(()))),
        vec![
            log(
                LogKind::Reconnected,
                "Reconnected; the conversation continues (1.3 s of microphone audio could not be sent meanwhile)."
            ),
            view("listening", LISTENING, [false, true, false, true], [true, true, true]),
        ]
    );
    assert_eq!(c.link(), &Link::Live { goaway: false });
}

#[test]
fn a_dropped_network_retries_with_a_growing_delay_then_gives_up_in_words() {
    let mut c = live();
    c.handle(
        5.0,
        Event::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some("h-1".into()),
            resumable: true,
        }),
    );
    let dropped = closed(1006, "");
    let effects = c.handle(
        10.0,
        Event::Ended {
            error: dropped.clone(),
            handle: Some("h-1".into()),
        },
    );
    assert!(effects.contains(&Effect::RetryAfter(500)), "{effects:?}");
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        assert_eq!(c.link(), &Link::Waiting { attempt });
        c.handle(100.0, Event::RetryDue);
        let effects = c.handle(200.0, Event::Opened(Err(dropped.clone())));
        delays.extend(effects.iter().filter_map(|e| match e {
            Effect::RetryAfter(ms) => Some(*ms),
            _ => None,
        }));
        if attempt == 3 {
            let text = dropped.to_string();
            assert_eq!(
                effects,
                vec![
                    Effect::EndAudio,
                    Effect::DrawRecording,
                    log(LogKind::Error, &text),
                    alerted(view(
                        "error",
                        &text,
                        [true, false, false, false],
                        [true, false, false]
                    )),
                ]
            );
        }
    }
    assert_eq!(delays, vec![1000, 2000]);
    assert_eq!(c.link(), &Link::Idle);
}

#[test]
fn a_refused_first_connection_is_final_and_says_why() {
    let mut c = Conversation::default();
    c.handle(0.0, connect_offline());
    c.handle(1.0, Event::AudioReady);
    let key = closed(1008, "API key not valid. Please pass a valid API key.");
    let effects = c.handle(2.0, Event::Opened(Err(key.clone())));
    assert_eq!(effects[0], Effect::EndAudio);
    assert_eq!(
        effects.last(),
        Some(&alerted(view(
            "error",
            &key.to_string(),
            [true, false, false, false],
            [true, false, false]
        )))
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::RetryAfter(_))));
}

#[test]
fn disconnect_while_waiting_cancels_the_retry_and_while_opening_closes_what_opens() {
    let mut c = live();
    c.handle(
        5.0,
        Event::Ended {
            error: closed(1011, "Internal error"),
            handle: Some("h-1".into()),
        },
    );
    assert_eq!(
        c.handle(6.0, Event::Disconnect),
        vec![
            Effect::CancelRetry,
            Effect::EndAudio,
            Effect::DrawRecording,
            log(LogKind::Info, "Disconnected."),
            view(
                "closed",
                "Disconnected.",
                [true, false, false, false],
                [true, false, false]
            ),
        ]
    );
    assert_eq!(c.handle(7.0, Event::RetryDue), vec![]);

    let mut c = Conversation::default();
    c.handle(0.0, connect_offline());
    c.handle(1.0, Event::AudioReady);
    let effects = c.handle(2.0, Event::Disconnect);
    assert_eq!(
        effects,
        vec![view(
            "closing",
            "Disconnecting...",
            [false, true, false, false],
            [false, false, false]
        )]
    );
    assert_eq!(c.handle(3.0, Event::Opened(Ok(()))), vec![Effect::Close]);
    let effects = c.handle(
        4.0,
        Event::Ended {
            error: closed(1000, "client closed"),
            handle: None,
        },
    );
    assert_eq!(
        effects.last().unwrap(),
        &view(
            "closed",
            "Disconnected.",
            [true, false, false, false],
            [true, false, false]
        )
    );
}

#[test]
fn disconnect_while_live_closes_and_the_mic_goes_with_the_conversation() {
    let mut c = listening();
    assert_eq!(
        c.handle(5.0, Event::Disconnect),
        vec![
            Effect::Close,
            view(
                "closing",
                "Disconnecting...",
                [false, true, false, true],
                [false, true, false]
            )
        ]
    );
    let effects = c.handle(
        6.0,
        Event::Ended {
            error: closed(1000, "client closed"),
            handle: Some("h-1".into()),
        },
    );
    assert_eq!(
        &effects[..3],
        &[
            Effect::CloseMic { id: 1 },
            Effect::EndAudio,
            Effect::DrawRecording
        ]
    );
    assert_eq!(c.mic(), Mic::Off);
}

#[test]
fn stop_start_stop_within_a_second_waits_for_the_second_stops_own_last_chunk() {
    let mut c = listening();
    assert_eq!(
        c.handle(100.0, Event::StopMic),
        vec![
            Effect::FlushMic {
                id: 1,
                deadline_ms: 1000
            },
            view(
                "listening",
                LISTENING,
                [false, true, false, false],
                [false, true, true]
            ),
        ]
    );
    let stopped = c.handle(105.0, Event::MicFlushed { id: 1 });
    assert_eq!(
        &stopped[..4],
        &[
            Effect::CloseMic { id: 1 },
            Effect::DrawRecording,
            Effect::SendStreamEnd,
            log(LogKind::Info, "Microphone off (audioStreamEnd sent)."),
        ]
    );
    assert_eq!(
        c.handle(200.0, Event::StartMic)[0],
        Effect::OpenMic {
            id: 2,
            system_default: false
        }
    );
    c.handle(
        300.0,
        Event::MicOpened {
            id: 2,
            result: Ok(48_000.0),
        },
    );
    c.handle(400.0, Event::StopMic);
    assert_eq!(
        c.mic(),
        Mic::Stopping {
            id: 2,
            since: 400.0,
            then: AfterStop::Off
        }
    );
    // The first stop's deadline fires (1 s after it): it is not this stop's, nothing happens.
    assert_eq!(c.handle(1100.0, Event::MicDeadline { id: 1 }), vec![]);
    // Microphone 2's last partial chunk still goes out, then its flush ends the stop.
    assert_eq!(
        c.handle(1150.0, chunk(2, 700, 1.2)),
        vec![Effect::MicAudio {
            samples: vec![7; 700],
            time: 1.2,
            send: true
        }]
    );
    let stopped = c.handle(1160.0, Event::MicFlushed { id: 2 });
    assert_eq!(stopped[0], Effect::CloseMic { id: 2 });
    assert_eq!(c.mic(), Mic::Off);
    // Its own deadline, later, changes nothing either.
    assert_eq!(c.handle(1400.0, Event::MicDeadline { id: 2 }), vec![]);
}

#[test]
fn a_worklet_that_never_flushes_is_stopped_by_the_deadline() {
    let mut c = listening();
    c.handle(100.0, Event::StopMic);
    let effects = c.handle(1100.0, Event::MicDeadline { id: 1 });
    assert_eq!(
        &effects[..3],
        &[
            log(
                LogKind::Warn,
                "The microphone did not deliver its last audio within 1 s; stopped anyway."
            ),
            Effect::CloseMic { id: 1 },
            Effect::DrawRecording,
        ]
    );
    assert_eq!(c.view().state, "ready");
}

#[test]
fn a_denied_microphone_leaves_the_session_ready_and_start_mic_usable() {
    let mut c = live();
    c.handle(3.0, Event::StartMic);
    assert_eq!(c.view().state, "starting");
    let why = "Microphone access was denied.";
    assert_eq!(
        c.handle(
            4.0,
            Event::MicOpened {
                id: 1,
                result: Err(why.into())
            }
        ),
        vec![log(LogKind::Error, why), mic_refused(why)]
    );
}

#[test]
fn a_microphone_that_opens_after_the_session_ended_is_released() {
    let mut c = live();
    c.handle(3.0, Event::StartMic);
    c.handle(
        4.0,
        Event::Ended {
            error: closed(1011, "x"),
            handle: None,
        },
    );
    assert_eq!(
        c.handle(
            5.0,
            Event::MicOpened {
                id: 1,
                result: Ok(48_000.0)
            }
        ),
        vec![Effect::CloseMic { id: 1 }]
    );
    assert_eq!(c.handle(6.0, chunk(1, 2048, 0.0)), vec![]);
}

#[test]
fn model_audio_is_played_counted_per_turn_and_timed_from_the_last_chunk_sent() {
    let mut c = listening();
    c.handle(1000.0, chunk(1, 2048, 0.9));
    assert_eq!(
        c.handle(1050.0, audio(24_000, 4800)),
        vec![Effect::Play {
            samples: vec![100; 4800],
            first: true
        }]
    );
    // A 16 kHz chunk plays at its true length: 3200 samples -> 4800 at 24 kHz, from its
    // first sample (the new resampler primed mid-turn), its last 64 waiting in the filter.
    let effects = c.handle(1100.0, audio(16_000, 3200));
    assert!(
        matches!(&effects[..], [Effect::Play { samples, first: false }] if samples.len() == 4800 - 64)
    );
    assert_eq!(
        c.handle(1200.0, Event::Playing(true)),
        vec![view(
            "speaking",
            "The model is speaking. Talk to interrupt it.",
            [false, true, false, true],
            [true, true, true]
        )]
    );
    // turnComplete: the 64 samples still in the filter play first, then the turn ends.
    let effects = c.handle(1300.0, Event::Server(ServerEvent::TurnComplete));
    assert!(
        matches!(&effects[0], Effect::Play { samples, first: false } if samples.len() == 64 && samples[..40].iter().all(|&s| s == 100))
    );
    assert_eq!(
        effects[1..],
        [
            Effect::TurnComplete,
            log(LogKind::Server, "model audio: 2 chunks, 0.40 s"),
            log(LogKind::Server, "turnComplete"),
        ]
    );
    assert_eq!(
        c.handle(1500.0, Event::Playing(false)),
        vec![view(
            "listening",
            LISTENING,
            [false, true, false, true],
            [true, true, true]
        )]
    );
}

#[test]
fn an_interruption_cuts_says_so_and_reports_the_cut() {
    let mut c = listening();
    c.handle(10.0, audio(24_000, 4800));
    assert_eq!(
        c.handle(20.0, Event::Server(ServerEvent::Interrupted)),
        vec![
            Effect::Interrupt,
            log(LogKind::Server, "model audio: 1 chunks, 0.20 s"),
            log(LogKind::Server, "interrupted"),
            view(
                "interrupted",
                "You interrupted the model.",
                [false, true, false, true],
                [true, true, true]
            ),
        ]
    );
    let timing = crate::latency::Summary {
        count: 12,
        median: 0.7,
        p99: 2.1,
        max: 2.06,
    };
    assert_eq!(
        c.handle(22.0, Event::FrameTiming(timing)),
        vec![log(
            LogKind::Info,
            "Model audio frames so far: 12; arrival to scheduled: median 0.7 ms, 99th percentile 2.1 ms, longest 2.1 ms."
        )]
    );
    assert_eq!(
        c.handle(
            21.0,
            Event::Cut {
                silent_after_ms: 8.04
            }
        ),
        vec![log(
            LogKind::Info,
            "Playback cut: silent 8.0 ms after interrupted"
        )]
    );
}

#[test]
fn transcripts_bad_frames_and_failed_sends_reach_the_page_once() {
    let mut c = listening();
    assert_eq!(
        c.handle(
            1.0,
            Event::Server(ServerEvent::InputTranscription("hi".into()))
        ),
        vec![
            Effect::Transcript {
                speaker: Speaker::You,
                text: "hi".into()
            },
            log(LogKind::Server, "you: hi"),
        ]
    );
    assert_eq!(
        c.handle(2.0, Event::BadFrame("not JSON".into())),
        vec![log(LogKind::Warn, "not JSON")]
    );
    let failed = |n| Event::SendFailed {
        samples: n,
        error: "Could not send: closing".into(),
    };
    assert_eq!(
        c.handle(3.0, failed(2048)),
        vec![log(LogKind::Warn, "Could not send: closing")]
    );
    assert_eq!(c.handle(4.0, failed(2048)), vec![]);
}

mod mic;
mod server;
mod tail;
mod talk;
