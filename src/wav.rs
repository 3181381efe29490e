//! 16-bit PCM WAV encoding, written in pieces: the header first (sizes known up front), then
//! the samples block by block, so a long recording never needs one buffer for the file.

/// Errors from building a WAV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WavError {
    /// More audio than a WAV file's 32-bit sizes can describe (about 6.7 hours at 24 kHz
    /// stereo).
    TooLong { bytes: u64 },
    /// A rate or channel count of zero.
    Format { rate: u32, channels: u16 },
}

impl std::fmt::Display for WavError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WavError::TooLong { bytes } => write!(
                f,
                "The recording is too long for one WAV file ({bytes} bytes of audio; the limit is 4 GiB)."
            ),
            WavError::Format { rate, channels } => {
                let channels = u32::from(*channels);
                write!(f, "Cannot write a WAV file at {rate} Hz with {channels} channels.")
            }
        }
    }
}

impl std::error::Error for WavError {}

/// Size of the canonical header.
pub const HEADER_LEN: usize = 44;

/// The 44-byte header of a PCM WAV file holding `frames` frames of `channels` x 16 bits.
pub fn header(rate: u32, channels: u16, frames: u64) -> Result<[u8; HEADER_LEN], WavError> {
    if rate == 0 || channels == 0 {
        return Err(WavError::Format { rate, channels });
    }
    let block_align = u64::from(channels) * 2;
    let data = frames * block_align;
    if data + HEADER_LEN as u64 - 8 > u64::from(u32::MAX) {
        return Err(WavError::TooLong { bytes: data });
    }
    let mut h = [0u8; HEADER_LEN];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"RIFF");
    put(4, &((data + 36) as u32).to_le_bytes());
    put(8, b"WAVE");
    put(12, b"fmt ");
    put(16, &16u32.to_le_bytes()); // fmt chunk size
    put(20, &1u16.to_le_bytes()); // PCM
    put(22, &channels.to_le_bytes());
    put(24, &rate.to_le_bytes());
    put(28, &(u64::from(rate) * block_align).to_le_bytes()[..4]); // bytes per second
    put(32, &(block_align as u16).to_le_bytes());
    put(34, &16u16.to_le_bytes()); // bits per sample
    put(36, b"data");
    put(40, &(data as u32).to_le_bytes());
    Ok(h)
}

/// The header for a file that carries `trailing` bytes of further chunks after its audio
/// (cue points and their labels): the RIFF size grows by as much.
pub fn with_trailing(
    mut header: [u8; HEADER_LEN],
    trailing: usize,
) -> Result<[u8; HEADER_LEN], WavError> {
    let riff = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let riff = u64::from(riff) + trailing as u64;
    let riff = u32::try_from(riff).map_err(|_| WavError::TooLong { bytes: riff })?;
    header[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(header)
}

/// What a stored file's header says: (rate, channels, seconds of audio), reading no more
/// audio than `file_len` holds. `None` for anything but a 16-bit PCM header of ours.
pub fn describe_header(h: &[u8], file_len: u64) -> Option<(u32, u16, f64)> {
    if h.len() < HEADER_LEN || &h[0..4] != b"RIFF" || &h[8..12] != b"WAVE" || &h[36..40] != b"data"
    {
        return None;
    }
    let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    let (channels, rate, bits) = (u16_at(22), u32_at(24), u16_at(34));
    if u16_at(20) != 1 || bits != 16 || channels == 0 || rate == 0 {
        return None;
    }
    let present = file_len.saturating_sub(HEADER_LEN as u64);
    let data = u64::from(u32_at(40)).min(present);
    let frames = data / (u64::from(channels) * 2);
    Some((rate, channels, frames as f64 / f64::from(rate)))
}

/// Appends interleaved samples as little-endian bytes.
pub fn append_samples(out: &mut Vec<u8>, samples: &[i16]) {
    out.reserve(samples.len() * 2);
    for s in samples {
        out.extend_from_slice(&s.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_chunks_grow_the_riff_size_only() {
        let h = header(24_000, 1, 24_000).unwrap();
        let grown = with_trailing(h, 170).unwrap();
        assert_eq!(&grown[4..8], &(48_036u32 + 170).to_le_bytes());
        assert_eq!(grown[8..], h[8..], "the data size is the audio's");
        let full = header(24_000, 1, (u64::from(u32::MAX) - 36) / 2).unwrap();
        assert!(matches!(
            with_trailing(full, 4),
            Err(WavError::TooLong { .. })
        ));
    }

    #[test]
    fn header_bytes_for_one_second_of_24k_mono() {
        let h = header(24_000, 1, 24_000).unwrap();
        let expect: Vec<u8> = [
            &b"RIFF"[..],
            &(48_000u32 + 36).to_le_bytes(),
            b"WAVEfmt ",
            &16u32.to_le_bytes(),
            &1u16.to_le_bytes(),
            &1u16.to_le_bytes(),
            &24_000u32.to_le_bytes(),
            &48_000u32.to_le_bytes(),
            &2u16.to_le_bytes(),
            &16u16.to_le_bytes(),
            b"data",
            &48_000u32.to_le_bytes(),
        ]
        .concat();
        assert_eq!(h.to_vec(), expect);
    }

    #[test]
    fn hound_reads_what_we_write() {
        let samples: Vec<i16> = vec![0, 1, -1, i16::MAX, i16::MIN, 1234, -4321, 7];
        let mut file = header(16_000, 2, 4).unwrap().to_vec();
        append_samples(&mut file, &samples);
        let reader = hound::WavReader::new(std::io::Cursor::new(file)).unwrap();
        let spec = reader.spec();
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 16_000, 16)
        );
        assert_eq!(spec.sample_format, hound::SampleFormat::Int);
        assert_eq!(reader.duration(), 4);
        let back: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
        assert_eq!(back, samples);
    }

    #[test]
    fn refuses_what_wav_cannot_hold() {
        assert_eq!(
            header(24_000, 2, 1 << 30),
            Err(WavError::TooLong { bytes: 1 << 32 })
        );
        assert!(header(0, 1, 1).is_err());
        assert!(header(24_000, 0, 1).is_err());
    }

    #[test]
    fn a_stored_header_is_read_back_and_trusted_only_as_far_as_the_file_goes() {
        let h = header(24_000, 2, 48_000).unwrap();
        assert_eq!(describe_header(&h, 44 + 192_000), Some((24_000, 2, 2.0)));
        // A tab that died between writing audio and its header: the header is believed as
        // far as the bytes really there.
        assert_eq!(describe_header(&h, 44 + 96_000), Some((24_000, 2, 1.0)));
        assert_eq!(
            describe_header(&header(16_000, 1, 0).unwrap(), 44),
            Some((16_000, 1, 0.0))
        );
        assert_eq!(describe_header(&h[..40], 1_000), None);
        let mut other = h;
        other[20] = 3; // IEEE float
        assert_eq!(describe_header(&other, 1_000), None);
        assert_eq!(describe_header(&[0; 44], 1_000), None);
    }
}
