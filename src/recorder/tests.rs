use super::*;
use crate::pcm::{f32_to_i16, i16_to_f32};
use crate::playback::{PlaybackConfig, Scheduler};

/// Reads a file back with hound: (rate, channels, samples).
fn read(bytes: Vec<u8>) -> (u32, u16, Vec<i16>) {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.bits_per_sample, 16);
    let samples = reader.into_samples().map(Result::unwrap).collect();
    (spec.sample_rate, spec.channels, samples)
}

fn channel(samples: &[i16], channels: usize, which: usize) -> Vec<i16> {
    samples
        .iter()
        .skip(which)
        .step_by(channels)
        .copied()
        .collect()
}

fn played(turn: u64, start: u64, frames: u64, heard: u64, source_pos: f64) -> Played {
    Played {
        id: start,
        turn,
        start,
        frames,
        heard,
        fade_from: None,
        fade_in: 0,
        source_pos,
        cancelled: false,
    }
}

fn sine(hz: f64, rate: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| (16384.0 * (2.0 * std::f64::consts::PI * hz * i as f64 / rate).sin()) as i16)
        .collect()
}

fn rms(s: &[i16]) -> f64 {
    (s.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / s.len() as f64).sqrt()
}

#[test]
fn user_chunks_land_on_their_exact_sample_and_mic_gaps_stay_silent() {
    let mut rec = Recorder::new();
    rec.add_user(10.0, &[1000; 2048]);
    rec.add_user(10.128, &[2000; 2048]);
    // Mic stopped, restarted 1.744 s later.
    rec.add_user(12.0, &[3000; 100]);
    let (rate, channels, s) = read(rec.to_wav(Format::Mono16k).unwrap());
    assert_eq!((rate, channels), (16_000, 1));
    assert_eq!(s.len(), 32_100);
    assert!(s[..2048].iter().all(|&x| x == 1000));
    assert!(s[2048..4096].iter().all(|&x| x == 2000));
    assert!(s[4096..32_000].iter().all(|&x| x == 0));
    assert!(s[32_000..].iter().all(|&x| x == 3000));
}

#[test]
fn model_buffers_land_where_they_played_not_where_they_arrived() {
    let mut rec = Recorder::new();
    rec.add_user(5.5, &[0; 160]);
    // The person speaks again after the model's turn: the file runs on past it.
    rec.add_user(6.6, &[0; 160]);
    let session = rec.begin_session(5.0, 24_000);
    let turn: Vec<i16> = [[500i16; 4800], [600; 4800]].concat();
    rec.add_model(session, 1, &turn);
    rec.set_played(
        session,
        &[
            played(1, 24_000, 4800, 4800, 0.0),
            played(1, 28_800, 4800, 4800, 4800.0),
        ],
    );
    let (rate, channels, s) = read(rec.to_wav(Format::Stereo24k).unwrap());
    assert_eq!((rate, channels), (24_000, 2));
    let model = channel(&s, 2, 1);
    assert_eq!(model.len(), 26_640); // 5.5 s .. 6.61 s
    assert!(model[..12_000].iter().all(|&x| x == 0));
    assert!(model[12_000..16_800].iter().all(|&x| x == 500));
    assert!(model[16_800..21_600].iter().all(|&x| x == 600));
    // After the model's last heard sample (6.4 s), its track is silent to the end.
    assert!(model[21_600..].iter().all(|&x| x == 0));
    assert!(
        channel(&s, 2, 0).iter().all(|&x| x == 0),
        "the user was silent"
    );
}

#[test]
fn an_interrupted_buffer_is_cut_where_playback_stopped_with_the_same_fade() {
    let mut rec = Recorder::new();
    let session = rec.begin_session(0.0, 24_000);
    let turn: Vec<i16> = vec![10_000; 9600 + 4800];
    rec.add_model(session, 1, &turn);
    let mut cut = played(1, 2880, 4800, 1000, 0.0);
    cut.fade_from = Some(2880 + 880);
    // The second buffer was scheduled but never heard; the rest of the turn never played.
    rec.set_played(session, &[cut, played(1, 7680, 4800, 0, 4800.0)]);
    let (_, _, s) = read(rec.to_wav(Format::Mono24k).unwrap());
    assert_eq!(s.len(), 1000);
    assert!(s[..880].iter().all(|&x| x == 10_000));
    for k in 0..120 {
        let want = f32_to_i16(i16_to_f32(10_000) * (1.0 - k as f32 / 120.0));
        assert_eq!(s[880 + k], want, "fade sample {k}");
    }
}

