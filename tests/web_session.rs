//! The WebSocket session in a real headless Chromium, against the Live API emulator.
//!
//! `.ci/test` starts the emulator with key `test-key` and builds these tests with
//! `LIVE_EMULATOR_URL` set to its route. Run them through that script.
#![cfg(target_arch = "wasm32")]

mod support;

use gemini_live_voice::close::CloseKind;
use gemini_live_voice::endpoint::{Credential, Endpoint};
use gemini_live_voice::protocol::{ServerEvent, Setup};
use gemini_live_voice::session::{Phase, SessionError, SessionEvent};
use gemini_live_voice::web::session::{connect, connect_offline, Events, Session};
use std::time::Duration;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEY: &str = "test-key";

/// Set at build time by `.ci/test`; a missing value fails every test loudly.
fn emulator_url() -> &'static str {
    match option_env!("LIVE_EMULATOR_URL") {
        Some(url) => url,
        None => panic!("LIVE_EMULATOR_URL was not set at build time: run the tests with .ci/test"),
    }
}

fn emulator(query: &str) -> Endpoint {
    let url = emulator_url();
    let url = if query.is_empty() {
        url.to_owned()
    } else {
        format!("{url}?{query}")
    };
    Endpoint::custom(&url, Credential::ApiKey(KEY.into()))
}

fn setup() -> Setup {
    Setup::audio("gemini-2.5-flash-native-audio-preview-12-2025", "Puck")
        .with_transcription(true, true)
        .with_resumption(None)
}

async fn ready(query: &str) -> (Session, Events) {
    let (session, events) = connect(&emulator(query), setup(), 5_000)
        .await
        .unwrap_or_else(|e| panic!("connect failed: {e}"));
    assert_eq!(session.phase(), Phase::Ready);
    (session, events)
}

async fn next(events: &mut Events) -> SessionEvent {
    events
        .next()
        .await
        .expect("the session ended without an Ended event")
}

/// Skips the resumption updates and usage figures that ride along.
async fn next_main(events: &mut Events) -> SessionEvent {
    loop {
        match next(events).await {
            SessionEvent::Server(ServerEvent::ResumptionUpdate { .. } | ServerEvent::Usage(_)) => {}
            other => return other,
        }
    }
}

fn tone(ms: usize, amplitude: f64) -> Vec<i16> {
    (0..ms * 16)
        .map(|i| {
            (amplitude * (i as f64 * 2.0 * std::f64::consts::PI * 440.0 / 16_000.0).sin()).round()
                as i16
        })
        .collect()
}

fn send(session: &Session, samples: &[i16]) {
    for chunk in samples.chunks(2048) {
        session.send_audio(chunk).unwrap();
    }
}

fn closed_code(event: SessionEvent) -> u16 {
    match event {
        SessionEvent::Ended(SessionError::Closed(info)) => info.code,
        other => panic!("expected the session to end with a close, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn connects_and_gets_setup_complete_then_a_resumption_handle() {
    let (session, mut events) = ready("").await;
    match next(&mut events).await {
        SessionEvent::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some(h),
            resumable: true,
        }) => {
            assert!(h.starts_with("emu-"), "{h}");
        }
        other => panic!("{other:?}"),
    }
    assert!(session.resumption_handle().is_some());
    session.close();
    assert_eq!(closed_code(next(&mut events).await), 1000);
    assert!(events.next().await.is_none());
    assert_eq!(session.phase(), Phase::Closed);
}

/// 1 s of tone at 16 kHz is echoed as 24 kHz audio in binary frames: 100 ms pre-roll +
/// 1000 ms = 17600 samples heard -> 26400 played, then generationComplete, turnComplete.
#[wasm_bindgen_test]
async fn audio_is_echoed_back_in_binary_frames() {
    let (session, mut events) = ready("pace=4").await;
    send(&session, &[0; 16 * 300]);
    send(&session, &tone(1000, 8000.0));
    session.send_audio_stream_end().unwrap();
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::InputTranscription(
            "(heard 1100 ms of speech)".into()
        ))
    );
    let mut samples = 0;
    let mut chunks = 0;
    loop {
        match next_main(&mut events).await {
            SessionEvent::Server(ServerEvent::Audio(chunk)) => {
                assert_eq!(chunk.rate, 24_000);
                samples += chunk.samples.len();
                chunks += 1;
            }
            SessionEvent::Server(ServerEvent::OutputTranscription(t)) => {
                assert_eq!(t, "(echo of 1100 ms)")
            }
            SessionEvent::Server(ServerEvent::GenerationComplete) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((chunks, samples), (6, 26_400));
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::TurnComplete)
    );
    assert_eq!(session.stats().audio_chunks_received, 6);
    assert_eq!(session.stats().audio_samples_sent, 16 * 1300);
}

