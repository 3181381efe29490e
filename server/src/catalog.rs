//! The team's archive as reviewers find it (issue 39). When a conversation's record arrives,
//! a summary is kept beside it (`summary.json`: who uploaded it as the identity header names
//! them, when, the model, its turns, cut-offs, errors, the worst latency, its length), and
//! `GET /api/conversations` lists the summaries, filtered by date, person, model, "had an
//! error", "model cut off" and "latency over N ms", for `REVIEWERS` only. Every listing is
//! a log line with who asked and what for.

use crate::archive::reviewer;
use crate::mint::Refusal;
use crate::App;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use gemini_live_voice::record::export::Export;
use gemini_live_voice::record::{NoteKind, Who};
use object_store::path::Path as StorePath;
use object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

/// The file a conversation's summary is kept in, beside its recording and record.
pub const SUMMARY: &str = "summary.json";

/// What a reviewer sees of a kept conversation before opening it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub id: String,
    /// Who uploaded it (the identity header's value; "-" without one).
    pub who: String,
    /// When its record arrived (RFC 3339, UTC).
    pub uploaded: String,
    pub model: String,
    /// The person's turns and the model's replies.
    pub turns: usize,
    pub replies: usize,
    /// Replies the person cut off.
    pub cut_off: usize,
    /// Errors the page noted.
    pub errors: usize,
    /// The slowest reply's latency, if any reply had one.
    pub worst_latency_ms: Option<f64>,
    /// Seconds from the recording's start to the last turn's end.
    pub seconds: f64,
}

/// The summary of a conversation kept as `id`, uploaded by `who` at `uploaded`.
pub fn summarize(id: &str, who: &str, uploaded: SystemTime, record: &Export) -> Summary {
    let turns = &record.turns;
    Summary {
        id: id.to_owned(),
        who: who.to_owned(),
        uploaded: humantime::format_rfc3339_seconds(uploaded).to_string(),
        model: record.settings.model.clone(),
        turns: turns.iter().filter(|t| t.who == Who::You).count(),
        replies: turns.iter().filter(|t| t.who == Who::Model).count(),
        cut_off: turns.iter().filter(|t| t.interrupted).count(),
        errors: (record.notes.iter())
            .filter(|n| n.kind == NoteKind::Error)
            .count(),
        worst_latency_ms: record.latency.as_ref().map(|l| l.worst_ms),
        seconds: turns.iter().map(|t| t.end).fold(0.0, f64::max),
    }
}

/// What a listing asks for; each field left out admits every conversation.
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    /// `2026-12-07`: conversations begun that day (the id's date, the browser's clock).
    pub date: Option<String>,
    /// Uploaded by this identity.
    pub person: Option<String>,
    /// `models/gemini-3.8-live`, or its name without `models/`.
    pub model: Option<String>,
    /// `true`: only those with an error noted.
    pub error: Option<bool>,
    /// `true`: only those where a reply was cut off.
    pub cut: Option<bool>,
    /// Only those with a reply slower than this.
    pub latency_over: Option<f64>,
}

impl Filter {
    /// Whether a conversation with this id may match (read before its summary).
    pub fn may_hold(&self, id: &str) -> bool {
        let date = self.date.as_deref().unwrap_or("");
        id.strip_prefix("conversation-")
            .is_some_and(|rest| rest.starts_with(date))
    }

    pub fn admits(&self, s: &Summary) -> bool {
        let model = |m: &str| s.model == m || s.model.strip_prefix("models/") == Some(m);
        self.may_hold(&s.id)
            && self.person.as_deref().is_none_or(|p| s.who == p)
            && self.model.as_deref().is_none_or(model)
            && (self.error != Some(true) || s.errors > 0)
            && (self.cut != Some(true) || s.cut_off > 0)
            && self
                .latency_over
                .is_none_or(|over| s.worst_latency_ms.is_some_and(|w| w > over))
    }
}

/// Keeps a conversation's summary beside its record.
pub async fn keep(store: &dyn ObjectStore, summary: &Summary) -> object_store::Result<()> {
    let path = StorePath::from_iter([summary.id.as_str(), SUMMARY]);
    let json = serde_json::to_vec(summary).unwrap_or_default();
    store.put(&path, json.into()).await.map(drop)
}

/// The summaries `filter` admits, by id (a conversation whose summary cannot be read is
/// left out and logged).
pub async fn find(store: &dyn ObjectStore, filter: &Filter) -> object_store::Result<Vec<Summary>> {
    let ids = store.list_with_delimiter(None).await?.common_prefixes;
    let mut found = Vec::new();
    for id in ids.iter().filter(|p| filter.may_hold(p.as_ref())) {
        let path = id.child(SUMMARY);
        let read = match store.get(&path).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        let summary = read
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Summary>(&b).map_err(|e| e.to_string()));
        match summary {
            Ok(s) if filter.admits(&s) => found.push(s),
            Ok(_) => {}
            Err(why) => tracing::warn!(%path, why, "summary unreadable: left out of the listing"),
        }
    }
    found.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(found)
}

/// `GET /api/conversations?date=&person=&model=&error=&cut=&latency_over=`, for reviewers.
pub async fn list(
    State(app): State<Arc<App>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    let who = crate::mint::who(&app, &headers);
    let listed = async {
        let archive = reviewer(&app, &headers, &who)?;
        find(archive.store.as_ref(), &filter)
            .await
            .map_err(crate::archive::store_failed)
    };
    match listed.await {
        Ok(found) => {
            tracing::info!(%client, who, ?filter, found = found.len(), "listed");
            Json(found).into_response()
        }
        Err(refusal @ Refusal { .. }) => {
            tracing::warn!(%client, who, status = refusal.status.as_u16(), reason = %refusal.reason, "listing refused");
            refusal.into_response()
        }
    }
}

#[cfg(test)]
mod tests;
