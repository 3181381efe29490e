//! The C ABI as the page drives it: text in through the input buffer, frames out as
//! newline-ended JSON texts, refusals as a close code and its reason.

use super::*;
use crate::protocol::{decode, ClientMessage, ServerEvent, Setup};

/// Copies `bytes` into the module's input buffer, as the page does.
fn put_input(bytes: &[u8]) {
    let at = standin_input(bytes.len());
    // SAFETY: `standin_input` returned a buffer of exactly `bytes.len()` bytes.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), at, bytes.len()) };
}

fn output() -> String {
    // SAFETY: the output buffer is `standin_output_len()` bytes long until the next call.
    let bytes = unsafe { std::slice::from_raw_parts(standin_output(), standin_output_len()) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Sends `text` at `now_ms`: the code returned and the output.
fn send(now_ms: f64, text: &str) -> (u32, String) {
    put_input(text.as_bytes());
    let code = standin_receive(now_ms, text.len());
    (code, output())
}

/// The sample counts of the audio frames in `out`, decoded as the page decodes them.
fn audio_lengths(out: &str) -> Vec<usize> {
    out.lines()
        .flat_map(|frame| decode(frame.as_bytes()).unwrap())
        .filter_map(|event| match event {
            ServerEvent::Audio(chunk) => Some(chunk.samples.len()),
            _ => None,
        })
        .collect()
}

fn setup() -> String {
    let setup = Setup::audio("gemini-2.5-flash-native-audio-preview-12-2025", "Puck");
    ClientMessage::Setup(setup.with_resumption(None)).to_json()
}

#[test]
fn setup_is_answered_with_newline_ended_frames_and_the_page_handles() {
    standin_open();
    assert_eq!(
        send(0.0, &setup()),
        (
            0,
            "{\"setupComplete\":{}}\n\
             {\"sessionResumptionUpdate\":{\"newHandle\":\"offline-1\",\"resumable\":true}}\n"
                .into()
        )
    );
}

#[test]
fn a_refused_frame_gives_the_close_code_and_its_reason() {
    standin_open();
    let audio = ClientMessage::audio(&[0; 16], 16_000).to_json();
    assert_eq!(
        send(0.0, &audio),
        (1007, "The first message must be setup.".into())
    );
    standin_open();
    put_input(&[b'{', 0xff, b'}']);
    assert_eq!(standin_receive(0.0, 3), 1007);
    assert_eq!(output(), "Invalid UTF-8 in a text frame.");
}

#[test]
fn a_length_past_the_buffer_reads_only_the_buffer() {
    standin_open();
    let text = setup();
    put_input(text.as_bytes());
    assert_eq!(standin_receive(0.0, text.len() + 1000), 0);
    assert!(output().starts_with("{\"setupComplete\":{}}\n"));
}

#[test]
fn a_reply_goes_out_two_chunks_at_once_then_one_per_200_ms() {
    standin_open();
    send(0.0, &setup());
    assert_eq!(standin_next_due(), -1.0);
    // 500 ms of a loud tone after 300 ms of silence, each chunk sent at 0.5 s, then the end of the
    // stream at 1 s.
    let mut samples = vec![0i16; 16 * 300];
    samples.extend((0..16 * 500).map(|i| if i % 32 < 16 { 8000 } else { -8000 }));
    for chunk in samples.chunks(2048) {
        let (code, out) = send(500.0, &ClientMessage::audio(chunk, 16_000).to_json());
        assert_eq!((code, out), (0, String::new()));
    }
    let (code, out) = send(1000.0, &ClientMessage::audio_stream_end().to_json());
    assert_eq!(code, 0);
    // 100 ms pre-roll + 500 ms heard = 14,400 samples at 24 kHz: three 200 ms chunks,
    // the first two at once.
    assert_eq!(audio_lengths(&out), vec![4800, 4800]);
    assert_eq!(out.lines().count(), 2);
    assert!(out.ends_with('\n'));
    // The third chunk is due one chunk after the start.
    assert_eq!(standin_next_due(), 1200.0);
    assert_eq!(standin_poll(1199.0), 0);
    assert_eq!(output(), "");
    let len = standin_poll(1200.0);
    let out = output();
    assert_eq!(out.len(), len);
    assert_eq!(audio_lengths(&out), vec![4800]);
    // Then the turn's end and the next resumption handle.
    let rest: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rest.len(), 3);
    assert_eq!(rest[0], "{\"serverContent\":{\"generationComplete\":true}}");
    assert!(rest[1].starts_with("{\"serverContent\":{\"turnComplete\":true},\"usageMetadata\":{"));
    assert_eq!(
        rest[2],
        "{\"sessionResumptionUpdate\":{\"newHandle\":\"offline-2\",\"resumable\":true}}"
    );
    assert_eq!(standin_next_due(), -1.0);
}

#[test]
fn open_starts_a_new_conversation() {
    standin_open();
    assert_eq!(send(0.0, &setup()).0, 0);
    assert_eq!(
        send(0.0, &setup()),
        (1007, "setup may be sent only once.".into())
    );
    standin_open();
    assert_eq!(send(0.0, &setup()).0, 0);
}
