//! The page's settings as plain data: the connection form, the settings a link may carry in
//! its query, and what they build (where to connect, the `setup`, the playback timings).
//! The browser side (`web::settings`) only reads and fills the form and the storage.

use crate::conversation::Target;
use crate::dom::Id;
use crate::endpoint::{Credential, Endpoint};
use crate::playback::PlaybackConfig;
use crate::protocol::{models, ClientMessage, Sensitivity, Setup, TurnTaking};
use crate::tools::{Declarations, Toolbox};

/// Settings a link may carry in its query, as (query name, form field id); never the key.
pub const QUERY_SETTINGS: &[(&str, Id)] = &[
    ("backend", Id::Backend),
    ("transcription", Id::Transcription),
    ("url", Id::Url),
    ("model", Id::Model),
    ("voice", Id::Voice),
    ("format", Id::RecFormat),
    ("chunk", Id::MicChunk),
    ("turns", Id::Turns),
    ("silence_ms", Id::Silence),
    ("interrupts", Id::Interrupts),
    ("builtin_tools", Id::BuiltinTools),
    ("instruction", Id::Instruction),
    ("start_sensitivity", Id::StartSensitivity),
    ("end_sensitivity", Id::EndSensitivity),
    ("prefix_padding_ms", Id::PrefixPadding),
    ("tools", Id::Tools),
    ("thinking", Id::Thinking),
    ("proactive", Id::Proactive),
    ("affective", Id::Affective),
];

/// The microphone's chunk size chosen (`value`: the field's, samples): one of
/// [`crate::protocol::CHUNK_SIZES`], else the default 2048.
pub fn chunk_size(value: &str) -> u32 {
    let sizes = crate::protocol::CHUNK_SIZES;
    let size = value.parse().ok().filter(|n| sizes.contains(n));
    size.unwrap_or(crate::protocol::CHUNK) as u32
}

/// The microphone's chunk sizes on offer, as (value, label) for the settings' list.
pub fn chunk_choices() -> Vec<(String, String)> {
    let ms = |n: usize| n * 1000 / crate::protocol::INPUT_RATE as usize;
    let label = |n: usize| match n {
        crate::protocol::CHUNK => format!("{n} samples ({} ms, the default)", ms(n)),
        320 => format!("{n} samples ({} ms, the lowest latency)", ms(n)),
        _ => format!("{n} samples ({} ms)", ms(n)),
    };
    let sizes = crate::protocol::CHUNK_SIZES.iter();
    sizes.map(|&n| (n.to_string(), label(n))).collect()
}

/// The backends the page offers (the Settings list's values).
pub const BACKENDS: &[&str] = &["offline", "key", "token", "url", "server"];

/// The thinking choices (the Settings list's values; each model takes some of them).
pub const THINKING: &[&str] = &["", "off", "minimal", "low", "medium", "high"];

/// An unknown value for the setting `name`, in words: the value and what is accepted.
pub fn unknown(name: &str, value: &str, accepted: &[&str]) -> String {
    let quoted: Vec<String> = accepted.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "Settings: {name} \"{value}\" is not a choice this page knows; it takes {}.",
        quoted.join(", ")
    )
}

/// The connection form as the person filled it in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Form {
    /// `offline`, `key`, `token`, `url`, or `server` (the token server that serves the page
    /// mints a token: see [`Form::served`]).
    pub backend: String,
    /// The key or token (trimmed when used); the passcode for `server`.
    pub secret: String,
    pub url: String,
    pub model: String,
    pub voice: String,
    pub instruction: String,
    pub transcription: bool,
    /// `auto` (the service detects speech) or `push` (push-to-talk).
    pub turns: String,
    /// `""` (the service's default), `high` or `low`.
    pub start_sensitivity: String,
    pub end_sensitivity: String,
    /// Whole milliseconds, blank for the service's default.
    pub prefix_padding_ms: String,
    pub silence_ms: String,
    /// Whether talking over the model interrupts it.
    pub interrupts: bool,
    /// The built-in tools (time, notes) on or off.
    pub builtin_tools: bool,
    /// More function declarations, read from the JSON text the person gave.
    pub tools: Declarations,
    /// `""` (the service's default), `off`, or a thinking level; sent only where the
    /// model takes it ([`models::Offer`]).
    pub thinking: String,
    /// Proactive audio, where the model has it as a setting.
    pub proactive: bool,
    /// Affective dialog, where the model has it.
    pub affective: bool,
}

