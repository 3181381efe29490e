//! Ephemeral tokens, as an app's backend mints them: `POST /v1alpha/auth_tokens` with the API
//! key (`x-goog-api-key` header or `?key=`) and a JSON body with `uses` (default 1),
//! `expireTime` and `newSessionExpireTime` (RFC 3339; defaults 30 min and 1 min from now, as
//! the service documents), answered with `{"name": "auth_tokens/...", ...}`. The token then
//! opens sessions on the constrained route (`?access_token=`), as the SDKs document the fields
//! (kotlin-genai `AuthToken`, python-genai `CreateAuthTokenConfig`): every session takes one
//! use (`uses: 0` is no limit); a new one must start before `newSessionExpireTime`, a resumed
//! one (a setup with a resumption handle) may start later; nothing opens after `expireTime`,
//! and a session still open then is closed. The docs say resuming takes no use; the live
//! service takes one and closes the resumed session with 1011 "Token has been used too many
//! times" (discuss.ai.google.dev/t/118180, January 2026, acknowledged by Google): the field
//! report wins, with the service's words. The other refusals' wording is this emulator's.

use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The live service's words when a token has no use left (close 1011).
pub const USED_UP: &str = "Token has been used too many times";

/// The REST path tokens are minted on.
pub const MINT_PATH: &str = "/v1alpha/auth_tokens";

struct Token {
    /// `None`: no limit (`uses: 0`).
    uses_left: Option<u32>,
    /// The model its sessions must ask for (`bidiGenerateContentSetup.model`), if locked.
    model: Option<String>,
    /// When a new session can no longer start, and when the token ends (Unix seconds).
    new_session_until: f64,
    until: f64,
}

/// The tokens minted so far.
#[derive(Default)]
pub struct Tokens {
    minted: Mutex<HashMap<String, Token>>,
    next: Mutex<u64>,
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

/// Unix seconds from an RFC 3339 time in UTC ("2026-11-24T01:02:03Z", or with a fraction);
/// `None` if not of that form.
pub fn parse_time(text: &str) -> Option<f64> {
    let at = humantime::parse_rfc3339(text).ok()?;
    Some(at.duration_since(UNIX_EPOCH).ok()?.as_secs_f64())
}

impl Tokens {
    /// Mints a token from a request body, or says why not.
    pub fn mint(&self, body: &str) -> Result<Value, String> {
        let request = if body.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str::<Value>(body).map_err(|e| format!("the body is not JSON: {e}"))?
        };
        let time = |field: &str, default: f64| match request.get(field) {
            None => Ok(default),
            Some(v) => v
                .as_str()
                .and_then(parse_time)
                .ok_or_else(|| format!("{field} is not an RFC 3339 time")),
        };
        let now = now();
        let until = time("expireTime", now + 1_800.0)?;
        let new_session_until = time("newSessionExpireTime", now + 60.0)?;
        let uses = match request.get("uses") {
            None => 1,
            Some(v) => v
                .as_u64()
                .filter(|u| *u <= u64::from(u32::MAX))
                .ok_or("uses is not a whole number")? as u32,
        };
        // A locked setup: its model must be a model's name (the rest of the setup is not
        // checked here; the field mask, if given, must be text).
        let locked = request.get("bidiGenerateContentSetup");
        let model = match locked.map(|s| s.get("model")) {
            None => None,
            Some(Some(Value::String(m))) if m.starts_with("models/") => Some(m.clone()),
            Some(_) => {
                return Err("bidiGenerateContentSetup.model must name a model (models/...)".into())
            }
        };
        if request.get("fieldMask").is_some_and(|m| !m.is_string()) {
            return Err("fieldMask must be a comma-separated list of field paths".into());
        }
        let mut next = self.next.lock().map_err(|_| "poisoned")?;
        *next += 1;
        let name = format!("auth_tokens/emu-token-{}", *next);
        let token = Token {
            uses_left: (uses > 0).then_some(uses),
            model,
            new_session_until,
            until,
        };
        self.minted
            .lock()
            .map_err(|_| "poisoned")?
            .insert(name.clone(), token);
        Ok(json!({"name": name, "uses": uses}))
    }

    /// Whether `name` may open a connection now (a minted token, not past `expireTime`).
    pub fn valid(&self, name: &str) -> Result<(), &'static str> {
        let minted = self.minted.lock().map_err(|_| "poisoned")?;
        let token = minted.get(name).ok_or("Ephemeral token not valid.")?;
        if now() > token.until {
            return Err("Ephemeral token expired.");
        }
        Ok(())
    }

    /// A session with `name` (`resuming`: its setup carries a resumption handle): takes one
    /// use; gives the model it is locked to and how long the token has
    /// left, or says why it cannot start.
    pub fn take(
        &self,
        name: &str,
        resuming: bool,
    ) -> Result<(Option<String>, Duration), &'static str> {
        let mut minted = self.minted.lock().map_err(|_| "poisoned")?;
        let token = minted.get_mut(name).ok_or("Ephemeral token not valid.")?;
        let now = now();
        if now > token.until {
            return Err("Ephemeral token expired.");
        }
        if !resuming && now > token.new_session_until {
            return Err("Ephemeral token can no longer start new sessions.");
        }
        match token.uses_left {
            Some(0) => return Err(USED_UP),
            Some(ref mut left) => *left -= 1,
            None => {}
        }
        let left = Duration::from_secs_f64((token.until - now).max(0.0));
        Ok((token.model.clone(), left))
    }
}

