//! The token server against the emulator's `auth_tokens` route: a token minted here opens a
//! session on the constrained route, only for its model and only `uses` times; who may mint,
//! rate limits, the page's files and their headers, hostile requests; and the key in no
//! response.

use futures_util::{SinkExt, StreamExt};
use live_token_server::{router, serve, Config};
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const KEY: &str = "AIzaServerTestKey-5d1e";

/// The emulator (with `KEY`), a built page in a temporary directory, and the server with
/// `vars` over the defaults: (the server's address, the emulator's address).
async fn start(vars: &[(&str, &str)]) -> (SocketAddr, SocketAddr) {
    let emulator = live_emulator::start(
        live_emulator::Config {
            key: Some(KEY.into()),
            ..live_emulator::Config::default()
        },
        0,
    )
    .await
    .unwrap();
    let dist = std::env::temp_dir().join(format!("token-server-dist-{}", emulator.port()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        r#"<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'; connect-src 'self' wss:"><title>page</title>"#,
    )
    .unwrap();
    std::fs::write(dist.join("style-63e8ee65d204f153.css"), "body{}").unwrap();
    let upstream = format!("http://{emulator}");
    let dist_text = dist.to_string_lossy().to_string();
    let mut table: HashMap<&str, String> = HashMap::from([
        ("GEMINI_API_KEY", KEY.to_owned()),
        ("UPSTREAM", upstream),
        ("DIST", dist_text),
        ("TOKEN_USES", "2".to_owned()),
    ]);
    for (k, v) in vars {
        table.insert(k, (*v).to_owned());
    }
    let config = Config::from_vars(|name| table.get(name).cloned()).unwrap();
    let config_timeout = |t: &HashMap<&str, String>| {
        t.get("HEADER_TIMEOUT_MS")
            .map_or(10_000, |v| v.parse().unwrap())
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = listener.local_addr().unwrap();
    let app = router(config).unwrap();
    let header_timeout = Duration::from_millis(config_timeout(&table));
    tokio::spawn(serve(listener, app, header_timeout, std::future::pending()));
    (server, emulator)
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn mint(server: SocketAddr, headers: &[(&str, &str)]) -> (u16, Value, String) {
    let mut request = client().post(format!("http://{server}/api/token"));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let reply = request.send().await.unwrap();
    let status = reply.status().as_u16();
    let text = reply.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    )
}

/// Opens a session with `token` on the emulator's constrained route asking for `model`:
/// `Ok` on `setupComplete`, else the close (code, reason).
async fn session(emulator: SocketAddr, token: &str, model: &str) -> Result<(), (u16, String)> {
    let url = format!(
        "ws://{emulator}{}?access_token={token}",
        live_emulator::TOKEN_PATH
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let setup = format!(
        r#"{{"setup":{{"model":"{model}","generationConfig":{{"responseModalities":["AUDIO"]}}}}}}"#
    );
    ws.send(Message::Text(setup.into())).await.unwrap();
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("an answer within 10 s");
        match message {
            Some(Ok(Message::Text(t))) if t.contains("setupComplete") => return Ok(()),
            Some(Ok(Message::Binary(b))) if b.windows(13).any(|w| w == b"setupComplete") => {
                return Ok(())
            }
            Some(Ok(Message::Close(Some(f)))) => return Err((f.code.into(), f.reason.to_string())),
            Some(Ok(_)) => continue,
            _ => return Err((1006, String::new())),
        }
    }
}

#[tokio::test]
async fn a_minted_token_opens_its_model_only_and_only_uses_times() {
    let (server, emulator) = start(&[]).await;
    let (status, answer, text) = mint(server, &[]).await;
    assert_eq!(status, 200, "{text}");
    assert!(!text.contains(KEY), "the key is in the answer: {text}");
    let token = answer["token"].as_str().unwrap();
    assert!(token.starts_with("auth_tokens/"), "{answer}");
    assert_eq!(answer["model"], "models/gemini-3.8-live");
    assert_eq!(answer["uses"], 2);
    assert_eq!(
        answer["url"],
        format!("ws://{emulator}{}", live_emulator::TOKEN_PATH)
    );
    // Another model: refused, in words.
    let other = session(
        emulator,
        token,
        "models/gemini-2.5-flash-native-audio-latest",
    )
    .await;
    assert_eq!(
        other,
        Err((1008, "This ephemeral token is locked to models/gemini-3.8-live; the setup asks for models/gemini-2.5-flash-native-audio-latest.".into()))
    );
    // Its model: the uses left (the refused session took one, as a connection does).
    assert_eq!(
        session(emulator, token, "models/gemini-3.8-live").await,
        Ok(())
    );
    assert_eq!(
        session(emulator, token, "models/gemini-3.8-live").await,
        Err((1011, "Token has been used too many times".into()))
    );
}

#[tokio::test]
async fn who_may_mint_passcode_identity_origin_and_rate() {
    let (server, _) = start(&[("PASSCODE", "open sesame"), ("RATE_PER_CLIENT", "2")]).await;
    let (status, answer, _) = mint(server, &[]).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (
            401,
            Some("This server needs its passcode to hand out tokens (ask whoever runs it).")
        )
    );
    let (status, _, _) = mint(server, &[("x-passcode", "guess")]).await;
    assert_eq!(status, 401);
    let pass = [("x-passcode", "open sesame")];
    assert_eq!(mint(server, &pass).await.0, 200);
    // Another site's page: refused; this server's own page: allowed.
    let foreign = [
        ("x-passcode", "open sesame"),
        ("origin", "https://evil.example"),
    ];
    let (status, answer, _) = mint(server, &foreign).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (
            403,
            Some("Pages from https://evil.example may not ask this server to hand out tokens.")
        )
    );
    let own = format!("http://{server}");
    assert_eq!(
        mint(server, &[("x-passcode", "open sesame"), ("origin", &own)])
            .await
            .0,
        200
    );
    // The third token this minute from this address.
    let (status, answer, _) = mint(server, &pass).await;
    assert_eq!(status, 429, "{answer}");
    assert_eq!(
        answer["error"],
        "Too many tokens asked from this address: wait a minute."
    );

    let (server, _) = start(&[("IDENTITY_HEADER", "X-Forwarded-Email")]).await;
    assert_eq!(mint(server, &[]).await.0, 401);
    assert_eq!(
        mint(server, &[("x-forwarded-email", "ana@example.com")])
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_refused_key_comes_back_in_words_without_the_key() {
    let (server, _) = start(&[("GEMINI_API_KEY", "AIzaWrongKey-1")]).await;
    let (status, answer, text) = mint(server, &[]).await;
    assert_eq!(status, 502);
    assert_eq!(
        answer["error"],
        "The Live API refused this server's API key: API key not valid. Please pass a valid API key."
    );
    assert!(!text.contains("AIzaWrongKey-1"));
}

#[tokio::test]
async fn the_page_is_served_with_its_headers_and_hostile_requests_are_refused() {
    let (server, _) = start(&[]).await;
    let get = |path: &str| client().get(format!("http://{server}{path}")).send();
    let page = get("/").await.unwrap();
    assert_eq!(page.status(), 200);
    let header = |r: &reqwest::Response, name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header(&page, "content-security-policy").as_deref(),
        Some("default-src 'self'; connect-src 'self' wss:; frame-ancestors 'none'")
    );
    assert_eq!(header(&page, "cache-control").as_deref(), Some("no-cache"));
    let css = get("/style-63e8ee65d204f153.css").await.unwrap();
    assert_eq!(
        header(&css, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(get("/healthz").await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    // Outside the page's directory: nothing.
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fCargo.toml",
    ] {
        let status = get(path).await.unwrap().status().as_u16();
        assert!(status == 404 || status == 400, "{path}: {status}");
    }
    // The wrong method, and a body far larger than a token request needs.
    let wrong = client()
        .get(format!("http://{server}/api/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 405);
    let big = client()
        .post(format!("http://{server}/api/token"))
        .body(vec![b'x'; 64 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
}

#[tokio::test]
async fn a_slow_client_is_cut_off_and_holds_up_nobody() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (server, _) = start(&[("HEADER_TIMEOUT_MS", "500")]).await;
    // Half a request's headers, then nothing more.
    let mut slow = tokio::net::TcpStream::connect(server).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Meanwhile others are served at once.
    let started = std::time::Instant::now();
    for _ in 0..5 {
        let ok = client()
            .get(format!("http://{server}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.text().await.unwrap(), "ok");
    }
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    // The slow one is disconnected once its time is up (EOF, or a 408 then EOF).
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "still connected 3 s later");
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
}
