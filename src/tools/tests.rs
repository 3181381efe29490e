use super::*;
use crate::protocol::client::Scheduling;

fn clock() -> WallClock {
    WallClock {
        utc: "2026-11-23T20:31:05.000Z".into(),
        local: "Mon Nov 23 2026 21:31:05 GMT+0100".into(),
        zone: "Europe/Berlin".into(),
    }
}

fn call(id: &str, name: &str, args: &str) -> FunctionCall {
    FunctionCall {
        id: Some(id.into()),
        name: name.into(),
        args: serde_json::from_str(args).unwrap(),
    }
}

fn answer(toolbox: &Toolbox, c: &FunctionCall, notes: &mut Vec<String>) -> (String, String) {
    let (response, line) = toolbox.answer(c, &clock(), notes);
    (
        crate::protocol::ClientMessage::tool_response(vec![response]).to_json(),
        line,
    )
}

#[test]
fn built_in_tools_are_declared_and_answered() {
    let toolbox = Toolbox::new(true, "").unwrap();
    assert_eq!(
        toolbox.names().collect::<Vec<_>>(),
        ["get_current_time", "save_note", "read_notes"]
    );
    let tools = toolbox.setup_tools(Calls::NonBlockingByDefault);
    assert_eq!(tools.len(), 1);
    // The declarations sent name exactly the functions the toolbox answers.
    let sent: Vec<&str> = tools[0]
        .pointer("/functionDeclarations")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .filter_map(|d| d.get("name")?.as_str())
        .collect();
    assert_eq!(sent, toolbox.names().collect::<Vec<_>>());
    assert_eq!(
        tools[0]
            .pointer("/functionDeclarations/1")
            .unwrap()
            .to_string(),
        concat!(
            r#"{"name":"save_note","description":"Saves a short note for later in this conversation.","#,
            r#""parameters":{"type":"OBJECT","properties":{"text":{"type":"STRING","#,
            r#""description":"The note, in a sentence or two."}},"required":["text"]},"behavior":"BLOCKING"}"#
        )
    );
    // A model whose calls only block refuses `behavior`: none is sent.
    assert!(!toolbox.setup_tools(Calls::Blocking)[0]
        .to_string()
        .contains("behavior"));
    let mut notes = Vec::new();
    assert_eq!(
        answer(&toolbox, &call("c1", "get_current_time", "{}"), &mut notes),
        (
            concat!(
                r#"{"toolResponse":{"functionResponses":[{"id":"c1","name":"get_current_time","#,
                r#""response":{"utc":"2026-11-23T20:31:05.000Z","local":"Mon Nov 23 2026 21:31:05 GMT+0100","#,
                r#""timeZone":"Europe/Berlin"}}]}}"#
            )
            .to_owned(),
            "Tool call get_current_time (c1) answered: the time (Mon Nov 23 2026 21:31:05 GMT+0100).".to_owned()
        )
    );
    let saved = answer(
        &toolbox,
        &call("c2", "save_note", r#"{"text":" buy milk "}"#),
        &mut notes,
    );
    assert_eq!(
        saved.0,
        r#"{"toolResponse":{"functionResponses":[{"id":"c2","name":"save_note","response":{"saved":1}}]}}"#
    );
    assert_eq!(
        saved.1,
        "Tool call save_note (c2) answered: note 1 saved: \"buy milk\"."
    );
    let read = answer(&toolbox, &call("c3", "read_notes", "null"), &mut notes);
    assert_eq!(
        read.0,
        r#"{"toolResponse":{"functionResponses":[{"id":"c3","name":"read_notes","response":{"notes":["buy milk"]}}]}}"#
    );
}

#[test]
fn every_call_gets_an_answer_even_an_unknown_one() {
    let toolbox = Toolbox::new(false, "").unwrap();
    assert!(toolbox.setup_tools(Calls::NonBlockingByDefault).is_empty());
    let mut notes = Vec::new();
    let (json, line) = answer(&toolbox, &call("x9", "get_current_time", "{}"), &mut notes);
    assert_eq!(
        json,
        r#"{"toolResponse":{"functionResponses":[{"id":"x9","name":"get_current_time","response":{"error":"There is no function named get_current_time here."}}]}}"#
    );
    assert_eq!(line, "Tool call get_current_time (x9) answered: an error (\"There is no function named get_current_time here.\").");
    let bad_note = answer(
        &Toolbox::new(true, "").unwrap(),
        &call("n", "save_note", r#"{"text":"  "}"#),
        &mut notes,
    );
    assert!(bad_note
        .0
        .contains(r#""response":{"error":"save_note needs a non-empty \"text\"."}"#));
    assert!(notes.is_empty());
}

#[test]
fn declared_tools_are_sent_without_their_canned_response_and_answered_with_it() {
    let text = r#"[{"name":"lookup_order","description":"Order status","parameters":{"type":"OBJECT"},
                    "response":{"status":"shipped"}},
                   {"name":"no_answer"}]"#;
    let toolbox = Toolbox::new(true, text).unwrap();
    assert_eq!(
        toolbox.names().collect::<Vec<_>>(),
        [
            "get_current_time",
            "save_note",
            "read_notes",
            "lookup_order",
            "no_answer"
        ]
    );
    let sent = toolbox.setup_tools(Calls::NonBlockingByDefault)[0]
        .pointer("/functionDeclarations/3")
        .unwrap()
        .to_string();
    assert_eq!(
        sent,
        r#"{"name":"lookup_order","description":"Order status","parameters":{"type":"OBJECT"}}"#
    );
    let mut notes = Vec::new();
    let (json, line) = answer(
        &toolbox,
        &call("o1", "lookup_order", r#"{"id":7}"#),
        &mut notes,
    );
    assert!(
        json.ends_with(r#""response":{"status":"shipped"}}]}}"#),
        "{json}"
    );
    assert_eq!(
        line,
        "Tool call lookup_order (o1) answered: its response from the settings."
    );
    let (json, _) = answer(&toolbox, &call("o2", "no_answer", "{}"), &mut notes);
    assert!(json.contains("no_answer has no implementation in this page"));
    // The tools shape is accepted too.
    let wrapped = Toolbox::new(
        false,
        r#"{"functionDeclarations":[{"name":"a"},{"name":"b"}]}"#,
    );
    assert_eq!(wrapped.unwrap().names().collect::<Vec<_>>(), ["a", "b"]);
}

#[test]
fn bad_declarations_say_what_is_wrong() {
    let err = |text: &str| Toolbox::new(true, text).unwrap_err();
    assert_eq!(
        err("[{\"name\": \"a\",}]"),
        "Tools are not JSON: trailing comma at line 1 column 15."
    );
    assert_eq!(
        err("[1]"),
        "Tools: each function declaration must be an object."
    );
    assert_eq!(
        err(r#"[{"description":"x"}]"#),
        "Tools: each function declaration needs a \"name\"."
    );
    assert_eq!(
        err(r#"[{"name":"9lives"}]"#),
        "Tools: \"9lives\" is not a valid function name (a letter or _ first, then letters, digits, _ . : -, at most 64)."
    );
    assert_eq!(
        err(r#"[{"name":"save_note"}]"#),
        "Tools: \"save_note\" is declared twice."
    );
    assert_eq!(
        err(r#"{"functionDeclarations":{}}"#),
        "Tools: functionDeclarations must be a list."
    );
    assert!(Toolbox::new(false, r#"[{"name":"save_note"}]"#).is_ok());
    assert!(Toolbox::new(false, &format!(r#"[{{"name":"{}"}}]"#, "a".repeat(65))).is_err());
}

#[test]
fn a_declared_tool_may_run_slowly_and_say_when_its_answer_is_taken_up() {
    let toolbox = Toolbox::new(
        false,
        r#"[{"name": "slow_lookup", "behavior": "NON_BLOCKING", "delay_ms": 3000,
             "scheduling": "WHEN_IDLE", "response": {"found": 3}},
            {"name": "quick"}]"#,
    )
    .unwrap();
    // The page-side keys never leave the page; the model's own (`behavior`) does.
    assert_eq!(
        toolbox.setup_tools(Calls::NonBlockingByDefault)[0].to_string(),
        r#"{"functionDeclarations":[{"name":"slow_lookup","behavior":"NON_BLOCKING"},{"name":"quick"}]}"#
    );
    assert_eq!(
        toolbox.timing("slow_lookup", true),
        (3000, Some(Scheduling::WhenIdle))
    );
    // A model whose calls block refuses `scheduling`: left out, the delay kept.
    assert_eq!(toolbox.timing("slow_lookup", false), (3000, None));
    assert_eq!(toolbox.timing("quick", true), (0, None));
    assert_eq!(toolbox.timing(CURRENT_TIME, true), (0, None));
    let bad = |json: &str| Toolbox::new(false, json).err().unwrap();
    assert_eq!(
        bad(r#"{"name": "f", "delay_ms": -5}"#),
        "Tools: \"delay_ms\" of \"f\" must be a whole number of milliseconds up to 60000, not -5."
    );
    assert_eq!(
        bad(r#"{"name": "f", "scheduling": "LATER"}"#),
        "Tools: \"scheduling\" of \"f\" must be \"INTERRUPT\", \"WHEN_IDLE\" or \"SILENT\", not \"LATER\"."
    );
}
