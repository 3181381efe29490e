//! What the archive's tests share: the server with archiving on in a fresh directory, a
//! record and a WAV to upload, an upload, and the files a directory holds.
#![allow(dead_code)]

use gemini_live_voice::wav::{append_samples, header};
use live_token_server::{router, serve, Config};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const ID: &str = "conversation-2026-12-07-05-50-20";

/// A record as the page's version 1 writes it (docs/record.md), the smallest the review reads.
pub const RECORD: &str = r#"{
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
pub async fn start(name: &str, vars: &[(&str, &str)]) -> (SocketAddr, PathBuf) {
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
    // An object store instead of the directory (tests/archive_s3.rs).
    if table.contains_key("ARCHIVE_URL") {
        table.remove("ARCHIVE_DIR");
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
pub fn wav(frames: usize) -> Vec<u8> {
    let mut out = header(24_000, 1, frames as u64).unwrap().to_vec();
    let samples: Vec<i16> = (0..frames).map(|i| (i % 200) as i16 * 100).collect();
    append_samples(&mut out, &samples);
    out
}

/// An upload: its path, content type, body and further headers.
pub type Request<'a> = (String, &'a str, reqwest::Body, Vec<(&'a str, &'a str)>);

pub async fn upload(
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
pub fn files(dir: &Path) -> Vec<String> {
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

/// Uploads a conversation's two files (a short WAV, [`RECORD`]) under [`ID`], both taken.
pub async fn keep_conversation(server: SocketAddr, headers: &[(&str, &str)]) {
    for file in ["audio.wav", "record.json"] {
        let (kind, body): (&str, reqwest::Body) = if file == "audio.wav" {
            ("audio/wav", wav(2_400).into())
        } else {
            ("application/json", RECORD.into())
        };
        let path = format!("/api/archive/{ID}/{file}");
        assert_eq!(upload(server, &path, kind, body, headers).await.0, 200);
    }
}

/// Why a configuration of a key and `vars` is refused.
pub fn refused_config(vars: &[(&str, &str)]) -> String {
    let table: HashMap<&str, &str> = vars
        .iter()
        .copied()
        .chain([("GEMINI_API_KEY", "k")])
        .collect();
    Config::from_vars(|name| table.get(name).map(|v| (*v).to_owned())).unwrap_err()
}
