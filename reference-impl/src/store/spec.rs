use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::{
    BucketLocation, BucketStore, FileStore, LocalFirstStore, MemoryStore, PostgresStore,
    SqliteStore, StoreError, TokenStore,
};
use crate::crypto::Keyring;

/// Which store to open, as written on a command line or in a scenario:
/// `memory`, `file:DIR`, `sqlite:PATH`, a `postgres://` / `postgresql://` URL,
/// `bucket:LOCATION` (see [`BucketLocation`]: `bucket:memory`,
/// `bucket:file:DIR`, `bucket:s3://BUCKET/PREFIX?endpoint=URL`), or
/// `local-first:LOCAL|bucket:LOCATION` (a local store in front of a bucket,
/// [`LocalFirstStore`]; quote the `|` in a shell).
///
/// `Debug` and `Display` hide PostgreSQL URLs, which may carry a password.
/// Bucket specs carry no credentials (they come from the environment).
///
/// ```
/// use reference_impl::{Keyring, StoreSpec, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir()?;
/// let spec: StoreSpec = format!("sqlite:{}", dir.path().join("tokens.db").display()).parse()?;
/// let store = spec.open(Keyring::generate("k1")).await?;
/// assert!(store.load("alice").await?.is_none());
/// assert!("postgres://broker:hunter2@db/tokens".parse::<StoreSpec>()?.to_string().contains("redacted"));
/// // Both schemes libpq knows.
/// assert!(matches!("postgresql://db/tokens".parse::<StoreSpec>()?, StoreSpec::Postgres(_)));
/// assert!("mysql://db/x".parse::<StoreSpec>().unwrap_err().to_string().contains("`mysql`"));
///
/// let synced: StoreSpec = format!("local-first:file:{0}/local|bucket:file:{0}/bucket", dir.path().display()).parse()?;
/// assert!(synced.open(Keyring::generate("k1")).await?.load("alice").await?.is_none());
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreSpec {
    /// [`MemoryStore`]: nothing survives the process.
    Memory,
    /// [`FileStore`] in this directory.
    File(PathBuf),
    /// [`SqliteStore`] in this database file.
    Sqlite(PathBuf),
    /// [`PostgresStore`] at this URL.
    Postgres(String),
    /// [`BucketStore`] in this bucket.
    Bucket(BucketLocation),
    /// [`LocalFirstStore`]: `local` in front of the bucket.
    LocalFirst {
        /// The store served from (any spec but another local-first one).
        local: Box<StoreSpec>,
        /// The bucket synced through.
        bucket: BucketLocation,
    },
}

/// A store spec that is none of the known forms.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown store `{kind}`; use `memory`, `file:DIR`, `sqlite:PATH`, a `postgres://` (or `postgresql://`) URL, `bucket:LOCATION` or `local-first:LOCAL|bucket:LOCATION`"
)]
pub struct StoreSpecError {
    /// The text before the first `:` (the rest may hold a password, so it is dropped).
    pub kind: String,
}

impl FromStr for StoreSpec {
    type Err = StoreSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        let unknown = || StoreSpecError {
            kind: kind.to_owned(),
        };
        match kind {
            "memory" if rest.is_empty() => Ok(Self::Memory),
            "file" if !rest.is_empty() => Ok(Self::File(rest.into())),
            "sqlite" if !rest.is_empty() => Ok(Self::Sqlite(rest.into())),
            "postgres" | "postgresql" if rest.starts_with("//") => {
                Ok(Self::Postgres(spec.to_owned()))
            }
            "bucket" => BucketLocation::parse(rest)
                .map(Self::Bucket)
                .map_err(|error| {
                    tracing::warn!(%error, "bad bucket spec");
                    unknown()
                }),
            "local-first" => {
                let (local, bucket) = rest.rsplit_once('|').ok_or_else(unknown)?;
                let local: StoreSpec = local.parse()?;
                if matches!(local, Self::LocalFirst { .. }) {
                    return Err(unknown());
                }
                let Self::Bucket(bucket) = bucket.parse()? else {
                    return Err(unknown());
                };
                Ok(Self::LocalFirst {
                    local: Box::new(local),
                    bucket,
                })
            }
            _ => Err(unknown()),
        }
    }
}

impl StoreSpec {
    /// Opens the store; `keyring` seals records (the memory store ignores it).
    pub async fn open(&self, keyring: Keyring) -> Result<Arc<dyn TokenStore>, StoreError> {
        Ok(match self {
            Self::Memory => Arc::new(MemoryStore::new()),
            Self::File(dir) => Arc::new(FileStore::open(dir, keyring)?),
            Self::Sqlite(path) => Arc::new(SqliteStore::open(path, keyring).await?),
            Self::Postgres(url) => Arc::new(PostgresStore::connect(url, keyring).await?),
            Self::Bucket(location) => Arc::new(open_bucket(location, keyring)?),
            Self::LocalFirst { local, bucket } => {
                let local = Box::pin(local.open(keyring.clone())).await?;
                Arc::new(LocalFirstStore::new(
                    local,
                    Arc::new(open_bucket(bucket, keyring)?),
                ))
            }
        })
    }
}

fn open_bucket(location: &BucketLocation, keyring: Keyring) -> Result<BucketStore, StoreError> {
    let dates = super::ServerDates::default();
    let (objects, prefix) = location.open_dated(None, &dates)?;
    let store = BucketStore::new(objects, &prefix, keyring).with_server_dates(dates);
    Ok(match std::env::var(BUCKET_SOURCE_ENV) {
        Ok(source) if !source.is_empty() => store.with_source(source),
        _ => store,
    })
}

/// The environment variable naming this component in bucket metadata
/// (`source`); the process id by default.
pub const BUCKET_SOURCE_ENV: &str = "OAUTH_CHAOS_BUCKET_SOURCE";

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.write_str("memory"),
            Self::File(dir) => write!(f, "file:{}", dir.display()),
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(_) => f.write_str("postgres://[redacted]"),
            Self::Bucket(location) => write!(f, "bucket:{location}"),
            Self::LocalFirst { local, bucket } => write!(f, "local-first:{local}|bucket:{bucket}"),
        }
    }
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({self})")
    }
}
