use super::*;

/// 24 kHz context: no resampling, so frames are source samples (prebuffer 2880, lead 72,
/// fade 120, lookahead 12000).
fn direct() -> Scheduler {
    Scheduler::new(24_000, PlaybackConfig::default()).unwrap()
}

fn chunk(len: usize) -> Vec<i16> {
    (0..len).map(|i| (i % 1000) as i16).collect()
}

fn starts(plays: &[Play]) -> Vec<(u64, usize)> {
    plays.iter().map(|p| (p.start, p.samples.len())).collect()
}

#[test]
fn config_is_checked() {
    let bad = |c: PlaybackConfig| Scheduler::new(48_000, c).err().unwrap().to_string();
    let d = PlaybackConfig::default();
    assert!(bad(PlaybackConfig {
        prebuffer_ms: 4.0,
        ..d
    })
    .contains("prebuffer (4 ms) must cover lead + fade (8 ms)"));
    assert!(bad(PlaybackConfig {
        lookahead_ms: 100.0,
        ..d
    })
    .contains("lookahead (100 ms) must exceed the prebuffer (120 ms)"));
    assert!(bad(PlaybackConfig {
        fade_ms: f64::NAN,
        ..d
    })
    .contains("fade must be a number"));
    assert_eq!(Scheduler::new(0, d).err(), Some(PlaybackError::Rate(0)));
}

#[test]
fn a_burst_plays_back_to_back_after_the_prebuffer_within_the_lookahead() {
    let mut s = direct();
    let mut plays = Vec::new();
    for _ in 0..5 {
        plays.extend(s.push(&chunk(4800), 1000));
    }
    // 1000 + 2880 = 3880; each follows the last; the third would start at 13480 > 1000 + 12000.
    assert_eq!(starts(&plays), vec![(3880, 4800), (8680, 4800)]);
    assert_eq!(s.queued_frames(), 3 * 4800);
    assert_eq!(starts(&s.pump(1479)), vec![]);
    assert_eq!(starts(&s.pump(1480)), vec![(13480, 4800)]);
    assert_eq!(starts(&s.pump(6300)), vec![(18280, 4800)]);
    assert_eq!(starts(&s.pump(11_080)), vec![(23080, 4800)]);
    assert_eq!(s.stats().silence_frames, 0);
    assert_eq!(s.stats().underruns, 0);
    let ids: Vec<u64> = s.log().iter().map(|p| p.id).collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    let pos: Vec<f64> = s.log().iter().map(|p| p.source_pos).collect();
    assert_eq!(pos, vec![0.0, 4800.0, 9600.0, 14400.0, 19200.0]);
}

#[test]
fn slow_arrivals_underrun_and_reanchor_counting_the_silence() {
    let mut s = direct();
    // 200 ms chunks every 250 ms.
    let mut got = Vec::new();
    for k in 0..4u64 {
        got.extend(starts(&s.push(&chunk(4800), k * 6000)));
    }
    // 2880..7680, 7680..12480 (arrived 6000), 12480..17280 (arrived 12000, 480 to spare),
    // then at 18000 the cursor (17280) is behind: re-anchor at 18000 + 2880.
    assert_eq!(
        got,
        vec![(2880, 4800), (7680, 4800), (12480, 4800), (20880, 4800)]
    );
    assert_eq!(s.stats().underruns, 1);
    assert_eq!(s.stats().silence_frames, 20880 - 17280);
}

#[test]
fn a_chunk_arriving_inside_the_lead_counts_as_an_underrun() {
    let mut s = direct();
    s.push(&chunk(4800), 0); // 2880..7680
                             // 7680 - 7609 = 71 < lead (72): too late to join on time.
    assert_eq!(starts(&s.push(&chunk(100), 7609)), vec![(7609 + 2880, 100)]);
    let mut s = direct();
    s.push(&chunk(4800), 0);
    assert_eq!(starts(&s.push(&chunk(100), 7608)), vec![(7680, 100)]);
    assert_eq!(s.stats().underruns, 0);
}