/// Where a conversation connects (`None`: the in-page offline stand-in) and its `setup`;
/// kept so that a reconnect continues the same conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub endpoint: Option<Endpoint>,
    pub setup: Setup,
    /// Push-to-talk: automatic activity detection is off, the page marks each turn.
    pub push_to_talk: bool,
    /// The declared tools and how the page answers them.
    pub toolbox: Toolbox,
    /// Its token came from the server that serves the page: each later connection asks it
    /// for a fresh one ([`Connection::with_fresh_token`]).
    pub minted: bool,
}

impl Form {
    /// Where to connect; `None` for the offline stand-in; an unknown backend is an error in
    /// words (never a silent "API key").
    pub fn endpoint(&self) -> Result<Option<Endpoint>, String> {
        let secret = self.secret.trim().to_owned();
        Ok(Some(match self.backend.as_str() {
            "offline" => return Ok(None),
            "token" => Endpoint::ephemeral_token(&secret),
            "url" => {
                let credential = if secret.is_empty() {
                    Credential::None
                } else if secret.starts_with("auth_tokens/") {
                    Credential::EphemeralToken(secret)
                } else {
                    Credential::ApiKey(secret)
                };
                Endpoint::custom(&self.url, credential)
            }
            "key" => Endpoint::api_key(&secret).on_v1alpha(self.needs_v1alpha()),
            // Its token comes from the server first (`Form::served`), never from the form.
            "server" => return Err("The backend \"server\" connects with a token the server hands out: Connect asks for it.".into()),
            other => return Err(unknown("backend", other, BACKENDS)),
        }))
    }

    /// Proactive audio and affective dialog are v1alpha features: the key's route then is.
    fn needs_v1alpha(&self) -> bool {
        let model = models::lookup(&self.model);
        model.proactivity(self.proactive).is_some() || model.affective(self.affective).is_some()
    }

    /// How turns are taken; `None` when everything is the service's default.
    /// How turns are taken; `None` when everything is the service's default; an unknown
    /// choice is an error in words.
    pub fn turn_taking(&self) -> Result<Option<TurnTaking>, String> {
        let sensitivity = |name: &str, s: &str| match s {
            "" => Ok(None),
            "high" => Ok(Some(Sensitivity::High)),
            "low" => Ok(Some(Sensitivity::Low)),
            other => Err(unknown(name, other, &["", "high", "low"])),
        };
        let automatic = match self.turns.as_str() {
            "" | "auto" => true,
            "push" => false,
            other => return Err(unknown("turns", other, &["auto", "push"])),
        };
        let ms = |s: &str| s.trim().parse::<u32>().ok();
        let turns = TurnTaking {
            automatic,
            start_sensitivity: sensitivity("start_sensitivity", &self.start_sensitivity)?,
            end_sensitivity: sensitivity("end_sensitivity", &self.end_sensitivity)?,
            prefix_padding_ms: ms(&self.prefix_padding_ms),
            silence_duration_ms: ms(&self.silence_ms),
            interrupts: self.interrupts,
        };
        Ok((turns != TurnTaking::default()).then_some(turns))
    }

    /// The session's `setup` (resumable, with a sliding context window) and the tools it
    /// declares, or what is wrong with the tool declarations.
    pub fn setup(&self) -> Result<(Setup, Toolbox), String> {
        self.setup_for(&self.model)
    }

