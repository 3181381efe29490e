//! The team's archive as reviewers find it: `GET /api/conversations` lists the kept
//! conversations' summaries (who uploaded each, the model, turns, cut-offs, errors, the worst
//! latency), filtered by date, person, model, cut-off and latency, for REVIEWERS only.

mod support;

use serde_json::Value;
use std::net::SocketAddr;
use support::{start, upload, wav, ID, RECORD};

const SECOND: &str = "conversation-2026-12-08-10-00-00-5f3a9c0e";

/// Keeps `id` (a short WAV and `record`) as uploaded by `who`.
async fn keep(server: SocketAddr, id: &str, record: &str, who: &str) {
    let me = [("x-user", who)];
    let path = format!("/api/archive/{id}/audio.wav");
    assert_eq!(
        upload(server, &path, "audio/wav", wav(2_400), &me).await.0,
        200
    );
    let path = format!("/api/archive/{id}/record.json");
    let record = record.to_owned();
    assert_eq!(
        upload(server, &path, "application/json", record, &me)
            .await
            .0,
        200
    );
}

async fn list(server: SocketAddr, query: &str, who: Option<&str>) -> (u16, Value) {
    let mut request =
        reqwest::Client::new().get(format!("http://{server}/api/conversations{query}"));
    if let Some(who) = who {
        request = request.header("x-user", who);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

fn ids(listed: &Value) -> Vec<&str> {
    listed
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["id"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_reviewer_lists_the_conversations_and_filters_them() {
    let more = [
        ("IDENTITY_HEADER", "x-user"),
        ("REVIEWERS", "rita@example.com"),
    ];
    let (server, _) = start("listing", &more).await;
    keep(server, ID, RECORD, "pat@example.com").await;
    // The second: its reply cut off, slower.
    let cut = RECORD
        .replace(r#""unheard": 0.0"#, r#""unheard": 1.0"#)
        .replace(
            r#""text": "Hello there.", "typed": false, "interrupted": false"#,
            r#""text": "Hello there.", "typed": false, "interrupted": true"#,
        )
        .replace(r#""worst_ms": 500.0"#, r#""worst_ms": 1500.0"#);
    assert_ne!(cut, RECORD);
    keep(server, SECOND, &cut, "sam@example.com").await;

    let rita = Some("rita@example.com");
    let (status, all) = list(server, "", rita).await;
    assert_eq!((status, ids(&all)), (200, vec![ID, SECOND]));
    let first = &all[0];
    assert_eq!(
        (
            first["who"].as_str(),
            first["model"].as_str(),
            first["turns"].as_u64(),
            first["replies"].as_u64(),
            first["cut_off"].as_u64(),
            first["worst_latency_ms"].as_f64(),
            first["seconds"].as_f64()
        ),
        (
            Some("pat@example.com"),
            Some("models/gemini-3.8-live"),
            Some(1),
            Some(1),
            Some(0),
            Some(500.0),
            Some(4.5)
        )
    );
    for (query, expected) in [
        ("?date=2026-12-07", vec![ID]),
        ("?date=2026-12-08", vec![SECOND]),
        ("?date=2026-12-09", vec![]),
        ("?person=sam@example.com", vec![SECOND]),
        ("?model=gemini-3.8-live", vec![ID, SECOND]),
        ("?model=gemini-2.5-flash-native-audio", vec![]),
        ("?cut=true", vec![SECOND]),
        ("?latency_over=1000", vec![SECOND]),
        ("?error=true", vec![]),
        ("?date=2026-12-08&cut=true&latency_over=1499", vec![SECOND]),
    ] {
        let (status, found) = list(server, query, rita).await;
        assert_eq!((status, ids(&found)), (200, expected), "{query}");
    }
    let (status, refused) = list(server, "?latency_over=soon", rita).await;
    assert_eq!(status, 400, "{refused}");

    let (status, refused) = list(server, "", Some("pat@example.com")).await;
    assert_eq!(
        (status, refused["error"].as_str()),
        (
            403,
            Some("pat@example.com is not one of this server's reviewers.")
        )
    );
    let (status, _) = list(server, "", None).await;
    assert_eq!(status, 401);
}

/// GET with Range, as a reviewer's player asks for the part it plays.
async fn read(
    server: SocketAddr,
    path: &str,
    range: Option<&str>,
    who: &str,
) -> (u16, String, Vec<u8>) {
    let mut request = reqwest::Client::new()
        .get(format!("http://{server}{path}"))
        .header("x-user", who);
    if let Some(range) = range {
        request = request.header("range", range);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let content_range = reply
        .headers()
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_range, reply.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_reviewer_reads_a_recording_by_ranges_and_nobody_else_can() {
    let more = [
        ("IDENTITY_HEADER", "x-user"),
        ("REVIEWERS", "rita@example.com"),
    ];
    let (server, _) = start("ranges", &more).await;
    let audio = wav(24_000);
    let me = [("x-user", "pat@example.com")];
    let path = format!("/api/archive/{ID}/audio.wav");
    assert_eq!(
        upload(server, &path, "audio/wav", audio.clone(), &me)
            .await
            .0,
        200
    );
    let rita = "rita@example.com";
    let size = audio.len();
    assert_eq!(
        read(server, &path, None, rita).await,
        (200, String::new(), audio.clone())
    );
    assert_eq!(
        read(server, &path, Some("bytes=44-143"), rita).await,
        (206, format!("bytes 44-143/{size}"), audio[44..144].to_vec())
    );
    assert_eq!(
        read(server, &path, Some("bytes=-10"), rita).await,
        (
            206,
            format!("bytes {}-{}/{size}", size - 10, size - 1),
            audio[size - 10..].to_vec()
        )
    );
    let (status, _, _) = read(server, &path, Some(&format!("bytes={size}-")), rita).await;
    assert_eq!(status, 416);
    let (status, _, _) = read(server, &path, None, "pat@example.com").await;
    assert_eq!(status, 403);
    let (status, _, body) = read(
        server,
        &format!("/api/archive/{SECOND}/audio.wav"),
        None,
        rita,
    )
    .await;
    assert_eq!(
        (
            status,
            String::from_utf8_lossy(&body).contains("No audio.wav of conversation")
        ),
        (404, true)
    );
}
