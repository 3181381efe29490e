//! The Gemini Live API's JSON messages, both directions (see `live-protocol.md` in the
//! shared notes and README.md). Pure Rust: no browser types, tested on the host.
//!
//! - [`client`]: what the page sends (`setup`, `realtimeInput`, `clientContent`,
//!   `toolResponse`), serialised to exactly the documented camelCase JSON.
//! - [`server`]: what the service sends, decoded from text or binary frames into a flat list
//!   of [`ServerEvent`]s; malformed input is a [`ProtocolError`], never a panic.

pub mod client;
pub mod server;

pub use client::{ClientMessage, Sensitivity, Setup, TurnTaking};
pub use server::{
    decode, AudioChunk, FunctionCall, ProtocolError, ServerEvent, ServerMessage, UsageMetadata,
};

/// The documented default: a current native-audio Live model (model names change often,
/// so the page makes this a setting).
pub const DEFAULT_MODEL: &str = "models/gemini-2.5-flash-native-audio-preview-12-2025";

/// The default prebuilt voice.
pub const DEFAULT_VOICE: &str = "Aoede";

/// Every documented prebuilt voice, the classic eight first.
pub const VOICES: &[&str] = &[
    "Aoede",
    "Charon",
    "Fenrir",
    "Kore",
    "Puck",
    "Leda",
    "Orus",
    "Zephyr",
    "Achernar",
    "Achird",
    "Algenib",
    "Algieba",
    "Alnilam",
    "Autonoe",
    "Callirrhoe",
    "Despina",
    "Enceladus",
    "Erinome",
    "Gacrux",
    "Iapetus",
    "Laomedeia",
    "Pulcherrima",
    "Rasalgethi",
    "Sadachbia",
    "Sadaltager",
    "Schedar",
    "Sulafat",
    "Umbriel",
    "Vindemiatrix",
    "Zubenelgenubi",
];

/// The audio rates (the client sends 16 kHz, the model speaks at 24 kHz) and the
/// microphone chunk size, defined once in the DSP crate.
pub use live_dsp::rates::{CHUNK, INPUT_RATE, OUTPUT_RATE};