    /// The same for `model` (a live conversation keeps its model whatever the field says).
    fn setup_for(&self, model_name: &str) -> Result<(Setup, Toolbox), String> {
        if let Some(why) = models::shut_down(model_name) {
            return Err(why);
        }
        if !THINKING.contains(&self.thinking.as_str()) {
            return Err(unknown("thinking", &self.thinking, THINKING));
        }
        let toolbox = Toolbox::declaring(self.builtin_tools, &self.tools)?;
        let model = models::lookup(model_name);
        let mut setup = Setup::audio(model_name, &self.voice)
            .with_system_instruction(&self.instruction)
            .with_transcription(self.transcription, self.transcription)
            .with_resumption(None)
            .with_sliding_window()
            .with_tools(toolbox.setup_tools(model.calls));
        setup.realtime_input_config = self.turn_taking()?;
        if let Some(config) = setup.generation_config.as_mut() {
            config.thinking_config = model.thinking_config(&self.thinking);
            config.enable_affective_dialog = model.affective(self.affective);
        }
        setup.proactivity = model.proactivity(self.proactive);
        Ok((setup, toolbox))
    }

    /// The conversation the form describes, or what is wrong with it.
    pub fn connection(&self) -> Result<Connection, String> {
        let (setup, toolbox) = self.setup()?;
        Ok(Connection {
            endpoint: self.endpoint()?,
            setup,
            push_to_talk: self.turns == "push",
            toolbox,
            minted: false,
        })
    }

    /// Whether the secret is to be stored (the offline stand-in needs none).
    pub fn uses_secret(&self) -> bool {
        self.backend != "offline"
    }
}

/// What Settings' changes do to a live conversation: the instruction and the tools change
/// mid-session, by `contextUpdate` where the model takes it, otherwise by resuming the
/// conversation on a new connection whose setup carries them; everything else waits for the
/// next conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum MidSession {
    /// Neither the instruction nor the tools changed.
    Unchanged,
    /// Send `message`; the conversation (and its reconnects) go on with `connection`.
    Update {
        message: Box<ClientMessage>,
        connection: Box<Connection>,
    },
    /// The model takes them only in `setup`: the conversation resumes (its resumption
    /// handle) on a new connection with `connection`.
    Resume(Box<Connection>),
}

impl Connection {
    /// What changing the form to `form` does mid-conversation, or what is wrong with it.
    pub fn update(&self, form: &Form) -> Result<MidSession, String> {
        let (setup, toolbox) = form.setup_for(&self.setup.model)?;
        let instruction = setup.system_instruction != self.setup.system_instruction;
        let tools = setup.tools != self.setup.tools;
        if !instruction && !tools {
            return Ok(MidSession::Unchanged);
        }
        let message = ClientMessage::context_update(
            instruction.then_some(form.instruction.as_str()),
            tools.then(|| setup.tools.clone().unwrap_or_default()),
        );
        let mut connection = self.clone();
        connection.setup.system_instruction = setup.system_instruction;
        connection.setup.tools = setup.tools;
        connection.toolbox = toolbox;
        let connection = Box::new(connection);
        if !models::lookup(&self.setup.model).context_update {
            return Ok(MidSession::Resume(connection));
        }
        Ok(MidSession::Update {
            message: Box::new(message),
            connection,
        })
    }

    /// Where it connects, for the log: the URL with the credential redacted.
    pub fn target(&self) -> Target {
        match &self.endpoint {
            Some(endpoint) => Target::Remote(endpoint.redacted()),
            None => Target::Offline,
        }
    }
}

/// Playback timings: the adaptive jitter buffer, or a fixed prebuffer from `?prebuffer=MS`
/// (whole milliseconds, clamped to 20-500 ms). Whole numbers only: the page's settings are
/// read as integers, which keeps float parsing out of the page's wasm.
pub fn playback_config(prebuffer: Option<&str>) -> PlaybackConfig {
    let mut config = PlaybackConfig::adaptive();
    if let Some(ms) = prebuffer.and_then(|v| v.trim().parse::<u32>().ok()) {
        config.adaptive = false;
        config.prebuffer_ms = f64::from(ms.clamp(20, 500));
        config.lookahead_ms = config.lookahead_ms.max(config.prebuffer_ms + 200.0);
    }
    config
}

/// The volume slider's value (whole percent) as a gain, 0..=1; unreadable means full volume.
pub fn volume(percent: &str) -> f32 {
    percent
        .trim()
        .parse::<u8>()
        .ok()
        .map_or(1.0, |p| f32::from(p.min(100)) / 100.0)
}

mod served;
pub use served::{Answer, SERVER_TOKEN_PATH};

#[cfg(test)]
mod tests;
