//! `reference-broker refresh-due --store SPEC [--within 10m]`: the cron
//! fallback. One pass that refreshes every stored account with less than
//! `--within` left through the broker's own refresh path, prints one health
//! line per account on stdout and exits with one of [`exit_codes`].

use clap::{Parser, Subcommand};
use reference_impl::{
    BrokerConfig, KEYRING_ENV, Keyring, ReqwestTransport, StoreSpec, SystemClock, refresh_due,
};
use std::sync::Arc;
use std::time::Duration;

/// `refresh-due` exit codes.
pub(crate) mod exit_codes {
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
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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

pub(crate) async fn run_refresh_due(
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
