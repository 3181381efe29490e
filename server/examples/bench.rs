//! The token server's figures, against the emulator on this machine: tokens minted per second
//! and their latency, and the page's `index.html` served (requests per second, p50, p99).
//!
//!   cargo run --release -p live-token-server --example bench

use live_token_server::{router, serve, Config};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const KEY: &str = "AIzaBenchKey-0";

/// Runs `total` requests made by `request`, `concurrency` at a time: (per second, p50, p99).
async fn measure<F, Fut>(total: usize, concurrency: usize, request: F) -> (f64, Duration, Duration)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let started = Instant::now();
    let per_worker = total / concurrency;
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_worker);
            for _ in 0..per_worker {
                let t = Instant::now();
                assert!(request().await, "a request failed");
                times.push(t.elapsed());
            }
            times
        }));
    }
    let mut times = Vec::new();
    for w in workers {
        times.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (times.len() as f64 / elapsed, at(0.5), at(0.99))
}

#[tokio::main]
async fn main() {
    let emulator = live_emulator::start(
        live_emulator::Config {
            key: Some(KEY.into()),
            ..live_emulator::Config::default()
        },
        0,
    )
    .await
    .unwrap();
    let dist = std::env::temp_dir().join("token-server-bench-dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!(
            r#"<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>bench</title>{}"#,
            "<p>page</p>".repeat(800)
        ),
    )
    .unwrap();
    let table = HashMap::from([
        ("GEMINI_API_KEY", KEY.to_owned()),
        ("UPSTREAM", format!("http://{emulator}")),
        ("DIST", dist.to_string_lossy().to_string()),
        ("RATE_PER_CLIENT", "1000000".to_owned()),
        ("RATE_OVERALL", "1000000".to_owned()),
    ]);
    let config = Config::from_vars(|n| table.get(n).cloned()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let app = router(config).unwrap();
    tokio::spawn(serve(
        listener,
        app,
        Duration::from_secs(10),
        std::future::pending(),
    ));
    let client = reqwest::Client::new();

    let mint = {
        let client = client.clone();
        move || {
            let client = client.clone();
            async move {
                let r = client
                    .post(format!("http://{server}/api/token"))
                    .send()
                    .await;
                r.is_ok_and(|r| r.status().is_success())
            }
        }
    };
    let (rate, p50, p99) = measure(2_000, 16, mint).await;
    println!(
        "tokens minted: {rate:.0} per second (16 at a time, 2,000 in all), latency p50 {:.2} ms, p99 {:.2} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
    let page = move || {
        let client = client.clone();
        async move {
            let r = client.get(format!("http://{server}/")).send().await;
            match r {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    let (rate, p50, p99) = measure(20_000, 32, page).await;
    println!(
        "index.html (9 KB) served: {rate:.0} requests per second (32 at a time, 20,000 in all), p50 {:.2} ms, p99 {:.2} ms",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3
    );
}
