//! `reference-broker`: the reference token broker as a process.
//!
//! - With no arguments it speaks the oauth-chaos JSON-RPC protocol on
//!   stdin/stdout (docs/PROTOCOL.md), levels 1 to 4: tokens and status,
//!   authorization (when `initialize` gives `auth_url` and `redirect_url`),
//!   and mail through the reference sync engine and outbox (when it gives
//!   `gmail_base`), the mailbox kept in the token store's database.
//! - `reference-broker refresh-due --store SPEC [--within 10m]` is the cron
//!   fallback: one pass that refreshes every stored account with less than
//!   `--within` left through the broker's own refresh path, prints one health
//!   line per account on stdout and exits with one of the codes below.
//!
//! Logs go to stderr; the level comes from `OAUTH_CHAOS_LOG` (or
//! `RUST_LOG`), default `info`. Secrets are redacted by their types.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use reference_impl::{
    BrokerConfig, KEYRING_ENV, Keyring, ReqwestTransport, StoreSpec, SystemClock, refresh_due,
};
use tokio::io::BufReader;
use tracing_subscriber::EnvFilter;

/// `refresh-due` exit codes.
mod exit_codes {
    /// Every account has a fresh token.
    pub const ALL_FRESH: u8 = 0;
    /// The command could not start: a bad option, URL or keyring.
    pub const SETUP_FAILED: u8 = 1;
    /// At least one account could not be refreshed (the provider refused or
    /// failed); the store answered.
    pub const REFRESH_FAILED: u8 = 3;
    /// The store could not be opened, listed, read or written.
    pub const STORE_FAILED: u8 = 4;
}

/// The environment variable holding the OAuth client secret for `refresh-due`.
const CLIENT_SECRET_ENV: &str = "OAUTH_CHAOS_CLIENT_SECRET";

#[derive(Debug, Parser)]
#[command(name = "reference-broker", about = "The reference OAuth token broker")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Refresh every stored account with less than `--within` left, once, and
    /// print a health line per account (exit 0 all fresh, 3 refresh failures,
    /// 4 store failures, 1 bad setup). The client secret comes from
    /// `OAUTH_CHAOS_CLIENT_SECRET`, the keyring from `OAUTH_CHAOS_STORE_KEYS`.
    RefreshDue {
        /// The token store (`sqlite:PATH`, `bucket:s3://…`, `local-first:…|bucket:…`).
        #[arg(long)]
        store: String,
        /// Refresh tokens with less than this left.
        #[arg(long, default_value = "10m", value_parser = humantime::parse_duration)]
        within: Duration,
        /// The provider's token endpoint.
        #[arg(long, default_value = "https://oauth2.googleapis.com/token")]
        token_url: String,
        /// The OAuth client id.
        #[arg(long)]
        client_id: String,
    },
}

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
    match Cli::parse().command {
        None => serve().await,
        Some(Command::RefreshDue {
            store,
            within,
            token_url,
            client_id,
        }) => ExitCode::from(run_refresh_due(&store, within, token_url, client_id).await),
    }
}

async fn serve() -> ExitCode {
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

async fn run_refresh_due(
    store: &str,
    within: Duration,
    token_url: String,
    client_id: String,
) -> u8 {
    let Ok(spec) = store.parse::<StoreSpec>() else {
        eprintln!(
            "refresh-due: `--store` is not a store spec (see `reference-broker refresh-due --help`)"
        );
        return exit_codes::SETUP_FAILED;
    };
    let keyring = match Keyring::from_default_env() {
        Ok(keyring) => keyring,
        Err(_) if spec == StoreSpec::Memory => Keyring::generate("unused"),
        Err(error) => {
            eprintln!("refresh-due: {error}; set `{KEYRING_ENV}`");
            return exit_codes::SETUP_FAILED;
        }
    };
    let secret = std::env::var(CLIENT_SECRET_ENV).unwrap_or_default();
    let store = match spec.open(keyring).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("refresh-due: cannot open the store `{spec}`: {error}");
            return exit_codes::STORE_FAILED;
        }
    };
    let config = BrokerConfig::new(token_url, client_id, secret);
    let report = match refresh_due(
        config,
        store,
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::new()),
        within,
    )
    .await
    {
        Ok(report) => report,
        Err(error) => {
            eprintln!("refresh-due: {error}");
            return exit_codes::SETUP_FAILED;
        }
    };
    for account in &report.accounts {
        println!("{account}");
    }
    if let Some(error) = &report.store_error {
        eprintln!("refresh-due: cannot list the store's accounts: {error}");
    }
    if report.store_failed() {
        exit_codes::STORE_FAILED
    } else if report.all_fresh() {
        exit_codes::ALL_FRESH
    } else {
        exit_codes::REFRESH_FAILED
    }
}
