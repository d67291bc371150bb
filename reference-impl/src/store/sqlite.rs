use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior, params};

use super::io_error::blocking;
use super::lease::LeaseRecord;
use super::sqlite_schema::{migrate, sqlite_error};
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{Keyring, SealedGrant};

/// The embedded default [`TokenStore`]: one SQLite file, sealed rows.
///
/// WAL journal with `synchronous = FULL` (a swapped write is on disk before the call
/// returns), compare-and-swap inside `BEGIN IMMEDIATE` (so several processes sharing
/// the file serialize their writes), the schema migrated on open. Every call runs on
/// tokio's blocking pool.
///
/// ```
/// use reference_impl::{CasOutcome, Keyring, RefreshToken, SqliteStore, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let dir = tempfile::tempdir()?;
/// let store = SqliteStore::open(dir.path().join("tokens.db"), Keyring::generate("k1")).await?;
/// let grant = StoredGrant::new(1, RefreshToken::new("1//secret"));
/// assert!(matches!(store.compare_and_swap("alice", None, grant).await?, CasOutcome::Swapped));
/// assert_eq!(store.load("alice").await?.map(|g| g.version), Some(1));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<SqliteInner>,
}

struct SqliteInner {
    path: PathBuf,
    connection: Mutex<Connection>,
    keyring: Keyring,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .field("keyring", &self.inner.keyring)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`; leases expire
    /// by the system clock.
    pub async fn open(path: impl AsRef<Path>, keyring: Keyring) -> Result<Self, StoreError> {
        Self::open_with_clock(path, keyring, Arc::new(SystemClock)).await
    }

    /// Like [`open`](Self::open), with leases expiring by `clock`.
    pub async fn open_with_clock(
        path: impl AsRef<Path>,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StoreError> {
        let path = path.as_ref().to_owned();
        let opened_path = path.clone();
        let connection = blocking(move || {
            // Switching to WAL needs a moment alone with the file, and SQLite answers
            // "database is locked" at once (without its busy handler) while another
            // connection is mid-write; so only switch when needed, and retry briefly.
            let mut attempt = 0;
            loop {
                attempt += 1;
                match open_connection(&opened_path) {
                    Err(StoreError::Unavailable { .. }) if attempt < OPEN_ATTEMPTS => {
                        std::thread::sleep(OPEN_RETRY_PAUSE);
                    }
                    other => return other,
                }
            }
        })
        .await?;
        Ok(Self {
            inner: Arc::new(SqliteInner {
                path,
                connection: Mutex::new(connection),
                keyring,
                clock,
            }),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection, &SqliteInner) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = Arc::clone(&self.inner);
        blocking(move || {
            // Statements are atomic, so a panic elsewhere cannot leave the connection
            // inside a half-applied change; an open transaction rolls back on drop.
            let mut connection = inner
                .connection
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            work(&mut connection, &inner)
        })
        .await
    }
}

type GrantRow = (i64, String, Vec<u8>, Vec<u8>);

fn read_grant(
    connection: &Connection,
    account: &str,
) -> Result<Option<(u64, SealedGrant)>, StoreError> {
    let row: Option<GrantRow> = connection
        .query_row(
            "SELECT version, kid, nonce, ciphertext FROM grants WHERE account = ?1",
            [account],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()
        .map_err(|error| match error {
            rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::FromSqlConversionFailure(..) => StoreError::Corrupt {
                account: account.to_owned(),
            },
            other => sqlite_error(other),
        })?;
    row.map(|(version, kid, nonce, ciphertext)| {
        let version = u64::try_from(version).map_err(|_| StoreError::Corrupt {
            account: account.to_owned(),
        })?;
        Ok((
            version,
            SealedGrant {
                kid,
                nonce,
                ciphertext,
            },
        ))
    })
    .transpose()
}

fn write_grant(
    connection: &Connection,
    account: &str,
    version: u64,
    sealed: &SealedGrant,
) -> Result<(), StoreError> {
    let version = sql_version(account, version)?;
    connection
        .execute(
            "INSERT INTO grants (account, version, kid, nonce, ciphertext) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account) DO UPDATE SET version = excluded.version, kid = excluded.kid,
                 nonce = excluded.nonce, ciphertext = excluded.ciphertext",
            params![account, version, sealed.kid, sealed.nonce, sealed.ciphertext],
        )
        .map_err(sqlite_error)?;
    Ok(())
}

pub(super) fn sql_version(account: &str, version: u64) -> Result<i64, StoreError> {
    i64::try_from(version).map_err(|_| StoreError::VersionOutOfRange {
        account: account.to_owned(),
        version,
    })
}

fn read_lease(connection: &Connection, account: &str) -> Result<Option<LeaseRecord>, StoreError> {
    connection
        .query_row(
            "SELECT holder, fencing_token, expires_at_ms FROM leases WHERE account = ?1",
            [account],
            |row| {
                Ok(LeaseRecord {
                    holder: row.get(0)?,
                    fencing_token: row.get::<_, i64>(1)?.try_into().unwrap_or(0),
                    expires_at_ms: row.get::<_, i64>(2)?.try_into().unwrap_or(0),
                })
            },
        )
        .optional()
        .map_err(sqlite_error)
}

fn write_lease(
    connection: &Connection,
    account: &str,
    record: &LeaseRecord,
) -> Result<(), StoreError> {
    let token = i64::try_from(record.fencing_token).unwrap_or(i64::MAX);
    let expires = i64::try_from(record.expires_at_ms).unwrap_or(i64::MAX);
    connection
        .execute(
            "INSERT INTO leases (account, holder, fencing_token, expires_at_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account) DO UPDATE SET holder = excluded.holder,
                 fencing_token = excluded.fencing_token, expires_at_ms = excluded.expires_at_ms",
            params![account, record.holder, token, expires],
        )
        .map_err(sqlite_error)?;
    Ok(())
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        let account = account.to_owned();
        self.run(move |connection, inner| {
            read_grant(connection, &account)?
                .map(|(version, sealed)| inner.keyring.open(&account, version, &sealed))
                .transpose()
        })
        .await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let sealed = self.inner.keyring.seal(account, &new);
        let account = account.to_owned();
        self.run(move |connection, inner| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sqlite_error)?;
            let current = read_grant(&transaction, &account)?;
            if let Some(conflict) = super::cas::decide_sealed(
                &account,
                expected_version,
                current,
                new.version,
                &inner.keyring,
            )? {
                return Ok(conflict);
            }
            write_grant(&transaction, &account, new.version, &sealed)?;
            transaction.commit().map_err(sqlite_error)?;
            Ok(CasOutcome::Swapped)
        })
        .await
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let account = account.to_owned();
        self.run(move |connection, _| {
            let deleted = connection
                .execute("DELETE FROM grants WHERE account = ?1", [&account])
                .map_err(sqlite_error)?;
            Ok(deleted > 0)
        })
        .await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.run(|connection, _| {
            let mut statement = connection
                .prepare("SELECT account FROM grants ORDER BY account")
                .map_err(sqlite_error)?;
            let accounts = statement
                .query_map([], |row| row.get(0))
                .map_err(sqlite_error)?
                .collect::<Result<Vec<String>, _>>()
                .map_err(sqlite_error)?;
            Ok(accounts)
        })
        .await
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let (account, holder) = (account.to_owned(), holder.to_owned());
        self.run(move |connection, inner| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sqlite_error)?;
            let current = read_lease(&transaction, &account)?;
            let now = inner.clock.now();
            let Some(next) = LeaseRecord::acquire(current.as_ref(), &holder, ttl, now) else {
                return Ok(None);
            };
            write_lease(&transaction, &account, &next)?;
            transaction.commit().map_err(sqlite_error)?;
            Ok(Some(next.to_lease(&account)))
        })
        .await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let lease = lease.clone();
        self.run(move |connection, _| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sqlite_error)?;
            let current = read_lease(&transaction, &lease.account)?;
            let Some(released) = LeaseRecord::release(current.as_ref(), &lease) else {
                return Ok(false);
            };
            write_lease(&transaction, &lease.account, &released)?;
            transaction.commit().map_err(sqlite_error)?;
            Ok(true)
        })
        .await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let account = account.to_owned();
        self.run(move |connection, inner| {
            let transaction = connection
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sqlite_error)?;
            let Some((version, sealed)) = read_grant(&transaction, &account)? else {
                return Ok(false);
            };
            if sealed.kid == inner.keyring.primary_kid() {
                return Ok(false);
            }
            let grant = inner.keyring.open(&account, version, &sealed)?;
            write_grant(
                &transaction,
                &account,
                version,
                &inner.keyring.seal(&account, &grant),
            )?;
            transaction.commit().map_err(sqlite_error)?;
            Ok(true)
        })
        .await
    }
}

/// How often [`SqliteStore::open`] tries before reporting the file busy.
const OPEN_ATTEMPTS: u32 = 50;
/// Pause between those tries (on the blocking pool, never on the runtime).
const OPEN_RETRY_PAUSE: Duration = Duration::from_millis(20);

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let mut connection = Connection::open(path).map_err(sqlite_error)?;
    connection
        .busy_timeout(Duration::from_secs(5))
        .map_err(sqlite_error)?;
    let mode: String = connection
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .map_err(sqlite_error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .map_err(sqlite_error)?;
    }
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(sqlite_error)?;
    migrate(&mut connection)?;
    Ok(connection)
}
