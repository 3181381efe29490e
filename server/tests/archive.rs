//! The team's archive, first step: a finished conversation's `audio.wav` and `record.json`
//! kept under its id in a local directory (object_store), the same bytes on disk; an upload
//! repeated is the same file; a long recording streamed in pieces; and hostile uploads, each
//! refused in words with nothing kept.

use gemini_live_voice::wav::{append_samples, header};
use live_token_server::{router, serve, Config};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

const ID: &str = "conversation-2026-12-07-05-50-20";

/// A record as the page's version 1 writes it (docs/record.md), the smallest the review reads.
const RECORD: &str = r#"{
  "schema": "gemini-live-voice.record", "version": 1, "rate": 24000,
  "settings": { "model": "models/gemini-3.8-live", "voice": "Puck", "instruction": "" },
  "turns": [
    { "who": "you", "start": 1.0, "end": 2.0, "start_sample": 24000, "end_sample": 48000,
      "text": "Hi.", "typed": false, "interrupted": false },
    { "who": "model", "start": 2.5, "end": 4.5, "start_sample": 60000, "end_sample": 108000,
      "text": "Hello there.", "typed": false, "interrupted": false, "unheard": 0.0 }
  ],
  "tools": [], "notes": [],
  "latency": { "replies": 1, "median_ms": 500.0, "worst_ms": 500.0 },
  "tokens": { "prompt": 0, "response": 0, "total": 0 }
}"#;

