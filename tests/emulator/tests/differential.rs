//! The hand-written decoder against the serde one, before the old one is deleted: every
//! recorded emulator frame (the hostile ones included), every frame the stand-in sends in a
//! scripted conversation, and the fuzz corpus mutated; the same events out, or both refuse.
//! Each kind of difference is counted and one example printed.
//!
//!   DIFF_CASES=1000000 cargo test --release -p live-emulator --test differential -- --nocapture

use gemini_live_voice::protocol::{self, legacy, ClientMessage, Setup};
use gemini_live_voice::standin::{StandIn, StandInConfig};
use std::collections::BTreeMap;

const CORPUS: &[&str] = &[
    r#"{"setupComplete":{}}"#,
    r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/zQS"}}]}}}"#,
    r#"{"serverContent":{"modelTurn":{"parts":[{"text":"hi"},{"inlineData":{"mimeType":"audio/pcm;rate=16000","data":"AQA="}}]},"outputTranscription":{"text":"hello"}}}"#,
    r#"{"serverContent":{"interrupted":true}}"#,
    r#"{"serverContent":{"generationComplete":true,"turnCompleteReason":"NEED_MORE_INPUT","waitingForInput":true}}"#,
    r#"{"serverContent":{"turnComplete":true},"usageMetadata":{"promptTokenCount":25,"responseTokenCount":50,"totalTokenCount":75}}"#,
    r#"{"serverContent":{"inputTranscription":{"text":"what time is it"},"interimInputTranscription":{"text":"what"}}}"#,
    r#"{"goAway":{"timeLeft":"9.5s"}}"#,
    r#"{"sessionResumptionUpdate":{"newHandle":"h-1","resumable":true}}"#,
    r#"{"toolCall":{"functionCalls":[{"id":"c1","name":"now","args":{"zone":"UTC","n":[1,2.5,null,true]}}]}}"#,
    r#"{"toolCallCancellation":{"ids":["c1","c2"]}}"#,
    r#"{"voiceActivity":{"voiceActivityType":"ACTIVITY_START"}}"#,
];

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "-1",
    "1e309",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "\"audio/pcm;rate=0\"",
    "\"audio/pcm;rate=+24000\"",
    "\"====\"",
    "\"AQ\"",
    "9999999999999999999",
    "{\"modelTurn\":{\"parts\":[]}}",
    "\"parts\"",
    "\"inlineData\"",
    "\"data\"",
    "\"timeLeft\":\"-1s\"",
    "1.0",
    "\"args\":",
    "{\"a\":1,\"a\":2}",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn mutate(rng: &mut Rng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(at),
            2 => {
                let token = TOKENS[rng.below(TOKENS.len() as u64) as usize];
                bytes.splice(at..at, token.bytes());
            }
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(8) as usize).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            _ => bytes.insert(at.min(bytes.len()), rng.below(256) as u8),
        }
    }
    bytes
}

/// Both decoders' events in one spelling (the argument values as JSON text).
fn new_events(frame: &[u8]) -> Result<Vec<String>, String> {
    let events = protocol::decode(frame).map_err(|e| e.to_string())?;
    Ok(events
        .into_iter()
        .map(|e| match e {
            protocol::ServerEvent::ToolCall(calls) => calls
                .iter()
                .map(|c| format!("call {:?} {} {}", c.id, c.name, c.args))
                .collect(),
            protocol::ServerEvent::TurnCompleteReason(r) => format!("reason {r}"),
            other => format!("{other:?}"),
        })
        .collect())
}

fn old_events(frame: &[u8]) -> Result<Vec<String>, String> {
    let events = legacy::decode(frame).map_err(|e| e.to_string())?;
    Ok(events
        .into_iter()
        .map(|e| match e {
            legacy::ServerEvent::ToolCall(calls) => calls
                .iter()
                .map(|c| format!("call {:?} {} {}", c.id, c.name, c.args.to_json()))
                .collect(),
            legacy::ServerEvent::TurnCompleteReason(r) => format!("reason {r}"),
            other => format!("{other:?}"),
        })
        .collect())
}

#[derive(Default)]
struct Tally {
    frames: u64,
    same_events: u64,
    both_refuse: u64,
    /// Kind of difference -> (count, one example frame and both answers).
    differences: BTreeMap<String, (u64, String)>,
}

