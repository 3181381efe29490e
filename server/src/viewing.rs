//! `GET /api/archive/{id}/{file}`: a reviewer reads a kept conversation's recording or
//! record, the recording in byte ranges (`Range: bytes=...`, parsed by the
//! `http-range-header` crate tower-http uses), so a player seeks in an hour's file without
//! downloading it whole; the store streams the range as it reads it. Every view is a log line
//! with who, what and which bytes.

use crate::archive::{file_of, refuse, reviewer, store_failed};
use crate::mint::Refusal;
use crate::App;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use object_store::{GetOptions, GetRange, ObjectStore};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::Arc;

pub async fn read(
    State(app): State<Arc<App>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let who = crate::mint::who(&app, &headers);
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    match view(&app, &headers, &who, &id, &file, range).await {
        Ok((response, bytes)) => {
            tracing::info!(%client, who, id, file, range, bytes, "viewed");
            response
        }
        Err(refusal) => {
            tracing::warn!(%client, who, id, file, range, status = refusal.status.as_u16(), reason = %refusal.reason, "view refused");
            refusal.into_response()
        }
    }
}

/// The answer (the whole file, or the one range asked for) and how many bytes it carries.
async fn view(
    app: &App,
    headers: &HeaderMap,
    who: &str,
    id: &str,
    file: &str,
    range: Option<&str>,
) -> Result<(Response, u64), Refusal> {
    let archive = reviewer(app, headers, who)?;
    let (path, kind) = file_of(id, file)?;
    let size = match archive.store.head(&path).await {
        Ok(meta) => meta.size,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(refuse(
                StatusCode::NOT_FOUND,
                format!("No {file} of conversation {id} is kept here."),
            ))
        }
        Err(e) => return Err(store_failed(e)),
    };
    let asked = range.map(|r| one_range(r, size)).transpose()?;
    let options = GetOptions {
        range: asked
            .clone()
            .map(|r| GetRange::Bounded(*r.start()..*r.end() + 1)),
        ..GetOptions::default()
    };
    let got = (archive.store.get_opts(&path, options).await).map_err(store_failed)?;
    let body = Body::from_stream(got.into_stream());
    let mut response = (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::ACCEPT_RANGES, "bytes".to_owned()),
        ],
        body,
    )
        .into_response();
    let bytes = match asked {
        Some(r) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let value = format!("bytes {}-{}/{size}", r.start(), r.end());
            if let Ok(value) = value.parse() {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            r.end() - r.start() + 1
        }
        None => size,
    };
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, bytes.into());
    Ok((response, bytes))
}

/// The one byte range `value` asks for in a file of `size` bytes, or why it cannot be
/// served (416: several ranges, a range past the end, a malformed header).
fn one_range(value: &str, size: u64) -> Result<RangeInclusive<u64>, Refusal> {
    let unsatisfiable = |why: String| Refusal {
        status: StatusCode::RANGE_NOT_SATISFIABLE,
        reason: why,
        retry_after: None,
    };
    let ranges = http_range_header::parse_range_header(value)
        .and_then(|parsed| parsed.validate(size))
        .map_err(|e| unsatisfiable(format!("The range \"{value}\" cannot be served: {e:?}.")))?;
    match ranges.as_slice() {
        [one] if one.start() <= one.end() && *one.end() < size => Ok(one.clone()),
        [_] => Err(unsatisfiable(format!(
            "The range \"{value}\" is outside the file's {size} bytes."
        ))),
        _ => Err(unsatisfiable(format!(
            "One range at a time: \"{value}\" asks for {}.",
            ranges.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::one_range;

    #[test]
    fn one_range_is_served_and_anything_else_is_refused_in_words() {
        assert_eq!(one_range("bytes=0-99", 1_000).unwrap(), 0..=99);
        assert_eq!(one_range("bytes=900-", 1_000).unwrap(), 900..=999);
        assert_eq!(one_range("bytes=-100", 1_000).unwrap(), 900..=999);
        // A range running past the end is cut at it (RFC 9110).
        assert_eq!(one_range("bytes=990-2000", 1_000).unwrap(), 990..=999);
        for refused in ["bytes=1000-", "bytes=0-9, 20-29", "items=0-9", "bytes=9-0"] {
            let why = one_range(refused, 1_000).unwrap_err();
            assert_eq!(why.status.as_u16(), 416, "{refused}");
            assert!(why.reason.contains(refused), "{refused}: {}", why.reason);
        }
    }
}