#[test]
fn model_audio_past_the_end_of_the_user_track_is_kept() {
    let mut rec = Recorder::new();
    rec.add_user(0.0, &[100; 16_000]);
    let session = rec.begin_session(0.0, 24_000);
    rec.add_model(session, 1, &[200; 24_000]);
    rec.set_played(session, &[played(1, 48_000, 24_000, 24_000, 0.0)]);
    assert_eq!(rec.duration(), 3.0);
    let (_, _, s) = read(rec.to_wav(Format::Stereo24k).unwrap());
    let model = channel(&s, 2, 1);
    assert_eq!(model.len(), 72_000);
    assert!(model[48_000..].iter().all(|&x| x == 200));
}

#[test]
fn a_resampled_48k_playback_log_places_every_model_sample_exactly_once() {
    let mut sched = Scheduler::new(48_000, PlaybackConfig::default()).unwrap();
    let mut rec = Recorder::new();
    rec.add_user(0.0, &[0; 160]);
    let session = rec.begin_session(0.0, 48_000);
    let turn: Vec<i16> = (0..20_000).map(|i| (i % 30_000) as i16 + 1).collect();
    // Chunks arrive over time (one underrun in the middle re-anchors).
    let mut now = 24_000u64;
    for (k, c) in turn.chunks(4000).enumerate() {
        let heard = sched.receive(c.to_vec(), now).audio;
        rec.add_model(session, sched.turn(), &heard);
        now += if k == 2 { 30_000 } else { 4000 };
        sched.pump(now);
    }
    sched.turn_complete(now);
    sched.pump(now + 100_000);
    assert_eq!(sched.stats().underruns, 1);
    rec.set_played(session, sched.log());
    let (_, _, s) = read(rec.to_wav(Format::Stereo24k).unwrap());
    let model = channel(&s, 2, 1);
    let sounding: Vec<i16> = model.iter().copied().filter(|&x| x != 0).collect();
    // Every sample once, in order, at full level away from the gap (after the third chunk,
    // source sample 12,000) and the turn's end, where 4 ms fade out and back in (the first
    // sample of a fade-in is silent, so up to two fewer sound).
    assert!(
        (19_998..=20_000).contains(&sounding.len()),
        "{}",
        sounding.len()
    );
    assert_eq!(&sounding[..11_800], &turn[..11_800], "before the gap");
    let resumed = 11_800
        + sounding[11_800..]
            .iter()
            .position(|&x| x == turn[12_200])
            .unwrap();
    assert!(
        (11_800 + 399..=11_800 + 400).contains(&resumed),
        "{resumed}"
    );
    assert_eq!(
        &sounding[resumed..resumed + 7_600],
        &turn[12_200..19_800],
        "after the gap"
    );
    // The faded samples are never louder than the source's.
    for (y, x) in sounding[11_800..resumed].iter().zip(&turn[11_800..]) {
        assert!(y.abs() <= x.abs() + 1, "{y} louder than {x}");
    }
    // The first sample sounds at start/48k + (0 - source_pos)/24k.
    let first = &sched.log()[0];
    let t = first.start as f64 / 48_000.0 - first.source_pos / 24_000.0;
    let at = model.iter().position(|&x| x != 0).unwrap();
    assert_eq!(at as i64, (t * 24_000.0).round() as i64);
}

#[test]
fn the_mono_mix_saturates_instead_of_wrapping() {
    let mut rec = Recorder::new();
    let session = rec.begin_session(0.0, 24_000);
    rec.add_user(0.0, &[30_000; 1600]);
    rec.add_model(session, 1, &[30_000; 2400]);
    rec.add_model(session, 2, &[-30_000; 2400]);
    rec.set_played(
        session,
        &[
            played(1, 0, 2400, 2400, 0.0),
            played(2, 24_000, 2400, 2400, 0.0),
        ],
    );
    let (_, _, s) = read(rec.to_wav(Format::Mono24k).unwrap());
    // The user's 30000 (resampled; away from its edges) plus the model's 30000.
    assert!(
        s[200..2200].iter().all(|&x| x == 32_767),
        "{:?}",
        &s[200..210]
    );
    assert!(s[24_000..26_400].iter().all(|&x| x == -30_000));
    let mut rec = Recorder::new();
    let session = rec.begin_session(0.0, 16_000);
    rec.add_model(session, 1, &[-30_000; 1600]);
    rec.set_played(session, &[played(1, 0, 1600, 1600, 0.0)]);
    rec.add_user(0.0, &[-30_000; 1600]);
    let (_, _, s) = read(rec.to_wav(Format::Mono16k).unwrap());
    assert!(s[200..1000].iter().all(|&x| x == -32_768));
}

