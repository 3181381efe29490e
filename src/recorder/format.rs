//! The recording's file formats.

use crate::protocol::{INPUT_RATE, OUTPUT_RATE};

/// The file formats on offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Mono mix at 24 kHz: the model's full band.
    #[default]
    Mono24k,
    /// Mono mix at 16 kHz (the older server-side recipe's format).
    Mono16k,
    /// 24 kHz stereo: the person on the left, the model on the right.
    Stereo24k,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Mono24k, Format::Mono16k, Format::Stereo24k];

    pub fn rate(self) -> u32 {
        match self {
            Format::Mono16k => INPUT_RATE,
            Format::Mono24k | Format::Stereo24k => OUTPUT_RATE,
        }
    }

    pub fn channels(self) -> u16 {
        match self {
            Format::Stereo24k => 2,
            Format::Mono24k | Format::Mono16k => 1,
        }
    }

    /// The short name used in links (`?format=`) and file names.
    pub fn id(self) -> &'static str {
        match self {
            Format::Mono24k => "mono24",
            Format::Mono16k => "mono16",
            Format::Stereo24k => "stereo",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Mono24k => "Mono mix, 24 kHz",
            Format::Mono16k => "Mono mix, 16 kHz",
            Format::Stereo24k => "Stereo, 24 kHz (you left, model right)",
        }
    }

    pub fn parse(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }
}
