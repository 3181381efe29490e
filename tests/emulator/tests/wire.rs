//! The emulator on the wire, driven by a native WebSocket client: handshake, setup,
//! VAD and echo timing, barge-in, `audioStreamEnd`, rejections and injected faults.

use futures_util::{SinkExt, StreamExt};
use live_emulator::{route_url, start, Config};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

const SETUP: &str = r#"{"setup":{"model":"models/gemini-2.5-flash-native-audio-preview-12-2025","generationConfig":{"responseModalities":["AUDIO"]},"inputAudioTranscription":{},"outputAudioTranscription":{},"sessionResumption":{}}}"#;

async fn emulator(key: Option<&str>) -> String {
    let config = Config {
        key: key.map(str::to_owned),
        ..Config::default()
    };
    route_url(start(config, 0).await.unwrap())
}

async fn connect(url: &str) -> Ws {
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// Next frame; returns (was_binary, json) or the close (code, reason).
async fn next(ws: &mut Ws) -> Result<(bool, Value), (u16, String)> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no frame within 10 s");
        match msg {
            Some(Ok(Message::Binary(b))) => return Ok((true, serde_json::from_slice(&b).unwrap())),
            Some(Ok(Message::Text(t))) => return Ok((false, serde_json::from_str(&t).unwrap())),
            Some(Ok(Message::Close(Some(f)))) => return Err((f.code.into(), f.reason.to_string())),
            Some(Ok(Message::Close(None))) => return Err((1005, String::new())),
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Err((1006, String::new())),
        }
    }
}

/// A connection whose setup resumes the emulator's first handle (`emu-1-1`).
async fn resuming(url: &str) -> Ws {
    let resume = SETUP.replace(
        r#""sessionResumption":{}"#,
        r#""sessionResumption":{"handle":"emu-1-1"}"#,
    );
    let mut ws = connect(url).await;
    ws.send(Message::text(resume)).await.unwrap();
    ws
}

async fn ready(url: &str) -> Ws {
    let mut ws = connect(url).await;
    ws.send(Message::text(SETUP)).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap(),
        (true, json!({"setupComplete": {}}))
    );
    let (_, update) = next(&mut ws).await.unwrap();
    assert_eq!(update["sessionResumptionUpdate"]["resumable"], json!(true));
    ws
}

fn tone(ms: usize, amplitude: f64, hz: f64) -> Vec<i16> {
    (0..ms * 16)
        .map(|i| {
            (amplitude * (i as f64 * 2.0 * std::f64::consts::PI * hz / 16_000.0).sin()).round()
                as i16
        })
        .collect()
}

fn audio_message(samples: &[i16]) -> Message {
    use base64::Engine as _;
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Message::text(
        json!({"realtimeInput": {"audio": {"data": data, "mimeType": "audio/pcm;rate=16000"}}})
            .to_string(),
    )
}

async fn send_audio(ws: &mut Ws, samples: &[i16]) {
    for chunk in samples.chunks(2048) {
        ws.send(audio_message(chunk)).await.unwrap();
    }
}

fn chunk_samples(v: &Value) -> Option<usize> {
    let data = v
        .pointer("/serverContent/modelTurn/parts/0/inlineData/data")?
        .as_str()?;
    use base64::Engine as _;
    Some(
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap()
            .len()
            / 2,
    )
}

#[tokio::test]
async fn wrong_path_is_refused_at_the_handshake() {
    let url = emulator(None).await.replace("/ws/google", "/nope/google");
    assert!(tokio_tungstenite::connect_async(url).await.is_err());
}

