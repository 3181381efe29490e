use super::*;

fn form(backend: &str, secret: &str) -> Form {
    Form {
        backend: backend.into(),
        secret: secret.into(),
        url: " ws://127.0.0.1:9/ws ".into(),
        model: "gemini-x".into(),
        voice: "Puck".into(),
        instruction: String::new(),
        transcription: true,
        turns: "auto".into(),
        interrupts: true,
        ..Form::default()
    }
}

#[test]
fn each_backend_builds_its_endpoint_and_the_log_never_sees_the_secret() {
    assert_eq!(form("offline", "k").endpoint().unwrap(), None);
    assert_eq!(
        form("offline", "k").connection().unwrap().target(),
        Target::Offline
    );
    assert!(!form("offline", "k").uses_secret());
    assert_eq!(
        form("key", " AIza1 ").endpoint().unwrap(),
        Some(Endpoint::api_key("AIza1"))
    );
    assert_eq!(
        form("token", "auth_tokens/t").endpoint().unwrap(),
        Some(Endpoint::ephemeral_token("auth_tokens/t"))
    );
    let custom = |secret: &str| form("url", secret).endpoint().unwrap().unwrap().credential;
    assert_eq!(custom(""), Credential::None);
    assert_eq!(
        custom("auth_tokens/t"),
        Credential::EphemeralToken("auth_tokens/t".into())
    );
    assert_eq!(custom("k1"), Credential::ApiKey("k1".into()));
    let Target::Remote(shown) = form("url", "k1").connection().unwrap().target() else {
        panic!("a URL backend is remote");
    };
    assert_eq!(shown, "ws://127.0.0.1:9/ws?key=***");
}

#[test]
fn the_setup_carries_the_form() {
    let setup = form("key", "k").setup().unwrap().0;
    assert_eq!(setup.model, "models/gemini-x");
    assert!(setup.input_audio_transcription.is_some());
    assert!(setup.system_instruction.is_none());
    assert!(setup.session_resumption.is_some());
    let quiet = Form {
        transcription: false,
        instruction: "Be brief.".into(),
        ..form("key", "k")
    }
    .setup()
    .unwrap()
    .0;
    assert!(quiet.output_audio_transcription.is_none());
    assert!(quiet.system_instruction.is_some());
}

#[test]
fn turn_taking_and_tools_from_the_form() {
    let default = form("key", "k");
    let (setup, toolbox) = default.setup().unwrap();
    assert_eq!(setup.realtime_input_config, None, "all defaults: not sent");
    assert_eq!(setup.tools, None);
    assert_eq!(toolbox.names().count(), 0);
    let tuned = Form {
        turns: "push".into(),
        start_sensitivity: "low".into(),
        silence_ms: " 900 ".into(),
        prefix_padding_ms: "abc".into(),
        interrupts: false,
        builtin_tools: true,
        ..form("key", "k")
    };
    assert_eq!(
        tuned.turn_taking().unwrap(),
        Some(TurnTaking {
            automatic: false,
            start_sensitivity: Some(Sensitivity::Low),
            end_sensitivity: None,
            prefix_padding_ms: None,
            silence_duration_ms: Some(900),
            interrupts: false,
        })
    );
    let connection = tuned.connection().unwrap();
    assert!(connection.push_to_talk);
    assert_eq!(connection.toolbox.names().count(), 3);
    assert_eq!(connection.setup.tools.map(|t| t.len()), Some(1));
    let broken = Form {
        tools: "[{".into(),
        ..form("key", "k")
    };
    assert_eq!(
        broken.connection().unwrap_err(),
        "Tools are not JSON: EOF while parsing an object at line 1 column 2."
    );
}

#[test]
fn the_prebuffer_and_the_volume_are_read_safely() {
    assert_eq!(playback_config(None), PlaybackConfig::adaptive());
    assert!(PlaybackConfig::adaptive().adaptive);
    assert_eq!(playback_config(Some("abc")), PlaybackConfig::adaptive());
    let c = playback_config(Some("40"));
    assert_eq!(
        (c.prebuffer_ms, c.lookahead_ms, c.adaptive),
        (40.0, 500.0, false)
    );
    let c = playback_config(Some("9000"));
    assert_eq!((c.prebuffer_ms, c.lookahead_ms), (500.0, 700.0));
    assert_eq!(playback_config(Some("1")).prebuffer_ms, 20.0);
    assert_eq!(volume("50"), 0.5);
    assert_eq!(volume("250"), 1.0);
    assert_eq!(volume(""), 1.0);
    assert_eq!(volume("0"), 0.0);
    assert_eq!(volume("7.5"), 1.0, "the slider gives whole percent");
    assert_eq!(playback_config(Some("60.5")), PlaybackConfig::adaptive());
}

