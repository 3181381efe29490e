use super::*;

/// 48 kHz: 1 ms = 48 frames. Start 100 ms = 4800, min 20 ms = 960, margin 15 ms = 720,
/// bins of 5 ms = 240.
fn jitter() -> Jitter {
    Jitter::new(48_000, START_MS, 8.0)
}

/// Feeds a turn of 200 ms chunks (9600 frames) arriving at the given ms, then ends it.
fn turn(j: &mut Jitter, arrivals_ms: &[u64]) {
    for &ms in arrivals_ms {
        j.arrival(ms * 48, 9600);
    }
    j.end_turn();
}

#[test]
fn knowing_nothing_it_waits_100_ms_unless_a_burst_says_it_is_safe() {
    let mut j = jitter();
    assert_eq!(j.prebuffer(), 4800);
    j.arrival(1000, 9600);
    // One chunk: no evidence yet; the first sample would be 100 ms after it arrived.
    assert_eq!(j.first_start(1000), (1000 + 4800, false));
    // 40 ms later, still nothing more: the same.
    assert_eq!(j.first_start(1000 + 1920), (1000 + 4800, false));
    // Seven more at once (the service's burst): 1.4 s ahead of real time: start now.
    for _ in 0..7 {
        j.arrival(1010, 9600);
    }
    assert_eq!(j.first_start(1010), (1010 + 960, true));
}

#[test]
fn a_stream_that_only_keeps_pace_is_not_trusted_early() {
    let mut j = jitter();
    // 1.5x real time, 200 ms chunks: the second arrives 133 ms after the first; by then
    // the stream is 67 ms ahead, less than the 100 ms wait: no earlier start.
    j.arrival(0, 9600);
    j.arrival(133 * 48, 9600);
    assert_eq!(j.first_start(133 * 48), (4800, false));
}

#[test]
fn a_steady_link_is_learnt_close_to_the_floor() {
    let mut j = jitter();
    // Real time with up to 5 ms of jitter. The third chunk, 2 ms early, draws the earliest
    // line; the others are up to 6 ms behind it: the 10 ms bin, + 15 ms = 25 ms.
    turn(&mut j, &[1000, 1205, 1398, 1603, 1800, 2001, 2199, 2404]);
    assert_eq!(j.prebuffer(), 1200);
    // Its first sample now comes 25 ms after its first chunk.
    j.arrival(10_000 * 48, 9600);
    assert_eq!(j.first_start(10_000 * 48), (10_000 * 48 + 1200, false));
}

#[test]
fn a_burst_then_real_time_learns_the_jitter_after_it_and_still_starts_at_once() {
    let mut j = jitter();
    // 8 chunks at once (1.6 s of audio), then real time with +-40 ms: the burst moves the
    // line 1.4 s ahead; after it, chunks come up to 80 ms behind the earliest (the 9th at
    // +40, the 12th at +80 against the 11th's -40): 80 + 15 = 95 ms.
    let mut arrivals = vec![0; 8];
    arrivals.extend([200, 440, 560, 840, 960]);
    turn(&mut j, &arrivals);
    assert_eq!(j.prebuffer(), 95 * 48);
    // The next burst still starts at once: 1.4 s ahead is more than 95 ms.
    for _ in 0..8 {
        j.arrival(100_000, 9600);
    }
    assert_eq!(j.first_start(100_000), (100_000 + 960, true));
}

#[test]
fn real_time_with_40_ms_of_jitter_is_learnt_as_its_95th_percentile() {
    let mut j = jitter();
    // Lateness against the first chunk's line: 0, 30, 80, 50, 10, 75, 60, 20, 40, 65 ms,
    // ten more on time: the 95th percentile of 20 is the 19th: 75 ms; + 15 ms = 90 ms.
    let late = [
        0u64, 30, 80, 50, 10, 75, 60, 20, 40, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let arrivals: Vec<u64> = late
        .iter()
        .enumerate()
        .map(|(k, l)| k as u64 * 200 + l)
        .collect();
    turn(&mut j, &arrivals);
    assert_eq!(j.prebuffer(), 90 * 48);
}

#[test]
fn underruns_grow_it_at_once_and_the_turn_end_returns_to_the_statistics() {
    let mut j = jitter();
    j.arrival(0, 9600);
    j.underrun();
    assert_eq!(j.prebuffer(), 4800 + 2400);
    j.underrun();
    assert_eq!(j.prebuffer(), 4800 + 4800);
    // The turn's lateness (one chunk, on time): the floor.
    j.end_turn();
    assert_eq!(j.prebuffer(), 960);
}

#[test]
fn older_turns_weigh_less_so_a_better_link_is_learnt_over_a_few_turns() {
    let mut j = jitter();
    // A bad turn: 10 chunks, every one 100 ms late after the first: 100 + 15 = 115 ms.
    let bad: Vec<u64> = (0..10u64)
        .map(|k| if k == 0 { 0 } else { k * 200 + 100 })
        .collect();
    turn(&mut j, &bad);
    assert_eq!(j.prebuffer(), 115 * 48);
    // Good turns of 10 on-time chunks: the bad turn's 9 late chunks weigh 0.8 per turn
    // since; after six good turns they are 9 x 0.8^7 = 1.9 of 31.6 (6 %), after seven
    // 1.5 of 33.3 (4.5 %): under the 5 % the quantile leaves out.
    let good: Vec<u64> = (0..10u64).map(|k| k * 200).collect();
    let mut targets = Vec::new();
    for _ in 0..12 {
        turn(&mut j, &good);
        targets.push(j.prebuffer() / 48);
    }
    assert_eq!(
        targets,
        [115, 115, 115, 115, 115, 115, 20, 20, 20, 20, 20, 20]
    );
}

#[test]
fn it_stays_within_its_bounds() {
    let mut j = Jitter::new(24_000, 5.0, 8.0);
    assert_eq!(j.prebuffer(), 480); // 20 ms at 24 kHz
    for _ in 0..30 {
        j.underrun();
    }
    assert_eq!(j.prebuffer(), 24_000); // 1 s
    let mut j = Jitter::new(24_000, 25.0, 30.0);
    assert_eq!(j.prebuffer(), 720, "never under the lead and fade");
    j.end_turn(); // a turn with no audio teaches nothing
    assert_eq!(j.prebuffer(), 720);
}