#[wasm_bindgen_test]
async fn talking_over_the_reply_gives_interrupted_then_turn_complete() {
    let (session, mut events) = ready("silence_ms=300").await;
    send(&session, &tone(2000, 8000.0));
    send(&session, &[0; 16 * 400]);
    loop {
        if let SessionEvent::Server(ServerEvent::Audio(_)) = next_main(&mut events).await {
            break;
        }
    }
    send(&session, &tone(100, 8000.0));
    loop {
        match next_main(&mut events).await {
            SessionEvent::Server(ServerEvent::Audio(_) | ServerEvent::OutputTranscription(_)) => {}
            SessionEvent::Server(ServerEvent::Interrupted) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::TurnComplete)
    );
}

#[wasm_bindgen_test]
async fn wrong_key_is_refused_in_plain_words() {
    let url = emulator_url();
    let endpoint = Endpoint::custom(url, Credential::ApiKey("wrong".into()));
    let Err(SessionError::Closed(info)) = connect(&endpoint, setup(), 5_000).await else {
        panic!("a wrong key must fail the connect");
    };
    assert_eq!(info.code, 1008);
    assert_eq!(info.kind(), CloseKind::BadKey);
    assert!(
        info.to_string()
            .starts_with("The API key was refused (1008)."),
        "{info}"
    );
}

#[wasm_bindgen_test]
async fn unknown_model_is_refused() {
    let setup = Setup::audio("gemini-2.0-flash-exp", "Puck");
    let Err(SessionError::Closed(info)) = connect(&emulator(""), setup, 5_000).await else {
        panic!("an unknown model must fail the connect");
    };
    assert_eq!((info.code, info.kind()), (1008, CloseKind::UnknownModel));
}

#[wasm_bindgen_test]
async fn injected_close_codes_end_the_session_with_the_right_error() {
    for (fault, code, kind) in [
        ("close1007", 1007, CloseKind::BadRequest),
        ("close1008", 1008, CloseKind::Refused),
        ("close1011", 1011, CloseKind::ServerTrouble),
        ("drop", 1006, CloseKind::NetworkDropped),
    ] {
        let (_session, mut events) = ready(&format!("fault={fault}")).await;
        match next_main(&mut events).await {
            SessionEvent::Ended(SessionError::Closed(info)) => {
                assert_eq!((info.code, info.kind()), (code, kind), "{fault}");
                assert_eq!(info.was_clean, code != 1006, "{fault}");
            }
            other => panic!("{fault}: {other:?}"),
        }
        assert!(events.next().await.is_none());
    }
}

#[wasm_bindgen_test]
async fn a_malformed_frame_is_reported_and_the_session_goes_on() {
    let (session, mut events) = ready("fault=malformed").await;
    match next_main(&mut events).await {
        SessionEvent::BadFrame(e) => assert!(
            e.to_string().starts_with("server frame is not JSON ("),
            "{e}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(session.phase(), Phase::Ready);
    session.send_audio(&tone(300, 8000.0)[..2048]).unwrap();
    session.send_audio_stream_end().unwrap();
    assert!(matches!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::InputTranscription(_))
    ));
}

#[wasm_bindgen_test]
async fn text_frames_work_like_binary_frames() {
    let (session, mut events) = ready("text=1&pace=10").await;
    send(&session, &tone(200, 8000.0));
    session.send_audio_stream_end().unwrap();
    next_main(&mut events).await;
    match next_main(&mut events).await {
        SessionEvent::Server(ServerEvent::Audio(chunk)) => assert_eq!(chunk.samples.len(), 4800),
        other => panic!("{other:?}"),
    }
}

