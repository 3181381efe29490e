use super::*;
use crate::record::tests::{scripted, ORIGIN};
use crate::wav::{append_samples, header};

/// A record as version 1 writes it (docs/record.md), by hand: speech, a reply, a reply cut
/// off, a typed question with a tool call, a reconnect, a reply.
const STORED: &str = r#"{
  "schema": "gemini-live-voice.record", "version": 1, "rate": 24000,
  "settings": { "model": "models/gemini-3.8-live", "voice": "Puck", "instruction": "Be brief." },
  "turns": [
    { "who": "you", "start": 1.0, "end": 2.0, "start_sample": 24000, "end_sample": 48000,
      "text": "Hi.", "typed": false, "interrupted": false },
    { "who": "model", "start": 2.5, "end": 4.5, "start_sample": 60000, "end_sample": 108000,
      "text": "Hello there.", "typed": false, "interrupted": false, "unheard": 0.0,
      "latency": { "total_ms": 500.0, "to_first_audio_ms": 350.0, "buffered_ms": 150.0 },
      "usage": { "prompt": 12, "response": 30, "total": 42 } },
    { "who": "model", "start": 4.2, "end": 4.7, "start_sample": 100800, "end_sample": 112800,
      "text": "Let me tell you", "typed": false, "interrupted": true, "unheard": 1.5 },
    { "who": "you", "start": 6.0, "end": 6.0, "start_sample": 144000, "end_sample": 144000,
      "text": "What time is it?", "typed": true, "interrupted": false },
    { "who": "model", "start": 7.1, "end": 9.1, "start_sample": 170400, "end_sample": 218400,
      "text": "", "typed": false, "interrupted": false, "unheard": 0.0,
      "latency": { "total_ms": 1100.0, "to_first_audio_ms": 900.0, "buffered_ms": 200.0 } }
  ],
  "tools": [ { "id": "c1", "name": "get_current_time", "args": "{}", "asked": 6.1,
               "answered": 6.15, "answer": "the time" } ],
  "notes": [ { "at": 6.5, "kind": "reconnect", "text": "Reconnected." } ],
  "latency": { "replies": 2, "median_ms": 800.0, "worst_ms": 1100.0 },
  "tokens": { "prompt": 32, "response": 40, "total": 72 },
  "a_field_from_a_later_version": true
}"#;

#[test]
fn a_stored_record_reads_back_as_lines_in_time_order() {
    let review = Review::parse(STORED).unwrap();
    let lines: Vec<_> = review
        .lines
        .iter()
        .map(|l| (l.at, l.kind, l.text.as_str(), l.detail.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (1.0, LineKind::You, "Hi.", ""),
            (
                2.5,
                LineKind::Model,
                "Hello there.",
                "began 500 ms after you stopped (350 to its first audio, 150 buffered); 42 tokens"
            ),
            (
                4.2,
                LineKind::Model,
                "Let me tell you",
                "cut off; 1.5 s not heard"
            ),
            (6.0, LineKind::Typed, "What time is it?", ""),
            (
                6.1,
                LineKind::Tool,
                "get_current_time({})",
                "answered after 50 ms: the time"
            ),
            (6.5, LineKind::Note(NoteKind::Reconnect), "Reconnected.", ""),
            (
                7.1,
                LineKind::Model,
                "(no words)",
                "began 1100 ms after you stopped (900 to its first audio, 200 buffered)"
            ),
        ]
    );
    assert_eq!(
        review.summary(),
        "2 turns of yours, 3 replies (1 cut off), 1 tool call, 72 tokens. \
         Replies began 800 ms after you stopped (median), 1100 ms at worst."
    );
}

#[test]
fn the_line_heard_is_the_last_begun() {
    let review = Review::parse(STORED).unwrap();
    let at = |t| review.line_at(t);
    assert_eq!(at(0.5), None);
    assert_eq!(at(1.0), Some(0));
    // A seek lands within a millisecond before the line: that line.
    assert_eq!(at(2.4995), Some(1));
    assert_eq!(at(2.498), Some(0));
    assert_eq!(at(4.3), Some(2));
    assert_eq!(at(6.12), Some(4));
    assert_eq!(at(100.0), Some(6));
}

#[test]
fn bands_are_the_spoken_turns_and_marks_the_cuts_calls_and_notes() {
    let review = Review::parse(STORED).unwrap();
    let bands: Vec<_> = review
        .bands()
        .iter()
        .map(|b| (b.start, b.end, b.who, b.interrupted))
        .collect();
    assert_eq!(
        bands,
        [
            (1.0, 2.0, Who::You, false),
            (2.5, 4.5, Who::Model, false),
            (4.2, 4.7, Who::Model, true),
            (7.1, 9.1, Who::Model, false),
        ]
    );
    assert_eq!(
        review.marks(),
        [
            (4.7, Mark::Cut),
            (6.1, Mark::Tool),
            (6.5, Mark::Note(NoteKind::Reconnect))
        ]
    );
}

