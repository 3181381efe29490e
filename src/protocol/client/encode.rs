//! Each client type as its JSON value: camelCase names in the documented order, optional
//! fields left out when `None`.

use super::*;

/// An object of the fields that are present, in the order given.
fn fields<const N: usize>(members: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        members
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), value?)))
            .collect(),
    )
}

fn list<T>(items: &[T], each: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(each).collect())
}

fn enabled(flag: Option<&Enabled>) -> Option<Value> {
    flag.map(|_| Value::empty_object())
}

impl Setup {
    pub(super) fn to_value(&self) -> Value {
        fields([
            ("model", Some(self.model.as_str().into())),
            (
                "generationConfig",
                self.generation_config
                    .as_ref()
                    .map(GenerationConfig::to_value),
            ),
            (
                "systemInstruction",
                self.system_instruction.as_ref().map(Content::to_value),
            ),
            ("tools", self.tools.clone().map(Value::Array)),
            (
                "realtimeInputConfig",
                self.realtime_input_config
                    .as_ref()
                    .map(TurnTaking::to_value),
            ),
            (
                "inputAudioTranscription",
                enabled(self.input_audio_transcription.as_ref()),
            ),
            (
                "outputAudioTranscription",
                enabled(self.output_audio_transcription.as_ref()),
            ),
            (
                "sessionResumption",
                self.session_resumption
                    .as_ref()
                    .map(|r| fields([("handle", r.handle.as_deref().map(Value::from))])),
            ),
            (
                "contextWindowCompression",
                self.context_window_compression.as_ref().map(|c| {
                    let window = &c.sliding_window;
                    let target = fields([("targetTokens", window.target_tokens.map(Value::from))]);
                    Value::object([("slidingWindow", target)])
                }),
            ),
        ])
    }
}

impl GenerationConfig {
    fn to_value(&self) -> Value {
        let modalities = list(&self.response_modalities, |m| {
            match m {
                Modality::Audio => "AUDIO",
                Modality::Text => "TEXT",
            }
            .into()
        });
        fields([
            ("responseModalities", Some(modalities)),
            (
                "speechConfig",
                self.speech_config.as_ref().map(|s| {
                    let name = s.voice_config.prebuilt_voice_config.voice_name.as_str();
                    let prebuilt = Value::object([("voiceName", name.into())]);
                    let voice = Value::object([("prebuiltVoiceConfig", prebuilt)]);
                    Value::object([("voiceConfig", voice)])
                }),
            ),
        ])
    }
}

impl TurnTaking {
    fn to_value(&self) -> Value {
        let sensitivity = |s: Option<Sensitivity>, start: bool| {
            let name = match (s?, start) {
                (Sensitivity::High, true) => "START_SENSITIVITY_HIGH",
                (Sensitivity::Low, true) => "START_SENSITIVITY_LOW",
                (Sensitivity::High, false) => "END_SENSITIVITY_HIGH",
                (Sensitivity::Low, false) => "END_SENSITIVITY_LOW",
            };
            Some(Value::from(name))
        };
        let detection = fields([
            ("disabled", Some((!self.automatic).into())),
            (
                "startOfSpeechSensitivity",
                sensitivity(self.start_sensitivity, true),
            ),
            (
                "endOfSpeechSensitivity",
                sensitivity(self.end_sensitivity, false),
            ),
            ("prefixPaddingMs", self.prefix_padding_ms.map(Value::from)),
            (
                "silenceDurationMs",
                self.silence_duration_ms.map(Value::from),
            ),
        ]);
        fields([
            ("automaticActivityDetection", Some(detection)),
            (
                "activityHandling",
                (!self.interrupts).then(|| "NO_INTERRUPTION".into()),
            ),
        ])
    }
}

impl Content {
    fn to_value(&self) -> Value {
        fields([
            ("role", self.role.as_deref().map(Value::from)),
            ("parts", Some(list(&self.parts, Part::to_value))),
        ])
    }
}

impl Part {
    fn to_value(&self) -> Value {
        fields([
            ("text", self.text.as_deref().map(Value::from)),
            (
                "inlineData",
                self.inline_data.as_ref().map(MediaBlob::to_value),
            ),
        ])
    }
}

impl MediaBlob {
    fn to_value(&self) -> Value {
        Value::object([
            ("data", self.data.as_str().into()),
            ("mimeType", self.mime_type.as_str().into()),
        ])
    }
}

impl RealtimeInput {
    pub(super) fn to_value(&self) -> Value {
        fields([
            ("audio", self.audio.as_ref().map(MediaBlob::to_value)),
            ("audioStreamEnd", self.audio_stream_end.map(Value::from)),
            ("text", self.text.as_deref().map(Value::from)),
            ("activityStart", enabled(self.activity_start.as_ref())),
            ("activityEnd", enabled(self.activity_end.as_ref())),
        ])
    }
}

impl ClientContent {
    pub(super) fn to_value(&self) -> Value {
        Value::object([
            ("turns", list(&self.turns, Content::to_value)),
            ("turnComplete", self.turn_complete.into()),
        ])
    }
}

impl ToolResponse {
    pub(super) fn to_value(&self) -> Value {
        let responses = list(&self.function_responses, |r| {
            Value::object([
                ("id", r.id.as_str().into()),
                ("name", r.name.as_str().into()),
                ("response", r.response.clone()),
            ])
        });
        Value::object([("functionResponses", responses)])
    }
}
