//! `reference-broker`: the reference token broker as a process speaking the
//! oauth-chaos JSON-RPC protocol on stdin/stdout (docs/PROTOCOL.md), levels
//! 1 to 4: tokens and status, authorization (when `initialize` gives
//! `auth_url` and `redirect_url`), and mail through the reference sync
//! engine and outbox (when it gives `gmail_base`), the mailbox kept in the
//! token store's database.
//! Logs go to stderr; the level comes from `OAUTH_CHAOS_LOG` (or
//! `RUST_LOG`), default `info`. Secrets are redacted by their types.

use std::process::ExitCode;
use tokio::io::BufReader;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = std::env::var("OAUTH_CHAOS_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let served =
        reference_impl::protocol::serve(BufReader::new(tokio::io::stdin()), tokio::io::stdout())
            .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "cannot write to stdout");
            ExitCode::FAILURE
        }
    }
}
