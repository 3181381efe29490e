use super::*;
use crate::record::Tokens;

pub(super) const ORIGIN: f64 = 100.0;
const RATE: u32 = 48_000;

/// The microphone from page time 100 s for `seconds`, 2048-sample chunks, speaking (a 200 Hz
/// tone at -20 dBFS peak) within `spans` (s from 100).
fn mic(record: &mut Record, seconds: f64, spans: &[(f64, f64)]) {
    let n = (seconds * 16_000.0) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| {
            let t = i as f64 / 16_000.0;
            let speaking = spans.iter().any(|&(a, b)| t >= a && t < b);
            if speaking {
                (3277.0 * (2.0 * std::f64::consts::PI * 200.0 * t).sin()) as i16
            } else {
                0
            }
        })
        .collect();
    for (k, chunk) in samples.chunks(2048).enumerate() {
        record.mic(ORIGIN + (k * 2048) as f64 / 16_000.0, chunk);
    }
}

/// The same from `from` s for `seconds` more (continuing an earlier call's chunks).
fn mic_from(record: &mut Record, from: f64, seconds: f64, spans: &[(f64, f64)]) {
    let start = (from * 16_000.0) as usize;
    let samples: Vec<i16> = (start..start + (seconds * 16_000.0) as usize)
        .map(|i| {
            let t = i as f64 / 16_000.0;
            if spans.iter().any(|&(a, b)| t >= a && t < b) {
                (3277.0 * (2.0 * std::f64::consts::PI * 200.0 * t).sin()) as i16
            } else {
                0
            }
        })
        .collect();
    for (k, chunk) in samples.chunks(2000).enumerate() {
        record.mic(ORIGIN + from + (k * 2000) as f64 / 16_000.0, chunk);
    }
}

fn played(turn: u64, start: u64, frames: u64, heard: u64) -> Played {
    Played {
        id: turn,
        turn,
        start,
        frames,
        heard,
        fade_from: (heard < frames).then_some(start + heard),
        fade_in: 0,
        source_pos: 0.0,
        cancelled: false,
    }
}

fn usage(prompt: u64, response: u64, total: u64) -> crate::protocol::UsageMetadata {
    crate::protocol::UsageMetadata {
        prompt_token_count: Some(prompt),
        response_token_count: Some(response),
        total_token_count: Some(total),
    }
}

/// Speech, a reply, a barge-in, a typed question with a tool call, a reconnect, a reply.
pub(super) fn scripted() -> Record {
    let mut r = Record::new(Settings {
        model: "models/gemini-3.8-live".into(),
        voice: "Puck".into(),
        instruction: "Be brief.".into(),
    });
    let first = r.begin_session(ORIGIN, RATE);
    // The service's transcript of the first words comes while the detector still hears them
    // (the pause that ends them is not yet 0.7 s long): they wait for the span to close.
    mic(&mut r, 2.5, &[(1.0, 2.0)]);
    r.transcript(102.4, Who::You, "Hi.");
    mic_from(&mut r, 2.5, 4.5, &[(4.5, 5.5)]);
    r.model_audio(102.35, first, 1, &[900; 24_000]);
    r.transcript(102.5, Who::Model, "Hello there.");
    r.model_done(false);
    // Token counts come with or after turnComplete: the reply just ended's.
    r.usage(&usage(12, 30, 42));
    r.model_audio(104.0, first, 2, &[900; 48_000]);
    r.transcript(104.3, Who::Model, "Let me tell you");
    r.model_done(true);
    r.played(first, &[played(1, 120_000, 48_000, 48_000)]);
    r.played(first, &[played(2, 201_600, 96_000, 24_000)]);
    r.typed(106.0, "What time is it?");
    // The page shows the typed message as the person's line: not a second turn.
    r.transcript(106.0, Who::You, "What time is it?");
    r.tool_asked(106.1, "c1", "get_current_time", "{}");
    r.tool_answered(106.15, "c1", "the time (Sat Dec 05 2026 04:00:00)");
    r.note(
        106.5,
        NoteKind::Reconnect,
        "Reconnected; the conversation continues.",
    );
    let second = r.begin_session(106.6, RATE);
    // A reply that opens with 0.1 s of digital silence starts where its sound does.
    let mut quiet_first = vec![0; 2_400];
    quiet_first.extend([900; 21_600]);
    r.model_audio(106.9, second, 1, &quiet_first[..1_000]);
    r.model_audio(106.95, second, 1, &quiet_first[1_000..]);
    r.transcript(107.2, Who::Model, "It is four.");
    r.usage(&usage(20, 10, 30));
    r.model_done(false);
    r.played(second, &[played(1, 19_200, 48_000, 48_000)]);
    r
}

