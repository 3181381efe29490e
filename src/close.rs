//! How a Live API connection ended, in words a person can act on.
//!
//! The service reports errors by closing the socket with a code and a short reason
//! (at most ~123 bytes), not with a JSON message. Codes seen in the field: 1007 invalid
//! argument, 1008 policy (key, model, quota, resumption handle, lifetime), 1011 internal,
//! 1006 no close frame at all (network). See
//! <https://developer.mozilla.org/en-US/docs/Web/API/CloseEvent/code>.

use std::fmt;

/// Whether `text` holds `word`: a plain scan (close reasons and typed questions are short),
/// instead of `str::contains`, whose two-way searcher is 1.4 KB of the page's wasm.
pub fn mentions(text: &str, word: &str) -> bool {
    word.is_empty()
        || text
            .as_bytes()
            .windows(word.len())
            .any(|w| w == word.as_bytes())
}

/// Whether a close `reason` (lower case) says the token is used up or expired.
fn spent(reason: &str) -> bool {
    mentions(reason, "token")
        && (mentions(reason, "used too many times")
            || mentions(reason, "expired")
            || mentions(reason, "no uses left")
            || mentions(reason, "no longer start"))
}

/// What the browser's `CloseEvent` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    pub code: u16,
    pub reason: String,
    pub was_clean: bool,
}

/// The kinds of ending, each with its own advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseKind {
    /// 1000 (or 1001): the connection ended normally.
    Normal,
    /// 1006: no close frame; the network or the server process went away.
    NetworkDropped,
    /// 1007: the server rejected something we sent as invalid.
    BadRequest,
    /// 1008 mentioning the API key.
    BadKey,
    /// 1008 mentioning a model that does not exist or cannot do live sessions.
    UnknownModel,
    /// 1008 mentioning quota or rate limits.
    Quota,
    /// 1008 mentioning the resumption handle.
    BadResumptionHandle,
    /// Any other 1008: refused by policy.
    Refused,
    /// An ephemeral token used up or expired (the live service closes a session on a spent
    /// token with 1011 "Token has been used too many times": discuss.ai.google.dev/t/118180).
    TokenSpent,
    /// 1011, 1012, 1013, 1014: trouble on the server's side.
    ServerTrouble,
    /// Anything else.
    Other,
}

impl CloseInfo {
    /// Classifies the close by its code, and for 1008 by the words of its reason.
    pub fn kind(&self) -> CloseKind {
        let reason = self.reason.to_ascii_lowercase();
        match self.code {
            1000 | 1001 => CloseKind::Normal,
            1006 => CloseKind::NetworkDropped,
            1007 => CloseKind::BadRequest,
            1008 if mentions(&reason, "api key") || mentions(&reason, "api_key") => {
                CloseKind::BadKey
            }
            1008 if mentions(&reason, "quota") || mentions(&reason, "resource_exhausted") => {
                CloseKind::Quota
            }
            1008 if mentions(&reason, "handle") => CloseKind::BadResumptionHandle,
            1008 if mentions(&reason, "model")
                && (mentions(&reason, "not found") || mentions(&reason, "not supported")) =>
            {
                CloseKind::UnknownModel
            }
            1008 | 1011 if spent(&reason) => CloseKind::TokenSpent,
            1008 => CloseKind::Refused,
            1011..=1014 => CloseKind::ServerTrouble,
            _ => CloseKind::Other,
        }
    }

    /// True when reconnecting (with the resumption handle) is worth trying by itself.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            CloseKind::NetworkDropped | CloseKind::ServerTrouble
        )
    }
}

