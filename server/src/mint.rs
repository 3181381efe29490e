//! `POST /api/token`: who may mint (origin, passcode, identity header, rate limits), then one
//! call to the Live API's `auth_tokens` endpoint with the server's key, for a token locked to
//! the configured model: a token taken from a browser opens only that, only a few times, and
//! only soon.

use crate::App;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gemini_live_voice::endpoint::TOKEN_PATH;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A refusal or a failure: its status and a reason in words (the JSON `error`).
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub reason: String,
    pub retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, reason: impl Into<String>) -> Self {
        Refusal {
            status,
            reason: reason.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({"error": self.reason}))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// What the page gets: the token and how long it serves.
pub async fn token(
    State(app): State<Arc<App>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let who = who(&app, &headers);
    match mint(&app, client, &headers).await {
        Ok(answer) => {
            tracing::info!(%client, who, model = %app.config.model, "token minted");
            ([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response()
        }
        Err(refusal) => {
            tracing::warn!(%client, who, status = refusal.status.as_u16(), reason = %refusal.reason, "token refused");
            refusal.into_response()
        }
    }
}

/// Who asks (the identity header's value, or "-"), for the log.
pub(crate) fn who(app: &App, headers: &HeaderMap) -> String {
    app.config
        .identity_header
        .as_ref()
        .and_then(|h| headers.get(h.as_str()))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_owned()
}

/// The page's origin, the passcode and the identity header, checked for `what` the server
/// does for the asker ("hand out tokens", "keep conversations").
pub(crate) fn admit(app: &App, headers: &HeaderMap, what: &str) -> Result<(), Refusal> {
    let config = &app.config;
    allowed(app, headers, what)?;
    if let Some(code) = &config.passcode {
        let given = headers.get("x-passcode").and_then(|v| v.to_str().ok());
        if given != Some(code.as_str()) {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                format!("This server needs its passcode to {what} (ask whoever runs it)."),
            ));
        }
    }
    if let Some(name) = &config.identity_header {
        if !headers.contains_key(name.as_str()) {
            return Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                format!("Sign in first: this server will {what} only for people its proxy has identified."),
            ));
        }
    }
    Ok(())
}

async fn mint(app: &App, client: SocketAddr, headers: &HeaderMap) -> Result<Value, Refusal> {
    let config = &app.config;
    admit(app, headers, "hand out tokens")?;
    app.limits.check(client.ip())?;
    let now = SystemTime::now();
    let at = |seconds: u64| humantime::format_rfc3339_seconds(now + Duration::from_secs(seconds));
    let expire = at(config.token_minutes * 60).to_string();
    let start_by = at(config.start_seconds).to_string();
    let request = json!({
        "uses": config.uses,
        "expireTime": expire,
        "newSessionExpireTime": start_by,
        "bidiGenerateContentSetup": {"model": config.model},
        "fieldMask": "model",
    });
    let url = format!("{}/v1alpha/auth_tokens", config.upstream);
    let reply = app
        .http
        .post(&url)
        .header("x-goog-api-key", &config.key)
        .json(&request)
        .send()
        .await
        .map_err(|e| {
            // reqwest's error names the URL, never the header.
            Refusal::new(
                StatusCode::BAD_GATEWAY,
                format!("The Live API could not be reached ({}).", e.without_url()),
            )
        })?;
    let status = reply.status();
    let body: Value = reply.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let said = body
            .pointer("/error/message")
            .and_then(Value::as_str)
            .unwrap_or("no reason given");
        let reason = match status.as_u16() {
            400 => format!("The Live API refused the token request: {said}"),
            401 | 403 => format!("The Live API refused this server's API key: {said}"),
            429 => format!("The Live API's quota for this key is used up for now: {said}"),
            _ => format!("The Live API failed to mint a token ({status}): {said}"),
        };
        return Err(Refusal::new(StatusCode::BAD_GATEWAY, reason));
    }
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| n.starts_with("auth_tokens/"))
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_GATEWAY,
                "The Live API's answer held no token.",
            )
        })?;
    // Where the page opens a session with it: the upstream's constrained route.
    let host = config.upstream.replacen("https://", "wss://", 1);
    let url = format!("{}{TOKEN_PATH}", host.replacen("http://", "ws://", 1));
    Ok(json!({
        "token": name,
        "url": url,
        "model": config.model,
        "uses": config.uses,
        "expireTime": expire,
        "newSessionExpireTime": start_by,
    }))
}

/// Only the pages allowed (by default this server's own) may mint; a request with no
/// `Origin` (curl, a script) is not a browser page and passes to the other checks.
fn allowed(app: &App, headers: &HeaderMap, what: &str) -> Result<(), Refusal> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let origin = origin.trim_end_matches('/');
    let ok = if app.config.origins.is_empty() {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let bare = origin.split_once("://").map(|(_, rest)| rest);
        host.is_some() && bare == host
    } else {
        app.config.origins.iter().any(|o| o == origin)
    };
    if ok {
        Ok(())
    } else {
        Err(Refusal::new(
            StatusCode::FORBIDDEN,
            format!("Pages from {origin} may not ask this server to {what}."),
        ))
    }
}