#[test]
fn what_is_not_a_record_of_ours_is_refused_in_words() {
    let err = |json: &str| Review::parse(json).unwrap_err().to_string();
    assert!(err("{ \"schema\": ").starts_with("the stored record is not readable (EOF"));
    assert_eq!(
        err(r#"{ "schema": "other", "version": 1 }"#),
        "the stored file is a \"other\", not a record"
    );
    assert_eq!(
        err(&STORED.replace("\"version\": 1", "\"version\": 2")),
        "the record is version 2; this page reads up to version 1"
    );
    let no_turns = STORED.replace("\"turns\"", "\"turnz\"");
    // A version-1 record from before tokens were kept reads as zero tokens.
    let older = STORED.replace("\"tokens\"", "\"tokenz\"");
    assert_eq!(Review::parse(&older).unwrap().record.tokens.total, 0);
    assert!(
        err(&no_turns).contains("missing field `turns`"),
        "{}",
        err(&no_turns)
    );
}

#[test]
fn the_pages_own_record_reads_back_whole() {
    let export = scripted().export(ORIGIN, 24_000);
    let review = Review::parse(&export.to_json()).unwrap();
    assert_eq!(review.record, export);
    assert_eq!(review.lines.len(), export.turns.len() + 2);
}

#[test]
fn clock_shows_minutes_seconds_and_tenths() {
    assert_eq!(clock(0.0), "0:00.0");
    assert_eq!(clock(4.26), "0:04.3");
    assert_eq!(clock(62.34), "1:02.3");
    assert_eq!(clock(59.96), "1:00.0");
    assert_eq!(clock(3_600.0), "60:00.0");
    assert_eq!(duration(4.6061), "PT4.606S");
    assert_eq!(duration(62.0), "PT62.000S");
}

/// A stereo WAV of 10 frames (frame k: left k * 1000, right -k * 500), split in pieces at
/// every odd place, gives each column its loudest sample.
#[test]
fn peaks_read_in_pieces_are_the_loudest_per_column() {
    let mut file = header(1_000, 2, 10).unwrap().to_vec();
    let samples: Vec<i16> = (0..10).flat_map(|k| [k * 1000, -k * 500]).collect();
    append_samples(&mut file, &samples);
    let mut peaks = Peaks::new(&file[..HEADER_LEN], file.len() as u64, 4).unwrap();
    assert_eq!(peaks.data(), (44, 84));
    assert_eq!(peaks.duration(), 0.01);
    for piece in file[HEADER_LEN..].chunks(3) {
        peaks.feed(piece);
    }
    // Columns hold frames 0-2, 3-4, 5-7, 8-9.
    let expected = [2000.0, 4000.0, 7000.0, 9000.0].map(|s: f32| s / 32_768.0);
    assert_eq!(peaks.finish(), expected);
}

/// A file cut short (a crashed tab's, its header still saying more) reads what is there;
/// bytes past the audio (cue chunks) are not samples.
#[test]
fn peaks_of_a_short_file_and_trailing_chunks() {
    let mut file = header(1_000, 1, 8).unwrap().to_vec();
    append_samples(&mut file, &[100, -200, 300, 400]);
    let mut peaks = Peaks::new(&file[..HEADER_LEN], file.len() as u64, 2).unwrap();
    assert_eq!(peaks.duration(), 0.004);
    peaks.feed(&file[HEADER_LEN..]);
    peaks.feed(b"cue \x04\x00\x00\x00\xff\x7f\xff\x7f");
    assert_eq!(peaks.finish(), [200.0 / 32_768.0, 400.0 / 32_768.0]);
    assert!(Peaks::new(b"RIFF", 4, 2).is_none());
}

#[test]
fn the_archives_line_is_kept_in_the_record_and_told_in_the_summary() {
    use crate::archive::Consent;
    use crate::record::{Record, Settings};
    let consent = Consent {
        text: "This conversation is recorded and kept by Acme QA for 30 days.".into(),
        shown_at: "2026-12-07T09:40:00.000Z".into(),
        id: "conversation-2026-12-07-09-40-02-0a1b2c3d".into(),
    };
    let mut record = Record::new(Settings::default());
    assert_eq!(record.consented(), None);
    let json = record.export(0.0, 24_000).to_json();
    assert!(!json.contains("consent"), "{json}");
    record.consent(consent.clone());
    assert_eq!(record.consented(), Some(&consent));
    let json = record.export(0.0, 24_000).to_json();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["consent"],
        serde_json::json!({
            "text": "This conversation is recorded and kept by Acme QA for 30 days.",
            "shown_at": "2026-12-07T09:40:00.000Z",
            "id": "conversation-2026-12-07-09-40-02-0a1b2c3d"
        })
    );
    let review = Review::parse(&json).unwrap();
    assert_eq!(
        review.summary(),
        "0 turns of yours, 0 replies, 0 tool calls. Told before the first Talk, at \
         2026-12-07T09:40:00.000Z: \"This conversation is recorded and kept by Acme QA for \
         30 days.\""
    );
    // A record from before the field reads as one without it.
    assert_eq!(Review::parse(STORED).unwrap().record.consent, None);
}
