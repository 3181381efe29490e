//! Trailing silence after Stop on a model whose turn detection needs audio to keep arriving
//! (3.8 Live: openclaw/openclaw#152830): the page streams silence until the service takes
//! the turn, then `audioStreamEnd`.

use super::*;

fn listening_on(model: &str) -> Conversation {
    let mut c = Conversation::default();
    c.handle(
        0.0,
        Event::Connect(Plan {
            target: Target::Offline,
            model: model.into(),
            push_to_talk: false,
        }),
    );
    c.handle(1.0, Event::AudioReady);
    c.handle(2.0, Event::Opened(Ok(())));
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

/// Stop Mic at 1000 ms, its last chunk flushed at 1010 ms.
fn stopped(c: &mut Conversation) -> Vec<Effect> {
    c.handle(1000.0, Event::StopMic);
    c.handle(1010.0, Event::MicFlushed { id: 1 })
}

fn silence(effects: &[Effect]) -> usize {
    effects
        .iter()
        .map(|e| match e {
            Effect::SendSilence(n) => *n,
            _ => 0,
        })
        .sum()
}

const TRAILING: &str = "Microphone off. Silence goes on to the model until it takes your turn (this model needs it), then audioStreamEnd.";

#[test]
fn on_38_stop_streams_silence_in_real_time_until_the_service_takes_the_turn() {
    let mut c = listening_on("gemini-3.8-live");
    let stop = stopped(&mut c);
    assert!(!stop.contains(&Effect::SendStreamEnd), "{stop:?}");
    assert!(stop.contains(&log(LogKind::Info, TRAILING)), "{stop:?}");
    // The page's 100 ms timer paces it: 1600 samples (16 kHz) a tick, and a late tick
    // sends what is due, no more.
    assert_eq!(
        c.handle(1110.0, Event::Playing(false)),
        vec![Effect::SendSilence(1600)]
    );
    assert_eq!(
        c.handle(1360.0, Event::Playing(false)),
        vec![Effect::SendSilence(4000)]
    );
    // The service heard the end of speech: the tail ends, the stream with it.
    let taken = c.handle(
        1400.0,
        Event::Server(ServerEvent::VoiceActivity { start: false }),
    );
    assert_eq!(
        &taken[..2],
        &[
            Effect::SendStreamEnd,
            log(
                LogKind::Info,
                "The model took your turn after 390 ms of trailing silence; audioStreamEnd sent."
            ),
        ]
    );
    assert_eq!(silence(&c.handle(1500.0, Event::Playing(false))), 0);
}

#[test]
fn the_tail_is_bounded_and_then_ends_the_stream() {
    let mut c = listening_on("gemini-3.8-live-extended-thinking");
    stopped(&mut c);
    let mut sent = 0;
    let mut ends = 0;
    let mut now = 1010.0;
    while now < 8_000.0 {
        now += 100.0;
        let effects = c.handle(now, Event::Playing(false));
        sent += silence(&effects);
        ends += effects
            .iter()
            .filter(|e| **e == Effect::SendStreamEnd)
            .count();
    }
    // Exactly 5 s of silence at 16 kHz, then one audioStreamEnd.
    assert_eq!(sent, 80_000);
    assert_eq!(ends, 1);
}

#[test]
fn a_reply_under_way_at_stop_is_no_sign_the_new_turn_was_taken() {
    let mut c = listening_on("gemini-3.8-live");
    c.handle(500.0, audio(24_000, 4800));
    stopped(&mut c);
    // More of the reply the person talked over (no interruption): the tail goes on.
    let more = c.handle(1100.0, audio(24_000, 4800));
    assert!(!more.contains(&Effect::SendStreamEnd));
    let done = c.handle(1200.0, Event::Server(ServerEvent::TurnComplete));
    assert!(!done.contains(&Effect::SendStreamEnd));
    assert_eq!(silence(&c.handle(1300.0, Event::Playing(false))), 4_640);
    // The next reply answers the turn that ended with the stop.
    let answer = c.handle(1400.0, audio(24_000, 4800));
    assert!(answer.contains(&Effect::SendStreamEnd), "{answer:?}");
}

#[test]
fn the_microphone_back_on_or_the_connection_gone_ends_the_tail_without_a_stream_end() {
    let mut c = listening_on("gemini-3.8-live");
    stopped(&mut c);
    c.handle(1100.0, Event::StartMic);
    let later = c.handle(1200.0, Event::Playing(false));
    assert_eq!(silence(&later), 0);
    assert!(!later.contains(&Effect::SendStreamEnd));

    let mut c = listening_on("gemini-3.8-live");
    stopped(&mut c);
    c.handle(1100.0, Event::Disconnect);
    assert_eq!(silence(&c.handle(1200.0, Event::Playing(false))), 0);
}

#[test]
fn on_a_model_that_takes_audio_stream_end_the_stream_ends_at_once() {
    for model in [
        "gemini-2.5-flash-native-audio-preview-12-2025",
        "gemini-3.1-flash-live-preview",
    ] {
        let mut c = listening_on(model);
        let stop = stopped(&mut c);
        assert!(stop.contains(&Effect::SendStreamEnd), "{model}");
        assert_eq!(silence(&c.handle(1200.0, Event::Playing(false))), 0);
    }
}