/// Whether the connection is an HTTP POST (a mint request) rather than a WebSocket upgrade.
pub async fn is_post(stream: &TcpStream) -> bool {
    let mut first = [0u8; 5];
    matches!(stream.peek(&mut first).await, Ok(5) if &first == b"POST ")
}

/// Answers one mint request on `stream`: 200 with the token, 401 without the right key, 400
/// for a body that is not a mint request, 404 elsewhere.
pub async fn serve_mint(mut stream: TcpStream, tokens: &Tokens, key: Option<&str>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    // The head, then as much body as Content-Length says (at most 64 kB).
    let (path, given, body) = loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return;
        };
        if n == 0 || request.len() > 65_536 {
            return;
        }
        request.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut head = httparse::Request::new(&mut headers);
        let end = match head.parse(&request) {
            Ok(httparse::Status::Complete(end)) => end,
            Ok(httparse::Status::Partial) => continue,
            Err(_) => return,
        };
        let header = |name: &str| {
            head.headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .and_then(|h| std::str::from_utf8(h.value).ok())
                .map(str::trim)
        };
        let length = header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            .min(65_536);
        if request.len() < end + length {
            continue;
        }
        let target = head.path.unwrap_or_default();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query_key = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| name == "key")
            .map(|(_, value)| value.into_owned());
        let given = header("x-goog-api-key").map(str::to_owned).or(query_key);
        let body = String::from_utf8_lossy(&request[end..end + length]).into_owned();
        break (path.to_owned(), given, body);
    };
    let (status, answer) = if path != MINT_PATH {
        ("404 Not Found", error(404, "no such method"))
    } else if key.is_some() && given.as_deref() != key {
        (
            "401 Unauthorized",
            error(401, "API key not valid. Please pass a valid API key."),
        )
    } else {
        match tokens.mint(&body) {
            Ok(token) => ("200 OK", token),
            Err(why) => ("400 Bad Request", error(400, &why)),
        }
    };
    let body = answer.to_string();
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn error(code: u64, message: &str) -> Value {
    json!({"error": {"code": code, "message": message}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_read_as_unix_seconds() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_time("2026-11-24T01:02:03Z"), Some(1_795_482_123.0));
        assert_eq!(parse_time("2000-03-01T00:00:00.250Z"), Some(951_868_800.25));
        assert_eq!(parse_time("2026-11-24 01:02:03"), None);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn a_token_opens_as_many_sessions_as_it_has_uses_then_none() {
        let tokens = Tokens::default();
        let minted = tokens.mint(r#"{"uses": 2}"#).unwrap();
        let name = minted
            .get("name")
            .and_then(Value::as_str)
            .unwrap()
            .to_owned();
        assert_eq!(name, "auth_tokens/emu-token-1");
        let new = |name: &str| tokens.take(name, false).map(|(model, _)| model);
        assert_eq!(new(&name), Ok(None));
        assert_eq!(new(&name), Ok(None));
        assert_eq!(new(&name), Err(USED_UP));
        // Resuming takes a use as well (the field report), so a spent token resumes nothing.
        assert_eq!(tokens.take(&name, true).map(|_| ()), Err(USED_UP));
        assert_eq!(new("auth_tokens/other"), Err("Ephemeral token not valid."));
        // Past its new-session deadline a token opens no new session; it still resumes.
        let late = tokens
            .mint(r#"{"newSessionExpireTime": "2000-01-01T00:00:00Z"}"#)
            .unwrap();
        let late = late.get("name").and_then(Value::as_str).unwrap();
        assert_eq!(
            new(late),
            Err("Ephemeral token can no longer start new sessions.")
        );
        assert!(tokens.take(late, true).is_ok());
        // Past its end it opens nothing; `uses: 0` is no limit.
        let over = tokens
            .mint(r#"{"expireTime": "2000-01-01T00:00:00Z"}"#)
            .unwrap();
        let over = over.get("name").and_then(Value::as_str).unwrap();
        assert_eq!(tokens.valid(over), Err("Ephemeral token expired."));
        assert_eq!(
            tokens.take(over, true).map(|_| ()),
            Err("Ephemeral token expired.")
        );
        let unlimited = tokens.mint(r#"{"uses": 0}"#).unwrap();
        let unlimited = unlimited.get("name").and_then(Value::as_str).unwrap();
        for _ in 0..5 {
            assert_eq!(new(unlimited), Ok(None));
        }
        assert!(tokens.mint(r#"{"uses": "two"}"#).is_err());
        // A locked setup: its sessions get the model to hold them to.
        let locked = tokens
            .mint(r#"{"bidiGenerateContentSetup": {"model": "models/gemini-3.8-live"}, "fieldMask": "model"}"#)
            .unwrap();
        let locked = locked.get("name").and_then(Value::as_str).unwrap();
        assert_eq!(new(locked), Ok(Some("models/gemini-3.8-live".into())));
        assert_eq!(
            tokens.mint(r#"{"bidiGenerateContentSetup": {"model": "gemini-3.8-live"}}"#),
            Err("bidiGenerateContentSetup.model must name a model (models/...)".into())
        );
        assert!(tokens.mint(r#"{"fieldMask": ["model"]}"#).is_err());
        assert!(tokens.mint("not json").is_err());
    }
}
