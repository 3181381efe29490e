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

/// A scheduler and what of its output sounds: buffers it cancelled before they started
/// (bridges that more audio replaced) are taken out as it cancels them.
struct Heard {
    s: Scheduler,
    plays: Vec<Play>,
}

impl Heard {
    fn new(s: Scheduler) -> Heard {
        Heard {
            s,
            plays: Vec::new(),
        }
    }

    fn take(&mut self, plays: Vec<Play>) {
        let gone = self.s.take_cancelled();
        self.plays.retain(|p| !gone.contains(&p.id));
        self.plays.extend(plays);
    }

    fn push(&mut self, chunk: &[i16], now: u64) {
        let plays = self.s.push(chunk, now);
        self.take(plays);
    }

    fn pump(&mut self, now: u64) {
        let plays = self.s.pump(now);
        self.take(plays);
    }

    fn complete(&mut self, now: u64) {
        let plays = self.s.turn_complete(now);
        self.take(plays);
    }

    /// What sounds, as runs of back-to-back buffers: (first frame, frames).
    fn spans(&self) -> Vec<(u64, u64)> {
        let mut plays: Vec<&Play> = self.plays.iter().collect();
        plays.sort_by_key(|p| p.start);
        let mut out: Vec<(u64, u64)> = Vec::new();
        for p in plays {
            let len = p.samples.len() as u64;
            match out.last_mut() {
                Some((start, frames)) if *start + *frames == p.start => *frames += len,
                _ => out.push((p.start, len)),
            }
        }
        out
    }

    /// The samples that sound, in order (back to back where the spans are).
    fn audio(&self) -> Vec<f32> {
        let mut plays: Vec<&Play> = self.plays.iter().collect();
        plays.sort_by_key(|p| p.start);
        plays
            .iter()
            .flat_map(|p| p.samples.iter().copied())
            .collect()
    }
}

