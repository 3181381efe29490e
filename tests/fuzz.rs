//! Fuzzing on the host, stable Rust, no tools to install: structure-aware generators and a
//! corpus of real frames, mutated, thrown at the pure core; every run checks that nothing
//! panics and that the core's own promises hold.
//!
//! - `decode`: server frames (the corpus below, mutated byte- and token-wise) -> `decode`
//!   returns events or an error, never panics;
//! - `session`: random opens, frames, closes, timeouts and sends -> the session's rules hold
//!   (nothing sends after the end);
//! - `standin`: client messages (real ones, mutated) -> the stand-in answers or refuses;
//! - `scheduler`: random chunk sizes, clock steps, interruptions, turn ends, underruns at
//!   44.1/48/24 kHz -> what sounds of a turn never overlaps, a gap inside a turn always fades
//!   out and back in, heard <= scheduled, the settled log is a prefix;
//! - `recorder`: random conversations -> the live render equals the whole-file render;
//! - `conversation`: random event sequences -> the buttons always match the states.
//!
//! `cargo test --test fuzz` runs each briefly with fixed seeds (part of the test run);
//! `bash .ci/fuzz SECONDS` runs each for SECONDS and prints executions and findings (a
//! finding prints its seed: replay it with `FUZZ_SEED=<seed>`; fix it and add it here as a
//! regression test).
#![cfg(not(target_arch = "wasm32"))]

use gemini_live_voice::close::CloseInfo;
use gemini_live_voice::conversation::{Conversation, Effect, Event, Link, Mic, Plan, Target};
use gemini_live_voice::playback::{PlaybackConfig, Scheduler};
use gemini_live_voice::protocol::{self, AudioChunk, ClientMessage, ServerEvent, Setup};
use gemini_live_voice::recorder::live::LiveRecorder;
use gemini_live_voice::recorder::{Format, Recorder};
use gemini_live_voice::session::{SessionCore, SessionError};
use gemini_live_voice::standin::{StandIn, StandInConfig};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// A small, fast, seedable generator (SplitMix64).
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

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// Real server frames, as the service and the emulator send them.
const SERVER_CORPUS: &[&str] = &[
    r#"{"setupComplete":{}}"#,
    r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/zQS"}}]}}}"#,
    r#"{"serverContent":{"modelTurn":{"parts":[{"text":"hi"},{"inlineData":{"mimeType":"audio/pcm;rate=16000","data":"AQA="}}]},"outputTranscription":{"text":"hello"}}}"#,
    r#"{"serverContent":{"interrupted":true}}"#,
    r#"{"serverContent":{"generationComplete":true}}"#,
    r#"{"serverContent":{"turnComplete":true},"usageMetadata":{"promptTokenCount":25,"responseTokenCount":50,"totalTokenCount":75}}"#,
    r#"{"serverContent":{"inputTranscription":{"text":"what time is it"}}}"#,
    r#"{"goAway":{"timeLeft":"9.5s"}}"#,
    r#"{"sessionResumptionUpdate":{"newHandle":"h-1","resumable":true}}"#,
    r#"{"toolCall":{"functionCalls":[{"id":"c1","name":"now","args":{"zone":"UTC"}}]}}"#,
    r#"{"toolCallCancellation":{"ids":["c1","c2"]}}"#,
];

/// Tokens a structure-aware mutation splices in.
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
    "\"audio/pcm;rate=4294967296\"",
    "\"====\"",
    "\"AQ\"",
    "9999999999999999999",
    "{\"modelTurn\":{\"parts\":[]}}",
    "\"parts\"",
    "\"inlineData\"",
    "\"data\"",
    "\"timeLeft\":\"-1s\"",
];

fn mutate(rng: &mut Rng, seed: &str) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() as u64 + 1) as usize;
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] ^= 1 << rng.below(8);
            }
            1 => bytes.truncate(at),
            2 => {
                let token = rng.pick(TOKENS).as_bytes().to_vec();
                bytes.splice(at..at, token);
            }
            3 if !bytes.is_empty() => {
                let end = (at + rng.below(8) as usize).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            4 => {
                let copy = bytes.clone();
                bytes.splice(at..at, copy);
            }
            _ => bytes.insert(at.min(bytes.len()), rng.below(256) as u8),
        }
    }
    bytes
}

