//! The Live API's audio rates and the capture chunk size: the one definition the whole
//! workspace uses (the client re-exports them as `protocol::{INPUT_RATE, OUTPUT_RATE, CHUNK}`).

/// The rate of the audio the model takes: the microphone audio as sent (Hz).
pub const INPUT_RATE: u32 = 16_000;
/// The rate of the model's voice (Hz).
pub const OUTPUT_RATE: u32 = 24_000;
/// Samples per microphone chunk: 128 ms at 16 kHz, what the Live API guide sends.
pub const CHUNK: usize = 2048;
/// The chunk sizes on offer, largest first: 2048 (the default), then smaller ones for less
/// delay before the service hears the end of speech (Google's guidance: 10-20 ms chunks for
/// the lowest latency, 50-100 ms balanced; 320 samples is 20 ms).
pub const CHUNK_SIZES: [usize; 4] = [CHUNK, 1024, 512, 320];
