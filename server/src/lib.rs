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

pub mod archive;
pub mod catalog;
pub mod config;
mod limits;
pub mod mint;
mod statics;
mod viewing;

use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
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
    archive: Option<archive::Archive>,
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
    let archive = match archive_store(&config)? {
        None => None,
        Some(store) => {
            retain(Arc::clone(&store), config.retention_days);
            Some(archive::Archive {
                store,
                max_audio_bytes: config.archive_max_bytes,
                organisation: config.archive_organisation.clone(),
                days: config.retention_days,
            })
        }
    };
    let app = Arc::new(App {
        config,
        http,
        limits,
        archive,
    });
    // Uploads stream for as long as a long conversation's file takes, and count their own
    // bytes (`archive`); every other request is small and quick.
    let uploads = Router::new()
        .route(
            "/api/archive/{id}/{file}",
            put(archive::put).get(viewing::read),
        )
        .with_state(Arc::clone(&app))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(600),
        ));
    let rest = Router::new()
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
        .route("/api/archive", get(archive::terms))
        .route("/api/archive/{id}", delete(archive::delete))
        .route("/api/conversations", get(catalog::list))
        .with_state(app)
        .fallback_service(statics)
        // No request needs a body of more than a few bytes; a slow one is cut off.
        .layer(RequestBodyLimitLayer::new(4 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(20),
        ));
    Ok(uploads.merge(rest))
}

/// Where the archive keeps conversations: `ARCHIVE_DIR` (made if missing), `ARCHIVE_URL`
/// (an S3 or GCS bucket, under its prefix), or nowhere.
fn archive_store(config: &Config) -> Result<Option<Arc<dyn object_store::ObjectStore>>, String> {
    if let Some(dir) = &config.archive_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("ARCHIVE_DIR {} cannot be made: {e}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("ARCHIVE_DIR {} cannot be used: {e}", dir.display()))?;
        return Ok(Some(Arc::new(store)));
    }
    let Some(url) = &config.archive_url else {
        return Ok(None);
    };
    let parsed = url::Url::parse(url).map_err(|e| format!("ARCHIVE_URL {url}: {e}"))?;
    let options = config.archive_options.iter().cloned();
    let (store, prefix) = object_store::parse_url_opts(&parsed, options)
        .map_err(|e| format!("ARCHIVE_URL {url} cannot be used: {e}"))?;
    let store: Arc<dyn object_store::ObjectStore> = if prefix.as_ref().is_empty() {
        Arc::from(store)
    } else {
        Arc::new(object_store::prefix::PrefixStore::new(store, prefix))
    };
    Ok(Some(store))
}

/// Removes conversations older than `days` now and every hour after, on the runtime the
/// server runs on (none outside one: nothing to serve then).
fn retain(store: Arc<dyn object_store::ObjectStore>, days: u64) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3_600));
        loop {
            hourly.tick().await;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
            if let Err(why) = archive::sweep(store.as_ref(), now, days).await {
                tracing::warn!(%why, "the retention sweep failed; it runs again in an hour");
            }
        }
    });
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in flight end
/// (at most 10 s). A client that has not sent a request's headers within `header_timeout`
/// is disconnected, so slow clients cannot hold connections (each connection runs on its
/// own task: one never holds up another).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::server::graceful::GracefulShutdown;
    use tower::Service;
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: a moment, then accept again.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // No Nagle delay: a response's head and body go out at once (a file's body is a
        // second write, which otherwise waited ~40 ms for the client's delayed ACK).
        let _ = tcp.set_nodelay(true);
        let Ok(service) = make.call(client).await;
        let service = hyper_util::service::TowerToHyperService::new(service);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(tcp), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}
