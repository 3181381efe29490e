//! The page's files, with the headers a deployment needs.

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// The page's Content-Security-Policy, as its build wrote it in `index.html`'s `<meta>`, plus
/// what only a header can say: no framing by other sites.
fn policy(dist: &Path) -> Result<String, String> {
    let page = std::fs::read_to_string(dist.join("index.html")).map_err(|e| {
        format!(
            "{} has no index.html ({e}): build the page first",
            dist.display()
        )
    })?;
    let tag = "http-equiv=\"Content-Security-Policy\" content=\"";
    let from = page
        .find(tag)
        .ok_or("index.html carries no Content-Security-Policy")?
        + tag.len();
    let to = page[from..]
        .find('"')
        .ok_or("index.html's policy is not closed")?
        + from;
    Ok(format!(
        "{}; frame-ancestors 'none'",
        page[from..to].trim_end_matches(';')
    ))
}

/// Whether `path` names a file whose name carries its content's hash (trunk's `-<16 hex>`).
fn hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let (_, hash) = stem.rsplit_once('-').unwrap_or_default();
    hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The static files service: `dist` as the site, precompressed variants when present.
pub fn service(
    dist: &Path,
) -> Result<
    impl tower::Service<
            Request<Body>,
            Response = Response<Body>,
            Error = std::convert::Infallible,
            Future = impl Send,
        > + Clone
        + Send
        + 'static,
    String,
> {
    let policy = HeaderValue::from_str(&policy(dist)?).map_err(|e| e.to_string())?;
    let files = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true);
    Ok(tower::service_fn(move |request: Request<Body>| {
        let (files, policy) = (files.clone(), policy.clone());
        async move {
            let long = hashed(request.uri().path());
            let mut response = files
                .oneshot(request)
                .await
                .unwrap_or_else(|e| match e {})
                .map(Body::new);
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if long {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                }),
            );
            Ok(response)
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::hashed;

    #[test]
    fn hashed_names_are_trunks() {
        assert!(hashed("/gemini-live-voice-4bff8ebe164c9d16_bg.wasm"));
        assert!(hashed("/style-63e8ee65d204f153.css"));
        assert!(hashed("/gemini-live-voice-f80db0f33694d09b.js"));
        assert!(!hashed("/index.html"));
        assert!(!hashed("/recording-worker.js"));
        assert!(!hashed("/standin.wasm"));
    }
}
