//! The page's elements by id: the one table of the ids `www/index.html` gives them, so a
//! renamed id fails to compile (the code names an [`Id`]) or fails one test (the table
//! against the page). No browser types: the page edge (`web::page`) looks them up.

macro_rules! ids {
    ($($name:ident = $id:literal,)*) => {
        /// An element of the page.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Id {
            $($name,)*
        }

        impl Id {
            /// Every id, in the page's order.
            pub const ALL: &[Id] = &[$(Id::$name,)*];

            /// Its `id` attribute.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Id::$name => $id,)*
                }
            }
        }
    };
}

ids! {
    SettingsOpen = "settings-open",
    App = "app",
    Banner = "banner",
    BannerText = "banner-text",
    BannerSettings = "banner-settings",
    BannerClose = "banner-close",
    Talk = "talk",
    Status = "status",
    InputLevel = "input-level",
    OutputLevel = "output-level",
    TalkHint = "talk-hint",
    ArchiveTerms = "archive-terms",
    Connect = "connect",
    Disconnect = "disconnect",
    MicStart = "mic-start",
    MicStop = "mic-stop",
    Volume = "volume",
    TranscriptTitle = "transcript-title",
    Transcript = "transcript",
    TextForm = "text-form",
    Text = "text",
    TextSend = "text-send",
    RecTitle = "rec-title",
    RecFigure = "rec-figure",
    RecWave = "rec-wave",
    RecInfo = "rec-info",
    RecPlayer = "rec-player",
    RecListen = "rec-listen",
    RecSave = "rec-save",
    RecRecord = "rec-record",
    RecCaptions = "rec-captions",
    RecLink = "rec-link",
    RecStoredTitle = "rec-stored-title",
    RecStoredNone = "rec-stored-none",
    RecStored = "rec-stored",
    LogPanel = "log-panel",
    Log = "log",
    SetupSent = "setup-sent",
    SettingsDialog = "settings-dialog",
    TrapStart = "trap-start",
    Settings = "settings",
    SettingsTitle = "settings-title",
    Backend = "backend",
    UrlRow = "url-row",
    Url = "url",
    SecretRow = "secret-row",
    SecretLabel = "secret-label",
    Secret = "secret",
    Remember = "remember",
    Model = "model",
    ModelNotes = "model-notes",
    Voice = "voice",
    Instruction = "instruction",
    Transcription = "transcription",
    Thinking = "thinking",
    ThinkingWhy = "thinking-why",
    Proactive = "proactive",
    ProactiveWhy = "proactive-why",
    Affective = "affective",
    AffectiveWhy = "affective-why",
    Turns = "turns",
    StartSensitivity = "start-sensitivity",
    EndSensitivity = "end-sensitivity",
    PrefixPadding = "prefix-padding",
    Silence = "silence",
    Interrupts = "interrupts",
    BuiltinTools = "builtin-tools",
    Tools = "tools",
    MicDevice = "mic-device",
    SpeakerRow = "speaker-row",
    SpeakerDevice = "speaker-device",
    SpeakerWarning = "speaker-warning",
    MicChunk = "mic-chunk",
    MicChunkWhy = "mic-chunk-why",
    RecFormat = "rec-format",
    SettingsDone = "settings-done",
    TrapEnd = "trap-end",
    Review = "review",
    ReviewTrapStart = "review-trap-start",
    ReviewTitle = "review-title",
    ReviewSummary = "review-summary",
    ReviewFigure = "review-figure",
    ReviewWave = "review-wave",
    ReviewPlayer = "review-player",
    ReviewLines = "review-lines",
    ReviewClose = "review-close",
    ReviewTrapEnd = "review-trap-end",
    Models = "models",
}

#[cfg(test)]
mod tests {
    use super::Id;

    /// Each id in the table is on the page exactly once, and every id on the page is in
    /// the table.
    #[test]
    fn the_table_is_the_pages_ids() {
        let html = include_str!("../www/index.html");
        let on_page: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        for id in Id::ALL {
            let n = on_page.iter().filter(|&&p| p == id.as_str()).count();
            assert_eq!(n, 1, "#{} is on the page {n} times", id.as_str());
        }
        for id in &on_page {
            assert!(
                Id::ALL.iter().any(|i| i.as_str() == *id),
                "#{id} is on the page but not in the table"
            );
        }
    }
}
