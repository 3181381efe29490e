//! `PUT /api/archive/{id}/{file}`, `GET /api/archive`, `DELETE /api/archive/{id}`: the
//! team's archive, first steps (issue 39). A page served
//! here uploads a finished conversation, `audio.wav` and `record.json`, under its id; the
//! server keeps them on an object store (`object_store`: a local directory, `ARCHIVE_DIR`, or
//! an S3 or GCS bucket, `ARCHIVE_URL`), streamed to it as they arrive, never held whole.
//!
//! The same people may upload as may mint (origin, passcode, identity header), and what they
//! send is checked before anything is kept: an id of letters, digits and dashes (no path
//! tricks), one of the two files, its content type, a size limit, a WAV's header, a record the
//! review view can read. A refusal says why in words and leaves nothing behind (a multipart
//! upload becomes visible only when complete). Uploading the same file again replaces it with
//! the same bytes: the upload is idempotent by id. Every upload and refusal is a log line with
//! who, what and how much.

use crate::catalog::{self, summarize};
use crate::mint::{admit, Refusal};
use crate::App;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt as _;
use gemini_live_voice::record::review::Review;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, WriteMultipart};
use serde_json::json;
use std::net::SocketAddr;
use std::sync::Arc;

/// A record is small (an hour's is about 230 kB); more is not a record.
pub const MAX_RECORD_BYTES: u64 = 4 << 20;

/// A recording goes to the store in parts of this size as they fill (S3 takes 5 MB to 5 GB
/// a part), at most [`IN_FLIGHT`] on their way at once: an hour's is never held whole.
const PART: usize = 10 << 20;
const IN_FLIGHT: usize = 2;

/// Where conversations are kept, how large a recording may be, who keeps them and how long.
pub struct Archive {
    pub store: Arc<dyn ObjectStore>,
    pub max_audio_bytes: u64,
    pub organisation: String,
    pub days: u64,
}

/// `GET /api/archive`: what the page tells each person before they talk (who keeps the
/// conversation, for how many days), or that this server keeps none.
pub async fn terms(State(app): State<Arc<App>>) -> Response {
    match &app.archive {
        Some(archive) => Json(json!({"organisation": archive.organisation, "days": archive.days}))
            .into_response(),
        None => refuse(
            StatusCode::NOT_FOUND,
            "This server keeps no conversations (neither ARCHIVE_DIR nor ARCHIVE_URL is set).",
        )
        .into_response(),
    }
}

/// Removes every file kept longer than `days` before `now` (seconds since the Unix epoch),
/// each removal a log line; answers how many were removed. The server runs it hourly.
pub async fn sweep(store: &dyn ObjectStore, now: i64, days: u64) -> Result<usize, String> {
    let days = i64::try_from(days).map_err(|e| e.to_string())?;
    let cutoff = now.saturating_sub(days.saturating_mul(86_400));
    let old: Vec<_> = store
        .list(None)
        .filter_map(|meta| async move {
            meta.ok()
                .filter(|m| m.last_modified.timestamp() < cutoff)
                .map(|m| m.location)
        })
        .collect()
        .await;
    for path in &old {
        store.delete(path).await.map_err(|e| e.to_string())?;
        tracing::info!(%path, days, "removed: kept longer than the retention");
    }
    Ok(old.len())
}

/// The files a conversation has, with the content type each must be sent as.
const FILES: [(&str, &str); 2] = [
    ("audio.wav", "audio/wav"),
    ("record.json", "application/json"),
];

/// A conversation's id: 8 to 80 letters, digits and dashes, not starting with a dash (the
/// page's are `conversation-2026-12-07-05-50-20`): never a path of its own.
pub fn valid_id(id: &str) -> bool {
    (8..=80).contains(&id.len())
        && !id.starts_with('-')
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `id`, if it is a conversation's id, or the refusal that says what one is (400).
pub fn checked(id: &str) -> Result<&str, Refusal> {
    if valid_id(id) {
        return Ok(id);
    }
    Err(refuse(
        StatusCode::BAD_REQUEST,
        "A conversation's id is 8 to 80 letters, digits and dashes.",
    ))
}

/// Where conversation `id`'s `file` is kept and the type it is sent as, or why not (400 for
/// the id, 404 for another file).
pub fn file_of(id: &str, file: &str) -> Result<(StorePath, &'static str), Refusal> {
    let id = checked(id)?;
    let Some(&(_, kind)) = FILES.iter().find(|(name, _)| *name == file) else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            format!("A conversation has audio.wav and record.json, not \"{file}\"."),
        ));
    };
    Ok((StorePath::from_iter([id, file]), kind))
}

pub async fn put(
    State(app): State<Arc<App>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let who = crate::mint::who(&app, &headers);
    match keep(&app, &headers, &who, &id, &file, body).await {
        Ok(bytes) => {
            tracing::info!(%client, who, id, file, bytes, "archived");
            (
                StatusCode::OK,
                Json(json!({"id": id, "file": file, "bytes": bytes})),
            )
                .into_response()
        }
        Err(refusal) => {
            tracing::warn!(%client, who, id, file, status = refusal.status.as_u16(), reason = %refusal.reason, "archive refused");
            refusal.into_response()
        }
    }
}

pub fn refuse(status: StatusCode, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
        retry_after: None,
    }
}