#[test]
fn jitter_inside_the_prebuffer_inserts_no_silence() {
    let mut s = direct();
    // Real-time pace on average, each arrival up to 100 ms early or late (in frames at 24k).
    let jitter: [i64; 10] = [0, 2400, -2400, 1200, 2300, -2000, 600, -100, 2400, -2400];
    let mut all = Vec::new();
    for (k, j) in jitter.iter().enumerate() {
        let now = (k as i64 * 4800 + 2400 + j) as u64;
        all.extend(s.push(&chunk(4800), now));
        all.extend(s.pump(now));
    }
    all.extend(s.pump(1_000_000));
    assert_eq!(s.stats().underruns, 0);
    assert_eq!(s.stats().silence_frames, 0);
    for w in all.windows(2) {
        assert_eq!(w[1].start, w[0].start + w[0].samples.len() as u64);
    }
    assert_eq!(all.len(), 10);
}

#[test]
fn a_new_turn_waits_for_the_previous_one_and_gets_its_prebuffer() {
    let mut s = direct();
    s.push(&chunk(4800), 0); // 2880..7680
    s.turn_complete(100);
    assert_eq!(s.turn(), 1);
    // Next turn arrives while the first still plays: it follows it.
    assert_eq!(starts(&s.push(&chunk(2400), 4000)), vec![(7680, 2400)]);
    assert_eq!(s.turn(), 2);
    s.turn_complete(4000);
    // A turn long after: prebuffer from its arrival.
    assert_eq!(starts(&s.push(&chunk(2400), 50_000)), vec![(52_880, 2400)]);
    assert_eq!(s.log()[2].turn, 3);
    assert_eq!(s.log()[2].source_pos, 0.0);
    assert_eq!(
        s.stats().underruns,
        0,
        "gaps between turns are not underruns"
    );
}

#[test]
fn turn_complete_drains_what_is_queued() {
    let mut s = direct();
    for _ in 0..6 {
        s.push(&chunk(4800), 0);
    }
    assert_eq!(s.log().len(), 2); // the third would start at 12480, past the lookahead
    s.turn_complete(0);
    let mut later = Vec::new();
    for now in (0..40_000).step_by(1200) {
        later.extend(s.pump(now));
    }
    let total: u64 = s.log().iter().map(|p| p.heard).sum();
    assert_eq!(total, 6 * 4800, "nothing is cut on turnComplete");
    assert_eq!(s.log().last().unwrap().start, 2880 + 5 * 4800);
}

#[test]
fn interruption_cuts_at_lead_plus_fade_and_drops_the_rest_of_the_turn() {
    let mut s = direct();
    s.push(&chunk(4800), 0); // id 1: 2880..7680
    s.push(&chunk(4800), 0); // id 2: 7680..12480
    s.push(&chunk(4800), 0); // queued
    let cut = s.interrupt(5000);
    assert_eq!(
        cut,
        Cut {
            at: 5072,
            end: 5192,
            stop: vec![1, 2]
        }
    );
    let log = s.log();
    assert_eq!(log[0].heard, 5192 - 2880);
    assert_eq!(log[0].fade_from, Some(5072));
    assert_eq!(log[1].heard, 0);
    assert_eq!(log[1].fade_from, None);
    assert_eq!(s.stats().discarded_frames, 4800);
    // Late chunks of the interrupted turn are dropped until its turnComplete.
    assert!(s.push(&chunk(4800), 5100).is_empty());
    assert_eq!(s.stats().dropped_chunks, 1);
    s.turn_complete(5200);
    // The next turn is ready at once: prebuffer from its arrival, nothing eaten.
    assert_eq!(
        starts(&s.push(&chunk(4800), 5300)),
        vec![(5300 + 2880, 4800)]
    );
    assert_eq!(s.log()[2].turn, 2);
    assert_eq!(s.log()[2].heard, 4800);
}

#[test]
fn interruption_leaves_finished_buffers_alone_and_fades_one_starting_inside_the_fade() {
    let mut s = direct();
    s.push(&chunk(2400), 0); // id 1: 2880..5280
    s.push(&chunk(2400), 0); // id 2: 5280..7680
    s.pump(5000);
    let cut = s.interrupt(5250 - 72); // at = 5250, end = 5370
    assert_eq!(cut.stop, vec![1, 2]);
    assert_eq!(s.log()[0].heard, 2400);
    assert_eq!(s.log()[0].fade_from, Some(5250));
    assert_eq!(s.log()[1].heard, 90);
    assert_eq!(s.log()[1].fade_from, Some(5280));
    // Once id 1 has finished before the fade, it is not touched.
    let mut s = direct();
    s.push(&chunk(2400), 0);
    s.push(&chunk(2400), 0);
    s.pump(5300);
    let cut = s.interrupt(5300);
    assert_eq!(cut.stop, vec![2]);
    assert_eq!(s.log()[0].heard, 2400);
    assert_eq!(s.log()[0].fade_from, None);
    assert_eq!(s.log()[1].heard, 5300 + 72 + 120 - 5280);
}