fn fuzz_decode(rng: &mut Rng) {
    let seed = rng_pick_str(rng, SERVER_CORPUS);
    let _ = protocol::decode(&mutate(rng, seed));
}

fn rng_pick_str(rng: &mut Rng, items: &'static [&'static str]) -> &'static str {
    items[rng.below(items.len() as u64) as usize]
}

fn fuzz_session(rng: &mut Rng) {
    let mut core = SessionCore::new(Setup::audio("m", "Puck"));
    let mut ended = false;
    for _ in 0..rng.below(30) {
        match rng.below(8) {
            0 => {
                core.on_open();
            }
            1..=3 => {
                let seed = rng_pick_str(rng, SERVER_CORPUS);
                for event in core.on_frame(&mutate(rng, seed)) {
                    ended |= matches!(event, gemini_live_voice::session::SessionEvent::Ended(_));
                }
            }
            4 => {
                let code = *rng.pick(&[1000u16, 1006, 1007, 1008, 1011, 4000]);
                let info = CloseInfo {
                    code,
                    reason: String::new(),
                    was_clean: code != 1006,
                };
                core.on_close(info);
                ended = true;
            }
            5 => {
                core.on_setup_timeout(15_000);
                ended = true;
            }
            6 => {
                let sent = core.audio(&vec![1; rng.below(4096) as usize]);
                assert!(!(ended && sent.is_ok()), "audio sent after the end");
            }
            _ => {
                let sent = core.text("hello");
                assert!(!(ended && sent.is_ok()), "text sent after the end");
            }
        }
    }
}

fn client_corpus() -> Vec<String> {
    vec![
        ClientMessage::Setup(
            Setup::audio("gemini-2.5-flash-native-audio-preview-12-2025", "Puck")
                .with_resumption(None),
        )
        .to_json(),
        ClientMessage::audio(&[1, -2, 3], 16_000).to_json(),
        ClientMessage::audio_stream_end().to_json(),
        ClientMessage::realtime_text("what time is it").to_json(),
        ClientMessage::user_turn("hello", true).to_json(),
    ]
}

fn fuzz_standin(rng: &mut Rng, corpus: &[String]) {
    let mut standin = StandIn::new(StandInConfig::default());
    let mut now = 0.0;
    for _ in 0..rng.below(20) {
        now += rng.below(300) as f64;
        let seed = &corpus[rng.below(corpus.len() as u64) as usize];
        let text = if rng.below(3) == 0 {
            seed.clone()
        } else {
            String::from_utf8_lossy(&mutate(rng, seed)).into_owned()
        };
        if standin.receive(now, &text).is_err() {
            return; // the connection would end here
        }
        standin.poll(now);
    }
}

fn fuzz_scheduler(rng: &mut Rng) {
    let rate = *rng.pick(&[24_000u32, 44_100, 48_000]);
    let config = if rng.below(2) == 0 {
        PlaybackConfig::adaptive()
    } else {
        PlaybackConfig::default()
    };
    let mut s = Scheduler::new(rate, config).unwrap();
    let mut now = 0u64;
    for _ in 0..rng.below(200) {
        now += rng.below(u64::from(rate) / 5);
        match rng.below(10) {
            0 => {
                s.interrupt(now);
            }
            1 => {
                s.turn_complete(now);
            }
            2 => {
                s.pump(now);
            }
            _ => {
                s.push(&vec![1_000; rng.below(12_000) as usize], now);
            }
        }
    }
    if rng.below(2) == 0 {
        s.stop(now);
    }
    let log = s.log();
    for p in log {
        assert!(p.heard <= p.frames, "{p:?}");
    }
    // What sounds (a bridge cancelled before it started is in the log, heard 0): within a
    // turn no overlap, and no hard edge: a gap fades out before it and back in after it.
    let sounding: Vec<_> = log.iter().filter(|p| p.heard > 0).collect();
    for w in sounding.windows(2) {
        if w[0].turn == w[1].turn {
            let end = w[0].start + w[0].heard;
            assert!(w[1].start >= end, "overlap in a turn: {w:?}");
            if w[1].start > end {
                assert!(
                    w[0].fade_from.is_some() && w[1].fade_in > 0,
                    "a hard edge at a gap: {w:?}"
                );
            }
        }
    }
    let logged = log.len();
    let settled = s.settled_since(0, now).len();
    assert!(settled <= logged);
}

