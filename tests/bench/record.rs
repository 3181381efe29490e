//! The conversation's record over an hour (issue 26): a scripted 60-minute conversation
//! (a 12-second cycle: you speak 3 s, the model answers 4 s, every tenth cycle a tool call,
//! every thirtieth a reply cut off) fed as the page feeds it, 2048-sample microphone chunks
//! and all. Prints the heap the record holds after 10, 30 and 60 minutes (a counting
//! allocator: it grows with the turns, not with the audio), the JSON's size, the captions'
//! and the cue chunks'; then criterion times what Save record does (`export` + `to_json`),
//! the captions and the cue chunks.
//!
//! `cargo bench --bench record`

#[cfg(not(target_arch = "wasm32"))]
mod bench {
    use criterion::{criterion_group, Criterion};
    use gemini_live_voice::playback::Played;
    use gemini_live_voice::protocol::UsageMetadata;
    use gemini_live_voice::record::{Record, Settings, Who};
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts the bytes allocated and not yet freed.
    struct Counting;
    static HELD: AtomicUsize = AtomicUsize::new(0);

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            HELD.fetch_add(layout.size(), Ordering::Relaxed);
            // SAFETY: forwarded as given.
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            HELD.fetch_sub(layout.size(), Ordering::Relaxed);
            // SAFETY: forwarded as given.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static ALLOC: Counting = Counting;

    const CYCLE: f64 = 12.0;
    const ORIGIN: f64 = 10.0;

    /// The record of `minutes` of conversation.
    pub fn conversation(minutes: u32) -> Record {
        let mut r = Record::new(Settings {
            model: "models/gemini-3.8-live".into(),
            voice: "Puck".into(),
            instruction: "Be brief.".into(),
        });
        let session = r.begin_session(ORIGIN, 48_000);
        let cycles = (f64::from(minutes) * 60.0 / CYCLE) as u64;
        let tone: Vec<i16> = (0..2048)
            .map(|i| (3277.0 * (i as f64 * 0.0785).sin()) as i16)
            .collect();
        let quiet = vec![0i16; 2048];
        let reply = vec![900i16; 4 * 24_000];
        let mut chunk_at = 0.0;
        for k in 0..cycles {
            let start = k as f64 * CYCLE;
            // Your 3 s of speech at the cycle's start, then quiet, in the worklet's chunks.
            while chunk_at < start + CYCLE {
                let t = chunk_at - start;
                let samples = if t < 3.0 { &tone } else { &quiet };
                r.mic(ORIGIN + chunk_at, samples);
                chunk_at += 2048.0 / 16_000.0;
                if (t..t + 0.128).contains(&3.9) {
                    let words = format!("Question number {k}, about something or other.");
                    r.transcript(ORIGIN + chunk_at, Who::You, &words);
                }
            }
            // The model answers at 4 s for 4 s (cut off at 2 s every thirtieth cycle).
            let turn = k + 1;
            let cut = k % 30 == 29;
            for piece in reply.chunks(9_600) {
                r.model_audio(ORIGIN + start + 3.6, session, turn, piece);
            }
            let words = format!("Answer number {k}, with a sentence or two of reply.");
            r.transcript(ORIGIN + start + 4.2, Who::Model, &words);
            r.model_done(cut);
            r.usage(&UsageMetadata {
                prompt_token_count: Some(40),
                response_token_count: Some(100),
                total_token_count: Some(140),
            });
            let frames = 4 * 48_000;
            let heard = if cut { frames / 2 } else { frames };
            r.played(
                session,
                &[Played {
                    id: turn,
                    turn,
                    start: ((start + 4.0) * 48_000.0) as u64,
                    frames,
                    heard,
                    fade_from: cut.then_some(heard),
                    fade_in: 0,
                    source_pos: 0.0,
                    cancelled: false,
                }],
            );
            if k % 10 == 9 {
                let id = format!("call-{k}");
                r.tool_asked(ORIGIN + start + 8.0, &id, "get_current_time", "{}");
                r.tool_answered(ORIGIN + start + 8.05, &id, "the time");
            }
        }
        r
    }

    pub fn figures() {
        for minutes in [10, 30, 60] {
            let before = HELD.load(Ordering::Relaxed);
            let record = conversation(minutes);
            let held = HELD.load(Ordering::Relaxed) - before;
            let export = record.export(ORIGIN, 24_000);
            let json = export.to_json();
            println!(
                "{minutes:>2} minutes: {} turns, the record holds {:.1} kB ({:.0} B a turn); JSON {:.1} kB, captions {:.1} kB, cue chunks {:.1} kB",
                export.turns.len(),
                held as f64 / 1e3,
                held as f64 / export.turns.len() as f64,
                json.len() as f64 / 1e3,
                export.webvtt().len() as f64 / 1e3,
                export.cue_chunks().len() as f64 / 1e3,
            );
        }
    }

    fn save(c: &mut Criterion) {
        let record = conversation(60);
        c.bench_function("60 minutes: Save record (export + to_json)", |b| {
            b.iter(|| record.export(ORIGIN, 24_000).to_json())
        });
        let export = record.export(ORIGIN, 24_000);
        c.bench_function("60 minutes: captions (webvtt)", |b| {
            b.iter(|| export.webvtt())
        });
        c.bench_function("60 minutes: cue chunks", |b| b.iter(|| export.cue_chunks()));
    }

    criterion_group! {
        name = benches;
        config = Criterion::default().sample_size(20);
        targets = save
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    bench::figures();
    bench::benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

#[cfg(target_arch = "wasm32")]
fn main() {}
