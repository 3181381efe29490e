//! The team's archive's figures (issue 39), the server in this process with the archive in a
//! temporary directory:
//! - a 60-minute conversation (mono 24 kHz WAV, 172.8 MB) uploaded in 64 KB pieces: the time
//!   and the process's peak memory above what it held before (the server streams the
//!   recording to the store in parts; the client makes its pieces as it sends them);
//! - 1,000 conversations (a 5 s recording and its record each) uploaded by 16 clients at once;
//! - listing one day among 100,000 kept conversations (their summaries written straight into
//!   the directory, 1,000 a day over 100 days), as a reviewer.
//!
//!   cargo run --release -p live-token-server --example archive_bench

use gemini_live_voice::wav::header;
use live_token_server::{router, serve, Config};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const RECORD: &str = r#"{"schema":"gemini-live-voice.record","version":1,"rate":24000,
"settings":{"model":"models/gemini-3.8-live","voice":"Puck","instruction":""},
"turns":[{"who":"you","start":1.0,"end":2.0,"start_sample":24000,"end_sample":48000,"text":"Hi.","typed":false,"interrupted":false}],
"tools":[],"notes":[],"latency":null,"tokens":{"prompt":0,"response":0,"total":0}}"#;

/// The process's peak resident memory so far (`VmHWM` in /proc/self/status), in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// A WAV of `seconds` of mono 24 kHz, made 64 KB at a time as it is sent.
fn recording(seconds: u64) -> (u64, reqwest::Body) {
    let frames = seconds * 24_000;
    let head = header(24_000, 1, frames).unwrap().to_vec();
    let len = head.len() as u64 + frames * 2;
    let piece = vec![0x11u8; 64 * 1024];
    let mut left = frames * 2;
    let pieces = std::iter::once(head).chain(std::iter::from_fn(move || {
        (left > 0).then(|| {
            let n = left.min(piece.len() as u64) as usize;
            left -= n as u64;
            piece[..n].to_vec()
        })
    }));
    let stream = futures_util::stream::iter(pieces.map(Ok::<_, std::io::Error>));
    (len, reqwest::Body::wrap_stream(stream))
}

#[tokio::main]
async fn main() {
    let root = std::env::temp_dir().join(format!("archive-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (dist, archive) = (root.join("dist"), root.join("archive"));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        r#"<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>bench</title>"#,
    )
    .unwrap();
    let table = HashMap::from([
        ("GEMINI_API_KEY", "AIzaBenchKey-0".to_owned()),
        ("DIST", dist.to_string_lossy().to_string()),
        ("ARCHIVE_DIR", archive.to_string_lossy().to_string()),
        ("ARCHIVE_ORGANISATION", "Bench Ltd".to_owned()),
        ("IDENTITY_HEADER", "x-user".to_owned()),
        ("REVIEWERS", "rita@example.com".to_owned()),
        ("RATE_PER_CLIENT", "1000000".to_owned()),
        ("RATE_OVERALL", "1000000".to_owned()),
    ]);
    let config = Config::from_vars(|n| table.get(n).cloned()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    tokio::spawn(serve(
        listener,
        router(config).unwrap(),
        Duration::from_secs(10),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let put = {
        let client = client.clone();
        move |id: String, file: &'static str, kind: &'static str, body: reqwest::Body| {
            client
                .put(format!("http://{server}/api/archive/{id}/{file}"))
                .header("content-type", kind)
                .header("x-user", "pat@example.com")
                .body(body)
                .send()
        }
    };

    let before = peak_mb();
    let (len, body) = recording(3_600);
    let started = Instant::now();
    let reply = put(
        "conversation-2026-12-07-09-00-00-hour".into(),
        "audio.wav",
        "audio/wav",
        body,
    );
    let status = reply.await.unwrap().status();
    let took = started.elapsed().as_secs_f64();
    assert!(status.is_success(), "{status}");
    println!(
        "60-minute recording ({:.1} MB) uploaded in {took:.2} s ({:.0} MB/s); peak memory {:.1} MB above the {before:.1} MB held before",
        len as f64 / 1e6,
        len as f64 / 1e6 / took,
        peak_mb() - before
    );

    let started = Instant::now();
    let mut clients = Vec::new();
    for c in 0..16 {
        let put = put.clone();
        clients.push(tokio::spawn(async move {
            let mut times = Vec::new();
            for n in (c..1_000).step_by(16) {
                let t = Instant::now();
                let id = format!("conversation-2026-12-06-10-00-00-{n:08x}");
                let (_, audio) = recording(5);
                let wav = put(id.clone(), "audio.wav", "audio/wav", audio).await;
                let json = put(id, "record.json", "application/json", RECORD.into()).await;
                assert!(wav.unwrap().status().is_success() && json.unwrap().status().is_success());
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for c in clients {
        times.extend(c.await.unwrap());
    }
    let took = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| {
        times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1e3
    };
    println!(
        "1,000 conversations (5 s recording and record each) by 16 clients at once: {took:.2} s, {:.0} conversations/s; each p50 {:.1} ms, p99 {:.1} ms",
        1_000.0 / took,
        at(0.5),
        at(0.99)
    );

    // 100,000 kept conversations: 1,000 a day over 100 days, their summaries written directly.
    let made = Instant::now();
    for day in 0..100u32 {
        let date = format!("2026-{:02}-{:02}", 9 + day / 30, 1 + day % 30);
        for n in 0..1_000u32 {
            let id = format!("conversation-{date}-12-00-00-{n:08x}");
            let dir = archive.join(&id);
            std::fs::create_dir_all(&dir).unwrap();
            let summary = format!(
                r#"{{"id":"{id}","who":"pat@example.com","uploaded":"{date}T12:00:00Z","model":"models/gemini-3.8-live","turns":1,"replies":1,"cut_off":{},"errors":0,"worst_latency_ms":800.0,"seconds":60.0}}"#,
                u8::from(n % 7 == 0)
            );
            std::fs::write(dir.join("summary.json"), summary).unwrap();
        }
    }
    let made = made.elapsed().as_secs_f64();
    for query in ["date=2026-10-15", "date=2026-10-15&cut=true"] {
        let started = Instant::now();
        let reply = client
            .get(format!("http://{server}/api/conversations?{query}"))
            .header("x-user", "rita@example.com")
            .send()
            .await
            .unwrap();
        let found: Vec<serde_json::Value> = reply.json().await.unwrap();
        println!(
            "listing ?{query} among 101,001 conversations: {} found in {:.0} ms (the 100,000 made in {made:.1} s)",
            found.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
