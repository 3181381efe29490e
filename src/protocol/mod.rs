//! The Gemini Live API's JSON messages, both directions (see `live-protocol.md` in the
//! shared notes and README.md). Pure Rust: no browser types, tested on the host.
//!
//! - [`client`]: what the page sends (`setup`, `realtimeInput`, `clientContent`,
//!   `toolResponse`), serialised to exactly the documented camelCase JSON.
//! - [`server`]: what the service sends, decoded from text or binary frames into a flat list
//!   of [`ServerEvent`]s; malformed input is a [`ProtocolError`], never a panic.

pub mod client;
pub mod models;
pub mod server;

pub use client::{ClientMessage, Sensitivity, Setup, TurnTaking};
pub use server::{
    decode, AudioChunk, FunctionCall, ProtocolError, ServerEvent, ServerMessage, UsageMetadata,
};

/// The documented default for voice agents since September 2026 (model names change
/// often, so the page makes this a setting; [`models`] says what each accepts).
pub const DEFAULT_MODEL: &str = "models/gemini-3.8-live";

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
pub use live_dsp::rates::{CHUNK, CHUNK_SIZES, INPUT_RATE, OUTPUT_RATE};