#[test]
fn the_user_track_is_resampled_band_limited_and_in_place() {
    // A 1 kHz tone at 0.5 for 1 s from t = 1 s, and a click at t = 3 s.
    let mut rec = Recorder::new();
    rec.add_user(0.0, &[0; 16]);
    rec.add_user(1.0, &sine(1000.0, 16_000.0, 16_000));
    let mut click = vec![0i16; 64];
    click[32] = 20_000;
    rec.add_user(3.0 - 32.0 / 16_000.0, &click);
    let (_, _, s) = read(rec.to_wav(Format::Mono24k).unwrap());
    // Level preserved (RMS of a 0.5 sine = 11585 in int16), within 0.05 dB.
    let db = 20.0 * (rms(&s[24_000 + 2400..48_000 - 2400]) / (16384.0 / 2f64.sqrt())).log10();
    assert!(db.abs() < 0.05, "level off by {db:.3} dB");
    // The click's peak lands on its sample at 24 kHz.
    let (peak, _) = s[60_000..]
        .iter()
        .enumerate()
        .max_by_key(|(_, x)| x.unsigned_abs())
        .unwrap();
    assert_eq!(60_000 + peak, 72_000);
}

#[test]
fn the_16k_mix_removes_model_audio_above_8k() {
    let mut rec = Recorder::new();
    let session = rec.begin_session(0.0, 24_000);
    rec.add_model(session, 1, &sine(10_000.0, 24_000.0, 24_000));
    rec.set_played(session, &[played(1, 0, 24_000, 24_000, 0.0)]);
    let (rate, _, s) = read(rec.to_wav(Format::Mono16k).unwrap());
    assert_eq!((rate, s.len()), (16_000, 16_000));
    // Away from the tone's abrupt start and end (those clicks are broadband).
    let db = 20.0 * (rms(&s[1000..15_000]) / 11_585.0).log10();
    assert!(db < -70.0, "10 kHz leaks through at {db:.1} dB");
}

#[test]
fn renders_in_one_second_blocks_whose_bytes_make_the_file() {
    let mut rec = Recorder::new();
    rec.add_user(0.0, &[7; 56_000]); // 3.5 s
    let blocks: Vec<Vec<u8>> = rec.render(Format::Stereo24k).unwrap().collect();
    let sizes: Vec<usize> = blocks.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![44, 96_000, 96_000, 96_000, 48_000]);
    let total: usize = sizes.iter().sum();
    assert_eq!(total as u64, rec.wav_len(Format::Stereo24k));
    assert_eq!(blocks.concat(), rec.to_wav(Format::Stereo24k).unwrap());
}

#[test]
fn a_reconnect_keeps_both_sessions_on_one_timeline() {
    let mut rec = Recorder::new();
    let a = rec.begin_session(0.0, 24_000);
    rec.add_model(a, 1, &[100; 2400]);
    rec.set_played(a, &[played(1, 0, 2400, 2400, 0.0)]);
    // The second context's clock starts at 0 again, 10 s later on the recording's clock.
    let b = rec.begin_session(10.0, 24_000);
    rec.add_model(b, 1, &[200; 2400]);
    rec.set_played(b, &[played(1, 24_000, 2400, 2400, 0.0)]);
    let (_, _, s) = read(rec.to_wav(Format::Mono24k).unwrap());
    assert_eq!(s.len(), 11 * 24_000 + 2400);
    assert!(s[..2400].iter().all(|&x| x == 100));
    assert!(s[2400..264_000].iter().all(|&x| x == 0));
    assert!(s[264_000..].iter().all(|&x| x == 200));
}

#[test]
fn an_empty_recording_is_a_valid_empty_file() {
    let rec = Recorder::new();
    assert!(rec.is_empty());
    let (_, _, s) = read(rec.to_wav(Format::Mono24k).unwrap());
    assert!(s.is_empty());
}

#[test]
fn formats_round_trip_their_ids() {
    for f in Format::ALL {
        assert_eq!(Format::parse(f.id()), Some(f));
    }
    assert_eq!(Format::parse("mp3"), None);
}

