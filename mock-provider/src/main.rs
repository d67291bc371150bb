//! `mock-provider`: the mock Google OAuth provider as a standalone server.
//!
//! Prints the bound URI on stdout (one line), logs to stderr through
//! `tracing` (journal lines carry fingerprints, never token values), and
//! serves until interrupted.

use anyhow::Context;
use clap::Parser;
use mock_provider::standalone::ProviderConfig;
use std::io::Write;
use std::path::PathBuf;

/// Serve the mock Google OAuth 2.0 provider and Gmail API on loopback.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (the URI is printed on stdout).
    #[arg(long)]
    port: Option<u16>,
    /// A provider.toml (clients, accounts, mailbox size, TTLs, seed).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Seed for tokens and every random choice (overrides the config).
    #[arg(long)]
    seed: Option<u64>,
    /// Accounts to seed, added to the config's (each gets an offline grant).
    #[arg(long = "account")]
    accounts: Vec<String>,
    /// Access-token lifetime in seconds (overrides the config).
    #[arg(long)]
    access_token_ttl: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = match &args.config {
        Some(path) => ProviderConfig::load(path)?,
        None => ProviderConfig::default(),
    };
    config.seed = args.seed.unwrap_or(config.seed);
    config.accounts.extend(args.accounts.iter().cloned());
    config.access_token_ttl_secs = args.access_token_ttl.or(config.access_token_ttl_secs);
    let port = args.port.unwrap_or(config.port);
    let provider = config
        .builder()?
        .start_on_port(port)
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}"))?;
    // Printed so a wrapping script can read the port; no secret is printed.
    println!("{}", provider.uri());
    std::io::stdout().flush()?;
    tracing::info!(uri = %provider.uri(), accounts = provider.accounts().len(), "mock-provider listening");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