fn fuzz_recorder(rng: &mut Rng) {
    let format = *rng.pick(&Format::ALL);
    let rate = *rng.pick(&[44_100u32, 48_000]);
    let mut whole = Recorder::new();
    let mut live = LiveRecorder::new(format);
    // The adaptive buffer stretches chunks when it runs low: the recording must hold them
    // as stretched, whole or live.
    let config = if rng.below(2) == 0 {
        PlaybackConfig::adaptive()
    } else {
        PlaybackConfig::default()
    };
    let mut sched = Scheduler::new(rate, config).unwrap();
    let (ws, ls) = (
        whole.begin_session(3.0, rate),
        live.begin_session(3.0, rate),
    );
    let (mut fed, mut bytes) = (0, Vec::new());
    let steps = rng.below(120);
    for step in 0..steps {
        let t = step as f64 * 0.128;
        let now = (t * f64::from(rate)) as u64;
        if rng.below(5) != 0 {
            let chunk: Vec<i16> = (0..1 + rng.below(2048))
                .map(|i| ((i * 37) % 2000) as i16)
                .collect();
            whole.add_user(3.0 + t, &chunk);
            live.add_user(3.0 + t, &chunk);
        }
        match rng.below(6) {
            0 => {
                sched.interrupt(now);
            }
            1 => {
                sched.turn_complete(now);
            }
            _ if sched.accepts_audio(now) => {
                let chunk = vec![(step * 13 % 3000) as i16; rng.below(6000) as usize];
                let heard = sched.receive(chunk, now).audio;
                whole.add_model(ws, sched.turn(), &heard);
                live.add_model(ls, sched.turn(), &heard);
            }
            _ => {}
        }
        sched.pump(now);
        let settled = sched.settled_since(fed, now).to_vec();
        fed += settled.len();
        live.add_played(ls, &settled);
        // As the page does: a second behind, never past a buffer whose fate is open.
        let open = sched
            .unsettled_start()
            .map_or(f64::MAX, |f| 3.0 + f as f64 / f64::from(rate));
        bytes.extend(live.render((3.0 + t - 1.0).min(open)));
    }
    let end = (steps as f64 * 0.128 * f64::from(rate)) as u64;
    sched.stop(end);
    live.add_played(ls, sched.settled_since(fed, end));
    whole.set_played(ws, sched.log());
    bytes.extend(live.finish());
    if live.is_empty() {
        return;
    }
    let mut file = live.header(live.total_frames()).unwrap().to_vec();
    file.extend(bytes);
    assert_eq!(live.lost_samples(), 0);
    assert!(
        file == whole.to_wav(format).unwrap(),
        "live and whole renders differ ({format:?})"
    );
}

