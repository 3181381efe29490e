//! What each Live model accepts and how it behaves, so the page never sends a field the
//! chosen model refuses and says what it does differently. Model names change often: an
//! unknown name still works, with the subset every model accepts ([`COMMON`]).
//!
//! Sources (Gemini API docs, read December 2026): each row names its page.

use super::ClientMessage;

/// How typed text goes to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedText {
    /// A `clientContent` user turn with `turnComplete: true`: the model answers it at once,
    /// interrupting what it is saying.
    ClientContent,
    /// `realtimeInput.text`: it joins the live input alongside the microphone.
    RealtimeText,
}

/// How the model runs function calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calls {
    /// Blocking only: the model waits for the answer; `behavior` and `scheduling` are
    /// refused, so the page leaves them out.
    Blocking,
    /// Blocking unless a declaration says `behavior: NON_BLOCKING`.
    BlockingByDefault,
    /// Non-blocking unless a declaration says `behavior: BLOCKING` (the model keeps talking
    /// while a call runs).
    NonBlockingByDefault,
    /// Non-blocking only ("Async only"): a declared `behavior: BLOCKING` is refused, so the
    /// page leaves it out.
    NonBlockingOnly,
}

/// Thinking, as the setup carries it (`generationConfig.thinkingConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thinking {
    /// Refused: the model takes no thinking setting.
    No,
    /// `thinkingBudget` (2.5): the page offers only "off" (a budget of 0).
    Budget,
    /// `thinkingLevel`, one of these (the form's lowercase words).
    Levels(&'static [&'static str]),
}

/// Proactive audio (the model may choose not to answer what is not meant for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proactive {
    /// `proactivity.proactiveAudio` may be set (v1alpha).
    Setting,
    /// Always on: `proactiveAudio: false` is an error.
    AlwaysOn,
    /// Not supported: `proactivity` is refused.
    No,
}

/// What ends the person's turn when the microphone stops (`realtimeInput.audioStreamEnd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamEnd {
    /// `audioStreamEnd` ends the turn at once: the model answers what it heard.
    EndsTurn,
    /// Ignored as a turn's end: the service's voice activity detection ends a turn only
    /// while audio keeps arriving, so after the microphone stops the page streams silence
    /// until the service has taken the turn (field report: openclaw/openclaw#152830, the
    /// live service probed on 2026-09-19).
    NeedsTrailingAudio,
}

/// Where the model stands in its documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Stable,
    Preview,
    /// Still served; the docs recommend moving on.
    Legacy,
    /// Not in this table: the common subset.
    Unknown,
}

/// One model's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    /// Without the `models/` prefix.
    pub id: &'static str,
    pub status: Status,
    pub typed_text: TypedText,
    pub calls: Calls,
    /// `generationConfig.thinkingConfig`: `thinkingBudget` on 2.5, `thinkingLevel` on 3.1
    /// and 3.8 Live Extended Thinking; refused on 3.8 Live.
    pub thinking: Thinking,
    pub proactive_audio: Proactive,
    /// `generationConfig.enableAffectiveDialog` accepted (2.5, v1alpha only).
    pub affective_dialog: bool,
    /// `contextUpdate` (a new instruction and tools mid-session) accepted.
    pub context_update: bool,
    /// A function response may carry `scheduling` (refused with 1007 where not).
    pub scheduling: bool,
    /// An interim function response (`willContinue: true`) keeps the call going; where
    /// not, the model abandons the call on it and never speaks the final answer.
    pub interim_answers: bool,
    /// What ends the person's turn when the microphone stops.
    pub stream_end: StreamEnd,
    /// The documentation page the row comes from.
    pub source: &'static str,
}

/// Today's Live models, the default first.
pub const MODELS: &[Model] = &[
    // models/gemini-3.8-live, "Migrating from Gemini 3.1 Flash Live" (September 2026): no
    // thinking_level; asynchronous calls by default; client content for the whole session,
    // turnComplete interrupts; proactive audio always on; no affective dialog.
    Model {
        id: "gemini-3.8-live",
        status: Status::Stable,
        typed_text: TypedText::ClientContent,
        calls: Calls::NonBlockingByDefault,
        thinking: Thinking::No,
        proactive_audio: Proactive::AlwaysOn,
        affective_dialog: false,
        context_update: true,
        scheduling: true,
        interim_answers: true,
        stream_end: StreamEnd::NeedsTrailingAudio,
        source: "https://ai.google.dev/gemini-api/docs/models/gemini-3.8-live",
    },
    // models/gemini-3.8-live-extended-thinking and live-api/thinking (September 2026):
    // background reasoning with thinkingLevel (low, medium, high); function calling "Async
    // only"; interactionStatus IN_PROGRESS while it works in the background, IDLE when done.
    // The rest as 3.8 Live, its family (the migration notes apply to both).
    Model {
        id: "gemini-3.8-live-extended-thinking",
        status: Status::Stable,
        typed_text: TypedText::ClientContent,
        calls: Calls::NonBlockingOnly,
        thinking: Thinking::Levels(&["low", "medium", "high"]),
        proactive_audio: Proactive::AlwaysOn,
        affective_dialog: false,
        context_update: true,
        // Field report (openclaw/openclaw#152413, probed 2026-09-19): "Function response
        // scheduling is not supported for this model" (1007); an interim `willContinue`
        // answer is taken but the call is then abandoned. One final answer works.
        scheduling: false,
        interim_answers: false,
        stream_end: StreamEnd::NeedsTrailingAudio,
        source: "https://ai.google.dev/gemini-api/docs/models/gemini-3.8-live-extended-thinking",
    },
    // live-api/tools ("synchronous and asynchronous" for 2.5 Flash Live), live-api/capabilities
    // (affective dialog and proactive audio on v1alpha; thinking budget).
    native_audio("gemini-2.5-flash-native-audio-preview-12-2025"),
    native_audio("gemini-2.5-flash-native-audio-preview-09-2025"),
    native_audio("gemini-2.5-flash-native-audio-latest"),
    // models/gemini-3.1-flash-live-preview (legacy; "Migrating from Gemini 2.5 Flash Live"):
    // thinkingLevel (minimal, low, medium, high; minimal by default); synchronous function
    // calls only; no proactive audio or affective dialog.
    Model {
        id: "gemini-3.1-flash-live-preview",
        status: Status::Legacy,
        typed_text: TypedText::RealtimeText,
        calls: Calls::Blocking,
        thinking: Thinking::Levels(&["minimal", "low", "medium", "high"]),
        proactive_audio: Proactive::No,
        affective_dialog: false,
        context_update: false,
        scheduling: false,
        interim_answers: true,
        stream_end: StreamEnd::EndsTurn,
        source: "https://ai.google.dev/gemini-api/docs/models/gemini-3.1-flash-live-preview",
    },
];

