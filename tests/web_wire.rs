//! The page's reading of server frames (`web::wire::read`: TextDecoder, JSON.parse,
//! serde-wasm-bindgen) on input a hostile server could send: each gives a clear error or the
//! right events, and nothing traps the module.
#![cfg(target_arch = "wasm32")]

use gemini_live_voice::protocol::server::{events, MAX_ARGS_DEPTH};
use gemini_live_voice::protocol::{AudioChunk, ProtocolError, ServerEvent};
use gemini_live_voice::web::wire;
use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A binary frame, as the socket gives it.
fn binary(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).buffer().into()
}

fn read(bytes: &[u8]) -> Result<Vec<ServerEvent>, ProtocolError> {
    wire::read(&binary(bytes)).and_then(events)
}

#[wasm_bindgen_test]
fn binary_and_text_frames_read_alike() {
    let frame = r#"{"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/zQS"}}]},"turnComplete":true}}"#;
    let expected = vec![
        ServerEvent::Audio(AudioChunk {
            rate: 24_000,
            samples: vec![1, -2, 0x1234],
        }),
        ServerEvent::TurnComplete,
    ];
    assert_eq!(read(frame.as_bytes()).unwrap(), expected);
    let text = wire::read(&JsValue::from_str(frame)).and_then(events);
    assert_eq!(text.unwrap(), expected);
}

#[wasm_bindgen_test]
fn a_wrong_kind_of_value_names_its_message_and_what_is_wrong() {
    let err = read(br#"{"serverContent":{"modelTurn":{"parts":[{},{"inlineData":{"mimeType":"audio/pcm","data":7}}]}}}"#)
        .unwrap_err();
    assert_eq!(
        err,
        ProtocolError::Shape {
            // The page names the message's top-level fields; the host names the whole path
            // (protocol::server::tests).
            path: "serverContent".into(),
            // JSON.parse reads every number as a float (serde_json on the host says
            // "integer `7`").
            detail: "invalid type: floating point `7.0`, expected a string".into(),
        }
    );
}

#[wasm_bindgen_test]
fn bytes_that_are_not_utf8_or_json_are_errors() {
    assert_eq!(
        read(&[b'{', 0xff, 0xfe, b'}']).unwrap_err(),
        ProtocolError::NotUtf8 { valid_up_to: None }
    );
    let err = read(b"this is not JSON").unwrap_err().to_string();
    assert!(err.starts_with("server frame is not JSON ("), "{err}");
    let blob = web_sys::Blob::new().unwrap();
    assert!(matches!(
        wire::read(&blob.into()),
        Err(ProtocolError::Json { .. })
    ));
}

/// Tool arguments nested past the limit are an error, not a stack overflow (the browser's
/// JSON.parse reads 100,000 levels; following them would trap the page's module).
#[wasm_bindgen_test]
fn deep_arguments_are_refused_and_shallow_ones_kept_whole() {
    let nested = |depth: usize| {
        format!(
            r#"{{"toolCall":{{"functionCalls":[{{"name":"f","args":{}1{}}}]}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    let err = read(nested(100_000).as_bytes()).unwrap_err();
    assert_eq!(
        err,
        ProtocolError::Shape {
            path: "toolCall".into(),
            detail: format!("nested more than {MAX_ARGS_DEPTH} levels deep"),
        }
    );
    match read(nested(MAX_ARGS_DEPTH).as_bytes()).unwrap().as_slice() {
        [ServerEvent::ToolCall(calls)] => {
            assert_eq!(calls[0].args.to_string().len(), 2 * MAX_ARGS_DEPTH + 1)
        }
        other => panic!("{other:?}"),
    }
}

/// Numbers as JSON.parse reads them: past f64's range is `null` (serde_json on the host
/// refuses the frame instead), integers past 2^53 lose their last digits as in any browser.
#[wasm_bindgen_test]
fn numbers_in_arguments_are_read_as_the_browser_reads_them() {
    let frame = br#"{"toolCall":{"functionCalls":[{"id":"c","name":"f","args":{"big":1e400,"n":-3,"x":2.5,"s":"t"}}]}}"#;
    match read(frame).unwrap().as_slice() {
        [ServerEvent::ToolCall(calls)] => assert_eq!(
            calls[0].args.to_string(),
            r#"{"big":null,"n":-3,"x":2.5,"s":"t"}"#
        ),
        other => panic!("{other:?}"),
    }
}

/// The settings' tool declarations, read by the browser's `JSON.parse` (the page has no JSON
/// text parser of its own): the same value serde_json reads, the browser's words for text
/// that is not JSON, and the arguments' depth bound, so a pasted deep nest is an error in
/// words, not a stack overflow.
#[wasm_bindgen_test]
fn tool_declarations_are_read_by_the_browser_as_serde_json_reads_them() {
    use gemini_live_voice::tools::{Declarations, Toolbox};
    use gemini_live_voice::web::tools::declarations;
    let text = r#"[{"name": "lookup", "description": "Finds it.", "response": {"ok": true}, "delay_ms": 5}]"#;
    assert_eq!(declarations(text), Declarations::from(text));
    assert_eq!(declarations("  \n "), Declarations::Blank);
    match declarations("[{") {
        Declarations::NotJson(words) => assert!(words.contains("JSON"), "{words}"),
        other => panic!("{other:?}"),
    }
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(matches!(
        declarations(&nest(MAX_ARGS_DEPTH)),
        Declarations::Json(_)
    ));
    match declarations(&nest(100_000)) {
        Declarations::NotJson(words) => {
            assert!(
                words.contains("nested more than 128 levels deep"),
                "{words}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Read so, the toolbox is the one the host builds from the same text.
    assert_eq!(
        Toolbox::declaring(true, &declarations(text)),
        Toolbox::new(true, text)
    );
}