#[test]
fn interruption_with_nothing_playing_still_drops_until_turn_complete() {
    let mut s = direct();
    let cut = s.interrupt(1000);
    assert!(cut.stop.is_empty());
    assert!(s.push(&chunk(480), 1100).is_empty());
    s.turn_complete(1200);
    assert_eq!(starts(&s.push(&chunk(480), 1300)), vec![(4180, 480)]);
}

#[test]
fn at_48k_the_turn_is_resampled_contiguously_and_fully_drained() {
    let mut s = Scheduler::new(48_000, PlaybackConfig::default()).unwrap();
    let sizes = [4800usize, 5760, 1234, 4801, 7];
    let mut plays = Vec::new();
    for &n in &sizes {
        plays.extend(s.push(&chunk(n), 0));
    }
    plays.extend(s.turn_complete(0));
    for now in (0..200_000).step_by(4800) {
        plays.extend(s.pump(now));
    }
    for w in plays.windows(2) {
        assert_eq!(w[1].start, w[0].start + w[0].samples.len() as u64);
    }
    assert_eq!(plays[0].start, 5760); // 120 ms at 48 kHz
    let total: usize = plays.iter().map(|p| p.samples.len()).sum();
    let source: usize = sizes.iter().sum();
    let delay = Resampler::new(24_000, 48_000).unwrap().delay();
    assert_eq!(total as f64, ((source as f64 + delay) * 2.0).ceil());
    assert_eq!(s.log()[0].source_pos, -delay);
    // The first chunk's outputs: exact count from the resampler.
    assert_eq!(plays[0].samples.len(), 9600);
}

#[test]
fn at_44k1_the_tone_comes_through_at_the_right_level() {
    let mut s = Scheduler::new(44_100, PlaybackConfig::default()).unwrap();
    let tone: Vec<i16> = (0..24_000)
        .map(|i| (16384.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 24000.0).sin()) as i16)
        .collect();
    let mut out = Vec::new();
    for c in tone.chunks(5000) {
        for p in s.push(c, 0) {
            out.extend(p.samples);
        }
    }
    for now in (0..100_000).step_by(4410) {
        for p in s.pump(now) {
            out.extend(p.samples);
        }
    }
    // Compare the middle with the ideal tone, delayed by the filter.
    let delay = s.delay;
    let mut worst = 0f64;
    for (j, &y) in out.iter().enumerate().skip(2000).take(30_000) {
        let t = j as f64 / 44_100.0 - delay / 24_000.0;
        let ideal = 0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
        worst = worst.max((f64::from(y) - ideal).abs());
    }
    assert!(worst < 1e-3, "worst error {worst}");
}

/// A 48 kHz turn of `chunks` 4800-sample chunks pushed at frame 0 and pumped every 1920
/// frames (40 ms) up to `until`; `turnComplete` at frame `complete_at`.
fn turn_with_late_complete(chunks: usize, complete_at: u64, until: u64) -> (Scheduler, Vec<Play>) {
    let mut s = Scheduler::new(48_000, PlaybackConfig::default()).unwrap();
    let mut plays = Vec::new();
    for _ in 0..chunks {
        plays.extend(s.push(&chunk(4800), 0));
    }
    let mut completed = false;
    for now in (0..until).step_by(1920) {
        if !completed && now >= complete_at {
            plays.extend(s.turn_complete(now));
            completed = true;
        }
        plays.extend(s.pump(now));
    }
    (s, plays)
}