impl Tally {
    fn check(&mut self, frame: &[u8]) {
        self.frames += 1;
        let (old, new) = (old_events(frame), new_events(frame));
        let kind = match (&old, &new) {
            (Ok(a), Ok(b)) if a == b => {
                self.same_events += 1;
                return;
            }
            (Err(_), Err(_)) => {
                self.both_refuse += 1;
                return;
            }
            (Ok(_), Ok(_)) => "different events".to_owned(),
            (Ok(_), Err(e)) => format!("only the new refuses: {}", kind_of(e)),
            (Err(e), Ok(_)) => format!("only the old refuses: {}", kind_of(e)),
        };
        let entry = self.differences.entry(kind).or_insert((0, String::new()));
        entry.0 += 1;
        if entry.1.is_empty() {
            let text = String::from_utf8_lossy(&frame[..frame.len().min(300)]);
            entry.1 = format!("{text:?}\n      old: {old:?}\n      new: {new:?}");
        }
    }

    fn print(&self, what: &str) {
        println!(
            "{what}: {} frames, {} the same events, {} refused by both, {} different",
            self.frames,
            self.same_events,
            self.both_refuse,
            self.differences.values().map(|d| d.0).sum::<u64>()
        );
        for (kind, (count, example)) in &self.differences {
            println!("  {count:>8}  {kind}\n      e.g. {example}");
        }
    }
}

/// An error message without its variable parts (places, values), to group by.
fn kind_of(message: &str) -> String {
    let cut = message.find(['(', ':']).unwrap_or(message.len());
    let rest = &message[cut..];
    let detail: String = rest
        .split(|c: char| c == '`' || c == '"' || c.is_ascii_digit())
        .step_by(2)
        .collect::<Vec<_>>()
        .join("_");
    format!("{}{}", &message[..cut], &detail[..detail.len().min(70)])
}

fn standin_frames() -> Vec<Vec<u8>> {
    let mut standin = StandIn::new(StandInConfig::default());
    let mut frames = Vec::new();
    let mut now = 0.0;
    let setup = Setup::audio("gemini-2.5-flash-native-audio-preview-12-2025", "Puck")
        .with_transcription(true, true)
        .with_resumption(None)
        .with_tools(
            gemini_live_voice::tools::Toolbox::new(true, "")
                .unwrap_or_default()
                .setup_tools(),
        );
    let answer = gemini_live_voice::protocol::client::FunctionResponse {
        id: "standin-call-1".into(),
        name: "get_current_time".into(),
        response: serde_json::json!({"utc": "2026-12-04T21:00:00Z"}),
    };
    let mut inputs = vec![
        ClientMessage::Setup(setup).to_json(),
        ClientMessage::realtime_text("what time is it").to_json(),
        ClientMessage::tool_response(vec![answer]).to_json(),
    ];
    // 3.2 s of silence (the tool's answer is spoken), 1 s of a 200 Hz tone, then 2 s of
    // silence: one spoken turn, echoed.
    for chunk in 0..48 {
        let samples: Vec<i16> = (0..2048)
            .map(|i| {
                let t = (chunk * 2048 + i) as f64 / 16_000.0;
                if (25..33).contains(&chunk) {
                    (8000.0 * (std::f64::consts::TAU * 200.0 * t).sin()) as i16
                } else {
                    0
                }
            })
            .collect();
        inputs.push(ClientMessage::audio(&samples, 16_000).to_json());
    }
    for input in inputs {
        now += 128.0;
        for value in standin.receive(now, &input).unwrap_or_default() {
            frames.push(value.to_string().into_bytes());
        }
        for value in standin.poll(now) {
            frames.push(value.to_string().into_bytes());
        }
    }
    for _ in 0..100 {
        now += 100.0;
        for value in standin.poll(now) {
            frames.push(value.to_string().into_bytes());
        }
    }
    frames
}

#[test]
fn the_old_and_the_new_decoder_agree() {
    let mut recorded = Tally::default();
    for kind in ["hostile", "huge", "parts50", "flood"] {
        let kind = live_emulator::hostile::Hostile::parse(kind).unwrap();
        for frame in live_emulator::hostile::frames(kind) {
            recorded.check(&frame);
        }
    }
    recorded.print("emulator's recorded and hostile frames");
    let mut standin = Tally::default();
    for frame in standin_frames() {
        if std::env::var("DIFF_SHOW").is_ok() {
            println!(
                "{}",
                String::from_utf8_lossy(&frame[..frame.len().min(100)])
            );
        }
        standin.check(&frame);
    }
    standin.print("stand-in's frames");
    assert!(
        standin.frames > 20,
        "the stand-in said {} frames",
        standin.frames
    );
    let cases: u64 = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut fuzz = Tally::default();
    let mut rng = Rng(0x5eed);
    for _ in 0..cases {
        let seed = CORPUS[rng.below(CORPUS.len() as u64) as usize];
        fuzz.check(&mutate(&mut rng, seed));
    }
    fuzz.print("fuzz corpus, mutated");
}
