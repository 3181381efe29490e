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

/// A shut-down model is not connected to: the form says why, in words (the banner), and the
/// service (the stand-in) answers it as it answers any name it does not serve.
#[test]
fn a_shut_down_model_is_refused_in_plain_words_before_connecting() {
    let why = full("models/gemini-2.0-flash-live-001")
        .setup()
        .unwrap_err();
    assert_eq!(
        why,
        "gemini-2.0-flash-live-001 was shut down on 2025-12-09 (Gemini API deprecations page): choose another model in Settings, such as gemini-2.5-flash-native-audio-preview-12-2025."
    );
    assert!(full("gemini-live-2.5-flash-preview").setup().is_err());
    assert_eq!(shut_down("gemini-3.8-live"), None);
    for gone in SHUT_DOWN {
        assert!(
            !MODELS.iter().any(|m| m.id == gone.id),
            "{} listed",
            gone.id
        );
        let setup = format!(
            r#"{{"setup":{{"model":"models/{}","generationConfig":{{"responseModalities":["AUDIO"]}}}}}}"#,
            gone.id
        );
        assert_eq!(parse(&setup, false).unwrap_err().code, 1008, "{}", gone.id);
    }
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
            "Thinking level is not supported for this model".into()
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

/// The form with thinking, proactive audio and affective dialog all asked for.
fn extras(model: &str, thinking: &str) -> Form {
    Form {
        thinking: thinking.into(),
        proactive: true,
        affective: true,
        tools: Default::default(),
        ..full(model)
    }
}

/// The part of the setup those settings shape, byte for byte: the generation config's
/// tail (after the voice) and what follows the context window compression.
fn extras_json(model: &str, thinking: &str) -> (String, String) {
    let json = ClientMessage::Setup(extras(model, thinking).setup().unwrap().0).to_json();
    // The service's checks take it (an unknown model it would not find at all).
    assert!(
        lookup(model) == COMMON || matches!(parse(&json, false), Ok(ClientMsg::Setup(_))),
        "{model} {thinking}: {:?}",
        parse(&json, false)
    );
    let voice = r#""voiceName":"Puck"}}}"#;
    let generation = &json[json.find(voice).unwrap() + voice.len()..];
    let generation = &generation[..generation.find("},\"systemInstruction\"").unwrap()];
    let window = r#""slidingWindow":{}}"#;
    let tail = &json[json.find(window).unwrap() + window.len()..];
    (generation.to_owned(), tail.to_owned())
}

#[test]
fn thinking_proactive_audio_and_affective_dialog_go_only_where_the_model_takes_them() {
    let none = (String::new(), "}}".to_owned());
    // 3.8 Live takes none of them (proactive audio is always on: nothing to send).
    assert_eq!(extras_json("gemini-3.8-live", "low"), none);
    // Extended thinking takes its levels, uppercase on the wire; not 3.1's "minimal".
    assert_eq!(
        extras_json("gemini-3.8-live-extended-thinking", "high"),
        (
            r#","thinkingConfig":{"thinkingLevel":"HIGH"}"#.into(),
            "}}".into()
        )
    );
    assert_eq!(
        extras_json("gemini-3.8-live-extended-thinking", "minimal"),
        none
    );
    assert_eq!(
        extras_json("gemini-3.1-flash-live-preview", "minimal"),
        (
            r#","thinkingConfig":{"thinkingLevel":"MINIMAL"}"#.into(),
            "}}".into()
        )
    );
    // 2.5: off is a budget of 0; a level is not its form; both toggles, on v1alpha.
    let native = "gemini-2.5-flash-native-audio-preview-12-2025";
    assert_eq!(
        extras_json(native, "off"),
        (
            r#","thinkingConfig":{"thinkingBudget":0},"enableAffectiveDialog":true"#.into(),
            r#","proactivity":{"proactiveAudio":true}}}"#.into()
        )
    );
    assert_eq!(
        extras_json(native, "high").0,
        r#","enableAffectiveDialog":true"#
    );
    assert_eq!(extras_json("gemini-9-live-experimental", "low"), none);
    // Where the toggles are sent, the key's route is v1alpha; otherwise v1beta.
    let url = |model: &str| {
        let form = Form {
            secret: "AIza-test".into(),
            ..extras(model, "")
        };
        form.endpoint().unwrap().unwrap().redacted()
    };
    assert_eq!(url(native), "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent?key=***");
    assert_eq!(url("gemini-3.8-live"), "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=***");
    let plain = Form {
        proactive: false,
        affective: false,
        ..extras(native, "off")
    };
    assert!(!plain.endpoint().unwrap().unwrap().v1alpha);
}

#[test]
fn settings_offer_each_model_what_it_takes_and_say_why_not() {
    let offers = |id: &str| {
        let m = lookup(id);
        [m.thinking_offer(), m.proactive_offer(), m.affective_offer()]
    };
    let [thinking, proactive, affective] = offers("gemini-3.8-live");
    assert_eq!(thinking.choices, &[] as &[&str]);
    assert_eq!(thinking.why, "gemini-3.8-live takes no thinking setting.");
    assert_eq!(proactive.fixed, Some(true));
    assert_eq!(
        proactive.why,
        "Always on for gemini-3.8-live: it cannot be turned off."
    );
    assert_eq!(affective.fixed, Some(false));
    assert_eq!(affective.why, "gemini-3.8-live has no affective dialog.");
    let [thinking, ..] = offers("gemini-3.8-live-extended-thinking");
    assert_eq!(thinking.choices, ["low", "medium", "high"]);
    assert_eq!(thinking.why, "Sent as thinkingLevel (low, medium, high).");
    assert!(thinking.allows("") && thinking.allows("medium") && !thinking.allows("off"));
    let [thinking, proactive, affective] = offers("gemini-2.5-flash-native-audio-latest");
    assert_eq!(thinking.choices, ["off"]);
    assert_eq!((proactive.choices, proactive.fixed), (&["on"][..], None));
    assert_eq!(affective.choices, ["on"]);
    let [thinking, proactive, affective] = offers("gemini-3.1-flash-live-preview");
    assert_eq!(thinking.choices, ["minimal", "low", "medium", "high"]);
    assert_eq!(
        proactive.why,
        "gemini-3.1-flash-live-preview has no proactive audio."
    );
    assert!(affective.choices.is_empty());
    let [thinking, ..] = offers("my-tuned-live-model");
    assert_eq!(
        thinking.why,
        "A model this page does not know takes no thinking setting."
    );
    // The page's thinking list holds every value a model may take, and "off".
    let page = include_str!("../../../www/index.html");
    for model in MODELS {
        for choice in model.thinking_offer().choices {
            assert!(
                page.contains(&format!(r#"<option value="{choice}">"#)),
                "{choice}"
            );
        }
    }
}

#[test]
fn the_service_refuses_a_thinking_form_or_behavior_the_model_does_not_take() {
    let reason = |model: &str, thinking: &str| {
        let json = format!(
            r#"{{"setup":{{"model":"models/{model}","generationConfig":{{"thinkingConfig":{thinking}}}}}}}"#
        );
        parse(&json, false).err().map(|r| r.reason)
    };
    let native = "gemini-2.5-flash-native-audio-latest";
    assert_eq!(reason(native, r#"{"thinkingBudget":0}"#), None);
    assert_eq!(
        reason(native, r#"{"thinkingLevel":"LOW"}"#).as_deref(),
        Some("thinking_level is not supported for models/gemini-2.5-flash-native-audio-latest; use thinking_budget.")
    );
    let deep = "gemini-3.8-live-extended-thinking";
    assert_eq!(
        reason(deep, r#"{"thinkingBudget":512}"#).as_deref(),
        Some("thinking_budget is not supported for models/gemini-3.8-live-extended-thinking; use thinking_level.")
    );
    assert_eq!(
        reason(deep, r#"{"thinkingLevel":"MINIMAL"}"#).as_deref(),
        Some("thinking_level MINIMAL is not supported for models/gemini-3.8-live-extended-thinking; supported: LOW, MEDIUM, HIGH.")
    );
    assert_eq!(reason(deep, r#"{"thinkingLevel":"MEDIUM"}"#), None);
    let blocking = r#"{"setup":{"model":"models/gemini-3.8-live-extended-thinking","tools":[{"functionDeclarations":[{"name":"f","behavior":"BLOCKING"}]}]}}"#;
    assert_eq!(
        parse(blocking, false).err().map(|r| r.reason).as_deref(),
        Some("function_declarations.behavior BLOCKING is not supported for models/gemini-3.8-live-extended-thinking: function calls are asynchronous only.")
    );
    // The page never sends that: the built-ins and a declared BLOCKING lose the field.
    let form = Form {
        builtin_tools: true,
        tools: r#"[{"name": "wait_for_me", "behavior": "BLOCKING"}]"#.into(),
        ..full(deep)
    };
    let json = ClientMessage::Setup(form.setup().unwrap().0).to_json();
    assert!(!json.contains("behavior"), "{json}");
    assert!(json.contains(r#"{"name":"wait_for_me"}"#), "{json}");
    assert!(matches!(parse(&json, false), Ok(ClientMsg::Setup(_))));
}
