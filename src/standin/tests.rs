use super::*;
use crate::protocol::{self, ClientMessage, ServerEvent, Setup};

const MODEL: &str = "gemini-2.5-flash-native-audio-preview-12-2025";

fn tone(ms: usize, amplitude: f64) -> Vec<i16> {
    (0..ms * 16)
        .map(|i| {
            (amplitude * (i as f64 * 2.0 * std::f64::consts::PI * 300.0 / 16_000.0).sin()) as i16
        })
        .collect()
}

fn setup_json(resumption: bool) -> String {
    let setup = Setup::audio(MODEL, "Puck").with_transcription(true, true);
    let setup = if resumption {
        setup.with_resumption(None)
    } else {
        setup
    };
    ClientMessage::Setup(setup).to_json()
}

/// A stand-in past `setup`, the frames it answered with dropped.
fn ready(config: StandInConfig) -> StandIn {
    let mut s = StandIn::new(config);
    s.receive(0.0, &setup_json(false)).unwrap();
    s
}

/// Sends `samples` as the page does: 2048-sample chunks, each stamped with its capture
/// end time (16 kHz), and returns every event answered, decoded by the client's decoder.
fn send(s: &mut StandIn, start_ms: f64, samples: &[i16]) -> Vec<(f64, ServerEvent)> {
    let mut out = Vec::new();
    let mut at = start_ms;
    for chunk in samples.chunks(2048) {
        at += chunk.len() as f64 / 16.0;
        let text = ClientMessage::audio(chunk, 16_000).to_json();
        for frame in s.receive(at, &text).unwrap() {
            out.extend(decode(&frame).into_iter().map(|e| (at, e)));
        }
    }
    out
}

/// A frame as the page gets it: written as JSON text, read back by the client's decoder.
fn decode(frame: &ServerMessage) -> Vec<ServerEvent> {
    let text = serde_json::to_string(frame).unwrap();
    protocol::decode(text.as_bytes()).unwrap()
}

/// A frame written as JSON text.
fn j(text: &str) -> ServerMessage {
    serde_json::from_str(text).unwrap()
}

fn poll_until(s: &mut StandIn, until_ms: f64) -> Vec<(f64, ServerEvent)> {
    let mut out = Vec::new();
    while let Some(due) = s.next_due().filter(|&d| d <= until_ms) {
        for frame in s.poll(due) {
            out.extend(decode(&frame).into_iter().map(|e| (due, e)));
        }
    }
    out
}

