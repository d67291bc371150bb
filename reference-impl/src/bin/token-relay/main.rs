//! `token-relay`: the reference token relay as a process, for consumer
//! workers that must never hold a long-lived credential.
//!
//! ```text
//! token-relay --config relay.toml
//! ```
//!
//! Consumers `POST /v1/token` with their own bearer credential and get a
//! short-lived access token down-scoped to their role (`reference_impl::RelayClient`
//! is the client, with typed, retryable errors); `GET /v1/health` shows each
//! role's numbers; `GET /metrics` serves them to Prometheus (token-generation
//! latency histogram, consecutive failures, the alerting gauge), on
//! `metrics_listen` when the file sets one. The first line of stdout is the
//! relay's URI (`http://127.0.0.1:PORT`), the second, with `metrics_listen`,
//! the metrics URL.
//!
//! `config.rs` reads the file (secrets come from the environment variables it
//! names, never the file or the command line); `serve.rs` builds the broker
//! and relay and serves until SIGTERM; `metrics.rs` is the Prometheus
//! exporter. Logs go to stderr (`RUST_LOG`, default `info`).
//!
//! Exit codes: 0 stopped by a signal, 2 a config or startup error.

mod config;
mod metrics;
mod serve;

#[path = "../shared/time_shim.rs"]
mod time_shim;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// The oauth-chaos reference token relay.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// The relay's `relay.toml`.
    #[arg(long)]
    config: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    time_shim::follow_preloaded_faketime();
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        // Colour only for a person at a terminal: escape codes in a captured
        // log would sit between a field's name and its value.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match serve::run(&cli.config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("token-relay: {message}");
            ExitCode::from(2)
        }
    }
}
