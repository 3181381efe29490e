//! The conversation's vocabulary: its states ([`Link`], [`Mic`]), what happens
//! ([`Event`]), and what the edge must do ([`Effect`], [`View`]).

use crate::latency::Summary;
use crate::protocol::{FunctionCall, ServerEvent};
use crate::session::SessionError;

/// The connection's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// No conversation: before the first Connect, or after one ended.
    Idle,
    /// Connect was pressed; the audio graph is being made.
    Starting,
    /// A connection is opening: attempt 0 starts the conversation, later ones continue it.
    Opening { attempt: u32 },
    /// `setupComplete` came; `goaway` once the server announced the end of this connection.
    Live { goaway: bool },
    /// Between connections, until the retry timer fires ([`Event::RetryDue`]).
    Waiting { attempt: u32 },
    /// Disconnect was pressed; waiting for the connection to close.
    Closing,
    /// The page closed the connection to resume the conversation on a new one whose setup
    /// carries a new instruction and tools ([`Event::Renew`]); waiting for it to close.
    Renewing,
}

/// What follows a microphone's stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterStop {
    /// The microphone is off.
    Off,
    /// The chosen microphone opens (a switch mid-conversation, on the same timeline).
    Reopen,
}

/// How the conversation's turns are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turns {
    /// The service hears when the person starts and stops.
    Automatic,
    /// Audio goes out only while the talk control is held, each hold marked.
    PushToTalk,
}

/// What happens once the session is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterReady {
    Nothing,
    /// Talk was pressed while idle: the microphone starts.
    StartMic,
}

/// Whether the model's audio sounds now (the player says, ten times a second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sound {
    Silent,
    Playing,
}

/// Watching for a server that stops answering (see `stall.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stall {
    /// Nothing is due: silence is normal.
    Idle,
    /// An answer is due; the server was last heard (or the model last sounded) at `since` (ms).
    Due { since: f64 },
    /// It has been overdue too long: the page said so, once.
    Overdue,
}

/// What the server says of work it does beyond what it has said (`interactionStatus`, on
/// models that reason or run calls in the background): the status line says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    Idle,
    /// `IN_PROGRESS`: more may follow without new input.
    Working,
}

/// The microphone's state. `id` tells one opening of the microphone from the next, so a
/// late event of an earlier one changes nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mic {
    Off,
    /// Start Mic was pressed (the permission prompt may be open).
    Starting {
        id: u32,
    },
    On {
        id: u32,
    },
    /// Stop Mic was pressed at `since` (ms): waiting for the last partial chunk; `then`
    /// says whether another microphone opens after it (a switch).
    Stopping {
        id: u32,
        since: f64,
        then: AfterStop,
    },
}

/// Where a conversation connects, for the log (never the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The in-page offline stand-in.
    Offline,
    /// A server, its URL redacted.
    Remote(String),
}

/// What Connect (or Talk, from idle) starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub target: Target,
    pub model: String,
    /// Push-to-talk: audio goes to the model only while the talk control is held, each
    /// hold marked by `activityStart` / `activityEnd`.
    pub push_to_talk: bool,
}

/// Silence streamed after the microphone stopped, on a model whose turn detection needs
/// audio to keep arriving (see `tail.rs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tail {
    Off,
    /// Since `since` (ms), `sent` samples (16 kHz) of silence went out; `behind_reply`: a
    /// reply under way when it began is still coming (its audio does not answer this turn).
    Streaming {
        since: f64,
        sent: u64,
        behind_reply: bool,
    },
}

/// Whether the push-to-talk control is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    Up,
    Down,
    /// Released: the next microphone chunk (which holds the last words) goes out, then
    /// `activityEnd`.
    Ending,
}

/// Something that happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Connect(Plan),
    /// The one-click talk control: connects if needed and starts the microphone, or stops it.
    Talk(Plan),
    /// The settings cannot make a conversation (the words say why).
    Invalid(String),
    /// Push-to-talk pressed (space bar held, the talk control pressed).
    Hold,
    /// Push-to-talk released.
    Release,
    /// A typed message.
    Text(String),
    /// Another microphone was chosen: a running one is closed (its last chunk first) and
    /// the chosen one opened, on the same timeline.
    SwitchMic,
    /// The AudioContext and the player are running.
    AudioReady,
    AudioFailed(String),
    /// How opening the connection asked for by [`Effect::Open`] went.
    Opened(Result<(), SessionError>),
    Server(ServerEvent),
    /// A frame that could not be understood (the words say why).
    BadFrame(String),
    /// The connection ended; `handle` is the latest resumption handle it gave.
    Ended {
        error: SessionError,
        handle: Option<String>,
    },
    RetryDue,
    /// The edge has a fresh token for the connection being opened (a page served by the
    /// token server asks for one before every later connection): open it.
    TokenReady,
    /// The instruction or tools changed on a model that takes them only in `setup`: resume
    /// the conversation on a new connection (the edge holds the new setup).
    Renew,
    Disconnect,
    /// The person closed the banner.
    Dismiss,
    StartMic,
    StopMic,
    /// The `m` key.
    ToggleMic,
    /// The microphone asked for by [`Effect::OpenMic`] runs at `Ok(device rate)`, or not.
    MicOpened {
        id: u32,
        result: Result<f32, String>,
    },
    /// The browser reports echo cancellation off for the microphone just opened (asked for,
    /// not granted: some devices, some browsers).
    EchoCancellationOff,
    /// 16 kHz samples whose first was captured at `time` (the audio clock, s).
    MicChunk {
        id: u32,
        samples: Vec<i16>,
        time: f64,
    },
    /// Everything captured has been delivered (after [`Effect::FlushMic`]).
    MicFlushed {
        id: u32,
    },
    /// [`MIC_STOP_DEADLINE_MS`] passed after [`Effect::FlushMic`].
    MicDeadline {
        id: u32,
    },
    MicFailed {
        id: u32,
        error: String,
    },
    /// Microphone `id`'s track ended under it: unplugged, switched off, or taken by the
    /// system (Safari ends the track when a Bluetooth headset takes over the input:
    /// webrtc/samples#1526).
    MicLost {
        id: u32,
    },
    SendFailed {
        samples: usize,
        error: String,
    },
    /// The player lengthened a chunk of the reply by this many 24 kHz samples (the buffer
    /// ran low; see `playback::stretch`).
    Stretched(u64),
    /// An interruption's fade ends this long after the `interrupted` call.
    Cut {
        silent_after_ms: f64,
    },
    /// Whether the model's audio is sounding or queued (polled on the page's 100 ms timer,
    /// which also paces the trailing silence).
    Playing(bool),
    /// The browser paused the audio (`Some("suspended")`, or WebKit's `"interrupted"` on
    /// iOS), or it runs again (`None`): reported when it changes.
    AudioPaused(Option<&'static str>),
    /// The time from a server audio frame arriving to its buffer being scheduled, over the
    /// connection so far (reported at each turn's end).
    FrameTiming(Summary),
}