fn audio_of(events: &[(f64, ServerEvent)]) -> Vec<(f64, Vec<i16>)> {
    events
        .iter()
        .filter_map(|(t, e)| match e {
            ServerEvent::Audio(chunk) => Some((*t, chunk.samples.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn setup_is_answered_with_setup_complete_and_a_handle() {
    let mut s = StandIn::new(StandInConfig::default());
    let frames = s.receive(0.0, &setup_json(true)).unwrap();
    assert_eq!(
        frames,
        vec![
            j(r#"{"setupComplete": {}}"#),
            j(r#"{"sessionResumptionUpdate": {"newHandle": "standin-1", "resumable": true}}"#),
        ]
    );
    assert_eq!(
        s.setup().map(|i| i.model.as_str()),
        Some(&*format!("models/{MODEL}"))
    );
    assert_eq!(s.take_notes(), vec![format!("setup models/{MODEL}")]);
}

#[test]
fn what_the_real_service_refuses_is_refused_with_its_close() {
    let mut s = StandIn::new(StandInConfig::default());
    let audio = ClientMessage::audio(&[0; 16], 16_000).to_json();
    assert_eq!(
        s.receive(0.0, &audio).unwrap_err(),
        Reject {
            code: 1007,
            reason: "The first message must be setup.".into()
        }
    );
    let foreign =
        ClientMessage::Setup(Setup::audio(MODEL, "Puck").with_resumption(Some("emu-1-1".into())));
    assert_eq!(s.receive(0.0, &foreign.to_json()).unwrap_err().code, 1008);
    let unknown = ClientMessage::Setup(Setup::audio("gemini-1.0-pro", "Puck"));
    assert_eq!(s.receive(0.0, &unknown.to_json()).unwrap_err().code, 1008);
    assert_eq!(s.receive(0.0, "{\"setup\":").unwrap_err().code, 1007);
    assert!(s.setup().is_none());
}

#[test]
fn a_pause_is_answered_with_the_echo_in_real_time_chunks() {
    let mut s = ready(StandInConfig::default());
    let speech = tone(1000, 8000.0);
    let mut sent = vec![0i16; 3200]; // 200 ms of silence first
    sent.extend_from_slice(&speech);
    sent.extend_from_slice(&[0; 8192]); // 512 ms of silence: the pause (500 ms) ends in it
                                        // What was heard: 100 ms pre-roll of silence and the speech, trailing silence trimmed,
                                        // at 24 kHz in 200 ms chunks (4800 samples) sent every 200 ms.
    let mut heard = vec![0i16; 1600];
    heard.extend_from_slice(&speech);
    let expected = turns::upsample_16k_to_24k(&heard);
    assert_eq!(expected.len(), 26_400);
    let events = send(&mut s, 0.0, &sent);
    // The utterance ends at the 25th silent 20 ms frame (1200 + 500 = 1700 ms), inside the
    // last chunk sent (it ends at 27392 samples = 1712 ms): the reply starts there.
    let first_reply_at = 1712.0;
    assert_eq!(
        events,
        vec![
            (
                first_reply_at,
                ServerEvent::InputTranscription("(heard 1100 ms of speech)".into())
            ),
            (first_reply_at, chunk(&expected[..4800])),
            (
                first_reply_at,
                ServerEvent::OutputTranscription("(echo of 1100 ms)".into())
            ),
        ]
    );
    let events = [events, poll_until(&mut s, 10_000.0)].concat();
    let audio = audio_of(&events);
    let times: Vec<f64> = audio.iter().map(|(t, _)| *t).collect();
    assert_eq!(
        times,
        (0..6)
            .map(|i| first_reply_at + 200.0 * i as f64)
            .collect::<Vec<_>>()
    );
    let lengths: Vec<usize> = audio.iter().map(|(_, a)| a.len()).collect();
    assert_eq!(lengths, vec![4800, 4800, 4800, 4800, 4800, 2400]);
    assert_eq!(
        audio
            .iter()
            .flat_map(|(_, a)| a.clone())
            .collect::<Vec<_>>(),
        expected
    );
    let tail: Vec<&ServerEvent> = events.iter().skip(8).map(|(_, e)| e).collect();
    assert!(matches!(
        tail.as_slice(),
        [
            ServerEvent::GenerationComplete,
            ServerEvent::TurnComplete,
            ServerEvent::Usage(_)
        ]
    ));
    assert_eq!(s.next_due(), None);
}

#[test]
fn talking_over_the_reply_interrupts_it_and_nothing_more_of_it_comes() {
    let mut s = ready(StandInConfig::default());
    let mut sent = tone(500, 8000.0);
    sent.extend_from_slice(&[0; 8192]);
    let events = send(&mut s, 0.0, &sent);
    assert_eq!(audio_of(&events).len(), 1);
    let start = events[0].0;
    let events = poll_until(&mut s, start + 250.0);
    assert_eq!(audio_of(&events).len(), 1); // the second chunk, at +200 ms
                                            // 20 ms of speech is not enough; 40 ms is (two 20 ms frames)
    let events = send(&mut s, start + 250.0, &tone(20, 8000.0));
    assert_eq!(events, vec![]);
    let out = s.receive(
        start + 290.0,
        &ClientMessage::audio(&tone(20, 8000.0), 16_000).to_json(),
    );
    assert_eq!(
        out.unwrap(),
        vec![
            j(r#"{"serverContent": {"interrupted": true}}"#),
            j(r#"{"serverContent": {"turnComplete": true}}"#),
        ]
    );
    assert_eq!(s.next_due(), None);
    assert_eq!(poll_until(&mut s, start + 10_000.0), vec![]);
    assert_eq!(
        s.take_notes().last().map(String::as_str),
        Some("interrupted")
    );
}

#[test]
fn audio_stream_end_answers_at_once_and_burst_sends_the_first_chunks_together() {
    let mut s = ready(StandInConfig {
        burst: 3,
        pace: 2.0,
        ..StandInConfig::default()
    });
    send(&mut s, 0.0, &tone(1000, 8000.0));
    let events: Vec<(f64, ServerEvent)> = s
        .receive(1000.0, &ClientMessage::audio_stream_end().to_json())
        .unwrap()
        .iter()
        .flat_map(|f| decode(f).into_iter().map(|e| (1000.0, e)))
        .collect();
    // 1024 ms sent (8 chunks of 128 ms, the last one partial) -> 16000 samples heard
    // -> 24000 at 24 kHz -> 5 chunks: three at once, then one per 100 ms (pace 2).
    assert_eq!(audio_of(&events).len(), 3);
    let later = poll_until(&mut s, 10_000.0);
    let times: Vec<f64> = audio_of(&later).iter().map(|(t, _)| *t).collect();
    assert_eq!(times, vec![1100.0, 1200.0]);
}

#[test]
fn other_rates_are_heard_at_16k_and_text_turns_interrupt() {
    assert_eq!(resample_nearest(&[1, 2, 3, 4, 5, 6], 48_000), vec![1, 4]);
    let mut s = ready(StandInConfig::default());
    let mut sent = tone(400, 8000.0);
    sent.extend_from_slice(&[0; 8192]);
    send(&mut s, 0.0, &sent);
    assert!(s.next_due().is_some());
    // A completed user turn (how 3.8 Live takes typed text) interrupts the reply and is
    // answered; one still open (`turnComplete: false`) only interrupts.
    let turn = ClientMessage::user_turn("hello", true).to_json();
    let out = s.receive(900.0, &turn).unwrap();
    assert_eq!(
        out[..2],
        [
            j(r#"{"serverContent": {"interrupted": true}}"#),
            j(r#"{"serverContent": {"turnComplete": true}}"#),
        ]
    );
    let said = out[2]
        .server_content
        .as_ref()
        .and_then(|c| c.output_transcription.clone());
    assert_eq!(
        said.and_then(|t| t.text).as_deref(),
        Some("(you typed: hello)")
    );
    assert!(s.next_due().is_some(), "the answer streams on");
    let open = ClientMessage::user_turn("more", false).to_json();
    assert_eq!(
        s.receive(950.0, &open).unwrap(),
        vec![
            j(r#"{"serverContent": {"interrupted": true}}"#),
            j(r#"{"serverContent": {"turnComplete": true}}"#),
        ]
    );
    assert_eq!(s.next_due(), None);
}

fn chunk(samples: &[i16]) -> ServerEvent {
    ServerEvent::Audio(protocol::AudioChunk {
        rate: 24_000,
        samples: samples.to_vec(),
    })
}

#[test]
fn a_handle_from_an_earlier_connection_resumes_the_conversation() {
    let mut s = StandIn::new(StandInConfig {
        handle_prefix: "emu-2-".into(),
        accepted_handles: "emu-".into(),
        ..StandInConfig::default()
    });
    let resume = Setup::audio(MODEL, "Puck").with_resumption(Some("emu-1-3".into()));
    assert_eq!(
        s.receive(0.0, &ClientMessage::Setup(resume).to_json())
            .unwrap(),
        vec![
            j(r#"{"setupComplete": {}}"#),
            j(r#"{"sessionResumptionUpdate": {"newHandle": "emu-2-1", "resumable": true}}"#),
        ]
    );
}

#[test]
fn turn_complete_follows_the_last_chunk_after_the_configured_delay() {
    let end_of = |events: &[(f64, ServerEvent)]| {
        let last_audio = audio_of(events).last().map(|(t, _)| *t);
        let complete = events
            .iter()
            .find(|(_, e)| *e == ServerEvent::TurnComplete)
            .map(|(t, _)| *t);
        (last_audio, complete)
    };
    for (after, expected) in [(0.0, 1200.0), (350.0, 1550.0)] {
        let mut s = ready(StandInConfig {
            burst: 3,
            pace: 2.0,
            turn_complete_after_ms: after,
            ..StandInConfig::default()
        });
        send(&mut s, 0.0, &tone(1000, 8000.0));
        let mut events: Vec<(f64, ServerEvent)> = s
            .receive(1000.0, &ClientMessage::audio_stream_end().to_json())
            .unwrap()
            .iter()
            .flat_map(|f| decode(f).into_iter().map(|e| (1000.0, e)))
            .collect();
        events.extend(poll_until(&mut s, 10_000.0));
        // the last of 5 chunks goes out at 1200 ms (see the burst test); the turn's end
        // follows it `after` ms later, generationComplete first
        assert_eq!(end_of(&events), (Some(1200.0), Some(expected)), "{after}");
        let ends: Vec<&ServerEvent> = events
            .iter()
            .filter(|(t, _)| *t == expected)
            .map(|(_, e)| e)
            .filter(|e| !matches!(e, ServerEvent::Audio(_)))
            .collect();
        assert_eq!(ends[0], &ServerEvent::GenerationComplete, "{after}");
        assert_eq!(s.next_due(), None, "{after}");
    }
}

#[test]
fn a_server_that_never_sends_the_interrupted_turns_turn_complete_can_be_played() {
    let mut s = ready(StandInConfig {
        turn_complete_on_interrupt: false,
        ..StandInConfig::default()
    });
    let mut sent = tone(500, 8000.0);
    sent.extend_from_slice(&[0; 8192]);
    let start = send(&mut s, 0.0, &sent)[0].0;
    send(&mut s, start + 250.0, &tone(20, 8000.0));
    let out = s.receive(
        start + 290.0,
        &ClientMessage::audio(&tone(20, 8000.0), 16_000).to_json(),
    );
    assert_eq!(
        out.unwrap(),
        vec![j(r#"{"serverContent": {"interrupted": true}}"#)]
    );
}

mod field;
mod talk;

#[test]
fn jitter_moves_each_paced_chunk_within_its_bound_and_keeps_the_order() {
    let mut s = ready(StandInConfig {
        jitter_ms: 40.0,
        jitter_seed: 7,
        ..StandInConfig::default()
    });
    // 3.9 s sent as 31 chunks of 128 ms (3,968 ms) -> 20 chunks of 200 ms at 24 kHz.
    send(&mut s, 0.0, &tone(3900, 8000.0));
    let events: Vec<(f64, ServerEvent)> = s
        .receive(5000.0, &ClientMessage::audio_stream_end().to_json())
        .unwrap()
        .iter()
        .flat_map(|f| decode(f).into_iter().map(|e| (5000.0, e)))
        .collect();
    let mut times: Vec<f64> = audio_of(&events).iter().map(|(t, _)| *t).collect();
    times.extend(
        audio_of(&poll_until(&mut s, 20_000.0))
            .iter()
            .map(|(t, _)| *t),
    );
    assert_eq!(times.len(), 20);
    assert_eq!(times[0], 5000.0, "the first chunk at once");
    let offsets: Vec<f64> = (1..20)
        .map(|n| times[n] - (5000.0 + 200.0 * n as f64))
        .collect();
    assert!(times.windows(2).all(|w| w[1] >= w[0]), "{times:?}");
    assert!(offsets.iter().all(|o| o.abs() <= 40.0), "{offsets:?}");
    // Jitter, not a constant shift: early and late both, spread over most of the range.
    let (lo, hi) = offsets
        .iter()
        .fold((0.0f64, 0.0f64), |(l, h), &o| (l.min(o), h.max(o)));
    assert!(lo < -20.0 && hi > 20.0, "{offsets:?}");
}
