use super::*;

/// The samples in `live-protocol.md`, byte for byte (minified).
#[test]
fn setup_matches_the_documented_sample() {
    let setup = Setup::audio("gemini-2.5-flash-native-audio-preview-12-2025", "Aoede")
        .with_system_instruction("You are ...")
        .with_automatic_activity_detection(true)
        .with_transcription(true, true)
        .with_resumption(Some(
            "<newHandle from an earlier session, or omit handle>".into(),
        ))
        .with_sliding_window();
    assert_eq!(
        ClientMessage::Setup(setup).to_json(),
        concat!(
            r#"{"setup":{"model":"models/gemini-2.5-flash-native-audio-preview-12-2025","#,
            r#""generationConfig":{"responseModalities":["AUDIO"],"#,
            r#""speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Aoede"}}}},"#,
            r#""systemInstruction":{"parts":[{"text":"You are ..."}]},"#,
            r#""realtimeInputConfig":{"automaticActivityDetection":{"disabled":false}},"#,
            r#""inputAudioTranscription":{},"outputAudioTranscription":{},"#,
            r#""sessionResumption":{"handle":"<newHandle from an earlier session, or omit handle>"},"#,
            r#""contextWindowCompression":{"slidingWindow":{}}}}"#
        )
    );
}

#[test]
fn minimal_setup_omits_everything_optional() {
    let setup = Setup::audio("models/gemini-3.1-flash-live-preview", "Puck")
        .with_system_instruction("   ")
        .with_transcription(false, false)
        .with_resumption(None);
    assert_eq!(
        ClientMessage::Setup(setup).to_json(),
        concat!(
            r#"{"setup":{"model":"models/gemini-3.1-flash-live-preview","#,
            r#""generationConfig":{"responseModalities":["AUDIO"],"#,
            r#""speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Puck"}}}},"#,
            r#""sessionResumption":{}}}"#
        )
    );
}

#[test]
fn realtime_messages_match_the_documented_samples() {
    // [1, -2, 4660] little-endian is 01 00 FE FF 34 12 -> "AQD+/zQS".
    assert_eq!(
        ClientMessage::audio(&[1, -2, 0x1234], 16_000).to_json(),
        r#"{"realtimeInput":{"audio":{"data":"AQD+/zQS","mimeType":"audio/pcm;rate=16000"}}}"#
    );
    assert_eq!(
        ClientMessage::audio_stream_end().to_json(),
        r#"{"realtimeInput":{"audioStreamEnd":true}}"#
    );
    assert_eq!(
        ClientMessage::realtime_text("hi \"there\"").to_json(),
        r#"{"realtimeInput":{"text":"hi \"there\""}}"#
    );
}

#[test]
fn client_content_and_tool_response_match_the_documented_samples() {
    assert_eq!(
        ClientMessage::user_turn("...", true).to_json(),
        r#"{"clientContent":{"turns":[{"role":"user","parts":[{"text":"..."}]}],"turnComplete":true}}"#
    );
    let response = FunctionResponse {
        id: "call-1".into(),
        name: "get_time".into(),
        response: serde_json::json!({"time": "12:00"}),
        scheduling: None,
    };
    assert_eq!(
        ClientMessage::tool_response(vec![response.clone()]).to_json(),
        r#"{"toolResponse":{"functionResponses":[{"id":"call-1","name":"get_time","response":{"time":"12:00"}}]}}"#
    );
    // An asynchronous call's answer says when the model takes it up.
    let later = FunctionResponse {
        scheduling: Some(Scheduling::WhenIdle),
        ..response
    };
    assert_eq!(
        ClientMessage::tool_response(vec![later]).to_json(),
        r#"{"toolResponse":{"functionResponses":[{"id":"call-1","name":"get_time","response":{"time":"12:00"},"scheduling":"WHEN_IDLE"}]}}"#
    );
}

#[test]
fn turn_taking_and_activity_markers() {
    let turns = TurnTaking {
        automatic: false,
        start_sensitivity: Some(Sensitivity::Low),
        end_sensitivity: Some(Sensitivity::High),
        prefix_padding_ms: Some(20),
        silence_duration_ms: Some(800),
        interrupts: false,
    };
    let setup = Setup::audio("m", "Puck").with_turn_taking(turns);
    assert_eq!(
        ClientMessage::Setup(setup).to_json(),
        concat!(
            r#"{"setup":{"model":"models/m","generationConfig":{"responseModalities":["AUDIO"],"#,
            r#""speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Puck"}}}},"#,
            r#""realtimeInputConfig":{"automaticActivityDetection":{"disabled":true,"#,
            r#""startOfSpeechSensitivity":"START_SENSITIVITY_LOW","#,
            r#""endOfSpeechSensitivity":"END_SENSITIVITY_HIGH","#,
            r#""prefixPaddingMs":20,"silenceDurationMs":800},"#,
            r#""activityHandling":"NO_INTERRUPTION"}}}"#
        )
    );
    assert_eq!(
        ClientMessage::activity(true).to_json(),
        r#"{"realtimeInput":{"activityStart":{}}}"#
    );
    assert_eq!(
        ClientMessage::activity(false).to_json(),
        r#"{"realtimeInput":{"activityEnd":{}}}"#
    );
    let tools = vec![serde_json::json!({"functionDeclarations": [{"name": "f"}]})];
    let setup = Setup::audio("m", "Puck").with_tools(tools);
    assert!(ClientMessage::Setup(setup)
        .to_json()
        .ends_with(r#"}}},"tools":[{"functionDeclarations":[{"name":"f"}]}]}}"#));
    assert_eq!(Setup::audio("m", "Puck").with_tools(vec![]).tools, None);
}

#[test]
fn every_message_has_exactly_one_top_level_key() {
    let messages = [
        ClientMessage::Setup(Setup::audio("m", "Kore")),
        ClientMessage::audio(&[0; 2048], 16_000),
        ClientMessage::audio_stream_end(),
        ClientMessage::realtime_text("x"),
        ClientMessage::user_turn("x", false),
        ClientMessage::tool_response(vec![]),
    ];
    for m in messages {
        let v: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
        assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    }
}

#[test]
fn a_full_chunk_has_the_expected_size() {
    // 2048 samples = 4096 bytes = 5464 base64 chars (4 * ceil(4096 / 3)).
    let json = ClientMessage::audio(&[0x0102; 2048], 16_000).to_json();
    let prefix = r#"{"realtimeInput":{"audio":{"data":""#;
    let suffix = r#"","mimeType":"audio/pcm;rate=16000"}}}"#;
    assert_eq!(json.len(), prefix.len() + 5464 + suffix.len());
    assert!(json.starts_with(prefix) && json.ends_with(suffix));
}