#[test]
fn turn_complete_early_on_time_or_late_never_plays_the_tail_after_a_gap() {
    // 3 chunks = 14400 source samples = 28800 frames, from 5760 to 34560 (prebuffer 120 ms).
    let delay = Resampler::new(24_000, 48_000).unwrap().delay();
    let tail = ((14_400.0 + delay) * 2.0).ceil() as u64 - 28_800;
    assert!(tail > 0);
    // early (long before the end) and on time (still inside the lead margin before the end):
    // the tail follows the last sample with no gap and nothing is counted as an underrun.
    for complete_at in [0, 34_560 - 144 - 1920] {
        let (s, plays) = turn_with_late_complete(3, complete_at, 60_000);
        for w in plays.windows(2) {
            assert_eq!(
                w[1].start,
                w[0].start + w[0].samples.len() as u64,
                "{complete_at}"
            );
        }
        let last = plays.last().unwrap();
        assert_eq!(last.start, 34_560, "{complete_at}");
        assert_eq!(last.samples.len() as u64, tail, "{complete_at}");
        assert_eq!(s.stats().underruns, 0, "{complete_at}");
        assert_eq!(s.stats().silence_frames, 0, "{complete_at}");
        assert_eq!(s.stats().late_tail_frames, 0, "{complete_at}");
    }
    // late (after the last sample played, as an independent server did 120-300 ms after):
    // the tail is dropped, never re-anchored 120 ms later on its own.
    for complete_at in [34_560, 34_560 + 14_400] {
        let (s, plays) = turn_with_late_complete(3, complete_at, 80_000);
        assert_eq!(plays.last().unwrap().start + 9_600, 34_560, "{complete_at}");
        assert!(plays.iter().all(|p| p.start < 34_560), "{complete_at}");
        assert_eq!(s.stats().underruns, 0, "{complete_at}");
        assert_eq!(s.stats().silence_frames, 0, "{complete_at}");
        assert_eq!(s.stats().late_tail_frames, tail, "{complete_at}");
        assert!(!s.is_playing(34_560), "{complete_at}");
    }
}

#[test]
fn settled_entries_are_the_log_prefix_whose_heard_is_final() {
    let mut s = direct();
    for _ in 0..3 {
        s.push(&chunk(4800), 0);
    }
    // 2880..7680, 7680..12480 scheduled; the third waits for the lookahead.
    assert_eq!(s.settled_since(0), &[]);
    s.pump(7680);
    let settled: Vec<u64> = s.settled_since(0).iter().map(|p| p.id).collect();
    assert_eq!(settled, vec![1]);
    assert_eq!(s.settled_since(1), &[]);
    // An interruption settles everything that was live, cut where the fade ended.
    let cut = s.interrupt(8000);
    let settled: Vec<(u64, u64)> = s.settled_since(1).iter().map(|p| (p.id, p.heard)).collect();
    assert_eq!(settled, vec![(2, cut.end - 7680), (3, 0)]);
    assert_eq!(s.settled_since(3), &[]);
    assert_eq!(s.settled_since(99), &[]);
}

#[test]
fn stopping_settles_what_was_still_to_sound_as_heard_up_to_now() {
    let mut s = direct();
    s.push(&chunk(4800), 0);
    s.push(&chunk(4800), 0);
    s.stop(5000);
    let heard: Vec<u64> = s.settled_since(0).iter().map(|p| p.heard).collect();
    assert_eq!(heard, vec![5000 - 2880, 0]);
    assert!(!s.is_playing(5000));
}

/// Pushes a turn of 200 ms chunks (4800 source samples) arriving at the given frames (48 kHz
/// context), pumping every 40 ms in between, then `turnComplete` and drains it. Returns the
/// turn's first start frame and the underruns and inserted silence it added.
fn adaptive_turn(s: &mut Scheduler, arrivals: &[u64]) -> (u64, u64, u64) {
    let before = s.stats();
    let first_log = s.log().len();
    let mut now = arrivals[0];
    for &at in arrivals {
        while now + 1920 < at {
            now += 1920;
            s.pump(now);
        }
        now = at;
        s.push(&chunk(4800), now);
    }
    s.turn_complete(now);
    for _ in 0..200 {
        now += 1920;
        s.pump(now);
    }
    let after = s.stats();
    (
        s.log()[first_log].start,
        after.underruns - before.underruns,
        after.silence_frames - before.silence_frames,
    )
}

#[test]
fn the_adaptive_buffer_starts_at_25_ms_on_a_steady_link_and_never_underruns() {
    let mut s = Scheduler::new(48_000, PlaybackConfig::adaptive()).unwrap();
    assert_eq!(s.prebuffer_frames(), 1200);
    // Real time, +-5 ms (240 frames).
    let steady: Vec<u64> = (0..20u64)
        .map(|k| 100_000 + k * 9600 + [0, 240, 0, 120][k as usize % 4])
        .collect();
    assert_eq!(adaptive_turn(&mut s, &steady), (101_200, 0, 0));
    // The service's burst: 8 chunks at once, then real time +-40 ms.
    let mut burst = vec![1_000_000; 8];
    burst.extend((8..20u64).map(|k| 1_000_000 + (k - 7) * 9600 + [0, 1920][k as usize % 2]));
    let p = s.prebuffer_frames();
    assert_eq!(adaptive_turn(&mut s, &burst), (1_000_000 + p, 0, 0));
}