/// A log line's kind (its CSS class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Info,
    Warn,
    Error,
    Server,
    /// The conversation continues on a new connection (shown as the server's lines are;
    /// the record keeps it as a reconnect).
    Reconnected,
}

impl LogKind {
    pub fn class(self) -> &'static str {
        match self {
            LogKind::Info => "info",
            LogKind::Warn => "warn",
            LogKind::Error => "error",
            LogKind::Server | LogKind::Reconnected => "server",
        }
    }
}

/// Who a transcript line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    You,
    Model,
}

/// What the status line and the buttons show. `state` names the state for styling and
/// tests; `text` is for people; each flag says whether that button is enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub state: &'static str,
    pub text: String,
    pub connect: bool,
    pub disconnect: bool,
    pub mic_start: bool,
    pub mic_stop: bool,
    /// The one-click talk control is enabled...
    pub talk: bool,
    /// ...and shows "stop" (the microphone is on or on its way).
    pub talking: bool,
    /// A typed message can be sent.
    pub typing: bool,
    /// Push-to-talk: the talk control is held to talk (in a live conversation).
    pub push_to_talk: bool,
    /// It is held now.
    pub held: bool,
    /// What went wrong, in words, for the banner (until dismissed or tried again).
    pub alert: Option<String>,
}

/// Something for the edge to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Make the AudioContext and the player; answer [`Event::AudioReady`] or `AudioFailed`.
    StartAudio,
    /// Stop capture and playback and close the AudioContext (the recording keeps all).
    EndAudio,
    /// Open a connection (resuming `handle`); answer [`Event::Opened`].
    Open {
        handle: Option<String>,
    },
    /// Close the connection normally.
    Close,
    /// Answer [`Event::RetryDue`] after this many ms.
    RetryAfter(u32),
    CancelRetry,
    /// The recording's model track starts on this connection's audio clock.
    BeginRecording,
    /// Open the microphone; answer [`Event::MicOpened`] with `id`. The chosen one, or the
    /// system's default when `system_default` (the chosen one was lost mid-conversation).
    OpenMic {
        id: u32,
        system_default: bool,
    },
    /// Ask for the last partial chunk; answer [`Event::MicFlushed`], and
    /// [`Event::MicDeadline`] after `deadline_ms` unless cancelled by `CloseMic`.
    FlushMic {
        id: u32,
        deadline_ms: u32,
    },
    /// Release microphone `id` (tracks stopped, graph disconnected).
    CloseMic {
        id: u32,
    },
    /// A microphone chunk: into the recording (always: the person's voice is its continuous
    /// base track) and, if `send`, to the model.
    MicAudio {
        samples: Vec<i16>,
        time: f64,
        send: bool,
    },
    SendStreamEnd,
    /// This many samples (16 kHz) of digital silence to the model, not to the recording
    /// (the trailing audio a 3.8 model needs to end the person's turn).
    SendSilence(usize),
    /// `activityStart` (`true`) or `activityEnd`.
    SendActivity {
        start: bool,
    },
    SendText(String),
    /// Answer these function calls (every one, ids matched): at once, or after a declared
    /// tool's delay.
    AnswerTools(Vec<FunctionCall>),
    /// `toolCallCancellation`: stop these calls' pending answers.
    CancelTools(Vec<String>),
    /// 24 kHz model audio to play and record; `first` of its turn.
    Play {
        samples: Vec<i16>,
        first: bool,
    },
    /// Cut playback now (answer [`Event::Cut`]).
    Interrupt,
    /// Let what is queued play out.
    TurnComplete,
    Transcript {
        speaker: Speaker,
        text: String,
    },
    /// The service's token counts (for the record; the log has them in words).
    Usage(crate::protocol::UsageMetadata),
    /// What the person is saying so far: shown provisionally, replaced by the next
    /// provisional text or by their final [`Effect::Transcript`].
    InterimTranscript(String),
    Log {
        kind: LogKind,
        text: String,
    },
    Show(View),
    /// Redraw the recording's picture.
    DrawRecording,
}