#[test]
fn names_and_descriptions_for_the_page() {
    assert_eq!(
        file_name([2026, 11, 21, 9, 5, 7], Format::Stereo24k),
        "conversation-2026-11-21-09-05-07-stereo.wav"
    );
    assert_eq!(describe(65.4, 3_120_044), "1:05, 3.1 MB");
    assert_eq!(describe(0.2, 44), "0:00, 1 kB");
}

#[test]
fn peaks_outline_each_side_where_it_sounds() {
    let mut rec = Recorder::new();
    assert_eq!(rec.peaks(4), vec![[0.0; 2]; 4]);
    // The person: 1 s of 0.5 from t = 100 s. The model: 1 s of 0.25 heard from t = 101 s
    // (a 48 kHz session whose clock is 100 s behind the page's).
    rec.add_user(100.0, &[16384; 16_000]);
    let id = rec.begin_session(100.0, 48_000);
    rec.add_model(id, 1, &[8192; 24_000]);
    rec.set_played(id, &[played(1, 48_000, 48_000, 48_000, 0.0)]);
    let peaks = rec.peaks(8);
    assert_eq!(
        peaks,
        vec![
            [0.5, 0.0],
            [0.5, 0.0],
            [0.5, 0.0],
            [0.5, 0.0],
            [0.0, 0.25],
            [0.0, 0.25],
            [0.0, 0.25],
            [0.0, 0.25],
        ]
    );
    // Only what was heard: a cut after a quarter second leaves the rest of the turn out.
    rec.set_played(id, &[played(1, 48_000, 48_000, 12_000, 0.0)]);
    assert_eq!(rec.duration(), 1.25);
    let peaks = rec.peaks(5);
    assert_eq!(peaks[3], [0.5, 0.0]);
    assert_eq!(peaks[4], [0.0, 0.25]);
}

#[test]
fn fed_as_playback_settles_it_renders_the_same_bytes_as_the_whole_log() {
    let log = [
        played(1, 24_000, 4800, 4800, 0.0),
        played(1, 28_800, 4800, 2000, 4800.0),
        played(2, 40_000, 4800, 4800, 0.0),
    ];
    let build = |feed: &dyn Fn(&mut Recorder, SessionId)| {
        let mut rec = Recorder::new();
        rec.add_user(5.5, &sine(300.0, 16_000.0, 40_000));
        let session = rec.begin_session(5.0, 24_000);
        rec.add_model(session, 1, &sine(500.0, 24_000.0, 9600));
        rec.add_model(session, 2, &sine(700.0, 24_000.0, 4800));
        feed(&mut rec, session);
        rec.to_wav(Format::Stereo24k).unwrap()
    };
    let whole = build(&|rec, s| rec.set_played(s, &log));
    let fed = build(&|rec, s| {
        rec.add_played(s, &log[..1]);
        rec.add_played(s, &[]);
        rec.add_played(s, &log[1..]);
    });
    assert_eq!(fed, whole);
    let (_, _, samples) = read(whole);
    assert!(samples.iter().any(|&x| x != 0));
}

#[test]
fn stored_recordings_are_listed_in_words() {
    let name = file_name([2026, 11, 23, 14, 2, 9], Format::Stereo24k);
    let header = crate::wav::header(24_000, 2, 24_000 * 492).unwrap();
    let size = 44 + 24_000 * 492 * 4;
    assert_eq!(
        stored_label(&name, size, &header, false),
        "Conversation of 2026-11-23 14:02 (8:12, 47.2 MB)"
    );
    assert_eq!(
        part_name(&name),
        "conversation-2026-11-23-14-02-09-stereo.part.wav"
    );
    // The tab died: the header was last written a second before the end of the file.
    assert_eq!(
        stored_label(&part_name(&name), size + 96_000, &header, false),
        "Recover the conversation of 2026-11-23 14:02 (8:12, 47.3 MB)"
    );
    assert_eq!(
        stored_label(&part_name(&name), 30, &header[..30], false),
        "Damaged recording of 2026-11-23 14:02 (1 kB, no readable header)"
    );
    assert_eq!(
        stored_label("notes.wav", 10, &[], false),
        "Damaged recording of notes.wav (1 kB, no readable header)"
    );
    // Another tab is writing it: neither to recover nor damaged, whatever is readable.
    assert_eq!(
        stored_label(&part_name(&name), size + 96_000, &header, true),
        "Being recorded in another tab: the conversation of 2026-11-23 14:02 (8:12, 47.3 MB)"
    );
    assert_eq!(
        stored_label(&part_name(&name), 0, &[], true),
        "Being recorded in another tab: the conversation of 2026-11-23 14:02"
    );
}