#[test]
fn a_scripted_conversation_gives_the_exact_record() {
    let e = scripted().export(ORIGIN, 24_000);
    let rows: Vec<_> = e
        .turns
        .iter()
        .map(|t| {
            (
                t.who,
                t.start,
                t.end,
                t.start_sample,
                t.end_sample,
                t.text.as_str(),
                t.interrupted,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (Who::You, 1.0, 2.0, 24_000, 48_000, "Hi.", false),
            (Who::Model, 2.5, 3.5, 60_000, 84_000, "Hello there.", false),
            (
                Who::Model,
                4.2,
                4.7,
                100_800,
                112_800,
                "Let me tell you",
                true
            ),
            (Who::You, 4.5, 5.5, 108_000, 132_000, "", false),
            (
                Who::You,
                6.0,
                6.0,
                144_000,
                144_000,
                "What time is it?",
                false
            ),
            (Who::Model, 7.1, 8.0, 170_400, 192_000, "It is four.", false),
        ]
    );
    assert!(e.turns[4].typed);
    let unheard: Vec<_> = e.turns.iter().map(|t| t.unheard).collect();
    assert_eq!(unheard, [None, Some(0.0), Some(1.5), None, None, Some(0.0)]);
    let latencies: Vec<_> = e.turns.iter().map(|t| t.latency).collect();
    assert_eq!(
        latencies,
        [
            None,
            Some(export::Latency {
                total_ms: 500.0,
                to_first_audio_ms: 350.0,
                buffered_ms: 150.0
            }),
            // The model spoke last: its next words answer nobody.
            None,
            None,
            None,
            Some(export::Latency {
                total_ms: 1100.0,
                to_first_audio_ms: 900.0,
                buffered_ms: 200.0
            }),
        ]
    );
    assert_eq!(
        e.latency,
        Some(export::Summary {
            replies: 2,
            median_ms: 800.0,
            worst_ms: 1100.0
        })
    );
    assert_eq!(
        (e.tools[0].asked, e.tools[0].answered, e.tools[0].cancelled),
        (6.1, Some(6.15), None)
    );
    assert_eq!(e.notes[0].at, 6.5);
    assert_eq!(e.settings.model, "models/gemini-3.8-live");
    let tokens = |prompt, response, total| Tokens {
        prompt,
        response,
        total,
    };
    let usage: Vec<_> = e.turns.iter().map(|t| t.usage).collect();
    assert_eq!(
        usage,
        [
            None,
            Some(tokens(12, 30, 42)),
            None,
            None,
            None,
            Some(tokens(20, 10, 30))
        ]
    );
    assert_eq!(e.tokens, tokens(32, 40, 72));
}

#[test]
fn the_json_names_its_schema_and_version_and_holds_no_secret_field() {
    let json = scripted().export(ORIGIN, 24_000).to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], "gemini-live-voice.record");
    assert_eq!(value["version"], 1);
    assert_eq!(value["rate"], 24_000);
    assert_eq!(
        value["turns"][2],
        serde_json::json!({
            "who": "model", "start": 4.2, "end": 4.7, "start_sample": 100_800,
            "end_sample": 112_800, "text": "Let me tell you", "typed": false,
            "interrupted": true, "unheard": 1.5
        })
    );
    assert_eq!(
        value["tools"][0],
        serde_json::json!({
            "id": "c1", "name": "get_current_time", "args": "{}", "asked": 6.1,
            "answered": 6.15, "answer": "the time (Sat Dec 05 2026 04:00:00)"
        })
    );
    assert_eq!(
        value["settings"],
        serde_json::json!({"model": "models/gemini-3.8-live", "voice": "Puck", "instruction": "Be brief."})
    );
}

#[test]
fn captions_are_webvtt_with_a_voice_per_speaker() {
    let mut r = scripted();
    r.transcript(108.5, Who::Model, "a <b>bold</b> & --> claim");
    assert_eq!(
        scripted().export(ORIGIN, 24_000).webvtt(),
        "WEBVTT\n\
         \n00:00:01.000 --> 00:00:02.000\n<v You>Hi.\n\
         \n00:00:02.500 --> 00:00:03.500\n<v Model>Hello there.\n\
         \n00:00:04.200 --> 00:00:04.700\n<v Model>Let me tell you\n\
         \n00:00:06.000 --> 00:00:07.100\n<v You>What time is it?\n\
         \n00:00:07.100 --> 00:00:08.000\n<v Model>It is four.\n"
    );
    let vtt = r.export(ORIGIN, 24_000).webvtt();
    assert!(
        vtt.ends_with(
            "\n00:00:08.500 --> 00:00:10.500\n<v Model>a &lt;b&gt;bold&lt;/b&gt; &amp; --&gt; claim\n"
        ),
        "{vtt}"
    );
}