impl fmt::Display for CloseInfo {
    /// One or two sentences: what happened, then what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = u32::from(self.code);
        let said = if self.reason.trim().is_empty() {
            String::new()
        } else {
            // The sentence ends with the quote; a reason's own full stop stays inside it.
            let reason = self.reason.trim();
            let stop = if reason.ends_with(['.', '!', '?']) {
                ""
            } else {
                "."
            };
            format!(" The server said: \"{reason}\"{stop}")
        };
        match self.kind() {
            CloseKind::Normal => write!(f, "The connection was closed ({code}).{said}"),
            CloseKind::NetworkDropped => write!(
                f,
                "The network connection was lost ({code}, no close frame). \
                 Check the connection and the server URL, then connect again."
            ),
            CloseKind::BadRequest => write!(
                f,
                "The server rejected a request as invalid ({code}).{said} \
                 A setting may not be supported by this model; check the model and settings."
            ),
            CloseKind::BadKey => write!(
                f,
                "The API key was refused ({code}).{said} Check the key, or create a new one."
            ),
            CloseKind::UnknownModel => write!(
                f,
                "The model is unknown or cannot hold live sessions ({code}).{said} \
                 Choose a current Live model."
            ),
            CloseKind::Quota => write!(
                f,
                "The quota or rate limit was reached ({code}).{said} Wait a while, or check the project's quota."
            ),
            CloseKind::BadResumptionHandle => write!(
                f,
                "The conversation could not be resumed ({code}).{said} Start a new conversation."
            ),
            CloseKind::Refused => write!(
                f,
                "The server refused the session ({code}).{said} Check the key, the model and the quota."
            ),
            CloseKind::TokenSpent => write!(
                f,
                "The ephemeral token is used up or has expired ({code}).{said} A token opens a \
                 few connections for a limited time: get a new one and connect again."
            ),
            CloseKind::ServerTrouble => write!(
                f,
                "The server had trouble ({code}).{said} Try again in a moment."
            ),
            CloseKind::Other => write!(f, "The connection closed with code {code}.{said}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_finds_a_word_anywhere_as_str_contains_does() {
        for (text, word) in [
            ("api key not valid", "api key"),
            ("api key not valid", "valid"),
            ("api key not valid", "api"),
            ("api key", "api key not valid"),
            ("", "x"),
            ("x", ""),
            ("quota", "quota"),
            ("modèle not found", "not found"),
            ("aaab", "aab"),
        ] {
            assert_eq!(
                mentions(text, word),
                text.contains(word),
                "{text:?} {word:?}"
            );
        }
    }

    fn close(code: u16, reason: &str) -> CloseInfo {
        CloseInfo {
            code,
            reason: reason.into(),
            was_clean: code != 1006,
        }
    }

    #[test]
    fn codes_and_reasons_classify() {
        let cases = [
            (1000, "", CloseKind::Normal),
            (1006, "", CloseKind::NetworkDropped),
            (1007, "Request contains an invalid argument.", CloseKind::BadRequest),
            (1008, "API key not valid. Please pass a valid API key.", CloseKind::BadKey),
            (
                1008,
                "models/gemini-x is not found for API version v1beta, or is not supported for bidiGenerateContent.",
                CloseKind::UnknownModel,
            ),
            (1008, "You exceeded your current quota", CloseKind::Quota),
            (1008, "Invalid session resumption handle", CloseKind::BadResumptionHandle),
            (1008, "Operation is not implemented", CloseKind::Refused),
            (1011, "Internal error encountered.", CloseKind::ServerTrouble),
            (1011, "Token has been used too many times", CloseKind::TokenSpent),
            (1008, "Ephemeral token expired.", CloseKind::TokenSpent),
            (1013, "", CloseKind::ServerTrouble),
            (4000, "", CloseKind::Other),
        ];
        for (code, reason, kind) in cases {
            assert_eq!(close(code, reason).kind(), kind, "{code} {reason}");
        }
        assert!(close(1006, "").is_transient());
        assert!(close(1011, "").is_transient());
        assert!(!close(1008, "API key not valid").is_transient());
        // A spent token is not retried as server trouble: the same token would fail again.
        assert!(!close(1011, "Token has been used too many times").is_transient());
    }

    #[test]
    fn messages_are_plain_words() {
        assert_eq!(
            close(1008, "API key not valid. Please pass a valid API key.").to_string(),
            "The API key was refused (1008). The server said: \"API key not valid. Please pass a valid API key.\" Check the key, or create a new one."
        );
        assert_eq!(
            close(1006, "").to_string(),
            "The network connection was lost (1006, no close frame). Check the connection and the server URL, then connect again."
        );
        assert_eq!(
            close(1011, "").to_string(),
            "The server had trouble (1011). Try again in a moment."
        );
        assert_eq!(
            close(1007, "Unknown name \"foo\" at 'setup'").to_string(),
            "The server rejected a request as invalid (1007). The server said: \"Unknown name \"foo\" at 'setup'\". A setting may not be supported by this model; check the model and settings."
        );
    }
}