#[wasm_bindgen_test]
async fn no_setup_complete_times_out() {
    match connect(&emulator("fault=silent"), setup(), 300).await {
        Err(e @ SessionError::SetupTimeout { millis: 300 }) => assert_eq!(
            e.to_string(),
            "The server did not confirm the session within 0.3 s. Check the URL; the server may be overloaded."
        ),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("must time out"),
    }
}

#[wasm_bindgen_test]
async fn go_away_arrives_before_the_close() {
    let (_session, mut events) = ready("fault=goaway").await;
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::GoAway {
            time_left: Some(Duration::from_secs(1))
        })
    );
    assert_eq!(closed_code(next_main(&mut events).await), 1008);
}

#[wasm_bindgen_test]
async fn bad_urls_fail_before_any_connection() {
    let endpoint = Endpoint::custom("http://127.0.0.1:1/x", Credential::None);
    match connect(&endpoint, setup(), 1_000).await {
        Err(SessionError::Endpoint(text)) => assert!(text.contains("ws:// or wss://"), "{text}"),
        _ => panic!("http:// must be refused"),
    }
    // Nothing listens on port 2: the browser reports 1006. (Not port 1: it is on the fetch
    // standard's list of blocked ports, where WebKit fires no close at all and the session
    // only times out.)
    let endpoint = Endpoint::custom("ws://127.0.0.1:2/x", Credential::None);
    match connect(&endpoint, setup(), 5_000).await {
        Err(SessionError::Closed(info)) => assert_eq!(info.code, 1006),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("must fail"),
    }
}

// The in-page offline stand-in goes through the same session code; only the transport differs.

#[wasm_bindgen_test]
async fn offline_stand_in_answers_setup_echoes_and_closes_like_the_service() {
    support::provide_standin().await;
    let (session, mut events) = connect_offline(setup(), 5_000).await.unwrap();
    assert_eq!(session.phase(), Phase::Ready);
    match next(&mut events).await {
        SessionEvent::Server(ServerEvent::ResumptionUpdate {
            new_handle: Some(h),
            resumable: true,
        }) => assert_eq!(h, "offline-1"),
        other => panic!("{other:?}"),
    }
    send(&session, &[0; 16 * 300]);
    send(&session, &tone(500, 8000.0));
    session.send_audio_stream_end().unwrap();
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::InputTranscription(
            "(heard 600 ms of speech)".into()
        ))
    );
    // 100 ms pre-roll + 500 ms = 9600 samples heard -> 14400 at 24 kHz: 4800 x 3, the first
    // at once and the rest paced in real time by the page's timer.
    let mut lengths = Vec::new();
    loop {
        match next_main(&mut events).await {
            SessionEvent::Server(ServerEvent::Audio(chunk)) => lengths.push(chunk.samples.len()),
            SessionEvent::Server(ServerEvent::OutputTranscription(_)) => {}
            SessionEvent::Server(ServerEvent::GenerationComplete) => break,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(lengths, vec![4800; 3]);
    assert_eq!(
        next_main(&mut events).await,
        SessionEvent::Server(ServerEvent::TurnComplete)
    );
    session.close();
    assert_eq!(closed_code(next_main(&mut events).await), 1000);
    assert!(events.next().await.is_none());
    assert!(session.send_audio(&[0; 16]).is_err());
}

#[wasm_bindgen_test]
async fn offline_stand_in_refuses_what_the_service_refuses() {
    support::provide_standin().await;
    let unknown = Setup::audio("gemini-2.0-flash-exp", "Puck");
    let Err(SessionError::Closed(info)) = connect_offline(unknown, 5_000).await else {
        panic!("an unknown model must fail the connect");
    };
    assert_eq!((info.code, info.kind()), (1008, CloseKind::UnknownModel));
    let foreign = setup().with_resumption(Some("emu-1-1".into()));
    let Err(SessionError::Closed(info)) = connect_offline(foreign, 5_000).await else {
        panic!("a foreign resumption handle must fail the connect");
    };
    assert_eq!(
        (info.code, info.kind()),
        (1008, CloseKind::BadResumptionHandle)
    );
}
