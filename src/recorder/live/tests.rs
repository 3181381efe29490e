use super::*;
use crate::playback::{PlaybackConfig, Scheduler};
use crate::recorder::Recorder;

/// A small deterministic generator (the same conversation every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn voice(len: usize, hz: f64, phase: usize) -> Vec<i16> {
    (0..len)
        .map(|i| {
            let t = (phase + i) as f64 / 16_000.0;
            (9_000.0 * (2.0 * std::f64::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

/// Everything a test looks at after a conversation.
struct Run {
    whole: Vec<u8>,
    live: Vec<u8>,
    most_held: usize,
    stored: usize,
    lost: u64,
    peaks: usize,
    /// The most bytes one render call made.
    most_per_call: usize,
}

/// A conversation over two connections (48 kHz, then 44.1 kHz: a reconnect gets a new
/// AudioContext), each `steps` x 128 ms: the microphone with gaps and partial chunks, model
/// turns in random chunk sizes, some interrupted, some arriving slower than real time
/// (underruns), late chunks of an interrupted turn. The same inputs go to the whole-file
/// recorder and to the live one, which renders up to one second behind the clock.
fn conversation(format: Format, seed: u64, steps: u64) -> Run {
    capped(format, seed, steps, f64::INFINITY)
}

/// [`conversation`], rendering at most `max_s` seconds per call.
fn capped(format: Format, seed: u64, steps: u64, max_s: f64) -> Run {
    let mut rng = Lcg(seed);
    let mut whole = Recorder::new();
    let mut live = LiveRecorder::new(format);
    let mut bytes = Vec::new();
    let mut most_held = 0;
    let mut most_per_call = 0;
    for (n, rate) in [48_000u32, 44_100].into_iter().enumerate() {
        let offset = 100.0 + n as f64 * (steps as f64 * 0.128 + 7.3);
        let mut sched = Scheduler::new(rate, PlaybackConfig::default()).unwrap();
        let (ws, ls) = (
            whole.begin_session(offset, rate),
            live.begin_session(offset, rate),
        );
        let mut fed = 0;
        let mut mic_phase = 0;
        let mut reply_left = 0u64;
        for step in 0..steps {
            let ctx = step as f64 * 0.128;
            let now = (ctx * f64::from(rate)) as u64;
            // The microphone: off for a while every 60 steps, a partial chunk at each stop.
            let phase = step % 60;
            if phase < 45 {
                let len = if phase == 44 {
                    1 + rng.below(2047) as usize
                } else {
                    2048
                };
                let chunk = voice(len, 220.0 + 40.0 * n as f64, mic_phase);
                mic_phase += len;
                whole.add_user(offset + ctx, &chunk);
                live.add_user(offset + ctx, &chunk);
            }
            // The model: a reply of random length in random chunk sizes, sometimes late.
            if reply_left == 0 && rng.below(12) == 0 {
                reply_left = 24_000 + rng.below(96_000);
            }
            if reply_left > 0 && rng.below(4) != 0 {
                let len = (1 + rng.below(6_000)).min(reply_left);
                reply_left -= len;
                let chunk: Vec<i16> = (0..len)
                    .map(|i| (7_000.0 * ((step * 977 + i) as f64 * 0.13).sin()) as i16)
                    .collect();
                let turn =
                    sched.turn() + u64::from(sched.accepts_audio(now) && reply_left + len == 0);
                let heard = sched.receive(chunk, now).audio;
                if sched.accepts_audio(now) {
                    let turn = sched.turn().max(turn);
                    whole.add_model(ws, turn, &heard);
                    live.add_model(ls, turn, &heard);
                }
                if reply_left == 0 {
                    sched.turn_complete(now);
                }
            }
            // Barge-in now and then: the rest of that reply arrives late and is dropped.
            if rng.below(40) == 0 {
                sched.interrupt(now);
                if reply_left > 0 {
                    sched.push(&vec![500; 700], now);
                    reply_left = 0;
                }
                sched.turn_complete(now);
            }
            sched.pump(now);
            let settled = sched.settled_since(fed, now).to_vec();
            fed += settled.len();
            live.add_played(ls, &settled);
            let piece = live.render_at_most(offset + ctx - 1.0, max_s);
            most_per_call = most_per_call.max(piece.len());
            bytes.extend(piece);
            most_held = most_held.max(live.held_samples());
        }
        let end = (steps as f64 * 0.128 * f64::from(rate)) as u64;
        sched.stop(end);
        live.add_played(ls, sched.settled_since(fed, end));
        whole.set_played(ws, sched.log());
    }
    bytes.extend(live.finish());
    let mut file = live.header(live.total_frames()).unwrap().to_vec();
    file.extend(bytes);
    Run {
        whole: whole.to_wav(format).unwrap(),
        live: file,
        most_held,
        stored: whole.stored_samples(),
        lost: live.lost_samples(),
        peaks: live.peaks().len(),
        most_per_call,
    }
}

#[test]
fn the_live_render_makes_the_whole_renders_bytes_in_every_format() {
    for format in Format::ALL {
        for seed in [1, 2] {
            let run = conversation(format, seed, 120);
            assert_eq!(run.lost, 0, "{format:?} {seed}");
            assert_eq!(run.live.len(), run.whole.len(), "{format:?} {seed}");
            let first_difference = run.live.iter().zip(&run.whole).position(|(a, b)| a != b);
            assert_eq!(first_difference, None, "{format:?} seed {seed}");
            // a step (0.1 s at 24 kHz) per waveform column
            let frames = (run.whole.len() - 44) as u64 / (2 * u64::from(format.channels()));
            assert_eq!(
                run.peaks as u64,
                frames.div_ceil(2_400),
                "{format:?} {seed}"
            );
        }
    }
}

#[test]
fn rendering_at_most_a_few_steps_per_call_makes_the_same_bytes() {
    for format in Format::ALL {
        let free = conversation(format, 3, 120);
        // A reply heard out makes seconds final at once: one call renders them all.
        let bytes_per_s = f64::from(format.rate() * u32::from(format.channels()) * 2);
        assert!(free.most_per_call as f64 > 1.0 * bytes_per_s, "{format:?}");
        // Final time up to 0.3 s past what is rendered, per call: whole steps whose input,
        // with the resampling filter's look-ahead, lies within it: two steps of 0.1 s at
        // 24 kHz, one of 0.15 s at 16 kHz.
        let run = capped(format, 3, 120, 0.3);
        assert_eq!(run.lost, 0, "{format:?}");
        assert_eq!(run.live, run.whole, "{format:?}");
        assert_eq!(run.live, free.live, "{format:?}");
        let step = 2_400 * 2 * format.channels() as usize;
        let steps = if format.rate() == 24_000 { 2 } else { 1 };
        assert_eq!(run.most_per_call, steps * step, "{format:?}");
    }
}

#[test]
fn memory_held_does_not_grow_with_the_conversation() {
    let short = conversation(Format::Mono24k, 7, 100);
    let long = conversation(Format::Mono24k, 7, 400);
    // The whole-file recorder holds everything: four times the conversation, four times
    // the samples. The live one holds what is open: the last seconds and the current turn.
    assert!(
        long.stored > 3 * short.stored,
        "{} {}",
        long.stored,
        short.stored
    );
    // At most a reply (up to 5 s at 24 kHz here) and the seconds not yet rendered.
    assert!(long.most_held < 300_000, "{}", long.most_held);
    assert!(
        long.most_held < short.most_held * 2,
        "{} {}",
        long.most_held,
        short.most_held
    );
    assert_eq!(long.live, long.whole);
}

#[test]
fn audio_for_a_time_already_rendered_is_counted_not_placed() {
    let mut live = LiveRecorder::new(Format::Mono16k);
    live.add_user(10.0, &[1_000; 48_000]); // 3 s
    let first = live.render(11.5);
    // In steps of 0.15 s (at 16 kHz), as far as both tracks are final: the model's track
    // (silent here) is resampled 24 -> 16 kHz and lags by its 4096-sample reads.
    let rendered = live.written_frames();
    assert_eq!(first.len() as u64, rendered * 2);
    assert!((19_200..=24_000).contains(&rendered), "{rendered}");
    // A chunk stamped 0.5 s before the end of what is rendered: that half cannot be placed.
    live.add_user(
        10.0 + (rendered as f64 - 8_000.0) / 16_000.0,
        &[2_000; 16_000],
    );
    assert_eq!(live.lost_samples(), 8_000);
    let rest = live.finish();
    assert_eq!(live.total_frames(), 48_000);
    assert_eq!(live.written_frames(), 48_000);
    assert_eq!(first.len() + rest.len(), 48_000 * 2);
    assert!(LiveRecorder::new(Format::Stereo24k).render(5.0).is_empty());
    // Rendering long after the last audio stops at the last audio: the file ends there.
    let mut live = LiveRecorder::new(Format::Mono24k);
    let mut whole = Recorder::new();
    for k in 0..20 {
        let at = 3.0 + f64::from(k) * 0.128;
        live.add_user(at, &voice(2048, 300.0, k as usize * 2048));
        whole.add_user(at, &voice(2048, 300.0, k as usize * 2048));
    }
    let mut file = live.render(60.0);
    file.extend(live.finish());
    assert_eq!(live.total_frames(), 61_440); // 2.56 s at 24 kHz
    let mut with_header = live.header(live.total_frames()).unwrap().to_vec();
    with_header.extend(file);
    assert_eq!(with_header, whole.to_wav(Format::Mono24k).unwrap());
    assert_eq!(live.file_len(), with_header.len() as u64); // 44 + 2 x 61,440
    assert_eq!(
        LiveRecorder::new(Format::Stereo24k).finish(),
        Vec::<u8>::new()
    );
}

#[test]
fn peaks_fit_the_picture() {
    let peaks = [[0.1, 0.0], [0.5, 0.2], [0.3, 0.9], [0.0, 0.4], [0.2, 0.2]];
    // Two columns: steps 0-1 and 2-4.
    assert_eq!(fit_peaks(&peaks, 2), vec![[0.5, 0.2], [0.3, 0.9]]);
    assert_eq!(fit_peaks(&peaks, 5), peaks.to_vec());
    // Fewer steps than columns: each step spans its columns, none left empty.
    assert_eq!(fit_peaks(&peaks[..1], 3), vec![[0.1, 0.0]; 3]);
    assert_eq!(
        fit_peaks(&peaks[..2], 4),
        vec![[0.1, 0.0], [0.1, 0.0], [0.5, 0.2], [0.5, 0.2]]
    );
    assert_eq!(fit_peaks(&[], 2), vec![[0.0, 0.0]; 2]);
}

#[test]
fn the_model_heard_before_the_first_chunk_arrives_later_and_still_opens_the_file() {
    // The model spoke from 2.0 s (its buffer settles at 2.5 s); the microphone started at
    // 2.2 s and its chunk came first. Found by the fuzzer (seed 11): 149 samples were lost.
    let played = crate::playback::Played {
        id: 1,
        turn: 1,
        start: 0,
        frames: 12_000,
        heard: 12_000,
        fade_from: None,
        fade_in: 0,
        source_pos: 0.0,
        cancelled: false,
    };
    let reply = voice(12_000, 500.0, 0);
    let mut live = LiveRecorder::new(Format::Stereo24k);
    let mut whole = Recorder::new();
    let (ls, ws) = (
        live.begin_session(2.0, 24_000),
        whole.begin_session(2.0, 24_000),
    );
    live.add_model(ls, 1, &reply);
    whole.add_model(ws, 1, &reply);
    live.add_user(2.2, &voice(2048, 300.0, 0));
    whole.add_user(2.2, &voice(2048, 300.0, 0));
    // Rendering up to where the model's buffer is still open renders nothing yet.
    assert!(live.render(2.0).is_empty());
    live.add_played(ls, std::slice::from_ref(&played));
    whole.set_played(ws, &[played]);
    let mut file = live.render(2.3);
    file.extend(live.finish());
    assert_eq!(live.lost_samples(), 0);
    let mut with_header = live.header(live.total_frames()).unwrap().to_vec();
    with_header.extend(file);
    assert_eq!(with_header, whole.to_wav(Format::Stereo24k).unwrap());
}