/// A mistyped `fault=` is refused at the handshake (400, in words), never run as no fault.
#[tokio::test]
async fn an_unknown_fault_is_refused_in_words() {
    use tokio_tungstenite::tungstenite::Error;
    let url = format!("{}?fault=close1009", emulator(None).await);
    match tokio_tungstenite::connect_async(url).await {
        Err(Error::Http(response)) => {
            assert_eq!(response.status(), 400);
            let body = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
            assert!(
                body.starts_with("fault=close1009 is not a fault this emulator knows"),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn double_slash_route_is_tolerated() {
    let url = emulator(None).await.replace("/ws/", "//ws/");
    let mut ws = connect(&url).await;
    ws.send(Message::text(SETUP)).await.unwrap();
    assert_eq!(next(&mut ws).await.unwrap().1, json!({"setupComplete": {}}));
}

#[tokio::test]
async fn wrong_key_closes_with_1008_and_right_key_or_token_works() {
    let url = emulator(Some("k-123")).await;
    let mut ws = connect(&format!("{url}?key=wrong")).await;
    assert_eq!(
        next(&mut ws).await.unwrap_err(),
        (
            1008,
            "API key not valid. Please pass a valid API key.".into()
        )
    );
    let mut ws = connect(&url).await;
    assert_eq!(next(&mut ws).await.unwrap_err().0, 1008);
    ready(&format!("{url}?key=k-123")).await;
    let token_url = url.replace(
        "v1beta.GenerativeService.BidiGenerateContent",
        "v1alpha.GenerativeService.BidiGenerateContentConstrained",
    );
    ready(&format!("{token_url}?access_token=k-123")).await;
    // The key on the v1alpha route (proactive audio, affective dialog).
    let alpha_url = url.replace("v1beta.", "v1alpha.");
    ready(&format!("{alpha_url}?key=k-123")).await;
}

/// POSTs `body` to the emulator's token endpoint with `key`: (status line, JSON answer).
async fn mint(url: &str, key: &str, body: &str) -> (String, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url.trim_start_matches("ws://").split('/').next().unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!(
        "POST /v1alpha/auth_tokens HTTP/1.1\r\nhost: {host}\r\nx-goog-api-key: {key}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let (head, json) = answer.split_once("\r\n\r\n").unwrap();
    (
        head.lines().next().unwrap().to_owned(),
        serde_json::from_str(json).unwrap(),
    )
}

#[tokio::test]
async fn a_backend_mints_tokens_that_open_the_constrained_route_once_each() {
    let url = emulator(Some("k-123")).await;
    let token_url = url.replace(
        "v1beta.GenerativeService.BidiGenerateContent",
        "v1alpha.GenerativeService.BidiGenerateContentConstrained",
    );
    let (status, refused) = mint(&url, "wrong", "{}").await;
    assert_eq!(status, "HTTP/1.1 401 Unauthorized");
    assert_eq!(refused["error"]["code"], json!(401));
    let (status, token) = mint(
        &url,
        "k-123",
        r#"{"uses": 1, "expireTime": "2999-01-01T00:00:00Z"}"#,
    )
    .await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(token, json!({"name": "auth_tokens/emu-token-1", "uses": 1}));
    let with_token = format!("{token_url}?access_token=auth_tokens%2Femu-token-1");
    ready(&with_token).await;
    // Its one use is spent: the next new session is refused as the service refuses a bad key.
    let mut again = connect(&with_token).await;
    again.send(Message::text(SETUP)).await.unwrap();
    assert_eq!(
        next(&mut again).await.unwrap_err(),
        (1011, "Token has been used too many times".into())
    );
    // On the key route a token is not a key.
    let mut wrong_route = connect(&format!("{url}?access_token=auth_tokens%2Femu-token-1")).await;
    assert_eq!(next(&mut wrong_route).await.unwrap_err().0, 1008);
    // Resuming takes a use too, as the live service does (discuss.ai.google.dev/t/118180;
    // the docs say otherwise): the spent token resumes nothing either.
    let mut resumed = resuming(&with_token).await;
    assert_eq!(
        next(&mut resumed).await.unwrap_err(),
        (1011, "Token has been used too many times".into())
    );
    let (status, bad) = mint(&url, "k-123", r#"{"uses": "many"}"#).await;
    assert_eq!(
        (status.as_str(), &bad["error"]["message"]),
        (
            "HTTP/1.1 400 Bad Request",
            &json!("uses is not a whole number")
        )
    );
}

/// A token's windows, as the SDKs document them: past `newSessionExpireTime` a new session
/// is refused but a resumed one opens; at `expireTime` an open session is closed.
#[tokio::test]
async fn past_its_new_session_time_a_token_only_resumes_and_its_end_closes_the_session() {
    let url = emulator(Some("k-123")).await;
    let token_url = url.replace(
        "v1beta.GenerativeService.BidiGenerateContent",
        "v1alpha.GenerativeService.BidiGenerateContentConstrained",
    );
    let soon = humantime::format_rfc3339_millis(
        std::time::SystemTime::now() + Duration::from_millis(1_500),
    );
    let body = format!(
        r#"{{"uses": 0, "newSessionExpireTime": "2000-01-01T00:00:00Z", "expireTime": "{soon}"}}"#
    );
    let (_, token) = mint(&url, "k-123", &body).await;
    let name = token["name"].as_str().unwrap().replace('/', "%2F");
    let with_token = format!("{token_url}?access_token={name}");
    let mut fresh = connect(&with_token).await;
    fresh.send(Message::text(SETUP)).await.unwrap();
    assert_eq!(
        next(&mut fresh).await.unwrap_err(),
        (
            1008,
            "Ephemeral token can no longer start new sessions.".into()
        )
    );
    let mut resumed = resuming(&with_token).await;
    assert_eq!(
        next(&mut resumed).await.unwrap(),
        (true, json!({"setupComplete": {}}))
    );
    // Open until the token's end, then closed.
    loop {
        match next(&mut resumed).await {
            Ok(_) => continue,
            Err(closed) => {
                assert_eq!(closed, (1008, "Ephemeral token expired.".into()));
                break;
            }
        }
    }
    // And after it, nothing opens.
    let mut late = connect(&with_token).await;
    assert_eq!(
        next(&mut late).await.unwrap_err(),
        (1008, "Ephemeral token expired.".into())
    );
}

#[tokio::test]
async fn unknown_field_closes_with_1007() {
    let mut ws = ready(&emulator(None).await).await;
    ws.send(Message::text(r#"{"realtimeInput":{"turnComplete":true}}"#))
        .await
        .unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap_err(),
        (1007, "Invalid JSON payload received. Unknown name \"turnComplete\" at 'realtimeInput': Cannot find field.".into())
    );
}

#[tokio::test]
async fn audio_before_setup_and_unknown_model_are_rejected() {
    let url = emulator(None).await;
    let mut ws = connect(&url).await;
    ws.send(audio_message(&[0; 16])).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap_err(),
        (1007, "The first message must be setup.".into())
    );
    let mut ws = connect(&url).await;
    ws.send(Message::text(
        r#"{"setup":{"model":"models/gemini-2.0-flash-exp"}}"#,
    ))
    .await
    .unwrap();
    assert_eq!(next(&mut ws).await.unwrap_err().0, 1008);
}

/// Speech, then silence: the echo arrives in binary frames of 200 ms (4800 samples at
/// 24 kHz), at real-time pace, 1.5x the heard samples, then generationComplete,
/// turnComplete with usage, and a new resumption handle.
#[tokio::test]
async fn echo_reply_in_real_time_chunks() {
    let mut ws = ready(&emulator(None).await).await;
    send_audio(&mut ws, &[0; 16 * 300]).await;
    let speech = tone(1000, 8000.0, 440.0);
    send_audio(&mut ws, &speech).await;
    send_audio(&mut ws, &[0; 16 * 600]).await;
    let (binary, t) = next(&mut ws).await.unwrap();
    assert!(binary);
    assert_eq!(
        t,
        json!({"serverContent": {"inputTranscription": {"text": "(heard 1100 ms of speech)"}}})
    );
    let mut sizes = Vec::new();
    let mut times = Vec::new();
    let start = Instant::now();
    loop {
        let (binary, v) = next(&mut ws).await.unwrap();
        assert!(binary, "{v}");
        if let Some(n) = chunk_samples(&v) {
            sizes.push(n);
            times.push(start.elapsed());
        } else {
            assert_eq!(v, json!({"serverContent": {"generationComplete": true}}));
            break;
        }
    }
    // 100 ms pre-roll + 1000 ms speech = 17600 samples at 16 kHz -> 26400 at 24 kHz
    assert_eq!(sizes, vec![4800, 4800, 4800, 4800, 4800, 2400]);
    // chunk k leaves at k * 200 ms (the first at once)
    let last = times[5].as_secs_f64();
    assert!((0.95..1.3).contains(&last), "last chunk after {last} s");
    let (_, done) = next(&mut ws).await.unwrap();
    assert_eq!(done["serverContent"], json!({"turnComplete": true}));
    assert_eq!(done["usageMetadata"]["totalTokenCount"], json!(75));
    let (_, update) = next(&mut ws).await.unwrap();
    let handle = update["sessionResumptionUpdate"]["newHandle"]
        .as_str()
        .unwrap();
    assert!(handle.starts_with("emu-"), "{handle}");
}

#[tokio::test]
async fn talking_over_the_reply_interrupts_it() {
    let url = emulator(None).await;
    let mut ws = ready(&format!("{url}?silence_ms=300")).await;
    send_audio(&mut ws, &tone(2000, 8000.0, 440.0)).await;
    send_audio(&mut ws, &[0; 16 * 400]).await;
    next(&mut ws).await.unwrap(); // input transcription
    let (_, first) = next(&mut ws).await.unwrap();
    assert_eq!(chunk_samples(&first), Some(4800));
    send_audio(&mut ws, &tone(200, 8000.0, 660.0)).await;
    let mut chunks_after = 0;
    loop {
        let (_, v) = next(&mut ws).await.unwrap();
        if chunk_samples(&v).is_some() {
            chunks_after += 1;
            continue;
        }
        assert_eq!(v, json!({"serverContent": {"interrupted": true}}));
        break;
    }
    assert!(chunks_after <= 1, "{chunks_after} chunks after barge-in");
    assert_eq!(
        next(&mut ws).await.unwrap().1,
        json!({"serverContent": {"turnComplete": true}})
    );
}

#[tokio::test]
async fn audio_stream_end_flushes_the_utterance() {
    let mut ws = ready(&format!("{}?pace=20", emulator(None).await)).await;
    send_audio(&mut ws, &tone(500, 8000.0, 440.0)).await;
    ws.send(Message::text(
        r#"{"realtimeInput":{"audioStreamEnd":true}}"#,
    ))
    .await
    .unwrap();
    next(&mut ws).await.unwrap(); // input transcription
    let mut total = 0;
    while let Some(n) = chunk_samples(&next(&mut ws).await.unwrap().1) {
        total += n;
    }
    // 8000 samples at 16 kHz (no pre-roll: speech started at once) -> 12000 at 24 kHz
    assert_eq!(total, 12_000);
}

#[tokio::test]
async fn faults_close_drop_malformed_text_silent_goaway() {
    let url = emulator(None).await;
    for (fault, code) in [
        ("close1007", 1007),
        ("close1008", 1008),
        ("close1011", 1011),
        ("drop", 1006),
    ] {
        let mut ws = ready(&format!("{url}?fault={fault}")).await;
        assert_eq!(next(&mut ws).await.unwrap_err().0, code, "{fault}");
        // At setup: the close answers `setup`, no `setupComplete` comes first.
        let mut ws = connect(&format!("{url}?fault={fault}&fault_at=setup")).await;
        ws.send(Message::text(SETUP)).await.unwrap();
        assert_eq!(next(&mut ws).await.unwrap_err().0, code, "{fault} at setup");
    }
    let mut ws = ready(&format!("{url}?fault=malformed")).await;
    match ws.next().await.unwrap().unwrap() {
        Message::Binary(b) => assert!(serde_json::from_slice::<Value>(&b).is_err()),
        other => panic!("{other:?}"),
    }
    let mut ws = connect(&format!("{url}?text=1")).await;
    ws.send(Message::text(SETUP)).await.unwrap();
    assert_eq!(
        next(&mut ws).await.unwrap(),
        (false, json!({"setupComplete": {}}))
    );
    let mut ws = connect(&format!("{url}?fault=silent")).await;
    ws.send(Message::text(SETUP)).await.unwrap();
    assert!(tokio::time::timeout(Duration::from_millis(500), ws.next())
        .await
        .is_err());
    let mut ws = ready(&format!("{url}?fault=goaway")).await;
    assert_eq!(
        next(&mut ws).await.unwrap().1,
        json!({"goAway": {"timeLeft": "1s"}})
    );
    assert_eq!(next(&mut ws).await.unwrap_err().0, 1008);
}

#[tokio::test]
async fn burst_sends_the_first_chunks_at_once() {
    let mut ws = ready(&format!("{}?burst=3", emulator(None).await)).await;
    send_audio(&mut ws, &tone(1000, 8000.0, 440.0)).await;
    ws.send(Message::text(
        r#"{"realtimeInput":{"audioStreamEnd":true}}"#,
    ))
    .await
    .unwrap();
    next(&mut ws).await.unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        assert!(chunk_samples(&next(&mut ws).await.unwrap().1).is_some());
    }
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}