/// The server with archiving on in a fresh directory, and `vars` over the defaults.
async fn start(name: &str, vars: &[(&str, &str)]) -> (SocketAddr, PathBuf) {
    let root = std::env::temp_dir().join(format!("archive-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        r#"<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>page</title>"#,
    )
    .unwrap();
    let archive = root.join("archive");
    let mut table: HashMap<&str, String> = HashMap::from([
        ("GEMINI_API_KEY", "AIzaArchiveTestKey-1".to_owned()),
        ("DIST", dist.to_string_lossy().into_owned()),
        ("ARCHIVE_DIR", archive.to_string_lossy().into_owned()),
        ("ARCHIVE_MAX_MB", "1".to_owned()),
        ("ARCHIVE_ORGANISATION", "Example Support Ltd".to_owned()),
        ("RETENTION_DAYS", "30".to_owned()),
    ]);
    for (k, v) in vars {
        table.insert(k, (*v).to_owned());
    }
    let config = Config::from_vars(|name| table.get(name).cloned()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let app = router(config).unwrap();
    tokio::spawn(serve(
        listener,
        app,
        Duration::from_secs(10),
        std::future::pending(),
    ));
    (server, archive)
}

/// A mono 24 kHz WAV of `frames` samples.
fn wav(frames: usize) -> Vec<u8> {
    let mut out = header(24_000, 1, frames as u64).unwrap().to_vec();
    let samples: Vec<i16> = (0..frames).map(|i| (i % 200) as i16 * 100).collect();
    append_samples(&mut out, &samples);
    out
}

/// An upload: its path, content type, body and further headers.
type Request<'a> = (String, &'a str, reqwest::Body, Vec<(&'a str, &'a str)>);

async fn upload(
    server: SocketAddr,
    path: &str,
    kind: &str,
    body: impl Into<reqwest::Body>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .put(format!("http://{server}{path}"))
        .header("content-type", kind)
        .body(body);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// Every file under `dir`, as paths relative to it (staging files of an unfinished upload
/// included: nothing may be left behind).
fn files(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[tokio::test]
async fn a_conversation_is_kept_byte_for_byte_under_its_id_and_again_the_same() {
    let (server, archive) = start("kept", &[]).await;
    let audio = wav(24_000);
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", audio.clone(), &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    let path = format!("/api/archive/{ID}/record.json");
    let (status, _) = upload(server, &path, "application/json", RECORD, &[]).await;
    assert_eq!(status, 200);
    // Again: the same file, not a second one.
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, _) = upload(server, &path, "audio/wav", audio.clone(), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        files(&archive),
        [format!("{ID}/audio.wav"), format!("{ID}/record.json")]
    );
    assert_eq!(
        std::fs::read(archive.join(ID).join("audio.wav")).unwrap(),
        audio
    );
    assert_eq!(
        std::fs::read_to_string(archive.join(ID).join("record.json")).unwrap(),
        RECORD
    );
}

#[tokio::test]
async fn a_recording_sent_in_pieces_is_streamed_to_the_store_whole() {
    let (server, archive) = start("pieces", &[]).await;
    let audio = wav(400_000); // 800 kB, in 100 pieces of 8 kB
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        audio.chunks(8_000).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", body, &[]).await;
    assert_eq!(
        (status, answer["bytes"].as_u64()),
        (200, Some(audio.len() as u64))
    );
    assert_eq!(
        std::fs::read(archive.join(ID).join("audio.wav")).unwrap(),
        audio
    );
}

#[tokio::test]
async fn hostile_uploads_are_refused_in_words_and_nothing_is_kept() {
    let (server, archive) = start("hostile", &[("PASSCODE", "open-sesame")]).await;
    let pass = [("x-passcode", "open-sesame")];
    let audio = wav(2_400);
    let too_big = wav(600_000); // 1.2 MB against 1 MB
    let streamed_too_big = {
        let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
            too_big.chunks(64_000).map(|c| Ok(c.to_vec())).collect();
        reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
    };
    let a = |id: &str, file: &str| format!("/api/archive/{id}/{file}");
    let cases: Vec<(&str, u16, Request, &str)> = vec![
        (
            "no passcode",
            401,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                vec![],
            ),
            "This server needs its passcode to keep conversations (ask whoever runs it).",
        ),
        (
            "another page's origin",
            403,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                vec![("origin", "https://evil.example"), pass[0]],
            ),
            "Pages from https://evil.example may not ask this server to keep conversations.",
        ),
        (
            "a path in the id",
            400,
            (
                a("..%2F..%2Fetc", "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation's id is 8 to 80 letters, digits and dashes.",
        ),
        (
            "dots in the id",
            400,
            (
                a("conversation.2026", "audio.wav"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation's id is 8 to 80 letters, digits and dashes.",
        ),
        (
            "another file name",
            404,
            (
                a(ID, "passwd"),
                "audio/wav",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "A conversation has audio.wav and record.json, not \"passwd\".",
        ),
        (
            "the wrong type",
            415,
            (
                a(ID, "audio.wav"),
                "text/html",
                audio.clone().into(),
                pass.to_vec(),
            ),
            "audio.wav is sent as audio/wav, not \"text/html\".",
        ),
        (
            "not a WAV",
            422,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                b"<html>not audio at all</html>".to_vec().into(),
                pass.to_vec(),
            ),
            "audio.wav is not a WAV file (it must start with RIFF....WAVE).",
        ),
        (
            "an empty file",
            422,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                Vec::new().into(),
                pass.to_vec(),
            ),
            "audio.wav is not a WAV file (it must start with RIFF....WAVE).",
        ),
        (
            "too large, said",
            413,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                too_big.clone().into(),
                pass.to_vec(),
            ),
            "audio.wav is larger than this server keeps (1048576 bytes at most).",
        ),
        (
            "too large, streamed",
            413,
            (
                a(ID, "audio.wav"),
                "audio/wav",
                streamed_too_big,
                pass.to_vec(),
            ),
            "audio.wav is larger than this server keeps (1048576 bytes at most).",
        ),
        (
            "a record that is not JSON",
            422,
            (
                a(ID, "record.json"),
                "application/json",
                "{ not json".into(),
                pass.to_vec(),
            ),
            "record.json is not a conversation's record: ",
        ),
        (
            "another schema",
            422,
            (
                a(ID, "record.json"),
                "application/json",
                r#"{"schema": "other", "version": 1}"#.into(),
                pass.to_vec(),
            ),
            "record.json is not a conversation's record: ",
        ),
    ];
    let mut seen = Vec::new();
    for (what, want, (path, kind, body, headers), words) in cases {
        let (status, answer) = upload(server, &path, kind, body, &headers).await;
        let error = answer["error"].as_str().unwrap_or("").to_owned();
        let ok = status == want && error.starts_with(words);
        seen.push(format!(
            "{what}: {status} {error}{}",
            if ok { "" } else { "  <-- expected" }
        ));
    }
    assert!(
        seen.iter().all(|s| !s.ends_with("<-- expected")),
        "{seen:#?}"
    );
    assert_eq!(files(&archive), Vec::<String>::new(), "{seen:#?}");
}

#[tokio::test]
async fn a_server_without_an_archive_says_so() {
    let (server, _) = start("off", &[("ARCHIVE_DIR", "")]).await;
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", wav(100), &[]).await;
    let off = Some("This server keeps no conversations (ARCHIVE_DIR is not set).");
    assert_eq!((status, answer["error"].as_str()), (404, off));
    let terms = reqwest::get(format!("http://{server}/api/archive"))
        .await
        .unwrap();
    assert_eq!(terms.status().as_u16(), 404);
    let terms: Value = terms.json().await.unwrap();
    assert_eq!(terms["error"].as_str(), off);
}

/// What the page tells each person before they talk: who keeps it, for how long.
#[tokio::test]
async fn the_terms_say_who_keeps_a_conversation_and_for_how_long() {
    let (server, _) = start("terms", &[]).await;
    let terms = reqwest::get(format!("http://{server}/api/archive"))
        .await
        .unwrap();
    assert_eq!(terms.status().as_u16(), 200);
    let terms: Value = terms.json().await.unwrap();
    assert_eq!(
        terms,
        serde_json::json!({"organisation": "Example Support Ltd", "days": 30})
    );
    // Archiving with nobody named to keep it does not start.
    let why = Config::from_vars(|name| match name {
        "GEMINI_API_KEY" => Some("k".into()),
        "ARCHIVE_DIR" => Some("/tmp/x".into()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(
        why,
        "ARCHIVE_ORGANISATION must say who keeps the conversations: each person is told before they talk."
    );
}

/// The retention: files kept longer than the days are removed, younger ones stay.
#[tokio::test]
async fn conversations_older_than_the_retention_are_removed() {
    use object_store::local::LocalFileSystem;
    let (server, archive) = start("retention", &[]).await;
    for file in ["audio.wav", "record.json"] {
        let (kind, body): (&str, reqwest::Body) = if file == "audio.wav" {
            ("audio/wav", wav(2_400).into())
        } else {
            ("application/json", RECORD.into())
        };
        let path = format!("/api/archive/{ID}/{file}");
        assert_eq!(upload(server, &path, kind, body, &[]).await.0, 200);
    }
    let store = LocalFileSystem::new_with_prefix(&archive).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let day = 86_400;
    let swept = live_token_server::archive::sweep(&store, now + 29 * day, 30).await;
    assert_eq!((swept, files(&archive).len()), (Ok(0), 2));
    let swept = live_token_server::archive::sweep(&store, now + 31 * day, 30).await;
    assert_eq!((swept, files(&archive).len()), (Ok(2), 0));
}

/// Past the store's first part (10 MB buffered, then a multipart upload to a staging file):
/// a recording that turns out too large is aborted, its staging file removed.
#[tokio::test]
async fn a_recording_too_large_after_its_first_part_leaves_nothing() {
    let (server, archive) = start("abort", &[("ARCHIVE_MAX_MB", "12")]).await;
    let audio = wav(6_600_000); // 13.2 MB
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        audio.chunks(256_000).map(|c| Ok(c.to_vec())).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(pieces));
    let path = format!("/api/archive/{ID}/audio.wav");
    let (status, answer) = upload(server, &path, "audio/wav", body, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (
            413,
            Some("audio.wav is larger than this server keeps (12582912 bytes at most).")
        )
    );
    assert_eq!(files(&archive), Vec::<String>::new());
}