async fn keep(
    app: &App,
    headers: &HeaderMap,
    who: &str,
    id: &str,
    file: &str,
    body: Body,
) -> Result<u64, Refusal> {
    let Some(archive) = &app.archive else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "This server keeps no conversations (neither ARCHIVE_DIR nor ARCHIVE_URL is set).",
        ));
    };
    admit(app, headers, "keep conversations")?;
    let (path, wanted) = file_of(id, file)?;
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sent.split(';').next().map(str::trim) != Some(wanted) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("{file} is sent as {wanted}, not \"{sent}\"."),
        ));
    }
    let limit = if file == "audio.wav" {
        archive.max_audio_bytes
    } else {
        MAX_RECORD_BYTES
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(file, limit));
    }
    if file == "record.json" {
        let text = read_small(body, limit).await?;
        let review = std::str::from_utf8(&text)
            .map_err(|e| e.to_string())
            .and_then(|t| Review::parse(t).map_err(|e| e.to_string()))
            .map_err(|why| {
                refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("record.json is not a conversation's record: {why}"),
                )
            })?;
        let bytes = text.len() as u64;
        archive
            .store
            .put(&path, text.into())
            .await
            .map_err(store_failed)?;
        // Beside it, what the listing shows (who sent it is known only here).
        let summary = summarize(id, who, std::time::SystemTime::now(), &review.record);
        catalog::keep(archive.store.as_ref(), &summary)
            .await
            .map_err(store_failed)?;
        return Ok(bytes);
    }
    stream_wav(archive, &path, body, limit).await
}

fn too_large(file: &str, limit: u64) -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("{file} is larger than this server keeps ({limit} bytes at most)."),
    )
}

pub fn store_failed(e: object_store::Error) -> Refusal {
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("The archive could not keep it: {e}"),
    )
}

async fn read_small(body: Body, limit: u64) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))?;
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(too_large("record.json", limit));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A WAV, streamed to the store as it arrives: its first 12 bytes must say RIFF/WAVE, and it
/// may not pass `limit`; a refusal or a broken upload aborts, and nothing is kept.
async fn stream_wav(
    archive: &Archive,
    path: &StorePath,
    body: Body,
    limit: u64,
) -> Result<u64, Refusal> {
    let upload = archive
        .store
        .put_multipart(path)
        .await
        .map_err(store_failed)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
    let mut stream = body.into_data_stream();
    let mut head = Vec::with_capacity(12);
    let mut total = 0u64;
    let result = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| refuse(StatusCode::BAD_REQUEST, e.to_string()))?;
            total += chunk.len() as u64;
            if total > limit {
                return Err(too_large("audio.wav", limit));
            }
            if head.len() < 12 {
                let take = (12 - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if head.len() == 12 && !is_wav(&head) {
                    return Err(not_wav());
                }
            }
            writer
                .wait_for_capacity(IN_FLIGHT)
                .await
                .map_err(store_failed)?;
            writer.write(&chunk);
        }
        if head.len() < 12 {
            return Err(not_wav());
        }
        Ok(total)
    }
    .await;
    match result {
        Ok(total) => {
            writer.finish().await.map_err(store_failed)?;
            Ok(total)
        }
        Err(refusal) => {
            // The parts on their way land first: one that arrives after the abort stays
            // (S3 says so of its own parts; s3s-fs showed it), kept and billed.
            let _ = writer.wait_for_capacity(0).await;
            let _ = writer.abort().await;
            Err(refusal)
        }
    }
}

fn is_wav(head: &[u8]) -> bool {
    head.starts_with(b"RIFF") && &head[8..12] == b"WAVE"
}

fn not_wav() -> Refusal {
    refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "audio.wav is not a WAV file (it must start with RIFF....WAVE).",
    )
}

/// `DELETE /api/archive/{id}`: a reviewer removes a kept conversation (both its files), in
/// the log with who did it.
pub async fn delete(
    State(app): State<Arc<App>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let who = crate::mint::who(&app, &headers);
    match remove(&app, &headers, &who, &id).await {
        Ok(files) => {
            tracing::info!(%client, who, id, files, "deleted");
            Json(json!({"id": id, "deleted": files})).into_response()
        }
        Err(refusal) => {
            tracing::warn!(%client, who, id, status = refusal.status.as_u16(), reason = %refusal.reason, "delete refused");
            refusal.into_response()
        }
    }
}

/// The archive, for `who` if they are one of the server's reviewers (after the same origin
/// and passcode checks as minting), or why not.
pub fn reviewer<'a>(app: &'a App, headers: &HeaderMap, who: &str) -> Result<&'a Archive, Refusal> {
    let Some(archive) = &app.archive else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "This server keeps no conversations (neither ARCHIVE_DIR nor ARCHIVE_URL is set).",
        ));
    };
    admit(app, headers, "review conversations")?;
    if app.config.reviewers.is_empty() {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "This server names no reviewers (REVIEWERS is not set).",
        ));
    }
    if !app.config.reviewers.iter().any(|r| r == who) {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            format!("{who} is not one of this server's reviewers."),
        ));
    }
    Ok(archive)
}

async fn remove(app: &App, headers: &HeaderMap, who: &str, id: &str) -> Result<usize, Refusal> {
    let archive = reviewer(app, headers, who)?;
    let prefix = StorePath::from(checked(id)?);
    let kept: Vec<StorePath> = archive
        .store
        .list(Some(&prefix))
        .filter_map(|meta| async move { meta.ok().map(|m| m.location) })
        .collect()
        .await;
    if kept.is_empty() {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            format!("No conversation {id} is kept here."),
        ));
    }
    for path in &kept {
        archive.store.delete(path).await.map_err(store_failed)?;
    }
    Ok(kept.len())
}
