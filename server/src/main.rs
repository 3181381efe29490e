//! `live-token-server`: serves the page and mints ephemeral tokens. Configured by the
//! environment (see `Config`); `LISTEN` is the address (default 127.0.0.1:8787).

use live_token_server::{router, serve, Config};

#[tokio::main]
async fn main() {
    // Colours only on a terminal (a container's log collector gets plain lines).
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let config = match Config::from_vars(|name| std::env::var(name).ok()) {
        Ok(config) => config,
        Err(why) => {
            eprintln!("live-token-server: {why}");
            std::process::exit(2);
        }
    };
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "127.0.0.1:8787".into());
    tracing::info!(?config, %listen, "starting");
    let header_timeout = std::time::Duration::from_millis(config.header_timeout_ms);
    let app = match router(config) {
        Ok(app) => app,
        Err(why) => {
            eprintln!("live-token-server: {why}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("live-token-server: cannot listen on {listen}: {e}");
            std::process::exit(2);
        }
    };
    // Ctrl-C, or SIGTERM (how a container is stopped).
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::info!("shutting down: requests in flight finish");
    };
    if let Err(e) = serve(listener, app, header_timeout, shutdown).await {
        eprintln!("live-token-server: {e}");
        std::process::exit(1);
    }
}
