//! `mock-provider`: the mock Google OAuth provider as a standalone server.

use clap::Parser;
use std::time::Duration;

/// Serve the mock Google OAuth 2.0 provider on loopback.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Seed for tokens and every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Accounts to seed (each gets an offline grant).
    #[arg(long = "account")]
    accounts: Vec<String>,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3599)]
    access_token_ttl: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut builder = mock_provider::MockProvider::builder()
        .seed(args.seed)
        .access_token_ttl(Duration::from_secs(args.access_token_ttl));
    for account in &args.accounts {
        builder = builder.account(account);
    }
    let provider = builder.start().await;
    // Printed so a wrapping script can read the port; no secret is printed.
    println!("{}", provider.uri());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
