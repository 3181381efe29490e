use super::*;
use crate::settings::Form;
use crate::standin::validate::{parse, ClientMsg};

/// Every setting the form has, set: a full setup.
fn full(model: &str) -> Form {
    Form {
        backend: "key".into(),
        model: model.into(),
        voice: "Puck".into(),
        instruction: "Be brief.".into(),
        transcription: true,
        turns: "auto".into(),
        start_sensitivity: "high".into(),
        end_sensitivity: "low".into(),
        prefix_padding_ms: "20".into(),
        silence_ms: "700".into(),
        interrupts: true,
        builtin_tools: false,
        tools: r#"[{"name": "slow_lookup", "behavior": "NON_BLOCKING", "response": {"ok": true}}]"#
            .into(),
        ..Form::default()
    }
}

fn setup_json(model: &str) -> String {
    ClientMessage::Setup(full(model).setup().unwrap().0).to_json()
}

/// The setup every model gets, with its `model` and, where it takes one, the tool's
/// `behavior`.
fn expected(model: &str, behavior: bool) -> String {
    let behavior = if behavior {
        r#","behavior":"NON_BLOCKING""#
    } else {
        ""
    };
    [
        r#"{"setup":{"model":"models/"#,
        model,
        r#"","generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Puck"}}}},"#,
        r#""systemInstruction":{"parts":[{"text":"Be brief."}]},"#,
        r#""tools":[{"functionDeclarations":[{"name":"slow_lookup""#,
        behavior,
        r#"}]}],"#,
        r#""realtimeInputConfig":{"automaticActivityDetection":{"disabled":false,"startOfSpeechSensitivity":"START_SENSITIVITY_HIGH","endOfSpeechSensitivity":"END_SENSITIVITY_LOW","prefixPaddingMs":20,"silenceDurationMs":700}},"#,
        r#""inputAudioTranscription":{},"outputAudioTranscription":{},"sessionResumption":{},"#,
        r#""contextWindowCompression":{"slidingWindow":{}}}}"#,
    ]
    .concat()
}

#[test]
fn every_listed_model_gets_exactly_the_setup_it_accepts() {
    for model in MODELS {
        let json = setup_json(model.id);
        assert_eq!(
            json,
            expected(model.id, model.async_calls()),
            "{}",
            model.id
        );
        // The service's checks (the stand-in's, written against the JSON) take it.
        assert!(
            matches!(parse(&json, false), Ok(ClientMsg::Setup(_))),
            "{}: {:?}",
            model.id,
            parse(&json, false)
        );
        assert!(model
            .source
            .starts_with("https://ai.google.dev/gemini-api/docs/"));
    }
    // 3.1 runs calls synchronously: the declared behavior is left out.
    assert!(!setup_json("gemini-3.1-flash-live-preview").contains("behavior"));
}

#[test]
fn the_default_is_38_live_and_an_unknown_model_gets_the_common_subset() {
    assert_eq!(MODELS[0].id, "gemini-3.8-live");
    assert_eq!(
        crate::protocol::DEFAULT_MODEL,
        format!("models/{}", MODELS[0].id)
    );
    assert_eq!(lookup("models/gemini-3.8-live"), MODELS[0]);
    assert_eq!(lookup(" gemini-3.8-live "), MODELS[0]);
    assert_eq!(lookup("gemini-9-live-experimental"), COMMON);
    assert_eq!(
        setup_json("gemini-9-live-experimental"),
        expected("gemini-9-live-experimental", false)
    );
}

#[test]
fn typed_text_goes_as_each_model_takes_it() {
    assert_eq!(
        lookup("gemini-3.8-live").typed("hi").to_json(),
        r#"{"clientContent":{"turns":[{"role":"user","parts":[{"text":"hi"}]}],"turnComplete":true}}"#
    );
    for model in [
        "gemini-2.5-flash-native-audio-latest",
        "gemini-3.1-flash-live-preview",
        "x",
    ] {
        assert_eq!(
            lookup(model).typed("hi").to_json(),
            r#"{"realtimeInput":{"text":"hi"}}"#
        );
    }
}

#[test]
fn the_service_refuses_what_the_table_marks_refused() {
    let refused = |model: &str, extra: &str| {
        let json = format!(
            r#"{{"setup":{{"model":"models/{model}","generationConfig":{{"responseModalities":["AUDIO"]{extra}}}}}}}"#
        );
        parse(&json, false).err().map(|r| (r.code, r.reason))
    };
    let thinking = r#","thinkingConfig":{"thinkingLevel":"low"}"#;
    assert_eq!(
        refused("gemini-3.8-live", thinking),
        Some((
            1007,
            "thinking_config is not supported for models/gemini-3.8-live.".into()
        ))
    );
    assert_eq!(refused("gemini-3.1-flash-live-preview", thinking), None);
    let affective = r#","enableAffectiveDialog":true"#;
    assert_eq!(
        refused("gemini-3.8-live", affective),
        Some((
            1007,
            "enable_affective_dialog is not supported for models/gemini-3.8-live.".into()
        ))
    );
    assert_eq!(
        refused("gemini-2.5-flash-native-audio-latest", affective),
        None
    );
    let proactive = |model: &str, on: bool| {
        let json = format!(
            r#"{{"setup":{{"model":"models/{model}","proactivity":{{"proactiveAudio":{on}}}}}}}"#
        );
        parse(&json, false).err().map(|r| r.reason)
    };
    assert_eq!(
        proactive("gemini-3.8-live", false).as_deref(),
        Some("Proactive audio is always on for models/gemini-3.8-live; proactive_audio: false is not allowed.")
    );
    assert_eq!(proactive("gemini-3.8-live", true), None);
    assert_eq!(
        proactive("gemini-2.5-flash-native-audio-latest", false),
        None
    );
    assert_eq!(
        proactive("gemini-3.1-flash-live-preview", true).as_deref(),
        Some("proactivity is not supported for models/gemini-3.1-flash-live-preview.")
    );
    let behavior = r#"{"setup":{"model":"models/gemini-3.1-flash-live-preview","tools":[{"functionDeclarations":[{"name":"f","behavior":"NON_BLOCKING"}]}]}}"#;
    assert_eq!(
        parse(behavior, false).err().map(|r| r.reason).as_deref(),
        Some("function_declarations.behavior is not supported for models/gemini-3.1-flash-live-preview: function calls are synchronous.")
    );
}

#[test]
fn settings_say_what_the_page_does_differently() {
    assert_eq!(
        lookup("gemini-3.8-live").notes(),
        "Stable. Typed messages go as a turn and interrupt the model. Function calls run while the model keeps talking unless declared \"behavior\": \"BLOCKING\"."
    );
    assert_eq!(
        lookup("gemini-3.1-flash-live-preview").notes(),
        "Legacy: the docs recommend gemini-3.8-live. Typed messages join the live input. Function calls block (a declared \"behavior\" is left out)."
    );
}

#[test]
fn the_page_lists_the_table_in_its_order() {
    let page = include_str!("../../../www/index.html");
    let list = &page[page.find("<datalist id=\"models\">").unwrap()..];
    let listed: Vec<&str> = list
        .split("<option value=\"")
        .skip(1)
        .map(|o| &o[..o.find('"').unwrap()])
        .collect();
    let table: Vec<&str> = MODELS.iter().map(|m| m.id).collect();
    assert_eq!(listed, table);
    assert!(list.contains(
        r#"value="gemini-3.1-flash-live-preview" label="Gemini 3.1 Flash Live (legacy preview)""#
    ));
}
