//! Hostile and broken server input, for the page's reliability tests: each fault is a list of
//! raw frames the emulator sends (once, `fault_after_ms` after `setupComplete`), then the
//! connection goes on as usual.
//!
//! - `hostile`: a frame that is not JSON, one that is not UTF-8, unknown fields and message
//!   types, audio with an odd byte count, bad base64, a wrong and a missing mime type,
//!   `interrupted` with nothing playing, then audio at 16 kHz (valid: played resampled);
//! - `huge`: one part holding 150 s of audio (a 9.6 MB frame);
//! - `parts50`: one `serverContent` with 50 audio parts of 100 ms;
//! - `flood`: 5,000 frames of 10 ms of audio (sent within about a second).

use base64::Engine as _;

/// Which burst of hostile frames to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    Mixed,
    Huge,
    Parts50,
    Flood,
}

impl Hostile {
    pub fn parse(name: &str) -> Option<Hostile> {
        Some(match name {
            "hostile" => Hostile::Mixed,
            "huge" => Hostile::Huge,
            "parts50" => Hostile::Parts50,
            "flood" => Hostile::Flood,
            _ => return None,
        })
    }
}

/// `samples` of a quiet 300 Hz tone at `rate`, as base64 of int16 LE.
fn tone(samples: usize, rate: u32) -> String {
    let bytes: Vec<u8> = (0..samples)
        .flat_map(|i| {
            let t = i as f64 / f64::from(rate);
            let x = (8000.0 * (std::f64::consts::TAU * 300.0 * t).sin()) as i16;
            x.to_le_bytes()
        })
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn audio_part(mime: &str, data: &str) -> String {
    format!(r#"{{"inlineData":{{"mimeType":"{mime}","data":"{data}"}}}}"#)
}

fn content(parts: &[String]) -> Vec<u8> {
    format!(
        r#"{{"serverContent":{{"modelTurn":{{"parts":[{}]}}}}}}"#,
        parts.join(",")
    )
    .into_bytes()
}

const TURN_COMPLETE: &[u8] = br#"{"serverContent":{"turnComplete":true}}"#;

/// The frames of a fault, in order.
pub fn frames(kind: Hostile) -> Vec<Vec<u8>> {
    let pcm24 = "audio/pcm;rate=24000";
    match kind {
        Hostile::Mixed => vec![
            b"this is not JSON".to_vec(),
            vec![b'{', 0xff, 0xfe, b'}'],
            br#"{"somethingNew":{"x":1},"serverContent":{"futureField":[1,2]}}"#.to_vec(),
            content(&[audio_part(pcm24, "AQID")]),
            content(&[audio_part(pcm24, "@@@@")]),
            content(&[audio_part("audio/mpeg", "AAAA")]),
            content(&[r#"{"inlineData":{"data":"AAAA"}}"#.to_owned()]),
            br#"{"serverContent":{"interrupted":true}}"#.to_vec(),
            TURN_COMPLETE.to_vec(),
            content(&[audio_part("audio/pcm;rate=16000", &tone(8_000, 16_000))]),
            TURN_COMPLETE.to_vec(),
        ],
        Hostile::Huge => vec![
            content(&[audio_part(pcm24, &tone(150 * 24_000, 24_000))]),
            TURN_COMPLETE.to_vec(),
        ],
        Hostile::Parts50 => {
            let part = audio_part(pcm24, &tone(2_400, 24_000));
            vec![content(&vec![part; 50]), TURN_COMPLETE.to_vec()]
        }
        Hostile::Flood => {
            let chunk = content(&[audio_part(pcm24, &tone(240, 24_000))]);
            let mut all = vec![chunk; 5_000];
            all.push(TURN_COMPLETE.to_vec());
            all
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gemini_live_voice::protocol::{decode, ProtocolError, ServerEvent};

    #[test]
    fn each_fault_is_what_it_says_to_the_client_decoder() {
        let mixed = frames(Hostile::Mixed);
        let results: Vec<_> = mixed.iter().map(|f| decode(f)).collect();
        assert!(matches!(results[0], Err(ProtocolError::Json { .. })));
        assert!(matches!(
            results[1],
            Err(ProtocolError::NotUtf8 {
                valid_up_to: Some(1)
            })
        ));
        assert_eq!(results[2], Ok(vec![]));
        assert!(matches!(results[3], Err(ProtocolError::Audio { .. })));
        assert!(matches!(results[4], Err(ProtocolError::Audio { .. })));
        assert!(matches!(
            results[5],
            Err(ProtocolError::UnsupportedMime { .. })
        ));
        assert!(matches!(
            results[6],
            Err(ProtocolError::UnsupportedMime { .. })
        ));
        match &results[9] {
            Ok(events) => assert!(
                matches!(&events[0], ServerEvent::Audio(a) if a.rate == 16_000 && a.samples.len() == 8_000)
            ),
            other => panic!("{other:?}"),
        }
        let huge = frames(Hostile::Huge);
        assert!(huge[0].len() > 9_000_000, "{} bytes", huge[0].len());
        let parts = decode(&frames(Hostile::Parts50)[0]).unwrap();
        assert_eq!(parts.len(), 50);
        assert_eq!(frames(Hostile::Flood).len(), 5_001);
    }
}
