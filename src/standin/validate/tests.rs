use super::*;

const SETUP: &str = r#"{"setup":{"model":"models/gemini-2.5-flash-native-audio-preview-12-2025","generationConfig":{"responseModalities":["AUDIO"],"speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Aoede"}}}},"inputAudioTranscription":{},"sessionResumption":{"handle":"h1"}}}"#;

#[test]
fn documented_setup_is_accepted() {
    let msg = parse(SETUP, false).unwrap();
    assert_eq!(
        msg,
        ClientMsg::Setup(SetupInfo {
            model: "models/gemini-2.5-flash-native-audio-preview-12-2025".into(),
            input_transcription: true,
            output_transcription: false,
            resumption: true,
            resume_handle: Some("h1".into()),
            automatic_activity: true,
            silence_ms: None,
            interrupts: true,
            instruction: None,
            functions: vec![],
            non_blocking: vec![],
        })
    );
    let instructed = SETUP.replace(
        r#","inputAudioTranscription""#,
        r#","systemInstruction":{"parts":[{"text":"Be"},{"text":"brief."}]},"inputAudioTranscription""#,
    );
    let Ok(ClientMsg::Setup(info)) = parse(&instructed, false) else {
        panic!("a setup");
    };
    assert_eq!(info.instruction.as_deref(), Some("Be brief."));
}

#[test]
fn unknown_fields_are_rejected_with_1007() {
    let r = parse(r#"{"realtimeInput":{"turnComplete":true}}"#, true).unwrap_err();
    assert_eq!(r.code, 1007);
    assert_eq!(
        r.reason,
        "Invalid JSON payload received. Unknown name \"turnComplete\" at 'realtimeInput': Cannot find field."
    );
    let r = parse(&SETUP.replace("voiceName", "voice_name_typo"), false).unwrap_err();
    assert_eq!(r.code, 1007);
    assert!(r
        .reason
        .contains("at 'setup.generationConfig.speechConfig.voiceConfig.prebuiltVoiceConfig'"));
}

#[test]
fn order_and_shape() {
    assert_eq!(
        parse(r#"{"realtimeInput":{"audioStreamEnd":true}}"#, false)
            .unwrap_err()
            .reason,
        "The first message must be setup."
    );
    assert_eq!(
        parse(SETUP, true).unwrap_err().reason,
        "setup may be sent only once."
    );
    assert_eq!(parse("{", false).unwrap_err().code, 1007);
    assert_eq!(
        parse(r#"{"realtimeInput":{"mediaChunks":[]}}"#, true)
            .unwrap_err()
            .code,
        1007
    );
    assert_eq!(
        parse(r#"{"realtimeInput":{"audioStreamEnd":true}}"#, true).unwrap(),
        ClientMsg::AudioStreamEnd
    );
}

#[test]
fn unknown_model_is_1008() {
    let r = parse(
        r#"{"setup":{"model":"models/gemini-2.0-flash-exp"}}"#,
        false,
    )
    .unwrap_err();
    assert_eq!(r.code, 1008);
    assert_eq!(r.reason, "models/gemini-2.0-flash-exp is not found for API version v1beta, or is not supported for bidiGenerateContent.");
}

#[test]
fn audio_is_decoded() {
    let msg = parse(
        r#"{"realtimeInput":{"audio":{"data":"AQD+/zQS","mimeType":"audio/pcm;rate=16000"}}}"#,
        true,
    );
    assert_eq!(
        msg.unwrap(),
        ClientMsg::Audio {
            rate: 16_000,
            samples: vec![1, -2, 0x1234]
        }
    );
    let odd = parse(
        r#"{"realtimeInput":{"audio":{"data":"AQID","mimeType":"audio/pcm;rate=16000"}}}"#,
        true,
    );
    assert_eq!(odd.unwrap_err().code, 1007);
    let mime = parse(
        r#"{"realtimeInput":{"audio":{"data":"","mimeType":"audio/wav"}}}"#,
        true,
    );
    assert_eq!(
        mime.unwrap_err().reason,
        "Unsupported audio mime type \"audio/wav\"."
    );
}
