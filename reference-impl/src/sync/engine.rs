use std::sync::Arc;

use super::config::SyncConfig;
use super::crash::{CrashPoint, CrashPoints};
use super::error::SyncError;
use super::gmail::GmailClient;
use super::token_source::TokenSource;
use crate::clock::Clock;
use crate::mailbox::{MailboxCommit, MailboxStore, SyncLease};
use crate::transport::HttpTransport;

/// `gmail_base` is not an absolute http(s) origin.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "the gmail base `{base}` is not an absolute http or https url; fix `SyncConfig::gmail_base`"
)]
pub struct InvalidGmailBase {
    /// The configured value.
    pub base: String,
}

/// What one [`SyncEngine::sync`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Which kind of sync ran.
    pub mode: SyncMode,
    /// Messages fetched and upserted.
    pub upserted: usize,
    /// Messages deleted by history or found gone (a full sync's reconciliation
    /// deletions are not counted here).
    pub deleted: usize,
    /// The history cursor now stored.
    pub cursor: u64,
}

/// How the mailbox was brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// There was no cursor: list and fetch everything.
    Full,
    /// Replayed history from the stored cursor.
    Partial,
    /// History had expired (404): full sync, reconciled with what was stored.
    Resync,
}

/// Copies one Gmail account into a [`MailboxStore`] and keeps it current.
///
/// `sync` runs a full sync the first time and a partial (history) sync after that,
/// falling back to a reconciling full sync when Gmail has forgotten the cursor. Every
/// write is an idempotent upsert or delete by message id; the cursor only moves in the
/// same transaction as the last changes it covers. Whatever happens (error, crash,
/// kill -9), rerunning `sync` converges to Gmail's mailbox.
///
/// ```no_run
/// use std::sync::Arc;
/// use reference_impl::{BrokerConfig, MemoryStore, ReqwestTransport, SqliteMailbox, SyncConfig,
///     SyncEngine, SystemClock, TokenBroker};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let transport = Arc::new(ReqwestTransport::new());
/// let broker = TokenBroker::new(
///     BrokerConfig::new("https://oauth2.googleapis.com/token", "client-id", "client-secret"),
///     Arc::new(SystemClock), transport.clone(), Arc::new(MemoryStore::new()))?;
/// let engine = SyncEngine::new(
///     SyncConfig::new("https://gmail.googleapis.com", "worker-1"),
///     Arc::new(SystemClock), transport, Arc::new(broker),
///     Arc::new(SqliteMailbox::open("mailbox.db")?))?;
/// let report = engine.sync("alice@example.com").await?;
/// println!("{report:?}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SyncEngine {
    pub(crate) config: SyncConfig,
    pub(crate) gmail: GmailClient,
    pub(crate) store: Arc<dyn MailboxStore>,
}

impl SyncEngine {
    /// Builds an engine; nothing is sent until [`sync`](Self::sync).
    ///
    /// # Errors
    ///
    /// [`InvalidGmailBase`] if `config.gmail_base` is not an absolute http(s) URL.
    pub fn new(
        config: SyncConfig,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
        tokens: Arc<dyn TokenSource>,
        store: Arc<dyn MailboxStore>,
    ) -> Result<Self, InvalidGmailBase> {
        let gmail = super::gmail::client_for(&config.gmail_base, transport, tokens, clock, &config)
            .ok_or_else(|| InvalidGmailBase {
                base: config.gmail_base.clone(),
            })?;
        Ok(Self {
            config,
            gmail,
            store,
        })
    }

    /// Installs a crash-point hook (tests use it to stop the engine at every step).
    #[must_use]
    pub fn with_crash_points(mut self, crash: Arc<dyn CrashPoints>) -> Self {
        self.gmail.crash = crash;
        self
    }

    /// The store this engine writes to.
    pub fn store(&self) -> &Arc<dyn MailboxStore> {
        &self.store
    }

    /// Brings the stored mailbox of `account` up to date with Gmail.
    ///
    /// # Errors
    ///
    /// See [`SyncError`]. On any error the cursor has not moved past what was
    /// committed, nothing stored was lost, and calling `sync` again is safe.
    pub async fn sync(&self, account: &str) -> Result<SyncReport, SyncError> {
        let mut lease = self.take_lease(account).await?;
        let result = self.sync_under_lease(account, &mut lease).await;
        // A crashed process releases nothing; the lease then expires on its own.
        if !matches!(result, Err(SyncError::Crashed(_))) {
            if let Err(error) = self.store.release_lease(&lease).await {
                tracing::warn!(account, %error, "could not release the sync lease; it will expire");
            }
        }
        result
    }

    async fn sync_under_lease(
        &self,
        account: &str,
        lease: &mut SyncLease,
    ) -> Result<SyncReport, SyncError> {
        let cursor = self
            .store
            .cursor(account)
            .await
            .map_err(|source| SyncError::Store {
                account: account.to_owned(),
                source,
            })?;
        let Some(cursor) = cursor else {
            return self.full_sync(account, lease, SyncMode::Full).await;
        };
        match self.partial_sync(account, lease, cursor).await? {
            Some(report) => Ok(report),
            None => {
                tracing::info!(account, cursor, "history expired; running a full resync");
                self.full_sync(account, lease, SyncMode::Resync).await
            }
        }
    }

    async fn take_lease(&self, account: &str) -> Result<SyncLease, SyncError> {
        let now = self.gmail.clock.now();
        self.store
            .acquire_lease(account, &self.config.worker_id, self.config.lease_ttl, now)
            .await
            .map_err(|source| SyncError::Store {
                account: account.to_owned(),
                source,
            })?
            .ok_or_else(|| SyncError::LeaseHeld {
                account: account.to_owned(),
            })
    }

    /// Renews the lease (so a long sync keeps it), then commits under its new fence.
    pub(crate) async fn commit(
        &self,
        account: &str,
        lease: &mut SyncLease,
        mut commit: MailboxCommit,
    ) -> Result<(), SyncError> {
        self.gmail.crash_point(CrashPoint::BeforeCommit)?;
        let store_error = |source| SyncError::Store {
            account: account.to_owned(),
            source,
        };
        let renewed = self
            .store
            .acquire_lease(
                account,
                &self.config.worker_id,
                self.config.lease_ttl,
                self.gmail.clock.now(),
            )
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                store_error(crate::mailbox::MailboxError::LeaseLost {
                    account: account.to_owned(),
                    fence: lease.fence.0,
                })
            })?;
        *lease = renewed;
        commit.fence = Some(lease.fence);
        self.store
            .commit(account, commit)
            .await
            .map_err(store_error)?;
        self.gmail.crash_point(CrashPoint::AfterCommit)
    }
}
