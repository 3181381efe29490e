//! When a session that ended should be continued on a new connection (with the latest
//! resumption handle), and after how long.
//!
//! - The server announced the end (`goAway`, then the close): reconnect at once; the
//!   connection's lifetime is over, the conversation is not.
//! - The network dropped (1006), the server had trouble (1011-1014), or a reconnect attempt
//!   timed out: try again with a growing delay (0.5 s, 1 s, 2 s), then give up.
//! - Anything the person must fix (key, model, quota, invalid request) or a normal close the
//!   client asked for: never.

use crate::session::SessionError;

/// The policy's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reconnect {
    /// Attempts in a row before giving up (a success resets the count).
    pub max_attempts: u32,
    /// Delay before the first retry after a transient failure, doubled each time.
    pub base_delay_ms: u32,
}

impl Default for Reconnect {
    fn default() -> Self {
        Reconnect {
            max_attempts: 3,
            base_delay_ms: 500,
        }
    }
}

impl Reconnect {
    /// The delay before attempt number `attempt` (from 0), or `None` to give up.
    /// `goaway` says whether the server sent `goAway` on the connection that ended.
    pub fn decide(&self, error: &SessionError, goaway: bool, attempt: u32) -> Option<u32> {
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.base_delay_ms.saturating_mul(1 << attempt.min(16));
        match error {
            SessionError::Closed(info) if (goaway && info.code != 1000) || info.code == 1001 => {
                Some(if attempt == 0 { 0 } else { backoff })
            }
            SessionError::Closed(info) if info.is_transient() => Some(backoff),
            SessionError::SetupTimeout { .. } => Some(backoff),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::close::CloseInfo;

    fn closed(code: u16, reason: &str) -> SessionError {
        SessionError::Closed(CloseInfo {
            code,
            reason: reason.into(),
            was_clean: code != 1006,
        })
    }

    #[test]
    fn after_go_away_the_conversation_continues_at_once() {
        let r = Reconnect::default();
        let lifetime = closed(1008, "The connection lifetime is over.");
        assert_eq!(r.decide(&lifetime, true, 0), Some(0));
        assert_eq!(r.decide(&lifetime, true, 1), Some(1000));
        // the same close without goAway is a refusal the person must read
        assert_eq!(r.decide(&lifetime, false, 0), None);
        assert_eq!(r.decide(&closed(1001, "going away"), false, 0), Some(0));
    }

    #[test]
    fn network_and_server_trouble_retry_with_a_growing_delay_then_give_up() {
        let r = Reconnect::default();
        let dropped = closed(1006, "");
        assert_eq!(r.decide(&dropped, false, 0), Some(500));
        assert_eq!(r.decide(&dropped, false, 1), Some(1000));
        assert_eq!(r.decide(&dropped, false, 2), Some(2000));
        assert_eq!(r.decide(&dropped, false, 3), None);
        assert_eq!(
            r.decide(&closed(1011, "Internal error"), false, 0),
            Some(500)
        );
        assert_eq!(
            r.decide(&SessionError::SetupTimeout { millis: 15_000 }, false, 1),
            Some(1000)
        );
    }

    #[test]
    fn what_the_person_must_fix_or_asked_for_is_final() {
        let r = Reconnect::default();
        for error in [
            closed(1000, "client closed"),
            closed(1007, "Request contains an invalid argument."),
            closed(1008, "API key not valid. Please pass a valid API key."),
            closed(1008, "Invalid session resumption handle."),
            SessionError::Endpoint("Enter an API key".into()),
            SessionError::Open("blocked port".into()),
        ] {
            assert_eq!(r.decide(&error, false, 0), None, "{error}");
        }
        // a client-side normal close after goAway (Disconnect) is still final
        assert_eq!(r.decide(&closed(1000, "client closed"), true, 0), None);
    }
}