const fn native_audio(id: &'static str) -> Model {
    Model {
        id,
        status: Status::Preview,
        typed_text: TypedText::RealtimeText,
        calls: Calls::BlockingByDefault,
        thinking: Thinking::Budget,
        proactive_audio: Proactive::Setting,
        affective_dialog: true,
        context_update: false,
        scheduling: true,
        interim_answers: true,
        stream_end: StreamEnd::EndsTurn,
        source: "https://ai.google.dev/gemini-api/docs/live-api/capabilities",
    }
}

/// A model not in the table: what every listed model accepts.
pub const COMMON: Model = Model {
    id: "",
    status: Status::Unknown,
    typed_text: TypedText::RealtimeText,
    calls: Calls::Blocking,
    thinking: Thinking::No,
    proactive_audio: Proactive::No,
    affective_dialog: false,
    context_update: false,
    scheduling: false,
    interim_answers: false,
    // Trailing silence costs a model that ends the turn on audioStreamEnd only a moment;
    // its absence costs a model that needs it the reply.
    stream_end: StreamEnd::NeedsTrailingAudio,
    source: "",
};

/// A Live model the service no longer serves: its endpoint is gone ("completely turned off":
/// the Gemini API's deprecations page), so the page says so instead of failing to connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutDown {
    pub id: &'static str,
    /// When it was shut down (ISO date).
    pub on: &'static str,
    /// What the deprecations page recommends instead.
    pub replacement: &'static str,
}

/// Shut-down Live models, from https://ai.google.dev/gemini-api/docs/deprecations ("Live API
/// models"). Two more Live previews were announced in October 2026 for shutdown on
/// 2026-11-17; the stored copies of that page do not name them, so they are not listed.
pub const SHUT_DOWN: &[ShutDown] = &[
    ShutDown {
        id: "gemini-2.0-flash-live-001",
        on: "2025-12-09",
        replacement: "gemini-2.5-flash-native-audio-preview-12-2025",
    },
    ShutDown {
        id: "gemini-live-2.5-flash-preview",
        on: "2025-12-09",
        replacement: "gemini-2.5-flash-native-audio-preview-12-2025",
    },
];

/// Why `model` cannot be used (it was shut down), in words, or `None`.
pub fn shut_down(model: &str) -> Option<String> {
    let id = model.trim();
    let id = id.strip_prefix("models/").unwrap_or(id);
    let gone = SHUT_DOWN.iter().find(|m| m.id == id)?;
    Some(format!(
        "{} was shut down on {} (Gemini API deprecations page): choose another model in Settings, such as {}.",
        gone.id, gone.on, gone.replacement
    ))
}

/// The row for `model` (with or without the `models/` prefix), or [`COMMON`].
pub fn lookup(model: &str) -> Model {
    let id = model.trim();
    let id = id.strip_prefix("models/").unwrap_or(id);
    MODELS
        .iter()
        .find(|m| m.id == id)
        .copied()
        .unwrap_or(COMMON)
}

impl Model {
    /// Typed `text` as this model takes it.
    pub fn typed(&self, text: &str) -> ClientMessage {
        match self.typed_text {
            TypedText::ClientContent => ClientMessage::user_turn(text, true),
            TypedText::RealtimeText => ClientMessage::realtime_text(text),
        }
    }

    /// Whether declarations may carry `behavior`.
    pub fn async_calls(&self) -> bool {
        self.calls != Calls::Blocking
    }

    /// What this client does differently with the model, in words (Settings shows it).
    pub fn notes(&self) -> String {
        let status = match self.status {
            Status::Stable => "Stable.",
            Status::Preview => "Preview.",
            Status::Legacy => "Legacy: the docs recommend gemini-3.8-live.",
            Status::Unknown => {
                "Not a model this page knows: only what every Live model accepts is sent."
            }
        };
        let typed = match self.typed_text {
            TypedText::ClientContent => "Typed messages go as a turn and interrupt the model.",
            TypedText::RealtimeText => "Typed messages join the live input.",
        };
        let calls = match self.calls {
            Calls::Blocking => "Function calls block (a declared \"behavior\" is left out).",
            Calls::BlockingByDefault => {
                "Function calls block unless declared \"behavior\": \"NON_BLOCKING\"."
            }
            Calls::NonBlockingByDefault => {
                "Function calls run while the model keeps talking unless declared \"behavior\": \"BLOCKING\"."
            }
            Calls::NonBlockingOnly => {
                "Function calls always run while the model keeps talking (a declared \"behavior\": \"BLOCKING\" is left out)."
            }
        };
        format!("{status} {typed} {calls}")
    }
}

mod offers;
pub use offers::Offer;

#[cfg(test)]
mod tests;