#[test]
fn instruction_and_tools_change_mid_session_where_the_model_takes_it() {
    let live = Form {
        model: "gemini-3.8-live".into(),
        builtin_tools: true,
        ..form("key", "k")
    };
    let connection = live.connection().unwrap();
    assert_eq!(connection.update(&live), Ok(MidSession::Unchanged));
    let french = Form {
        instruction: " Answer in French. ".into(),
        // What only a new connection can change is left for it.
        voice: "Kore".into(),
        ..live.clone()
    };
    let Ok(MidSession::Update {
        message,
        connection: after,
    }) = connection.update(&french)
    else {
        panic!("an update");
    };
    assert_eq!(
        message.to_json(),
        r#"{"contextUpdate":{"systemInstruction":{"parts":[{"text":"Answer in French."}]}}}"#
    );
    assert_eq!(
        after.setup.system_instruction,
        french.setup().unwrap().0.system_instruction
    );
    assert_eq!(
        after.setup.generation_config,
        connection.setup.generation_config
    );
    // The tools emptied: an empty list clears them.
    let bare = Form {
        builtin_tools: false,
        ..live.clone()
    };
    let Ok(MidSession::Update { message, .. }) = connection.update(&bare) else {
        panic!("an update");
    };
    assert_eq!(
        message.to_json(),
        r#"{"contextUpdate":{"tools":{"tools":[]}}}"#
    );
    // A model that takes them only in setup: resumed with the new one, the rest kept.
    let older = Form {
        model: "gemini-2.5-flash-native-audio-latest".into(),
        ..live.clone()
    };
    let before = older.connection().unwrap();
    let Ok(MidSession::Resume(resumed)) = before.update(&Form {
        instruction: "Hi.".into(),
        voice: "Kore".into(),
        ..older.clone()
    }) else {
        panic!("a resumption");
    };
    assert_eq!(
        ClientMessage::Setup(resumed.setup.clone()).to_json(),
        ClientMessage::Setup(before.setup.clone())
            .to_json()
            .replace(
                r#""tools""#,
                r#""systemInstruction":{"parts":[{"text":"Hi."}]},"tools""#
            ),
        "the instruction added, the voice kept until the next conversation"
    );
    // Bad tools are refused in words, as at Connect.
    let bad = Form {
        tools: "[".into(),
        ..live
    };
    assert!(connection
        .update(&bad)
        .unwrap_err()
        .starts_with("Tools are not JSON"));
}

#[test]
fn the_microphone_chunk_is_one_on_offer_or_the_default() {
    assert_eq!(chunk_size("320"), 320);
    assert_eq!(chunk_size("1024"), 1024);
    assert_eq!(chunk_size(""), 2048);
    assert_eq!(chunk_size("1000"), 2048);
    assert_eq!(chunk_size("-1"), 2048);
    let labels: Vec<String> = chunk_choices()
        .into_iter()
        .map(|(v, l)| format!("{v}: {l}"))
        .collect();
    assert_eq!(
        labels,
        [
            "2048: 2048 samples (128 ms, the default)",
            "1024: 1024 samples (64 ms)",
            "512: 512 samples (32 ms)",
            "320: 320 samples (20 ms, the lowest latency)"
        ]
    );
}

/// An unknown value is an error that names it and what is accepted, never a silent default
/// (an unknown backend used to mean "API key", an unknown sensitivity the service's default,
/// any word a thinking level).
#[test]
fn unknown_choices_are_errors_in_words() {
    assert_eq!(
        form("keyy", "k").connection().unwrap_err(),
        "Settings: backend \"keyy\" is not a choice this page knows; it takes \"offline\", \"key\", \"token\", \"url\", \"server\"."
    );
    let tuned = |f: fn(&mut Form)| {
        let mut form = form("key", "k");
        f(&mut form);
        form.setup().map(|_| ()).unwrap_err()
    };
    assert_eq!(
        tuned(|f| f.end_sensitivity = "medium".into()),
        "Settings: end_sensitivity \"medium\" is not a choice this page knows; it takes \"\", \"high\", \"low\"."
    );
    assert_eq!(
        tuned(|f| f.turns = "walkie-talkie".into()),
        "Settings: turns \"walkie-talkie\" is not a choice this page knows; it takes \"auto\", \"push\"."
    );
    assert_eq!(
        tuned(|f| f.thinking = "ultra".into()),
        "Settings: thinking \"ultra\" is not a choice this page knows; it takes \"\", \"off\", \"minimal\", \"low\", \"medium\", \"high\"."
    );
}