#[test]
fn a_slow_stream_underruns_less_than_the_fixed_buffer_and_is_learnt_for_the_next_turn() {
    // 0.9x real time for 23 chunks (200 ms every 222 ms), then the rest at once.
    let slow = |t0: u64| {
        let mut a: Vec<u64> = (0..23u64).map(|k| t0 + k * 10_656).collect();
        a.extend([t0 + 23 * 10_656; 7]);
        a
    };
    let mut fixed = Scheduler::new(48_000, PlaybackConfig::default()).unwrap();
    let mut adaptive = Scheduler::new(48_000, PlaybackConfig::adaptive()).unwrap();
    let f1 = adaptive_turn(&mut fixed, &slow(0));
    let a1 = adaptive_turn(&mut adaptive, &slow(0));
    let f2 = adaptive_turn(&mut fixed, &slow(1_000_000));
    let a2 = adaptive_turn(&mut adaptive, &slow(1_000_000));
    println!("fixed {f1:?} {f2:?}, adaptive {a1:?} {a2:?}");
    assert_eq!((f1.1, f1.2), (f2.1, f2.2));
    // Turn 1: the adaptive buffer starts 95 ms sooner and grows at each underrun.
    assert_eq!(a1.0, 1200);
    // Turn 2: it learnt the stream's worst lateness (the 24th chunk, 506 ms, + 15 ms): no
    // underrun at all.
    assert_eq!(a2, (1_000_000 + 521 * 48, 0, 0));
    assert!(
        a1.2 + a2.2 <= f1.2 + f2.2,
        "silence over both turns: adaptive {} fixed {}",
        a1.2 + a2.2,
        f1.2 + f2.2
    );
}

#[test]
fn without_turn_complete_a_pause_after_an_interruption_opens_the_next_turn() {
    // 24 kHz: frames are samples; DROP_GAP_MS = 1000 ms = 24000 frames.
    let mut s = direct();
    s.push(&chunk(4800), 0);
    s.interrupt(3000);
    // The interrupted turn's chunks still in flight: dropped, each extending the window.
    assert!(s.push(&chunk(4800), 6000).is_empty());
    assert!(!s.accepts_audio(29_999));
    assert!(s.push(&chunk(4800), 29_000).is_empty());
    assert_eq!(s.stats().dropped_chunks, 2);
    // The server never sends turnComplete; a second later the next reply comes: it plays.
    assert!(s.accepts_audio(53_000));
    let plays = s.push(&chunk(4800), 53_000);
    assert_eq!(starts(&plays), vec![(53_000 + 2880, 4800)]);
    assert_eq!(s.turn(), 2);
    assert_eq!(s.stats().dropped_chunks, 2);
}

/// Found by the hostile-server run: one part holding minutes of audio was one buffer, heard
/// (and recorded) only when it ended. Now it is split into 0.5 s buffers scheduled as they
/// play, and the settled log (what the recording takes) grows as it is heard.
#[test]
fn a_chunk_of_minutes_is_split_and_scheduled_as_it_plays() {
    let mut s = direct();
    // 150 s at 24 kHz arriving at frame 1000.
    let plays = s.push(&chunk(150 * 24_000), 1000);
    // Half-second buffers, only as far as the lookahead (1000 + 12000): one.
    assert_eq!(starts(&plays), vec![(3880, 12_000)]);
    assert_eq!(s.queued_frames(), 150 * 24_000 - 12_000);
    // Pumped for 1.5 s: two have played and settled; the third is sounding; the
    // lookahead (to 49,000 at the end) took three more, back to back.
    let mut later = Vec::new();
    for now in (1000..=37_000).step_by(2_400) {
        later.extend(s.pump(now)); // the page pumps every 100 ms
    }
    assert_eq!(s.stats().underruns, 0);
    assert_eq!(
        starts(&later),
        vec![(15_880, 12_000), (27_880, 12_000), (39_880, 12_000)]
    );
    let settled: Vec<(u64, u64)> = s
        .settled_since(0)
        .iter()
        .map(|p| (p.start, p.heard))
        .collect();
    assert_eq!(settled, vec![(3880, 12_000), (15_880, 12_000)]);
    let pos: Vec<f64> = s.log().iter().map(|p| p.source_pos).collect();
    assert_eq!(pos, vec![0.0, 12_000.0, 24_000.0, 36_000.0]);
}
