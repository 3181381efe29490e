use super::*;

fn err(text: &str) -> (usize, usize, &'static str) {
    let e = parse(text).unwrap_err();
    (e.line, e.column, e.message)
}

/// Our reading of `text`, written out and read back by serde_json, equals serde_json's own
/// reading: the parser and the writer agree with an independent implementation.
fn agrees_with_serde(text: &str) {
    let ours = parse(text).unwrap();
    let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
    let round: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
    assert_eq!(round, theirs, "{text}");
}

#[test]
fn values_of_every_kind() {
    let v = parse(" {\"a\": [1, -2.5e3, true, false, null], \"b\": {\"c\": \"d\"}} \n").unwrap();
    assert_eq!(
        v,
        Value::object([
            (
                "a",
                Value::Array(vec![
                    Value::Number("1".into()),
                    Value::Number("-2.5e3".into()),
                    Value::Bool(true),
                    Value::Bool(false),
                    Value::Null,
                ])
            ),
            ("b", Value::object([("c", "d".into())])),
        ])
    );
    assert_eq!(
        v.to_json(),
        r#"{"a":[1,-2.5e3,true,false,null],"b":{"c":"d"}}"#
    );
    assert_eq!(v.pointer("/a/0").and_then(Value::as_u64), Some(1));
    assert_eq!(v.pointer("/a/1").and_then(Value::as_u64), None);
    assert_eq!(v.pointer("/b/c").and_then(Value::as_str), Some("d"));
    assert_eq!(v.pointer("/b/x"), None);
    assert_eq!(v.pointer(""), Some(&v));
}

