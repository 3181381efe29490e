//! The team's archive, the page's side (issue 39): what a token server that keeps
//! conversations says it does with them (`GET /api/archive`), the line the page shows before
//! the first Talk, what the record keeps of it, and how an upload of a finished conversation
//! is retried. The browser fetches; this decides (`src/web/archive.rs` is the edge).

use serde::{Deserialize, Serialize};

/// Where the page asks its server what it keeps (`GET`; `PUT {path}/{id}/{file}` uploads).
pub const ARCHIVE_PATH: &str = "/api/archive";

/// Waits before each retry of an upload, in milliseconds: five tries in about half a minute
/// (a server restarting, a proxy's 502), then the conversation stays in the browser only.
pub const RETRY_DELAYS_MS: [u32; 4] = [1_000, 3_000, 8_000, 20_000];

/// The server's answer to `GET /api/archive` when it keeps conversations (the page reads its
/// two fields with the browser's getters: a serde reader for it weighs more than the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Who keeps them (`ARCHIVE_ORGANISATION`).
    pub organisation: String,
    /// For how many days (`RETENTION_DAYS`).
    pub days: u64,
}

impl Terms {
    /// Reads the server's answer (its status and JSON body): the terms, `None` when it keeps
    /// nothing (404), or why they could not be read.
    pub fn from_answer(status: u16, body: Option<Terms>) -> Result<Option<Terms>, String> {
        match (status, body) {
            (404, _) => Ok(None),
            (200, Some(terms)) if !terms.organisation.trim().is_empty() && terms.days > 0 => {
                Ok(Some(terms))
            }
            (200, _) => Err("the server's answer names no organisation and no days".into()),
            (status, _) => Err(format!("the server answered HTTP {status}")),
        }
    }

    /// The line the page shows by Talk before anyone talks.
    pub fn line(&self) -> String {
        let days = if self.days == 1 { "day" } else { "days" };
        format!(
            "This conversation is recorded and kept by {} for {} {days}.",
            self.organisation.trim(),
            self.days
        )
    }
}

/// What the record keeps of the terms: the line as shown, when it was put on the page
/// (ISO 8601, UTC), before the conversation's first Talk, and the id the conversation is kept
/// under (an upload tried again, from this tab or the next visit, replaces the same files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub text: String,
    pub shown_at: String,
    pub id: String,
}

/// How one try of an upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The server kept the file.
    Kept,
    /// No answer (offline, reset, refused connection).
    Unreached,
    /// An HTTP status other than 200.
    Status(u16),
}

impl Outcome {
    /// Whether trying again may help: no answer, a timeout, too many requests, or the
    /// server's own trouble. A refusal (401, 403, 413, 415, 422...) says why and stays one.
    pub fn worth_retrying(self) -> bool {
        match self {
            Outcome::Kept => false,
            Outcome::Unreached => true,
            Outcome::Status(status) => matches!(status, 408 | 429 | 500..=599),
        }
    }
}

/// The wait before try `tried + 1` after `tried` tries ended in `outcome`, or `None` when
/// there is no next try.
pub fn retry_after(tried: usize, outcome: Outcome) -> Option<u32> {
    if !outcome.worth_retrying() {
        return None;
    }
    RETRY_DELAYS_MS.get(tried.checked_sub(1)?).copied()
}

/// A conversation's id in the archive: its recording's name without the extension, and a
/// random suffix so two people who start in the same second never share one
/// (`conversation-2026-12-07-09-01-59-stereo-5f3a9c0e`). `random` is in [0, 1).
pub fn conversation_id(file_name: &str, random: f64) -> String {
    let stem = file_name.strip_suffix(".wav").unwrap_or(file_name);
    let suffix = (random.clamp(0.0, 1.0) * f64::from(u32::MAX)) as u32;
    format!("{stem}-{suffix:08x}")
}

#[cfg(test)]
mod tests;
