//! `sync-worker`: syncs one Gmail account into SQLite or PostgreSQL and exits.
//!
//! Used by the crash (kill -9) and two-worker tests, and handy for trying the engine
//! against a real account. The access token comes from `SYNC_WORKER_ACCESS_TOKEN` (never
//! the command line, which other users can read).
//!
//! ```text
//! sync-worker --gmail-base URL --account NAME (--sqlite PATH | --postgres CONNINFO)
//!             [--worker-id ID] [--until-synced] [--lease-ttl-secs N]
//! ```
//!
//! Exit codes: 0 synced, 1 sync failed, 2 bad usage, 3 lease held by another worker,
//! 4 needs re-authorization.

#[path = "shared/time_shim.rs"]
mod time_shim;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reference_impl::{
    AccessToken, MailboxStore, PostgresMailbox, ReqwestTransport, SqliteMailbox, SyncConfig,
    SyncEngine, SyncError, SystemClock, TokenSource, TokenSourceError,
};

const EXIT_FAILED: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_LEASE_HELD: u8 = 3;
const EXIT_NEEDS_REAUTH: u8 = 4;

#[derive(Debug)]
struct EnvToken(AccessToken);

#[async_trait]
impl TokenSource for EnvToken {
    async fn access_token(&self, _account: &str) -> Result<AccessToken, TokenSourceError> {
        Ok(self.0.clone())
    }

    async fn token_rejected(
        &self,
        account: &str,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError> {
        // A static token cannot be refreshed: treat rejection as lost consent.
        Err(TokenSourceError::NeedsReauth {
            account: account.to_owned(),
        })
    }
}

#[derive(Debug, Default)]
struct Args {
    gmail_base: Option<String>,
    account: Option<String>,
    sqlite: Option<String>,
    postgres: Option<String>,
    worker_id: Option<String>,
    until_synced: bool,
    lease_ttl_secs: Option<u64>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args::default();
    let mut input = std::env::args().skip(1);
    while let Some(flag) = input.next() {
        let mut value = || input.next().ok_or(format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--gmail-base" => args.gmail_base = Some(value()?),
            "--account" => args.account = Some(value()?),
            "--sqlite" => args.sqlite = Some(value()?),
            "--postgres" => args.postgres = Some(value()?),
            "--worker-id" => args.worker_id = Some(value()?),
            "--until-synced" => args.until_synced = true,
            "--lease-ttl-secs" => {
                let text = value()?;
                let secs = text
                    .parse()
                    .map_err(|_| format!("`--lease-ttl-secs` takes whole seconds, not `{text}`"))?;
                args.lease_ttl_secs = Some(secs);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    time_shim::follow_preloaded_faketime();
    match run().await {
        Ok(code) => ExitCode::from(code),
        Err(message) => {
            eprintln!("sync-worker: {message}");
            ExitCode::from(EXIT_USAGE)
        }
    }
}

async fn run() -> Result<u8, String> {
    let args = parse_args()?;
    let gmail_base = args.gmail_base.ok_or("`--gmail-base` is required")?;
    let account = args.account.ok_or("`--account` is required")?;
    let token = std::env::var("SYNC_WORKER_ACCESS_TOKEN")
        .map_err(|_| "set SYNC_WORKER_ACCESS_TOKEN to an access token")?;
    let store: Arc<dyn MailboxStore> = match (args.sqlite, args.postgres) {
        (Some(path), None) => Arc::new(SqliteMailbox::open(path).map_err(|e| e.to_string())?),
        (None, Some(conninfo)) => Arc::new(
            PostgresMailbox::connect(&conninfo)
                .await
                .map_err(|e| e.to_string())?,
        ),
        _ => return Err("give exactly one of `--sqlite` and `--postgres`".into()),
    };
    let worker_id = args
        .worker_id
        .unwrap_or_else(|| format!("sync-worker-{}", std::process::id()));
    let engine = SyncEngine::new(
        SyncConfig::new(gmail_base, worker_id)
            .with_lease_ttl(Duration::from_secs(args.lease_ttl_secs.unwrap_or(30))),
        Arc::new(SystemClock),
        Arc::new(ReqwestTransport::new()),
        Arc::new(EnvToken(AccessToken::new(token))),
        store,
    )
    .map_err(|e| e.to_string())?;
    loop {
        match engine.sync(&account).await {
            Ok(report) => {
                println!(
                    "synced mode={:?} upserted={} deleted={} cursor={}",
                    report.mode, report.upserted, report.deleted, report.cursor
                );
                return Ok(0);
            }
            Err(SyncError::LeaseHeld { .. }) if args.until_synced => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(error) => {
                eprintln!("sync-worker: {error}");
                return Ok(match error {
                    SyncError::LeaseHeld { .. } => EXIT_LEASE_HELD,
                    SyncError::NeedsReauth { .. } => EXIT_NEEDS_REAUTH,
                    _ => EXIT_FAILED,
                });
            }
        }
    }
}