#[test]
fn escapes_both_ways() {
    let v = parse(r#""q\" b\\ s\/ \b\f\n\r\t \u00e9 \ud83d\ude00 é""#).unwrap();
    assert_eq!(
        v,
        Value::String("q\" b\\ s/ \u{8}\u{c}\n\r\t é 😀 é".into())
    );
    assert_eq!(
        v.to_json(),
        "\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t é 😀 é\"",
        "non-ASCII is written as is, '/' unescaped (as serde_json)"
    );
    assert_eq!(Value::from("\u{1}\u{1f}").to_json(), r#""\u0001\u001f""#);
    agrees_with_serde(r#"["\u0000\u001f", "\ud800\udc00", "tab\there"]"#);
}

#[test]
fn duplicate_keys_keep_the_last_value_at_the_first_place() {
    let v = parse(r#"{"a":1,"b":2,"a":3,"c":4,"a":5}"#).unwrap();
    assert_eq!(v.to_json(), r#"{"a":5,"b":2,"c":4}"#);
    agrees_with_serde(r#"{"a":1,"b":2,"a":3,"c":4,"a":5}"#);
}

#[test]
fn duplicate_keys_in_a_large_object_keep_the_last_value_at_the_first_place() {
    // Over 8 members: the places are sorted by key, not scanned.
    let text = r#"{"k":0,"b":1,"a":2,"c":3,"b":4,"d":5,"e":6,"f":7,"b":8,"g":9,"a":10}"#;
    let v = parse(text).unwrap();
    assert_eq!(
        v.to_json(),
        r#"{"k":0,"b":8,"a":10,"c":3,"d":5,"e":6,"f":7,"g":9}"#
    );
    agrees_with_serde(text);
    // A hostile object: 50,000 keys, each twice, the second time in reverse order.
    let first = (0..50_000).map(|i| format!("\"k{i}\":{i}"));
    let again = (0..50_000).rev().map(|i| format!("\"k{i}\":{}", i + 1));
    let text = format!("{{{}}}", first.chain(again).collect::<Vec<_>>().join(","));
    let v = parse(&text).unwrap();
    let members = v.as_object().unwrap();
    assert_eq!(members.len(), 50_000);
    assert_eq!(members[0], ("k0".into(), Value::from(1u32)));
    assert_eq!(members[49_999], ("k49999".into(), Value::from(50_000u32)));
    assert!(members
        .iter()
        .enumerate()
        .all(|(i, (k, v))| *k == format!("k{i}") && *v == Value::from(i as u64 + 1)));
}

#[test]
fn errors_say_where() {
    assert_eq!(err(""), (1, 1, "EOF while parsing a value"));
    assert_eq!(err("{\n  \"a\": x}"), (2, 8, "expected value"));
    assert_eq!(err("[1,]"), (1, 4, "expected value"));
    assert_eq!(err("[1 2]"), (1, 4, "expected ',' or ']'"));
    assert_eq!(err("{\"a\" 1}"), (1, 6, "expected ':'"));
    assert_eq!(err("{1:2}"), (1, 2, "key must be a string"));
    assert_eq!(err("\"abc"), (1, 5, "EOF while parsing a string"));
    assert_eq!(err("\"a\u{1}\""), (1, 3, "control character in string"));
    assert_eq!(err(r#""\x""#), (1, 3, "invalid escape"));
    assert_eq!(
        err(r#""\ud800x""#),
        (1, 8, "lone leading surrogate in hex escape")
    );
    assert_eq!(
        err(r#""\udc00""#),
        (1, 8, "lone trailing surrogate in hex escape")
    );
    assert_eq!(err(r#""\u12g4""#), (1, 6, "invalid hex escape"));
    assert_eq!(err("01"), (1, 2, "invalid number (leading zero)"));
    assert_eq!(err("1."), (1, 3, "invalid number (no digits after '.')"));
    assert_eq!(err("1e+"), (1, 4, "invalid number (no digits in exponent)"));
    assert_eq!(err("-"), (1, 2, "invalid number"));
    assert_eq!(err("tru"), (1, 1, "expected value"));
    assert_eq!(err("{} {}"), (1, 4, "trailing characters"));
    assert_eq!(err("{\"a\":1"), (1, 7, "EOF while parsing an object"));
    assert_eq!(err("[1"), (1, 3, "EOF while parsing a list"));
    assert_eq!(
        parse("[1 2]").unwrap_err().to_string(),
        "expected ',' or ']' at line 1 column 4"
    );
}

#[test]
fn nesting_is_limited_where_serde_json_limits_it() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(parse(&deep(MAX_DEPTH)).is_ok());
    assert_eq!(
        err(&deep(MAX_DEPTH + 1)),
        (1, MAX_DEPTH + 1, "recursion limit exceeded")
    );
    assert!(serde_json::from_str::<serde_json::Value>(&deep(MAX_DEPTH)).is_ok());
    assert!(serde_json::from_str::<serde_json::Value>(&deep(MAX_DEPTH + 1)).is_err());
    // Far deeper than any stack could take recursively: an error, not a crash.
    assert_eq!(
        err(&"{\"a\":".repeat(100_000)).2,
        "recursion limit exceeded"
    );
}

#[test]
fn a_hostile_object_with_many_keys_parses_in_linear_time() {
    let keys: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\":{i}")).collect();
    let v = parse(&format!("{{{},\"k7\":\"last\"}}", keys.join(","))).unwrap();
    let members = v.as_object().unwrap();
    assert_eq!(members.len(), 200_000);
    assert_eq!(members[7], ("k7".to_owned(), Value::from("last")));
}

#[test]
fn agrees_with_serde_json_on_a_live_api_frame() {
    agrees_with_serde(
        r#"{
  "serverContent": {
    "modelTurn": {"parts": [{"inlineData": {"mimeType": "audio/pcm;rate=24000", "data": "AQD+/zQS"}}]},
    "outputTranscription": {"text": "Bonjour, ça va ? 👋"}
  },
  "usageMetadata": {"promptTokenCount": 25, "responseTokenCount": 50, "totalTokenCount": 75,
    "responseTokensDetails": [{"modality": "AUDIO", "tokenCount": 50}]}
}"#,
    );
}

#[test]
fn heapsort_orders_every_permutation_it_is_given() {
    // Every permutation of 0..7, and a scrambled 1,000 (a multiplicative walk mod a prime).
    let mut cases: Vec<Vec<usize>> = Vec::new();
    let mut perm: Vec<usize> = (0..7).collect();
    let mut c = vec![0; perm.len()];
    cases.push(perm.clone());
    let mut i = 0;
    while i < perm.len() {
        // Heap's algorithm.
        if c[i] < i {
            perm.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
            cases.push(perm.clone());
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    assert_eq!(cases.len(), 5040);
    cases.push((1..1010).map(|k| k * 389 % 1009).collect());
    cases.push(Vec::new());
    for mut case in cases {
        let mut expected = case.clone();
        expected.sort_unstable();
        parser::heapsort(&mut case, |a, b| a < b);
        assert_eq!(case, expected);
    }
}
