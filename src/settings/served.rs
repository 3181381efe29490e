//! Backend `server`: the page is served by the token server (`server/`), which mints an
//! ephemeral token locked to its model on each Connect; the page then talks on the Live API's
//! constrained route with only that token. The browser side fetches; this reads the answer.

use super::{Connection, Form};
use crate::endpoint::{Credential, Endpoint};
use serde::Deserialize;

/// Where the page asks its server for a token (`POST`, the passcode in `x-passcode`).
pub const SERVER_TOKEN_PATH: &str = "/api/token";

/// The token server's answer (the page reads it with the browser's `JSON.parse`): a token, or
/// a refusal in words.
#[derive(Debug, Default, Deserialize)]
pub struct Answer {
    token: Option<String>,
    /// The constrained route to open with it.
    url: Option<String>,
    /// The only model the token opens.
    model: Option<String>,
    error: Option<String>,
}

impl Form {
    /// Whether the conversation's token comes from the server that serves the page.
    pub fn from_server(&self) -> bool {
        self.backend == "server"
    }

    /// The conversation the server's answer to `POST /api/token` opens: its token on its
    /// route, with its model (the token opens no other), or why not, in words. `answer`:
    /// why the request failed, or its body (`None` when it was not JSON).
    pub fn served(
        &self,
        status: u16,
        answer: Result<Option<Answer>, String>,
    ) -> Result<Connection, String> {
        let (token, url, model) = minted(status, answer)?;
        let form = Form {
            model,
            ..self.clone()
        };
        let (setup, toolbox) = form.setup()?;
        Ok(Connection {
            endpoint: Some(Endpoint::custom(&url, Credential::EphemeralToken(token))),
            setup,
            push_to_talk: form.turns == "push",
            toolbox,
            minted: true,
        })
    }
}

impl Connection {
    /// For a new connection of the same conversation (a reconnect, a resumption): the fresh
    /// token in the server's answer on the route it names, the conversation's setup kept.
    /// A token may be spent or past its windows by then (`uses`, `newSessionExpireTime`,
    /// `expireTime`), so each connection after the first asks for one.
    pub fn with_fresh_token(
        &self,
        status: u16,
        answer: Result<Option<Answer>, String>,
    ) -> Result<Connection, String> {
        let (token, url, model) = minted(status, answer)?;
        if model != self.setup.model {
            return Err(format!(
                "This server's tokens now open {model}, not this conversation's {}: start a new conversation.",
                self.setup.model
            ));
        }
        Ok(Connection {
            endpoint: Some(Endpoint::custom(&url, Credential::EphemeralToken(token))),
            ..self.clone()
        })
    }
}

/// The token, its route and its model from the server's answer, or why not, in words.
fn minted(
    status: u16,
    answer: Result<Option<Answer>, String>,
) -> Result<(String, String, String), String> {
    let answer =
        answer.map_err(|why| format!("This server could not be asked for a token ({why})."))?;
    if matches!(status, 404 | 405) {
        return Err("This page is not served by the token server (it has no /api/token): choose another backend in Settings.".into());
    }
    let answer = answer.unwrap_or_default();
    if let Some(error) = answer.error {
        return Err(format!("This server gave no token: {error}"));
    }
    let (Some(token), Some(url), Some(model)) = (answer.token, answer.url, answer.model) else {
        return Err(format!(
            "This server's answer is not a token (HTTP {status})."
        ));
    };
    if !token.starts_with("auth_tokens/") {
        return Err("This server's answer is not a token.".into());
    }
    Ok((token, url, model))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Target;

    /// What the page's `JSON.parse` would give for `body`.
    fn parsed(body: &str) -> Result<Option<Answer>, String> {
        Ok(serde_json::from_str(body).ok())
    }

    fn form() -> Form {
        Form {
            backend: "server".into(),
            secret: "open sesame".into(),
            model: "gemini-2.5-flash-native-audio-latest".into(),
            voice: "Puck".into(),
            turns: "auto".into(),
            ..Form::default()
        }
    }

    #[test]
    fn a_minted_token_opens_the_constrained_route_with_the_servers_model() {
        let answer = r#"{"token":"auth_tokens/abc","url":"wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained","model":"models/gemini-3.8-live","uses":3}"#;
        let connection = form().served(200, parsed(answer)).unwrap();
        assert_eq!(connection.setup.model, "models/gemini-3.8-live");
        assert_eq!(
            connection.endpoint.as_ref().unwrap().url().unwrap(),
            "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained?access_token=auth_tokens/abc"
        );
        assert_eq!(
            connection.target(),
            Target::Remote("wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained?access_token=***".into())
        );
        assert!(form().from_server());
    }

    #[test]
    fn a_later_connection_takes_a_fresh_token_and_keeps_the_conversations_setup() {
        let route = "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";
        let answer = |token: &str, model: &str| {
            format!(r#"{{"token":"{token}","url":"{route}","model":"{model}","uses":1}}"#)
        };
        let first = form()
            .served(
                200,
                parsed(&answer("auth_tokens/one", "models/gemini-3.8-live")),
            )
            .unwrap();
        assert!(first.minted);
        let mut renewed = first.clone();
        renewed.setup = renewed.setup.with_system_instruction("Answer in French.");
        let again = renewed
            .with_fresh_token(
                200,
                parsed(&answer("auth_tokens/two", "models/gemini-3.8-live")),
            )
            .unwrap();
        assert_eq!(
            again.endpoint.as_ref().unwrap().url().unwrap(),
            format!("{route}?access_token=auth_tokens/two")
        );
        assert_eq!(again.setup, renewed.setup);
        assert_eq!(
            first
                .with_fresh_token(200, parsed(&answer("auth_tokens/3", "models/gemini-2.5-flash-native-audio-latest")))
                .unwrap_err(),
            "This server's tokens now open models/gemini-2.5-flash-native-audio-latest, not this conversation's models/gemini-3.8-live: start a new conversation."
        );
        assert_eq!(
            first
                .with_fresh_token(
                    429,
                    parsed(
                        r#"{"error":"Too many tokens from this client; try again in a minute."}"#
                    )
                )
                .unwrap_err(),
            "This server gave no token: Too many tokens from this client; try again in a minute."
        );
        // A connection from the form is not the server's: it keeps its credential.
        let keyed = Form {
            backend: "key".into(),
            ..form()
        };
        assert!(!keyed.connection().unwrap().minted);
    }

    #[test]
    fn refusals_come_back_in_words() {
        assert_eq!(
            form().served(401, parsed(r#"{"error":"This server needs its passcode to hand out tokens (ask whoever runs it)."}"#)).unwrap_err(),
            "This server gave no token: This server needs its passcode to hand out tokens (ask whoever runs it)."
        );
        assert_eq!(
            form()
                .served(0, Err("TypeError: Failed to fetch".into()))
                .unwrap_err(),
            "This server could not be asked for a token (TypeError: Failed to fetch)."
        );
        assert_eq!(
            form().served(404, parsed("Not Found")).unwrap_err(),
            "This page is not served by the token server (it has no /api/token): choose another backend in Settings."
        );
        assert_eq!(
            form().served(200, parsed("<html>")).unwrap_err(),
            "This server's answer is not a token (HTTP 200)."
        );
        assert_eq!(
            form()
                .served(
                    200,
                    parsed(r#"{"token":"AIzaKey","url":"ws://x","model":"m"}"#)
                )
                .unwrap_err(),
            "This server's answer is not a token."
        );
    }
}
