use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio_postgres::Row;

use super::postgres_schema::pg_error;
use super::postgres_session::Session;
use super::sqlite::sql_version;
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::crypto::{Keyring, SealedGrant};

/// A [`TokenStore`] in PostgreSQL, for several broker processes sharing grants.
///
/// - Tables are created by embedded migrations on connect (serialized by an advisory
///   lock, so processes may start together).
/// - Compare-and-swap is one statement, `UPDATE … WHERE version = $expected` (or
///   `INSERT … ON CONFLICT DO NOTHING` for a first write), so it needs no transaction.
/// - The refresh lease lives in a table and expires by the *database server's*
///   clock, so brokers with skewed clocks still agree on who holds it.
///
/// One connection is opened; if it drops (a database restart), the next call
/// opens another, and while the server is down calls fail with
/// [`StoreError::Unavailable`]. TLS is not configured
/// (`NoTls`): use a local socket or a tunnel.
///
/// ```no_run
/// use reference_impl::{Keyring, PostgresStore, TokenStore};
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let keyring = Keyring::from_default_env()?;
/// let store = PostgresStore::connect("postgres://broker@localhost/tokens", keyring).await?;
/// let grant = store.load("alice").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PostgresStore {
    session: Arc<Session>,
    keyring: Keyring,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password, so it is not kept at all.
        f.debug_struct("PostgresStore")
            .field("keyring", &self.keyring)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects to `url` (a libpq-style URL or key=value string) and migrates.
    pub async fn connect(url: &str, keyring: Keyring) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse().map_err(pg_error)?;
        Self::connect_with(&config, keyring).await
    }

    /// Connects with a prepared [`tokio_postgres::Config`] (to set a search path,
    /// timeouts or an application name) and migrates.
    pub async fn connect_with(
        config: &tokio_postgres::Config,
        keyring: Keyring,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            session: Arc::new(Session::open(config).await?),
            keyring,
        })
    }

    async fn read_grant(&self, account: &str) -> Result<Option<(u64, SealedGrant)>, StoreError> {
        let row = self
            .session
            .client()
            .await?
            .query_opt(
                "SELECT version, kid, nonce, ciphertext FROM oauth_grants WHERE account = $1",
                &[&account],
            )
            .await
            .map_err(pg_error)?;
        row.map(|row| sealed_from_row(account, &row)).transpose()
    }

    async fn load_current(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.read_grant(account)
            .await?
            .map(|(version, sealed)| self.keyring.open(account, version, &sealed))
            .transpose()
    }
}

fn sealed_from_row(account: &str, row: &Row) -> Result<(u64, SealedGrant), StoreError> {
    let corrupt = || StoreError::Corrupt {
        account: account.to_owned(),
    };
    let version: i64 = row.try_get(0).map_err(|_| corrupt())?;
    let version = u64::try_from(version).map_err(|_| corrupt())?;
    let sealed = SealedGrant {
        kid: row.try_get(1).map_err(|_| corrupt())?,
        nonce: row.try_get(2).map_err(|_| corrupt())?,
        ciphertext: row.try_get(3).map_err(|_| corrupt())?,
    };
    Ok((version, sealed))
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.load_current(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        if let Some(expected) = expected_version.filter(|expected| new.version <= *expected) {
            let current = self.load_current(account).await?;
            return match current {
                Some(current) if current.version == expected => {
                    Err(StoreError::VersionNotIncreasing {
                        account: account.to_owned(),
                        current: expected,
                        proposed: new.version,
                    })
                }
                current => Ok(CasOutcome::Conflict { current }),
            };
        }
        let sealed = self.keyring.seal(account, &new);
        let version = sql_version(account, new.version)?;
        let written = match expected_version {
            None => {
                self.session.client().await?
                    .execute(
                        "INSERT INTO oauth_grants (account, version, kid, nonce, ciphertext)
                         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account) DO NOTHING",
                        &[&account, &version, &sealed.kid, &sealed.nonce, &sealed.ciphertext],
                    )
                    .await
            }
            Some(expected) => {
                let expected = sql_version(account, expected)?;
                self.session.client().await?
                    .execute(
                        "UPDATE oauth_grants SET version = $2, kid = $3, nonce = $4, ciphertext = $5
                         WHERE account = $1 AND version = $6",
                        &[&account, &version, &sealed.kid, &sealed.nonce, &sealed.ciphertext, &expected],
                    )
                    .await
            }
        }
        .map_err(pg_error)?;
        if written == 1 {
            return Ok(CasOutcome::Swapped);
        }
        Ok(CasOutcome::Conflict {
            current: self.load_current(account).await?,
        })
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let deleted = self
            .session
            .client()
            .await?
            .execute("DELETE FROM oauth_grants WHERE account = $1", &[&account])
            .await
            .map_err(pg_error)?;
        Ok(deleted > 0)
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .session
            .client()
            .await?
            .query("SELECT account FROM oauth_grants ORDER BY account", &[])
            .await
            .map_err(pg_error)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let row = self.session.client().await?
            .query_opt(
                "INSERT INTO oauth_refresh_leases AS lease (account, holder, fencing_token, expires_at)
                 VALUES ($1, $2, 1, now() + make_interval(secs => $3::float8))
                 ON CONFLICT (account) DO UPDATE SET holder = EXCLUDED.holder,
                     fencing_token = lease.fencing_token + 1, expires_at = EXCLUDED.expires_at
                 WHERE lease.expires_at <= now() OR lease.holder = EXCLUDED.holder
                 RETURNING fencing_token, expires_at",
                &[&account, &holder, &ttl.as_secs_f64()],
            )
            .await
            .map_err(pg_error)?;
        Ok(row.map(|row| {
            let fencing_token: i64 = row.get(0);
            let expires_at: SystemTime = row.get(1);
            Lease {
                account: account.to_owned(),
                holder: holder.to_owned(),
                fencing_token: u64::try_from(fencing_token).unwrap_or(0),
                expires_at,
            }
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let token = i64::try_from(lease.fencing_token).unwrap_or(i64::MAX);
        let released = self
            .session
            .client()
            .await?
            .execute(
                "UPDATE oauth_refresh_leases SET expires_at = 'epoch'
                 WHERE account = $1 AND fencing_token = $2",
                &[&lease.account, &token],
            )
            .await
            .map_err(pg_error)?;
        Ok(released > 0)
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let Some((version, sealed)) = self.read_grant(account).await? else {
            return Ok(false);
        };
        if sealed.kid == self.keyring.primary_kid() {
            return Ok(false);
        }
        let grant = self.keyring.open(account, version, &sealed)?;
        let resealed = self.keyring.seal(account, &grant);
        let version = sql_version(account, version)?;
        // Guarded by version and old key: a concurrent writer's newer row stays.
        let updated = self
            .session
            .client()
            .await?
            .execute(
                "UPDATE oauth_grants SET kid = $3, nonce = $4, ciphertext = $5
                 WHERE account = $1 AND version = $2 AND kid = $6",
                &[
                    &account,
                    &version,
                    &resealed.kid,
                    &resealed.nonce,
                    &resealed.ciphertext,
                    &sealed.kid,
                ],
            )
            .await
            .map_err(pg_error)?;
        Ok(updated > 0)
    }
}