fn fuzz_conversation(rng: &mut Rng) {
    let mut c = Conversation::default();
    let mut now = 0.0;
    let plan = Plan {
        target: Target::Offline,
        model: "m".into(),
        push_to_talk: rng.below(2) == 0,
    };
    // activityStart not yet ended, on the current connection.
    let mut open_activity = false;
    for _ in 0..rng.below(60) {
        now += rng.below(2_000) as f64;
        let id = rng.below(4) as u32;
        let event = match rng.below(22) {
            0 => Event::Connect(plan.clone()),
            16 => Event::Talk(plan.clone()),
            17 | 18 => Event::Hold,
            19 | 20 => Event::Release,
            21 => Event::Text("hi".into()),
            1 => Event::AudioReady,
            2 => Event::AudioFailed("no audio".into()),
            3 => Event::Opened(Ok(())),
            4 => Event::Opened(Err(SessionError::SetupTimeout { millis: 15_000 })),
            5 => Event::Ended {
                error: SessionError::Closed(CloseInfo {
                    code: *rng.pick(&[1000u16, 1006, 1008, 1011]),
                    reason: String::new(),
                    was_clean: true,
                }),
                handle: rng.below(2).checked_sub(1).map(|_| "h".into()),
            },
            6 => Event::RetryDue,
            7 => Event::Disconnect,
            8 => Event::StartMic,
            9 => Event::StopMic,
            10 => Event::MicOpened {
                id,
                result: Ok(48_000.0),
            },
            11 => Event::MicChunk {
                id,
                samples: vec![0; 2048],
                time: now / 1000.0,
            },
            12 => Event::MicFlushed { id },
            13 => Event::MicDeadline { id },
            14 => Event::Server(ServerEvent::Audio(AudioChunk {
                rate: *rng.pick(&[16_000u32, 24_000, 48_000, 0]),
                samples: vec![5; rng.below(4800) as usize],
            })),
            _ => Event::Playing(rng.below(2) == 0),
        };
        for effect in c.handle(now, event) {
            match effect {
                Effect::Open { .. } => open_activity = false,
                Effect::SendActivity { start } => {
                    assert!(plan.push_to_talk, "activity markers without push-to-talk");
                    assert_ne!(open_activity, start, "activity markers out of order");
                    open_activity = start;
                }
                Effect::SendStreamEnd => {
                    assert!(!plan.push_to_talk, "audioStreamEnd in push-to-talk")
                }
                Effect::MicAudio { send: true, .. } if plan.push_to_talk => {
                    assert!(open_activity, "push-to-talk audio sent outside an activity")
                }
                _ => {}
            }
        }
        let view = c.view();
        assert_eq!(view.connect, *c.link() == Link::Idle);
        assert_eq!(view.mic_stop, matches!(c.mic(), Mic::On { .. }));
        assert!(!(view.mic_start && view.mic_stop));
        if *c.link() == Link::Idle {
            assert_eq!(
                c.mic(),
                Mic::Off,
                "the microphone outlived the conversation"
            );
        }
    }
}

/// Runs `target` with seeds from `first` until `budget` is spent (at least `min` runs);
/// returns (executions, findings as (seed, message)).
fn run(
    target: &dyn Fn(&mut Rng),
    first: u64,
    budget: Duration,
    min: u64,
) -> (u64, Vec<(u64, String)>) {
    let start = Instant::now();
    let (mut runs, mut findings) = (0u64, Vec::new());
    let hook = std::panic::take_hook();
    if std::env::var_os("FUZZ_LOUD").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    while runs < min || start.elapsed() < budget {
        let seed = first.wrapping_add(runs);
        let result = catch_unwind(AssertUnwindSafe(|| target(&mut Rng(seed))));
        if let Err(panic) = result {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            findings.push((seed, message));
        }
        runs += 1;
    }
    std::panic::set_hook(hook);
    (runs, findings)
}

/// A fuzz target: one run from a seeded generator.
type FuzzTarget = Box<dyn Fn(&mut Rng)>;

fn targets() -> Vec<(&'static str, FuzzTarget)> {
    let corpus = client_corpus();
    vec![
        ("decode", Box::new(fuzz_decode)),
        ("session", Box::new(fuzz_session)),
        (
            "standin",
            Box::new(move |rng: &mut Rng| fuzz_standin(rng, &corpus)),
        ),
        ("scheduler", Box::new(fuzz_scheduler)),
        ("recorder", Box::new(fuzz_recorder)),
        ("conversation", Box::new(fuzz_conversation)),
    ]
}

#[test]
fn every_target_survives_its_fixed_seeds() {
    for (name, target) in targets() {
        let min = if name == "recorder" { 20 } else { 500 };
        let (_, findings) = run(target.as_ref(), 1, Duration::ZERO, min);
        assert!(findings.is_empty(), "{name}: {findings:?}");
    }
}

#[test]
#[ignore = "fuzzing for a budget: bash .ci/fuzz SECONDS"]
fn fuzz_for_the_budget() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let first: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(7, |d| d.as_secs())
        });
    let mut total = 0;
    for (name, target) in targets() {
        let (runs, findings) = run(target.as_ref(), first, Duration::from_secs(seconds), 1);
        println!(
            "fuzz {name:<13} {runs:>9} executions in {seconds} s, {} findings (seeds from {first})",
            findings.len()
        );
        for (seed, message) in findings.iter().take(5) {
            println!("  seed {seed}: {message}");
        }
        total += findings.len();
    }
    assert_eq!(total, 0, "findings above");
}
