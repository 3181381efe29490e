//! A small server a team deploys: it serves the page's release build with the right headers
//! and mints constrained ephemeral tokens (`POST /api/token`), so a person opens the URL and
//! talks, and nobody holds the API key but the server.
//!
//! - `GET /healthz` (the process runs), `GET /readyz` (the page's files are there);
//! - `POST /api/token` ([`mint`]): who may mint, rate limits, one `auth_tokens` call;
//! - everything else: the page's files ([`statics`]), with the Content-Security-Policy as a
//!   header (with `frame-ancestors`, which a `<meta>` cannot carry), `no-cache` for
//!   `index.html`, a year for the hashed files, gzip/brotli where the build has them.
//!
//! Stateless: run more replicas behind any load balancer (each has its own rate limits).

pub mod config;
mod limits;
pub mod mint;
mod statics;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
pub use config::Config;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

/// What every request shares.
pub struct App {
    pub config: Config,
    http: reqwest::Client,
    limits: limits::Limits,
}

/// The routes and layers for `config`, or why they cannot be made.
pub fn router(config: Config) -> Result<Router, String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| format!("the HTTP client could not be made: {e}"))?;
    let limits = limits::Limits::new(config.per_client_per_minute, config.overall_per_minute);
    let statics = statics::service(&config.dist)?;
    let dist = config.dist.clone();
    let app = Arc::new(App {
        config,
        http,
        limits,
    });
    Ok(Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/readyz",
            get(move || {
                let ready = dist.join("index.html").is_file();
                async move {
                    if ready {
                        (StatusCode::OK, "ready")
                    } else {
                        (
                            StatusCode::SERVICE_UNAVAILABLE,
                            "the page's files are missing",
                        )
                    }
                }
            }),
        )
        .route("/api/token", post(mint::token))
        .with_state(app)
        .fallback_service(statics)
        // No request needs a body of more than a few bytes; a slow one is cut off.
        .layer(RequestBodyLimitLayer::new(4 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(20),
        )))
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight end.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    // No Nagle delay: a response's head and body go out at once (a file's body is a second
    // write, which otherwise waited ~40 ms for the client's delayed ACK).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
