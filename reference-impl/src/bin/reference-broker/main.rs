//! `reference-broker`: the reference token broker as a process.
//!
//! `reference-broker refresh-due --store SPEC [--within 10m]` is the cron
//! fallback (`refresh_due.rs`). With no arguments it speaks the oauth-chaos
//! JSON-RPC protocol on stdin/stdout (docs/PROTOCOL.md, the messages typed
//! by the `oauth-chaos-protocol` crate), levels 1 to 5:
//! tokens and status, authorization (when `initialize` gives `auth_url` and
//! `redirect_url`), mail through the reference sync engine and outbox (when
//! it gives `gmail_base`), the mailbox kept in the token store's database,
//! sign-in and service accounts.
//!
//! The protocol server lives here, in the binary, not in the library users
//! copy: `serve.rs` runs the loop (every request on its own task, so
//! answers may come out of order and concurrent `access_token` calls
//! exercise single flight); `session.rs` routes each method to its family:
//! `initialize.rs` (level 1), `tokens.rs` (`access_token`, `status`),
//! `authorization.rs` (level 3), `mail.rs` and `gmail_request.rs` (level 4),
//! `sign_in.rs` and `service_accounts.rs` (level 5); `errors.rs` builds the
//! error answers.
//!
//! Logs go to stderr; the level comes from `OAUTH_CHAOS_LOG` (or
//! `RUST_LOG`), default `info`. Secrets are redacted by their types.

mod authorization;
mod errors;
mod gmail_request;
mod initialize;
mod mail;
mod refresh_due;
mod serve;
mod service_accounts;
mod session;
mod sign_in;
#[cfg(test)]
mod tests;
mod tokens;

#[path = "../shared/time_shim.rs"]
mod time_shim;

use clap::Parser;
use refresh_due::{Cli, Command};
use std::process::ExitCode;
use tokio::io::BufReader;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    time_shim::follow_preloaded_faketime();
    let filter = std::env::var("OAUTH_CHAOS_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match Cli::parse().command {
        None => serve().await,
        Some(Command::RefreshDue {
            store,
            within,
            token_url,
            client_id,
        }) => {
            ExitCode::from(refresh_due::run_refresh_due(&store, within, token_url, client_id).await)
        }
    }
}

async fn serve() -> ExitCode {
    let served = serve::serve(BufReader::new(tokio::io::stdin()), tokio::io::stdout()).await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "cannot write to stdout");
            ExitCode::FAILURE
        }
    }
}
