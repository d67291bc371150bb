//! `reference-store-rotate`: re-seal every stored grant under the keyring's primary key.
//!
//! ```text
//! OAUTH_CHAOS_STORE_KEYS="new:<base64>,old:<base64>" reference-store-rotate sqlite:/var/lib/broker/tokens.db
//! reference-store-rotate --keyring-file /etc/broker/keys postgres://broker@db/tokens
//! ```
//!
//! Put the new key first in the keyring and keep the old ones listed; once this
//! succeeds, the old keys can be removed. Brokers may keep running meanwhile.

#[path = "shared/time_shim.rs"]
mod time_shim;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use reference_impl::{KEYRING_ENV, Keyring, StoreSpec, rotate_keys};

/// Exit code when the store argument is not a known kind of store.
const EXIT_USAGE: u8 = 64;
/// Exit code when the keyring cannot be loaded.
const EXIT_KEYRING: u8 = 2;
/// Exit code when the store cannot be opened or a record cannot be re-sealed.
const EXIT_STORE: u8 = 3;

/// Re-seal every stored grant under the keyring's primary (first) key.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The store: `file:DIR`, `sqlite:PATH` or a `postgres://` URL.
    // Parsed after clap, whose error would echo the whole value (and a URL's password).
    store: String,
    /// Read the keyring from this file instead of the environment variable
    /// OAUTH_CHAOS_STORE_KEYS (format: `kid:base64key` entries, primary first).
    #[arg(long)]
    keyring_file: Option<PathBuf>,
}

fn main() -> ExitCode {
    time_shim::follow_preloaded_faketime();
    let args = Args::parse();
    let spec: StoreSpec = match args.store.parse() {
        Ok(store) => store,
        Err(error) => return fail(EXIT_USAGE, &error),
    };
    let keyring = match &args.keyring_file {
        Some(path) => Keyring::from_file(path),
        None => Keyring::from_env(KEYRING_ENV),
    };
    let keyring = match keyring {
        Ok(keyring) => keyring,
        Err(error) => return fail(EXIT_KEYRING, &error),
    };
    let primary = keyring.primary_kid().to_owned();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(EXIT_STORE, &error),
    };
    runtime.block_on(async {
        let store = match spec.open(keyring).await {
            Ok(store) => store,
            Err(error) => return fail(EXIT_STORE, &error),
        };
        match rotate_keys(&*store).await {
            Ok(report) => {
                println!(
                    "re-sealed {} record(s) under key `{primary}` in {}; {} already current",
                    report.resealed.len(),
                    spec,
                    report.unchanged.len()
                );
                ExitCode::SUCCESS
            }
            Err(error) => fail(EXIT_STORE, &error),
        }
    })
}

fn fail(code: u8, error: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    ExitCode::from(code)
}
