use super::*;
use gemini_live_voice::record::review::Review;
use std::time::{Duration, UNIX_EPOCH};

/// A record of two turns of the person, three replies (one cut off), an error and a
/// reconnect noted, two latencies.
const RECORD: &str = r#"{
  "schema": "gemini-live-voice.record", "version": 1, "rate": 24000,
  "settings": { "model": "models/gemini-3.8-live", "voice": "Puck", "instruction": "" },
  "turns": [
    { "who": "you", "start": 1.0, "end": 2.0, "start_sample": 24000, "end_sample": 48000, "text": "Hi.", "typed": false, "interrupted": false },
    { "who": "model", "start": 2.5, "end": 4.5, "start_sample": 60000, "end_sample": 108000, "text": "Hello.", "typed": false, "interrupted": true, "unheard": 1.0 },
    { "who": "you", "start": 4.6, "end": 5.0, "start_sample": 110400, "end_sample": 120000, "text": "Wait.", "typed": false, "interrupted": false },
    { "who": "model", "start": 6.0, "end": 7.25, "start_sample": 144000, "end_sample": 174000, "text": "Yes?", "typed": false, "interrupted": false },
    { "who": "model", "start": 8.0, "end": 9.5, "start_sample": 192000, "end_sample": 228000, "text": "", "typed": false, "interrupted": false }
  ],
  "tools": [],
  "notes": [ { "at": 7.5, "kind": "error", "text": "Something failed." }, { "at": 7.6, "kind": "reconnect", "text": "Reconnected." } ],
  "latency": { "replies": 2, "median_ms": 750.0, "worst_ms": 1000.0 },
  "tokens": { "prompt": 0, "response": 0, "total": 0 }
}"#;

const ID: &str = "conversation-2026-12-07-05-50-20-0a1b2c3d";

fn summary() -> Summary {
    let record = Review::parse(RECORD).unwrap().record;
    let at = UNIX_EPOCH + Duration::from_secs(1_796_623_820);
    summarize(ID, "rita@example.com", at, &record)
}

#[test]
fn a_summary_counts_turns_cut_offs_errors_and_the_worst_latency() {
    assert_eq!(
        summary(),
        Summary {
            id: ID.into(),
            who: "rita@example.com".into(),
            uploaded: "2026-12-07T06:10:20Z".into(),
            model: "models/gemini-3.8-live".into(),
            turns: 2,
            replies: 3,
            cut_off: 1,
            errors: 1,
            worst_latency_ms: Some(1000.0),
            seconds: 9.5,
        }
    );
}

#[test]
fn each_filter_admits_only_what_it_names() {
    let s = summary();
    let admits = |query: &str| {
        let filter: Filter = serde_json::from_str(query).unwrap();
        filter.admits(&s)
    };
    assert!(admits("{}"));
    assert!(admits(r#"{"date": "2026-12-07"}"#));
    assert!(admits(r#"{"date": "2026-12"}"#));
    assert!(!admits(r#"{"date": "2026-12-08"}"#));
    assert!(admits(r#"{"person": "rita@example.com"}"#));
    assert!(!admits(r#"{"person": "rita"}"#));
    assert!(admits(r#"{"model": "gemini-3.8-live"}"#));
    assert!(admits(r#"{"model": "models/gemini-3.8-live"}"#));
    assert!(!admits(r#"{"model": "gemini-2.5-flash-native-audio"}"#));
    assert!(admits(r#"{"error": true, "cut": true}"#));
    assert!(admits(r#"{"error": false}"#));
    assert!(admits(r#"{"latency_over": 999.0}"#));
    assert!(!admits(r#"{"latency_over": 1000.0}"#));
    let calm = Summary {
        errors: 0,
        cut_off: 0,
        worst_latency_ms: None,
        ..s.clone()
    };
    for query in [
        r#"{"error": true}"#,
        r#"{"cut": true}"#,
        r#"{"latency_over": 0.0}"#,
    ] {
        let filter: Filter = serde_json::from_str(query).unwrap();
        assert!(!filter.admits(&calm), "{query}");
    }
    // Only conversations' ids are listed at all.
    assert!(!Filter::default().may_hold("summary.json"));
}
