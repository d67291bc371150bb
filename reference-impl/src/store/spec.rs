use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::{FileStore, MemoryStore, PostgresStore, SqliteStore, StoreError, TokenStore};
use crate::crypto::Keyring;

/// Which store to open, as written on a command line or in a scenario:
/// `memory`, `file:DIR`, `sqlite:PATH`, or a `postgres://` / `postgresql://` URL.
///
/// `Debug` and `Display` hide PostgreSQL URLs, which may carry a password.
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
}

/// A store spec that is none of the known forms.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown store `{kind}`; use `memory`, `file:DIR`, `sqlite:PATH` or a `postgres://` (or `postgresql://`) URL"
)]
pub struct StoreSpecError {
    /// The text before the first `:` (the rest may hold a password, so it is dropped).
    pub kind: String,
}

impl FromStr for StoreSpec {
    type Err = StoreSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (kind, rest) = spec.split_once(':').unwrap_or((spec, ""));
        match kind {
            "memory" if rest.is_empty() => Ok(Self::Memory),
            "file" if !rest.is_empty() => Ok(Self::File(rest.into())),
            "sqlite" if !rest.is_empty() => Ok(Self::Sqlite(rest.into())),
            "postgres" | "postgresql" if rest.starts_with("//") => {
                Ok(Self::Postgres(spec.to_owned()))
            }
            _ => Err(StoreSpecError {
                kind: kind.to_owned(),
            }),
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
        })
    }
}

impl fmt::Display for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.write_str("memory"),
            Self::File(dir) => write!(f, "file:{}", dir.display()),
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(_) => f.write_str("postgres://[redacted]"),
        }
    }
}

impl fmt::Debug for StoreSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSpec({self})")
    }
}
