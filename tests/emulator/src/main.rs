//! `cargo run -p live-emulator -- --port 9000 [--key K] [--quiet] [--goaway-after-ms N]`:
//! serves the Live API stand-in until interrupted, printing the URL to paste into the page.
//! `--goaway-after-ms` ends every connection with `goAway` that long after it is ready.

use live_emulator::{route_url, start, Config};

#[tokio::main]
async fn main() {
    let mut config = Config {
        verbose: true,
        ..Config::default()
    };
    let mut port = 9000u16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => port = args.next().and_then(|p| p.parse().ok()).unwrap_or(port),
            "--key" => config.key = args.next(),
            "--quiet" => config.verbose = false,
            "--goaway-after-ms" => {
                let ms = args.next().and_then(|ms| ms.parse().ok());
                config.goaway_after = ms.map(std::time::Duration::from_millis);
            }
            "--help" | "-h" => {
                println!("usage: live-emulator [--port N (0 = any free)] [--key KEY] [--quiet] [--goaway-after-ms N]");
                return;
            }
            other => {
                eprintln!("unknown argument {other:?}; try --help");
                std::process::exit(2);
            }
        }
    }
    match start(config, port).await {
        Ok(addr) => {
            // The first line is read by the test scripts; keep its shape.
            println!("listening {}", route_url(addr));
            tokio::signal::ctrl_c().await.ok();
        }
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    }
}