/// The log's entries that sound (a cancelled bridge is in the log, heard 0).
fn heard_log(s: &Scheduler) -> Vec<&Played> {
    s.log().iter().filter(|p| p.heard > 0).collect()
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
fn the_lead_covers_one_render_callback_in_whole_quanta() {
    let d = PlaybackConfig::default();
    // Headless Chromium at 48 kHz: baseLatency 0.0100208 s, 481 frames: 4 quanta, 512
    // frames, 10.67 ms (its clock was seen to jump 384 and 512 frames at a time).
    let c = d.covering(0.010_020_833 * 48_000.0, 48_000);
    assert_eq!(c.lead_ms, 512.0 * 1000.0 / 48_000.0);
    let mut s = Scheduler::new(48_000, c).unwrap();
    s.push(&chunk(24_000), 0);
    let cut = s.interrupt(10_000);
    assert_eq!((cut.at, cut.end), (10_512, 10_752));
    // A callback shorter than the configured lead keeps the lead; no figure keeps it too.
    assert_eq!(d.covering(100.0, 48_000).lead_ms, 3.0);
    assert_eq!(d.covering(f64::NAN, 48_000), d);
    assert_eq!(d.covering(0.0, 48_000), d);
    // At 44.1 kHz, 441 frames (10 ms): 4 quanta, 11.61 ms.
    assert_eq!(d.covering(441.0, 44_100).lead_ms, 512.0 * 1000.0 / 44_100.0);
}

#[test]
fn a_burst_plays_back_to_back_after_the_prebuffer_within_the_lookahead() {
    let mut h = Heard::new(direct());
    for _ in 0..5 {
        h.push(&chunk(4800), 1000);
    }
    // 1000 + 2880 = 3880; each follows the last, up to the lookahead (1000 + 12000): the
    // second chunk's last 4 ms (96 frames, its bridge, cancelled by the third) wait.
    assert_eq!(h.spans(), vec![(3880, 9504)]);
    assert_eq!(h.s.queued_frames(), 96 + 3 * 4800);
    h.pump(1479);
    assert_eq!(h.spans(), vec![(3880, 9600)]);
    h.pump(1480);
    assert_eq!(h.spans(), vec![(3880, 14_400)]);
    h.pump(6300);
    h.pump(11_080);
    // The turn is still open: its last 96 frames are a bridge, faded out.
    assert_eq!(h.spans(), vec![(3880, 24_000)]);
    assert_eq!(h.s.stats().silence_frames, 0);
    assert_eq!(h.s.stats().underruns, 0);
    // What sounds covers the source back to back: each entry starts where the last ended.
    let log = heard_log(&h.s);
    for w in log.windows(2) {
        assert_eq!(w[1].source_pos, w[0].source_pos + w[0].frames as f64);
        assert_eq!(w[1].start, w[0].start + w[0].frames);
    }
    assert_eq!(log.last().unwrap().fade_from, Some(3880 + 24_000 - 96));
}

#[test]
fn slow_arrivals_underrun_and_reanchor_counting_the_silence() {
    let mut h = Heard::new(direct());
    // 200 ms chunks every 250 ms.
    for k in 0..4u64 {
        h.push(&chunk(4800), k * 6000);
    }
    // 2880..7680, 7680..12480 (arrived 6000), 12480..17280 (arrived 12000, 480 to spare),
    // then at 18000 the cursor (17280) is behind: the bridge faded the third chunk out on
    // its last sample; re-anchor at 18000 + 2880, fading in.
    assert_eq!(h.spans(), vec![(2880, 14_400), (20_880, 4800)]);
    assert_eq!(h.s.stats().underruns, 1);
    assert_eq!(h.s.stats().gaps, 1);
    assert_eq!(h.s.stats().silence_frames, 20_880 - 17_280);
    let audio = h.audio();
    // Faded out: the gap's last sample before it at 1/96 of full; faded in from 0.
    let before = f64::from(chunk(4800)[4799]) / 32768.0;
    assert!((f64::from(audio[14_399]) - before / 96.0).abs() < 1e-6);
    assert_eq!(audio[14_400], 0.0);
    let after = f64::from(chunk(4800)[48]) / 32768.0;
    assert!((f64::from(audio[14_400 + 48]) - after * 0.5).abs() < 1e-6);
    let resumed = heard_log(&h.s)
        .into_iter()
        .find(|p| p.start == 20_880)
        .unwrap();
    assert_eq!(resumed.fade_in, 96);
}

#[test]
fn a_chunk_arriving_inside_the_lead_counts_as_an_underrun() {
    // 2880..7680, its bridge (the last 96 frames, faded) from 7584.
    // 7680 - 7609 = 71 < lead (72): too late to follow: the bridge faded out, the new audio
    // fades in after the prebuffer.
    let mut h = Heard::new(direct());
    h.push(&chunk(4800), 0);
    h.push(&chunk(100), 7609);
    assert_eq!(h.spans(), vec![(2880, 4800), (7609 + 2880, 100)]);
    assert_eq!((h.s.stats().underruns, h.s.stats().gaps), (1, 1));
    // 7584 - 7513 = 71: the bridge has started, but the audio comes before it ends: it
    // follows it, fading in: a 4 ms dip, no silence.
    let mut h = Heard::new(direct());
    h.push(&chunk(4800), 0);
    h.push(&chunk(100), 7513);
    assert_eq!(h.spans(), vec![(2880, 4900)]);
    assert_eq!((h.s.stats().underruns, h.s.stats().gaps), (0, 1));
    // 7584 - 7512 = 72: the bridge is cancelled, the audio joins with no trace.
    let mut h = Heard::new(direct());
    h.push(&chunk(4800), 0);
    h.push(&chunk(100), 7512);
    assert_eq!(h.spans(), vec![(2880, 4900)]);
    assert_eq!((h.s.stats().underruns, h.s.stats().gaps), (0, 0));
    let audio = h.audio();
    let source: Vec<i16> = chunk(4800).into_iter().chain(chunk(100)).collect();
    for (i, (&y, &x)) in audio.iter().zip(&source).enumerate().take(4804) {
        assert_eq!(y, x as f32 / 32768.0, "sample {i} is not the source's");
    }
}

#[test]
fn jitter_inside_the_prebuffer_inserts_no_silence() {
    let s = direct();
    // Real-time pace on average, each arrival up to 100 ms early or late (in frames at 24k).
    let jitter: [i64; 10] = [0, 2400, -2400, 1200, 2300, -2000, 600, -100, 2400, -2400];
    let mut h = Heard::new(s);
    for (k, j) in jitter.iter().enumerate() {
        let now = (k as i64 * 4800 + 2400 + j) as u64;
        h.push(&chunk(4800), now);
        h.pump(now);
    }
    h.pump(1_000_000);
    assert_eq!(h.s.stats().underruns, 0);
    assert_eq!(h.s.stats().silence_frames, 0);
    assert_eq!(h.spans(), vec![(2400 + 2880, 48_000)]);
}

#[test]
fn a_new_turn_waits_for_the_previous_one_and_gets_its_prebuffer() {
    let mut h = Heard::new(direct());
    h.push(&chunk(4800), 0); // 2880..7680
    h.complete(100);
    assert_eq!(h.s.turn(), 1);
    // Next turn arrives while the first still plays: it follows it.
    h.push(&chunk(2400), 4000);
    assert_eq!(h.spans(), vec![(2880, 7200)]);
    assert_eq!(h.s.turn(), 2);
    h.complete(4000);
    // A turn long after: prebuffer from its arrival.
    h.push(&chunk(2400), 50_000);
    assert_eq!(h.spans(), vec![(2880, 7200), (52_880, 2400)]);
    let third = heard_log(&h.s)
        .into_iter()
        .find(|p| p.start == 52_880)
        .unwrap();
    assert_eq!((third.turn, third.source_pos), (3, 0.0));
    assert_eq!(
        h.s.stats().underruns,
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
    // 2880..12480 scheduled (the second chunk's bridge waits: past the lookahead).
    assert_eq!(heard_log(&s).last().unwrap().start + 4800, 2880 + 2 * 4800);
    s.turn_complete(0);
    for now in (0..40_000).step_by(1200) {
        s.pump(now);
    }
    let total: u64 = s.log().iter().map(|p| p.heard).sum();
    assert_eq!(total, 6 * 4800, "nothing is cut on turnComplete");
    let last = s.log().last().unwrap();
    assert_eq!(last.start + last.frames, 2880 + 6 * 4800);
    // The turn's last 4 ms fade out: its own last sample, no click.
    assert_eq!(last.fade_from, Some(2880 + 6 * 4800 - 96));
}

/// The log's entry that starts at `start` (the last one, if a cancelled one started there).
fn at(s: &Scheduler, start: u64) -> &Played {
    s.log().iter().rev().find(|p| p.start == start).unwrap()
}

/// The starts of the buffers `ids` name.
fn starts_of(s: &Scheduler, ids: &[u64]) -> Vec<u64> {
    ids.iter()
        .map(|id| s.log().iter().find(|p| p.id == *id).unwrap().start)
        .collect()
}

#[test]
fn interruption_cuts_at_lead_plus_fade_and_drops_the_rest_of_the_turn() {
    let mut s = direct();
    s.push(&chunk(4800), 0); // 2880..7680
    s.push(&chunk(4800), 0); // 7680..12480, its last 96 frames (the bridge) past the lookahead
    s.push(&chunk(4800), 0); // queued
    let cut = s.interrupt(5000);
    assert_eq!((cut.at, cut.end), (5072, 5192));
    // Stopped: the first chunk (less its last 96 frames), those 96 frames (re-queued
    // when the bridge was cancelled) and the second chunk's body.
    assert_eq!(starts_of(&s, &cut.stop), vec![2880, 7584, 7680]);
    assert_eq!(at(&s, 2880).heard, 5192 - 2880);
    assert_eq!(at(&s, 2880).fade_from, Some(5072));
    assert_eq!((at(&s, 7584).heard, at(&s, 7680).heard), (0, 0));
    assert_eq!(at(&s, 7680).fade_from, None);
    assert_eq!(s.stats().discarded_frames, 96 + 4800);
    // Late chunks of the interrupted turn are dropped until its turnComplete.
    assert!(s.push(&chunk(4800), 5100).is_empty());
    assert_eq!(s.stats().dropped_chunks, 1);
    s.turn_complete(5200);
    // The next turn is ready at once: prebuffer from its arrival, nothing eaten.
    let mut h = Heard::new(s);
    h.push(&chunk(4800), 5300);
    assert_eq!(h.spans(), vec![(5300 + 2880, 4800)]);
    assert_eq!(at(&h.s, 5300 + 2880).turn, 2);
    assert_eq!(at(&h.s, 5300 + 2880).heard, 4800 - 96);
}

#[test]
fn interruption_leaves_finished_buffers_alone_and_fades_one_starting_inside_the_fade() {
    let mut s = direct();
    s.push(&chunk(2400), 0); // 2880..5184, then 5184..5280 (its bridge, cancelled, re-queued)
    s.push(&chunk(2400), 0); // 5280..7584, then its bridge 7584..7680
    s.pump(5000);
    let cut = s.interrupt(5250 - 72); // at = 5250, end = 5370
                                      // 2880..5184 ended before the fade: untouched.
    assert_eq!(starts_of(&s, &cut.stop), vec![5184, 5280, 7584]);
    assert_eq!(at(&s, 2880).heard, 2304);
    assert_eq!(at(&s, 2880).fade_from, None);
    assert_eq!(at(&s, 5184).heard, 96);
    assert_eq!(at(&s, 5184).fade_from, Some(5250));
    assert_eq!(at(&s, 5280).heard, 90);
    assert_eq!(at(&s, 5280).fade_from, Some(5280));
    assert_eq!(at(&s, 7584).heard, 0);
    // Once a buffer has finished before the fade, it is not touched.
    let mut s = direct();
    s.push(&chunk(2400), 0);
    s.push(&chunk(2400), 0);
    s.pump(5300);
    let cut = s.interrupt(5300);
    assert_eq!(starts_of(&s, &cut.stop), vec![5280, 7584]);
    assert_eq!(at(&s, 5184).heard, 96);
    assert_eq!(at(&s, 5184).fade_from, None);
    assert_eq!(at(&s, 5280).heard, 5300 + 72 + 120 - 5280);
}

#[test]
fn interruption_with_nothing_playing_still_drops_until_turn_complete() {
    let mut s = direct();
    let cut = s.interrupt(1000);
    assert!(cut.stop.is_empty());
    assert!(s.push(&chunk(480), 1100).is_empty());
    s.turn_complete(1200);
    let mut h = Heard::new(s);
    h.push(&chunk(480), 1300);
    assert_eq!(h.spans(), vec![(4180, 480)]);
}

#[test]
fn at_48k_the_turn_is_resampled_contiguously_and_fully_drained() {
    let mut h = Heard::new(Scheduler::new(48_000, PlaybackConfig::default()).unwrap());
    let sizes = [4800usize, 5760, 1234, 4801, 7];
    for &n in &sizes {
        h.push(&chunk(n), 0);
    }
    h.complete(0);
    for now in (0..200_000).step_by(4800) {
        h.pump(now);
    }
    let source: usize = sizes.iter().sum();
    let delay = Resampler::new(24_000, 48_000).unwrap().delay();
    // 120 ms at 48 kHz, then back to back to the last input's output.
    let total = ((source as f64 + delay) * 2.0).ceil() as u64;
    assert_eq!(h.spans(), vec![(5760, total)]);
    assert_eq!(h.s.log()[0].source_pos, -delay);
    // The first chunk's outputs: exact count from the resampler (less its bridge, which
    // the second chunk cancelled).
    assert_eq!(h.plays[0].samples.len(), 9600 - 192);
}

#[test]
fn at_44k1_the_tone_comes_through_at_the_right_level() {
    let s = Scheduler::new(44_100, PlaybackConfig::default()).unwrap();
    let tone: Vec<i16> = (0..24_000)
        .map(|i| (16384.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 24000.0).sin()) as i16)
        .collect();
    let mut h = Heard::new(s);
    for c in tone.chunks(5000) {
        h.push(c, 0);
    }
    for now in (0..100_000).step_by(4410) {
        h.pump(now);
    }
    let out = h.audio();
    // Compare the middle with the ideal tone, delayed by the filter.
    let delay = h.s.delay;
    let mut worst = 0f64;
    for (j, &y) in out.iter().enumerate().skip(2000).take(30_000) {
        let t = j as f64 / 44_100.0 - delay / 24_000.0;
        let ideal = 0.5 * (2.0 * std::f64::consts::PI * 440.0 * t).sin();
        worst = worst.max((f64::from(y) - ideal).abs());
    }
    assert!(worst < 1e-3, "worst error {worst}");
}

/// A 48 kHz turn of `chunks` 4800-sample chunks pushed at frame 0 and pumped every 1920
/// frames (40 ms) up to `until`; `turnComplete` at frame `complete_at`. Returns the
/// scheduler and the buffers that sound (those cancelled before they started left out).
fn turn_with_late_complete(chunks: usize, complete_at: u64, until: u64) -> (Scheduler, Vec<Play>) {
    let mut s = Scheduler::new(48_000, PlaybackConfig::default()).unwrap();
    let mut plays = Vec::new();
    let mut cancelled = Vec::new();
    for _ in 0..chunks {
        plays.extend(s.push(&chunk(4800), 0));
        cancelled.extend(s.take_cancelled());
    }
    let mut completed = false;
    for now in (0..until).step_by(1920) {
        if !completed && now >= complete_at {
            plays.extend(s.turn_complete(now));
            completed = true;
        }
        plays.extend(s.pump(now));
        cancelled.extend(s.take_cancelled());
    }
    plays.retain(|p| !cancelled.contains(&p.id));
    (s, plays)
}

#[test]
fn every_turn_ends_on_its_own_last_sample_faded_whenever_turn_complete_comes() {
    // 3 chunks = 14400 source samples = 28800 frames, from 5760 to 34560 (prebuffer 120 ms),
    // then the resampler's tail: the audio up to the last sample received.
    let delay = Resampler::new(24_000, 48_000).unwrap().delay();
    let tail = ((14_400.0 + delay) * 2.0).ceil() as u64 - 28_800;
    assert!(tail > 0);
    // Ended by `turnComplete`, the turn's output runs past its last sample; ended by the
    // bridge (the audio ran out first), only up to it: never audio not received.
    let bridged = ((14_400.0 + delay) * 2.0).floor() as u64 - 28_800;
    // early (long before the end), on time (inside the lead margin before the end), and
    // late (after the last sample played, as the real service often does, 0.3 s after).
    for complete_at in [0, 34_560 - 144 - 1920, 34_560, 34_560 + 14_400] {
        let (s, plays) = turn_with_late_complete(3, complete_at, 80_000);
        let end = 34_560 + if complete_at < 34_560 { tail } else { bridged };
        assert_eq!(plays[0].start, 5_760, "{complete_at}");
        for w in plays.windows(2) {
            assert_eq!(
                w[1].start,
                w[0].start + w[0].samples.len() as u64,
                "{complete_at}: a gap or an overlap"
            );
        }
        let last = plays.last().unwrap();
        assert_eq!(last.start + last.samples.len() as u64, end, "{complete_at}");
        // The last 4 ms (192 frames) fade to silence: frame j of 192 at 1 - j/192.
        let audio: Vec<f32> = plays
            .iter()
            .flat_map(|p| p.samples.iter().copied())
            .collect();
        let n = audio.len();
        let peak = audio.iter().fold(0f32, |m, x| m.max(x.abs()));
        assert!(
            audio[n - 1].abs() <= peak / 192.0 + 1e-6,
            "{complete_at}: {}",
            audio[n - 1]
        );
        assert!(audio[n - 96].abs() <= peak * 0.5 + 1e-6, "{complete_at}");
        let stats = s.stats();
        assert_eq!(
            (stats.underruns, stats.silence_frames, stats.gaps),
            (0, 0, 0),
            "{complete_at}"
        );
        assert!(!s.is_playing(end), "{complete_at}");
    }
}

#[test]
fn settled_entries_are_the_log_prefix_whose_heard_is_final() {
    let mut s = direct();
    for _ in 0..3 {
        s.push(&chunk(4800), 0);
    }
    // 2880..7680, 7680..12384 scheduled; the rest waits for the lookahead.
    assert_eq!(s.settled_since(0, 0), &[]);
    s.pump(7680);
    // The first chunk has played: its body, its bridge (cancelled by the second chunk:
    // heard 0) and the same 96 frames scheduled again, unfaded.
    let settled: Vec<(u64, u64)> = s
        .settled_since(0, 7680)
        .iter()
        .map(|p| (p.start, p.heard))
        .collect();
    assert_eq!(settled, vec![(2880, 4704), (7584, 0), (7584, 96)]);
    assert_eq!(s.settled_since(3, 7680), &[]);
    // An interruption settles everything that was live, cut where the fade ended.
    let cut = s.interrupt(8000);
    let settled: Vec<(u64, u64)> = s
        .settled_since(3, 8000)
        .iter()
        .map(|p| (p.start, p.heard))
        .collect();
    assert_eq!(
        settled,
        vec![
            (7680, cut.end - 7680),
            (12_384, 0),
            (12_384, 0),
            (12_480, 0),
            (17_184, 0)
        ]
    );
    assert_eq!(s.settled_since(8, 8000), &[]);
    assert_eq!(s.settled_since(99, 8000), &[]);
}

#[test]
fn a_buffer_that_has_ended_is_settled_when_asked_not_only_at_the_next_pump() {
    let mut s = direct();
    s.push(&chunk(4800), 0);
    s.push(&chunk(4800), 0);
    // 2880..7584 (the body) ended at 7584; no pump since: a Save at 7600 holds it.
    let settled: Vec<(u64, u64)> = s
        .settled_since(0, 7600)
        .iter()
        .map(|p| (p.start, p.heard))
        .collect();
    assert_eq!(settled, vec![(2880, 4704), (7584, 0)]);
    // One frame before its end it is still open.
    let mut s = direct();
    s.push(&chunk(4800), 0);
    s.push(&chunk(4800), 0);
    assert_eq!(s.settled_since(0, 7583), &[]);
}

#[test]
fn stopping_settles_what_was_still_to_sound_as_heard_up_to_now() {
    let mut s = direct();
    s.push(&chunk(4800), 0);
    s.push(&chunk(4800), 0);
    s.stop(5000);
    // The first chunk's body heard up to now; its cancelled bridge, the re-scheduled 96
    // frames, the second chunk and its bridge never.
    let heard: Vec<u64> = s.settled_since(0, 5000).iter().map(|p| p.heard).collect();
    assert_eq!(heard, vec![5000 - 2880, 0, 0, 0, 0]);
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
fn the_adaptive_buffer_waits_100_ms_knowing_nothing_then_learns_a_steady_link() {
    let mut s = Scheduler::new(48_000, PlaybackConfig::adaptive()).unwrap();
    assert_eq!(s.prebuffer_frames(), 4800);
    // Real time, +-5 ms (240 frames).
    let steady = |t0: u64| -> Vec<u64> {
        (0..20u64)
            .map(|k| t0 + k * 9600 + [0, 240, 0, 120][k as usize % 4])
            .collect()
    };
    // The first turn: a single chunk says nothing: 100 ms after it, committed by the pump
    // 60 ms before (at 101,920), and no underrun.
    assert_eq!(adaptive_turn(&mut s, &steady(100_000)), (104_800, 0, 0));
    // Learnt: 95 % within 5 ms, + 15 ms: 20 ms.
    assert_eq!(adaptive_turn(&mut s, &steady(1_000_000)), (1_000_960, 0, 0));
    // The service's burst: 8 chunks at once, then real time +-40 ms.
    let mut burst = vec![2_000_000; 8];
    burst.extend((8..20u64).map(|k| 2_000_000 + (k - 7) * 9600 + [0, 1920][k as usize % 2]));
    assert_eq!(adaptive_turn(&mut s, &burst), (2_000_960, 0, 0));
}

#[test]
fn a_burst_on_the_first_turn_starts_it_at_once() {
    let mut s = Scheduler::new(48_000, PlaybackConfig::adaptive()).unwrap();
    let mut burst = vec![100_000; 8];
    burst.extend((8..20u64).map(|k| 100_000 + (k - 7) * 9600 + [0, 1920][k as usize % 2]));
    // The first chunk alone waits; the second, in the same millisecond, shows the stream
    // 200 ms ahead of real time: the turn starts 20 ms after it.
    assert_eq!(adaptive_turn(&mut s, &burst), (100_960, 0, 0));
}

#[test]
fn a_slow_stream_inserts_less_silence_than_the_fixed_buffer_and_is_learnt_for_the_next_turn() {
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
    // The fixed buffer: three underruns a turn, each re-anchoring 120 ms later: 394 ms of
    // silence per turn (the stream ends 510 ms behind real time).
    assert_eq!((f1.1, f1.2), (3, 18_923));
    // Turn 1, knowing nothing: it waits 100 ms, stretches the sawtooth while the buffer is
    // low (5 % of it: not enough for a stream 11 % behind), grows 50 ms at each underrun
    // and waits that long each time: 356 ms (610 ms without stretching).
    assert_eq!(a1, (4800, 2, 17_099));
    // Turn 2: it learnt the 95th percentile of lateness (485 ms, + 15 ms: 500 ms); the last
    // slow chunk comes 506 ms late, but the chunks before it were stretched while the
    // buffer ran low: no underrun (without stretching: one, 24 ms of silence).
    assert_eq!(a2, (1_000_000 + 500 * 48, 0, 0));
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
    let mut h = Heard::new(s);
    h.push(&chunk(4800), 53_000);
    assert_eq!(h.spans(), vec![(53_000 + 2880, 4800)]);
    let s = h.s;
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
        .settled_since(0, 37_000)
        .iter()
        .map(|p| (p.start, p.heard))
        .collect();
    assert_eq!(settled, vec![(3880, 12_000), (15_880, 12_000)]);
    let pos: Vec<f64> = s.log().iter().map(|p| p.source_pos).collect();
    assert_eq!(pos, vec![0.0, 12_000.0, 24_000.0, 36_000.0]);
}

/// Found by the fuzzer: after a gap, a chunk shorter than a bridge went out whole as one
/// (its fade-in applied); cancelled by the next chunk, its frames were scheduled again with
/// the fade-in in their samples but not in the log, so the recording would have had them
/// unfaded (and the log showed a gap with no fade-in).
#[test]
fn a_fade_in_carried_by_a_cancelled_bridge_stays_in_the_log() {
    let mut h = Heard::new(direct());
    // 2880..7680, its bridge from 7584.
    h.push(&chunk(4800), 0);
    // Too late: the bridge sounded; re-anchored at 10489, fading in. 100 frames are too
    // short to hold the 96-frame fade-in before a bridge: all of it is the bridge.
    h.push(&chunk(100), 7609);
    let resumed = at(&h.s, 10_489);
    assert_eq!((resumed.frames, resumed.fade_in), (100, 96));
    h.push(&chunk(100), 7700); // in time: that bridge is cancelled, its frames go out again
    assert_eq!(
        at(&h.s, 10_489).fade_in,
        96,
        "the re-scheduled frames keep their fade-in"
    );
    assert_eq!(h.spans(), vec![(2880, 4800), (10_489, 200)]);
    let audio = h.audio();
    assert_eq!(
        audio[4800], 0.0,
        "the first frame after the gap fades in from silence"
    );
}

#[test]
fn an_empty_first_chunk_makes_no_bridge_and_the_turn_plays_on() {
    // Found by the fuzzer (seed 1796431174): an empty chunk opening a turn made an empty
    // bridge that never reached the log, and the next chunk looked it up there.
    let mut h = Heard::new(Scheduler::new(24_000, PlaybackConfig::adaptive()).unwrap());
    h.push(&[], 0);
    assert!(h.s.log().is_empty());
    h.push(&chunk(4800), 100);
    h.complete(200);
    // The second chunk, 200 ms of audio within 100 frames, shows a burst: the turn starts
    // 20 ms after it. With 20 ms ahead of the play head, the buffer is low: the chunk is
    // lengthened by 240 samples (5 % of it).
    assert_eq!(h.spans(), vec![(580, 5040)]);
    assert_eq!(h.s.stats().stretched_samples, 240);
}