#[test]
fn cue_points_sit_on_each_turns_first_sample_with_a_label() {
    let e = scripted().export(ORIGIN, 24_000);
    let bytes = e.cue_chunks();
    assert_eq!(&bytes[..4], b"cue ");
    let size = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(size, 4 + 24 * 6);
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 6);
    // The third cue: ID 3 at frame 100800, in the data chunk, sample offset 100800.
    let third = &bytes[12 + 48..12 + 72];
    assert_eq!(&third[..8], [3, 0, 0, 0, 0xC0, 0x89, 0x01, 0x00]);
    assert_eq!(&third[8..12], b"data");
    assert_eq!(&third[12..20], [0; 8]);
    assert_eq!(&third[20..24], 100_800u32.to_le_bytes());
    let list = &bytes[8 + size..];
    assert_eq!(&list[..4], b"LIST");
    assert_eq!(&list[8..12], b"adtl");
    let first = &list[12..];
    assert_eq!(&first[..4], b"labl");
    assert_eq!(u32::from_le_bytes(first[4..8].try_into().unwrap()), 4 + 9);
    assert_eq!(&first[8..21], b"\x01\0\0\0You: Hi.\0");
    // Odd sizes are padded: the next label starts on an even offset.
    assert_eq!(&first[22..26], b"labl");
    let text = String::from_utf8_lossy(list);
    assert!(
        text.contains("Model (cut off): Let me tell you\0"),
        "{text}"
    );
    assert_eq!(
        u32::from_le_bytes(list[4..8].try_into().unwrap()) as usize,
        list.len() - 8
    );
}

#[test]
fn a_span_still_being_spoken_is_in_the_record_and_pauses_join() {
    let mut r = Record::default();
    // 0.5 s of speech, a 0.4 s pause, 0.3 s more, and the person still speaking at the end.
    mic(&mut r, 2.0, &[(0.2, 0.7), (1.1, 1.4), (1.8, 2.0)]);
    let e = r.export(ORIGIN, 16_000);
    let spans: Vec<_> = e.turns.iter().map(|t| (t.start, t.end)).collect();
    assert_eq!(spans, [(0.2, 2.0)]);
    // A longer pause ends a turn at its last loud frame.
    let mut r = Record::default();
    mic(&mut r, 3.0, &[(0.2, 0.7), (1.5, 1.6)]);
    let spans: Vec<_> = r
        .export(ORIGIN, 16_000)
        .turns
        .iter()
        .map(|t| (t.start, t.end))
        .collect();
    assert_eq!(spans, [(0.2, 0.7), (1.5, 1.6)]);
}

/// Each turn's (who, start, end, words).
fn who_when_what(e: &export::Export) -> Vec<(Who, f64, f64, &str)> {
    let turns = e.turns.iter();
    turns
        .map(|t| (t.who, t.start, t.end, t.text.as_str()))
        .collect()
}

/// Push-to-talk: each hold is your turn, press to release, with the speech found within it
/// (even a span that closed while the button was still down, or after it was released);
/// the reply's latency counts from the release.
#[test]
fn push_to_talk_holds_are_the_turns_and_latency_counts_from_the_release() {
    let mut r = Record::new(Settings::default());
    let session = r.begin_session(ORIGIN, RATE);
    // A hold let go before the first sample is no turn; one begun before it starts with it.
    r.hold(99.9, true);
    r.hold(99.95, false);
    r.hold(99.99, true);
    r.hold(100.1, false);
    r.hold(101.0, true);
    mic(&mut r, 2.75, &[(1.2, 2.4), (5.2, 5.8), (6.8, 7.5)]);
    r.hold(102.6, false);
    r.transcript(102.7, Who::You, "Hello.");
    mic_from(&mut r, 2.75, 1.0, &[]);
    r.model_audio(103.0, session, 1, &[900; 24_000]);
    r.model_done(false);
    r.played(session, &[played(1, 153_600, 48_000, 48_000)]);
    r.hold(105.0, true);
    mic_from(&mut r, 3.75, 2.75, &[(5.2, 5.8), (6.8, 7.5)]);
    r.transcript(106.0, Who::You, "First part.");
    // The first span closed at 6.5 s, the button still down; the second is still heard.
    mic_from(&mut r, 6.5, 1.25, &[(6.8, 7.5)]);
    r.transcript(107.6, Who::You, "second part.");
    r.hold(108.0, false);
    mic_from(&mut r, 7.75, 1.0, &[]);
    let e = r.export(ORIGIN, 24_000);
    let rows = who_when_what(&e);
    assert_eq!(
        rows,
        [
            (Who::You, 0.0, 0.1, ""),
            (Who::You, 1.0, 2.6, "Hello."),
            (Who::Model, 3.2, 4.2, ""),
            (Who::You, 5.0, 8.0, "First part. second part."),
        ]
    );
    assert_eq!(e.turns[2].latency.map(|l| l.total_ms), Some(600.0));
}

