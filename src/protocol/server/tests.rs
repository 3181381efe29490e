//! Decoding tests: the documented samples, what real servers do, and malformed frames.

use super::*;

fn one(frame: &str) -> ServerEvent {
    let mut events = decode(frame.as_bytes()).unwrap();
    assert_eq!(events.len(), 1, "{events:?}");
    events.remove(0)
}

#[test]
fn documented_samples_decode() {
    assert_eq!(one(r#"{"setupComplete":{}}"#), ServerEvent::SetupComplete);
    // 3.8 Live names the session; an empty id says nothing.
    assert_eq!(
        decode(br#"{"setupComplete":{"sessionId":"s-42"}}"#).unwrap(),
        [
            ServerEvent::SetupComplete,
            ServerEvent::SessionId("s-42".into())
        ]
    );
    assert_eq!(
        decode(br#"{"setupComplete":{"sessionId":""}}"#).unwrap(),
        [ServerEvent::SetupComplete]
    );
    // Background work still going, said with turnComplete (and before it).
    assert_eq!(
        decode(br#"{"serverContent":{"turnComplete":true,"interactionStatus":"IN_PROGRESS"}}"#)
            .unwrap(),
        [
            ServerEvent::InteractionStatus("IN_PROGRESS".into()),
            ServerEvent::TurnComplete
        ]
    );
    assert_eq!(
        one(
            r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/zQS"}}]}}}"#
        ),
        ServerEvent::Audio(AudioChunk {
            rate: 24_000,
            samples: vec![1, -2, 0x1234]
        })
    );
    assert_eq!(
        one(r#"{"serverContent":{"inputTranscription":{"text":"hello"}}}"#),
        ServerEvent::InputTranscription("hello".into())
    );
    assert_eq!(
        one(r#"{"serverContent":{"outputTranscription":{"text":"We"}}}"#),
        ServerEvent::OutputTranscription("We".into())
    );
    assert_eq!(
        one(r#"{"serverContent":{"interrupted":true}}"#),
        ServerEvent::Interrupted
    );
    assert_eq!(
        one(r#"{"serverContent":{"generationComplete":true}}"#),
        ServerEvent::GenerationComplete
    );
    assert_eq!(
        one(r#"{"toolCall":{"functionCalls":[{"id":"a1","name":"lookup","args":{"q":1}}]}}"#),
        ServerEvent::ToolCall(vec![FunctionCall {
            id: Some("a1".into()),
            name: "lookup".into(),
            args: serde_json::from_str::<Value>(r#"{"q":1}"#).unwrap(),
        }])
    );
    assert_eq!(
        one(r#"{"toolCallCancellation":{"ids":["a1","a2"]}}"#),
        ServerEvent::ToolCallCancellation(vec!["a1".into(), "a2".into()])
    );
    assert_eq!(
        one(r#"{"goAway":{"timeLeft":"50s"}}"#),
        ServerEvent::GoAway {
            time_left: Some(Duration::from_secs(50))
        }
    );
    assert_eq!(
        one(r#"{"sessionResumptionUpdate":{"newHandle":"h-123","resumable":true}}"#),
        ServerEvent::ResumptionUpdate {
            new_handle: Some("h-123".into()),
            resumable: true
        }
    );
}

#[test]
fn turn_complete_with_usage_gives_both_in_order() {
    let events = decode(
        br#"{"serverContent":{"turnComplete":true},"usageMetadata":{"promptTokenCount":554,"responseTokenCount":19,"totalTokenCount":573}}"#,
    )
    .unwrap();
    assert_eq!(
        events,
        vec![
            ServerEvent::TurnComplete,
            ServerEvent::Usage(UsageMetadata {
                prompt_token_count: Some(554),
                response_token_count: Some(19),
                total_token_count: Some(573),
            }),
        ]
    );
}

#[test]
fn pretty_printed_binary_frame_with_unknown_fields() {
    let frame = b"{\n  \"serverContent\": {\n    \"modelTurn\": {\n      \"role\": \"model\",\n      \"parts\": [\n        {\n          \"inlineData\": {\n            \"mimeType\": \"audio/pcm;rate=24000\",\n            \"data\": \"AAD/fw==\"\n          }\n        }\n      ]\n    },\n    \"groundingMetadata\": {},\n    \"futureField\": [1, 2]\n  },\n  \"somethingNew\": {\"x\": true}\n}\n";
    assert_eq!(
        decode(frame).unwrap(),
        vec![ServerEvent::Audio(AudioChunk {
            rate: 24_000,
            samples: vec![0, 32767]
        })]
    );
}

#[test]
fn every_part_of_a_model_turn_is_delivered() {
    let frame = r#"{"serverContent":{"modelTurn":{"parts":[
        {"text":"thinking","thought":true},
        {"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQA="}},
        {"inlineData":{"mimeType":"audio/pcm; rate=24000","data":"AgA="}},
        {"text":"hi"}
    ]},"outputTranscription":{"text":"hi"},"generationComplete":true,"turnComplete":true}}"#;
    assert_eq!(
        decode(frame.as_bytes()).unwrap(),
        vec![
            ServerEvent::Text {
                text: "thinking".into(),
                thought: true
            },
            ServerEvent::Audio(AudioChunk {
                rate: 24_000,
                samples: vec![1]
            }),
            ServerEvent::Audio(AudioChunk {
                rate: 24_000,
                samples: vec![2]
            }),
            ServerEvent::Text {
                text: "hi".into(),
                thought: false
            },
            ServerEvent::OutputTranscription("hi".into()),
            ServerEvent::GenerationComplete,
            ServerEvent::TurnComplete,
        ]
    );
}

#[test]
fn interrupted_then_turn_complete_in_one_message() {
    assert_eq!(
        decode(br#"{"serverContent":{"interrupted":true,"turnComplete":true}}"#).unwrap(),
        vec![ServerEvent::Interrupted, ServerEvent::TurnComplete]
    );
}

#[test]
fn empty_and_usage_only_messages_are_harmless() {
    assert_eq!(decode(b"{}").unwrap(), vec![]);
    assert_eq!(decode(br#"{"serverContent":{}}"#).unwrap(), vec![]);
    assert_eq!(
        decode(br#"{"usageMetadata":{"totalTokenCount":7}}"#).unwrap(),
        vec![ServerEvent::Usage(UsageMetadata {
            total_token_count: Some(7),
            ..UsageMetadata::default()
        })]
    );
    // Empty transcription fragments and empty handles carry nothing.
    assert_eq!(
        decode(br#"{"serverContent":{"inputTranscription":{}},"sessionResumptionUpdate":{"newHandle":"","resumable":false}}"#)
            .unwrap(),
        vec![ServerEvent::ResumptionUpdate { new_handle: None, resumable: false }]
    );
}

#[test]
fn malformed_json_is_an_error_with_a_position() {
    let err = decode(b"{\"setupComplete\": {}\n  \"oops\"").unwrap_err();
    match &err {
        ProtocolError::Json { line, column, .. } => assert_eq!((*line, *column), (2, 3)),
        other => panic!("{other:?}"),
    }
    assert!(err
        .to_string()
        .starts_with("server frame is not JSON (line 2, column 3: expected `,` or `}`"));
    assert!(matches!(
        decode(b"").unwrap_err(),
        ProtocolError::Json { .. }
    ));
    assert_eq!(
        decode(b"5").unwrap_err().to_string(),
        "server frame is not a valid message (.: invalid type: integer `5`, expected struct ServerMessage)"
    );
    assert_eq!(
        decode(br#"{"serverContent":{"turnComplete":"yes"}}"#)
            .unwrap_err()
            .to_string(),
        "server frame is not a valid message (serverContent.turnComplete: invalid type: string \"yes\", expected a boolean)"
    );
    assert_eq!(
        decode(br#"{"serverContent":{"modelTurn":{"parts":[{},{"inlineData":{"mimeType":"audio/pcm","data":7}}]}}}"#)
            .unwrap_err(),
        ProtocolError::Shape {
            path: "serverContent.modelTurn.parts[1].inlineData.data".into(),
            detail: "invalid type: integer `7`, expected a string".into()
        }
    );
    assert_eq!(
        decode(br#"{"toolCall":{"functionCalls":[{"id":"a"}]}}"#).unwrap_err(),
        ProtocolError::Shape {
            path: "toolCall.functionCalls[0]".into(),
            detail: "missing field `name`".into()
        }
    );
    assert_eq!(
        decode(br#"{"usageMetadata":{"totalTokenCount":-1}}"#).unwrap_err(),
        ProtocolError::Shape {
            path: "usageMetadata.totalTokenCount".into(),
            detail: "invalid value: integer `-1`, expected u64".into()
        }
    );
    // `null` is absent, as serde's `Option` read it.
    assert_eq!(
        decode(br#"{"setupComplete":null,"serverContent":{"turnComplete":null}}"#).unwrap(),
        vec![]
    );
}

#[test]
fn non_utf8_frame_is_an_error() {
    assert_eq!(
        decode(b"{\"a\":\"\xff\"}").unwrap_err(),
        ProtocolError::NotUtf8 {
            valid_up_to: Some(6)
        }
    );
}

#[test]
fn bad_audio_payloads_are_errors() {
    let frame = |mime: &str, data: &str| {
        format!(
            r#"{{"serverContent":{{"modelTurn":{{"parts":[{{"text":"x"}},{{"inlineData":{{"mimeType":"{mime}","data":"{data}"}}}}]}}}}}}"#
        )
    };
    assert_eq!(
        decode(frame("audio/pcm;rate=24000", "AQID").as_bytes()).unwrap_err(),
        ProtocolError::Audio {
            part: 1,
            error: PcmError::OddLength { bytes: 3 }
        }
    );
    assert!(matches!(
        decode(frame("audio/pcm;rate=24000", "@@@@").as_bytes()).unwrap_err(),
        ProtocolError::Audio {
            part: 1,
            error: PcmError::Base64 { .. }
        }
    ));
    let err = decode(frame("audio/mpeg", "AAAA").as_bytes()).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::UnsupportedMime {
            part: 1,
            mime: "audio/mpeg".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "model sent \"audio/mpeg\" in part 1; only audio/pcm is supported"
    );
}

#[test]
fn mime_types() {
    assert_eq!(pcm_rate("audio/pcm;rate=24000"), Some(24_000));
    assert_eq!(pcm_rate("audio/pcm"), Some(24_000));
    assert_eq!(pcm_rate("Audio/PCM ; Rate = 16000"), Some(16_000));
    assert_eq!(pcm_rate("audio/L16;codec=pcm;rate=48000"), Some(48_000));
    assert_eq!(pcm_rate("audio/pcm;rate=abc"), None);
    assert_eq!(pcm_rate("audio/pcm;rate=0"), None);
    assert_eq!(pcm_rate("audio/wav"), None);
    assert_eq!(pcm_rate(""), None);
}

#[test]
fn durations() {
    assert_eq!(parse_duration("50s"), Some(Duration::from_secs(50)));
    assert_eq!(parse_duration("0.250s"), Some(Duration::from_millis(250)));
    assert_eq!(parse_duration("50"), None);
    assert_eq!(parse_duration("-1s"), None);
    assert_eq!(parse_duration("1.5e3s"), None);
    assert_eq!(
        parse_duration("0.000000001s"),
        Some(Duration::from_nanos(1))
    );
    assert_eq!(parse_duration("1.0000000001s"), None);
    assert_eq!(parse_duration(".5s"), None);
    assert_eq!(parse_duration("99999999999999999999s"), None);
    // Found by the fuzzer: finite but too long for a Duration panicked the page.
    assert_eq!(parse_duration("1e300s"), None);
    assert_eq!(
        decode(br#"{"goAway":{"timeLeft":"1e300s"}}"#).unwrap(),
        vec![ServerEvent::GoAway { time_left: None }]
    );
    assert_eq!(
        one(r#"{"goAway":{}}"#),
        ServerEvent::GoAway { time_left: None }
    );
}

#[test]
fn newer_fields_become_events_in_order() {
    let frame = br#"{"serverContent":{"interimInputTranscription":{"text":"what ti"},
        "inputTranscription":{"text":"what time is it"},"waitingForInput":true,
        "turnCompleteReason":"NEED_MORE_INPUT","turnComplete":true}}"#;
    assert_eq!(
        decode(frame).unwrap(),
        vec![
            ServerEvent::InterimInputTranscription("what ti".into()),
            ServerEvent::InputTranscription("what time is it".into()),
            ServerEvent::WaitingForInput,
            ServerEvent::TurnCompleteReason(TurnCompleteReason::NeedMoreInput),
            ServerEvent::TurnComplete,
        ]
    );
    assert_eq!(
        decode(br#"{"serverContent":{"turnCompleteReason":"TURN_COMPLETE_REASON_UNSPECIFIED","turnComplete":true}}"#).unwrap(),
        vec![ServerEvent::TurnComplete]
    );
    assert_eq!(
        decode(br#"{"serverContent":{"turnCompleteReason":7}}"#)
            .unwrap_err()
            .to_string(),
        "server frame is not a valid message (serverContent.turnCompleteReason: invalid type: integer `7`, expected a string)"
    );
}

#[test]
fn voice_activity_signals() {
    assert_eq!(
        decode(br#"{"voiceActivity":{"voiceActivityType":"ACTIVITY_START","audioOffset":"1.2s"}}"#)
            .unwrap(),
        vec![ServerEvent::VoiceActivity { start: true }]
    );
    assert_eq!(
        decode(br#"{"voiceActivity":{"voiceActivityType":"ACTIVITY_END"}}"#).unwrap(),
        vec![ServerEvent::VoiceActivity { start: false }]
    );
    assert_eq!(
        decode(br#"{"voiceActivity":{"voiceActivityType":"TYPE_UNSPECIFIED"}}"#).unwrap(),
        vec![]
    );
}

#[test]
fn a_long_part_is_played_in_pieces_of_half_a_second() {
    let samples: Vec<i16> = (0..30_001).map(|i| (i % 7) as i16).collect();
    let chunk = AudioChunk {
        rate: 24_000,
        samples: samples.clone(),
    };
    let pieces = chunk.clone().pieces(500);
    let sizes: Vec<usize> = pieces.iter().map(|p| p.samples.len()).collect();
    assert_eq!(sizes, [12_000, 12_000, 6_001]);
    assert!(pieces.iter().all(|p| p.rate == 24_000));
    let joined: Vec<i16> = pieces.into_iter().flat_map(|p| p.samples).collect();
    assert_eq!(joined, samples);
    // At 16 kHz half a second is 8,000 samples; a short chunk stays whole.
    let short = AudioChunk {
        rate: 16_000,
        samples: vec![1; 8_000],
    };
    assert_eq!(short.clone().pieces(500), vec![short]);
    let odd = AudioChunk {
        rate: 1,
        samples: vec![5, 6],
    };
    assert_eq!(odd.pieces(500).len(), 2);
}

/// The arguments' depth limit holds for any reader, not only serde_json's parser (which
/// stops at 128 itself): here a `Value` as the deserializer, which has no limit of its own,
/// as serde-wasm-bindgen over `JSON.parse` has none.
#[test]
fn arguments_nested_past_the_limit_are_refused_by_any_reader() {
    use serde::Deserialize;
    let nested = |depth: usize| {
        let mut args = serde_json::json!(1);
        for _ in 0..depth {
            args = serde_json::Value::Array(vec![args]);
        }
        serde_json::json!({"toolCall": {"functionCalls": [{"name": "f", "args": args}]}})
    };
    let deep = nested(MAX_ARGS_DEPTH + 1);
    let err = serde_path_to_error::deserialize::<_, ServerMessage>(&deep).unwrap_err();
    // The path goes as deep as the limit: where the 129th level starts.
    let at = format!(
        "toolCall.functionCalls[0].args{}",
        "[0]".repeat(MAX_ARGS_DEPTH)
    );
    assert_eq!(err.path().to_string(), at);
    assert_eq!(
        err.into_inner().to_string(),
        "nested more than 128 levels deep"
    );
    let fine = ServerMessage::deserialize(&nested(MAX_ARGS_DEPTH)).unwrap();
    match events(fine).unwrap().as_slice() {
        [ServerEvent::ToolCall(calls)] => {
            assert_eq!(calls[0].args.to_string().len(), 2 * MAX_ARGS_DEPTH + 1)
        }
        other => panic!("{other:?}"),
    }
}
