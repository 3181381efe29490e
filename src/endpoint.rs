//! Where the session connects and with which credential.
//!
//! - API key: the v1beta `BidiGenerateContent` route with `?key=`.
//! - Ephemeral token (minted by the app's own backend; the long-lived key never reaches
//!   the browser): the v1alpha `BidiGenerateContentConstrained` route with `?access_token=`.
//! - Any `ws://` / `wss://` URL (a proxy, the emulator), with or without a credential.
//!
//! [`Endpoint::redacted`] is the only form that may be shown or logged.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

/// The Developer API host.
pub const GOOGLE_HOST: &str = "wss://generativelanguage.googleapis.com";
/// Route for API keys.
pub const KEY_PATH: &str =
    "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
/// Route for API keys on v1alpha (proactive audio and affective dialog need it).
pub const KEY_PATH_V1ALPHA: &str =
    "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent";
/// Route for ephemeral tokens.
pub const TOKEN_PATH: &str =
    "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";

/// How the client proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    ApiKey(String),
    EphemeralToken(String),
}

impl fmt::Debug for Credential {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::None => f.write_str("None"),
            Credential::ApiKey(_) => f.write_str("ApiKey(***)"),
            Credential::EphemeralToken(_) => f.write_str("EphemeralToken(***)"),
        }
    }
}

/// A base URL (or Google's, by credential) plus a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// A custom `ws://`/`wss://` URL; `None` means Google's route for the credential.
    pub custom_url: Option<String>,
    pub credential: Credential,
    /// Google's key route on v1alpha rather than v1beta (tokens are always v1alpha; a
    /// custom URL is used as given).
    pub v1alpha: bool,
}

/// Why no URL could be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointError {
    /// Neither a credential nor a URL was given.
    Nothing,
    /// The URL does not start with `ws://` or `wss://`.
    Scheme(String),
    /// A credential contains characters no key or token has (spaces, quotes...).
    BadCredential,
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointError::Nothing => {
                f.write_str("Enter an API key, an ephemeral token, or a server URL.")
            }
            EndpointError::Scheme(url) => write!(
                f,
                "The server URL must start with ws:// or wss:// (got \"{url}\")."
            ),
            EndpointError::BadCredential => f.write_str(
                "The key or token contains spaces or other characters keys never have; paste it again.",
            ),
        }
    }
}

impl std::error::Error for EndpointError {}

impl Endpoint {
    /// Google's endpoint with an API key.
    pub fn api_key(key: &str) -> Self {
        Endpoint {
            custom_url: None,
            credential: Credential::ApiKey(key.trim().to_owned()),
            v1alpha: false,
        }
    }

    /// The same on the v1alpha key route when `on`.
    pub fn on_v1alpha(mut self, on: bool) -> Self {
        self.v1alpha = on;
        self
    }

    /// Google's endpoint with an ephemeral token (`auth_tokens/...`).
    pub fn ephemeral_token(token: &str) -> Self {
        Endpoint {
            custom_url: None,
            credential: Credential::EphemeralToken(token.trim().to_owned()),
            v1alpha: true,
        }
    }

    /// Any URL, optionally with a credential appended.
    pub fn custom(url: &str, credential: Credential) -> Self {
        Endpoint {
            custom_url: Some(url.trim().to_owned()),
            credential,
            v1alpha: false,
        }
    }

    /// The URL to open, credential included.
    pub fn url(&self) -> Result<String, EndpointError> {
        self.build(false)
    }

    /// The URL with the credential replaced by `***`: safe for logs and the page.
    pub fn redacted(&self) -> String {
        self.build(true)
            .unwrap_or_else(|e| format!("(invalid endpoint: {e})"))
    }

    fn build(&self, redact: bool) -> Result<String, EndpointError> {
        let (param, secret) = match &self.credential {
            Credential::None => (None, ""),
            Credential::ApiKey(k) => (Some("key"), k.as_str()),
            Credential::EphemeralToken(t) => (Some("access_token"), t.as_str()),
        };
        if param.is_some() && (secret.is_empty() || !secret.chars().all(is_credential_char)) {
            return Err(EndpointError::BadCredential);
        }
        let mut url = match (&self.custom_url, &self.credential) {
            (Some(url), _) if !url.is_empty() => {
                if !(url.starts_with("ws://") || url.starts_with("wss://")) {
                    return Err(EndpointError::Scheme(url.clone()));
                }
                url.clone()
            }
            (_, Credential::None) => return Err(EndpointError::Nothing),
            (_, Credential::ApiKey(_)) if self.v1alpha => {
                format!("{GOOGLE_HOST}{KEY_PATH_V1ALPHA}")
            }
            (_, Credential::ApiKey(_)) => format!("{GOOGLE_HOST}{KEY_PATH}"),
            (_, Credential::EphemeralToken(_)) => format!("{GOOGLE_HOST}{TOKEN_PATH}"),
        };
        if let Some(param) = param {
            url.push(if url.bytes().any(|b| b == b'?') {
                '&'
            } else {
                '?'
            });
            url.push_str(param);
            url.push('=');
            if redact {
                url.push_str("***");
            } else {
                url.extend(utf8_percent_encode(secret, QUERY_VALUE));
            }
        }
        Ok(url)
    }
}

/// Keys and tokens are URL-safe ASCII; anything else is a paste accident.
fn is_credential_char(c: char) -> bool {
    c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
}

/// What may not stand in a query value as it is: all but the unreserved characters and `/`
/// (kept, as in `auth_tokens/...`).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_route() {
        let e = Endpoint::api_key(" AIzaSyA-test_key ");
        assert_eq!(
            e.url().unwrap(),
            "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=AIzaSyA-test_key"
        );
        assert_eq!(
            e.redacted(),
            "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=***"
        );
        assert!(!format!("{e:?}").contains("AIza"));
    }

    #[test]
    fn ephemeral_token_route() {
        let e = Endpoint::ephemeral_token("auth_tokens/abc+def=");
        assert_eq!(
            e.url().unwrap(),
            "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained?access_token=auth_tokens/abc%2Bdef%3D"
        );
    }

    #[test]
    fn custom_urls() {
        let bare = Endpoint::custom("ws://127.0.0.1:9000/ws/x", Credential::None);
        assert_eq!(bare.url().unwrap(), "ws://127.0.0.1:9000/ws/x");
        let with_query = Endpoint::custom(
            "wss://proxy.example/live?fault=drop",
            Credential::ApiKey("k1".into()),
        );
        assert_eq!(
            with_query.url().unwrap(),
            "wss://proxy.example/live?fault=drop&key=k1"
        );
        assert_eq!(
            with_query.redacted(),
            "wss://proxy.example/live?fault=drop&key=***"
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            Endpoint::custom("", Credential::None).url(),
            Err(EndpointError::Nothing)
        );
        assert_eq!(
            Endpoint::custom("https://x", Credential::None).url(),
            Err(EndpointError::Scheme("https://x".into()))
        );
        assert_eq!(
            Endpoint::api_key("two words").url(),
            Err(EndpointError::BadCredential)
        );
        assert_eq!(
            Endpoint::api_key("").url(),
            Err(EndpointError::BadCredential)
        );
        assert_eq!(
            Endpoint::api_key("a b").redacted(),
            "(invalid endpoint: The key or token contains spaces or other characters keys never have; paste it again.)"
        );
    }
}