/// A hold still down when the record is taken (a tab that crashed mid-turn) is a turn up to
/// the speech heard so far.
#[test]
fn a_hold_still_down_is_a_turn_so_far() {
    let mut r = Record::new(Settings::default());
    r.hold(101.0, true);
    mic(&mut r, 2.5, &[(1.2, 2.4)]);
    r.transcript(102.45, Who::You, "Still talking");
    let e = r.export(ORIGIN, 24_000);
    let rows = who_when_what(&e);
    assert_eq!(rows, [(Who::You, 1.0, 2.4, "Still talking")]);
}

#[test]
fn a_bridge_that_never_sounded_does_not_cut_a_reply_off_and_a_stop_does() {
    // A 1 s reply (24,000 samples, 48,000 frames at 48 kHz) that ran dry after 0.5 s: a
    // fading bridge of 960 frames was scheduled at frame 24,000, then the rest came first and
    // the bridge was cancelled, its frames scheduled again.
    let entry = |start: u64, frames: u64, heard: u64, cancelled: bool| Played {
        cancelled,
        source_pos: start as f64 / 2.0,
        ..played(1, start, frames, heard)
    };
    let reply = |last: Played| {
        let mut r = Record::new(Settings::default());
        let s = r.begin_session(ORIGIN, RATE);
        r.model_audio(ORIGIN, s, 1, &[900; 24_000]);
        r.model_done(false);
        let first = entry(0, 24_000, 24_000, false);
        r.played(s, &[first, entry(24_000, 960, 0, true), last]);
        let e = r.export(ORIGIN, 24_000);
        (e.turns[0].end, e.turns[0].interrupted, e.turns[0].unheard)
    };
    assert_eq!(
        reply(entry(24_000, 24_000, 24_000, false)),
        (1.0, false, Some(0.0))
    );
    // Playback stopped for good right where the second half was to start.
    assert_eq!(
        reply(entry(24_000, 24_000, 0, false)),
        (0.5, true, Some(0.5))
    );
}

/// The log's reply latency is the record's: from the end of the person's speech, even when
/// the microphone streams on past the reply's start (the old line counted from the last
/// chunk sent and read -1500 ms here); told once per reply.
#[test]
fn in_a_continuous_stream_each_reply_latency_is_told_once_as_the_record_has_it() {
    let mut r = Record::new(Settings::default());
    let session = r.begin_session(ORIGIN, RATE);
    // Speech from 1.0 to 2.0 s; the microphone goes on to 4.0 s (the last chunk at 3.97 s).
    mic(&mut r, 4.0, &[(1.0, 2.0)]);
    assert_eq!(r.new_latencies(), vec![]);
    // The reply arrives at 2.35 s and sounds from 2.5 s (frame 120,000 at 48 kHz).
    r.model_audio(102.35, session, 1, &[900; 24_000]);
    r.model_done(false);
    r.played(session, &[played(1, 120_000, 48_000, 48_000)]);
    let told = r.new_latencies();
    let expected = export::Latency {
        total_ms: 500.0,
        to_first_audio_ms: 350.0,
        buffered_ms: 150.0,
    };
    assert_eq!(told, vec![expected]);
    assert_eq!(
        r.export(ORIGIN, 24_000).turns[1].latency,
        Some(expected),
        "the record's own figure"
    );
    assert_eq!(
        latency::line(&expected),
        "Reply latency: 500.0 ms from the end of your turn to the reply's first sound (350.0 ms until its audio arrived, 150.0 ms in the playback buffer)."
    );
    assert_eq!(r.new_latencies(), vec![], "told once");
    // The model speaking on, with no turn of the person's before it: no latency to tell.
    r.model_audio(104.0, session, 2, &[900; 24_000]);
    r.model_done(false);
    r.played(session, &[played(2, 210_000, 48_000, 48_000)]);
    assert_eq!(r.new_latencies(), vec![]);
}
