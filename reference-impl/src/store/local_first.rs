use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::bucket_sync_log::{self as sync_log, SkipReason};
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::clock::{Clock, SystemClock};

/// After a bucket failure, how long the local copy serves alone before the
/// bucket is tried again.
pub const BUCKET_RETRY_AFTER: Duration = Duration::from_secs(5);

/// A store that keeps working from a local store while its bucket is down and
/// reconciles by version when the bucket comes back.
///
/// - While the bucket answers, every write goes to the bucket first (its
///   conditional create decides races between components) and is mirrored
///   locally; a lost race hands the winner's grant back and mirrors *it*.
/// - When the bucket fails, writes go to the local store alone, the account is
///   marked unsynced, and the bucket is left alone for [`BUCKET_RETRY_AFTER`]
///   (calls meanwhile are counted as skipped, reason `bucket_down`).
/// - Reconciling an account compares versions: the higher one is copied to
///   the other side with a compare-and-swap; at equal versions with different
///   tokens the bucket's copy wins (it was committed first). Nothing is ever
///   written blind, so the older side can never overwrite the newer.
///
/// ```
/// use std::sync::Arc;
/// use reference_impl::{CasOutcome, LocalFirstStore, MemoryStore, RefreshToken, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let bucket = Arc::new(MemoryStore::new());
/// let store = LocalFirstStore::new(Arc::new(MemoryStore::new()), bucket.clone());
/// bucket.set_unavailable(true);
/// let grant = StoredGrant::new(1, RefreshToken::new("1//a"));
/// assert!(matches!(store.compare_and_swap("alice", None, grant).await?, CasOutcome::Swapped));
/// assert_eq!(store.unsynced(), ["alice"]);
///
/// bucket.set_unavailable(false);
/// store.retry_bucket_now();
/// assert_eq!(store.load("alice").await?.map(|g| g.version), Some(1));
/// assert_eq!(bucket.get("alice").map(|g| g.version), Some(1));
/// assert!(store.unsynced().is_empty());
/// # Ok::<_, reference_impl::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct LocalFirstStore {
    local: Arc<dyn TokenStore>,
    bucket: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    state: Mutex<SyncState>,
}

#[derive(Debug, Default)]
struct SyncState {
    /// The bucket is not tried before this.
    bucket_down_until: Option<SystemTime>,
    /// Accounts written locally while the bucket was down.
    unsynced: BTreeSet<String>,
}

impl LocalFirstStore {
    /// Serves from `local`, syncing through `bucket`.
    pub fn new(local: Arc<dyn TokenStore>, bucket: Arc<dyn TokenStore>) -> Self {
        Self::with_clock(local, bucket, Arc::new(SystemClock))
    }

    /// As [`new`](Self::new), timing bucket retries by `clock`.
    pub fn with_clock(
        local: Arc<dyn TokenStore>,
        bucket: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            local,
            bucket,
            clock,
            state: Mutex::default(),
        }
    }

    /// Accounts whose latest grant is only in the local store, sorted.
    pub fn unsynced(&self) -> Vec<String> {
        self.lock().unsynced.iter().cloned().collect()
    }

    /// Forgets the last bucket failure, so the next call tries the bucket.
    pub fn retry_bucket_now(&self) {
        self.lock().bucket_down_until = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bucket_up(&self, operation: &'static str, account: &str) -> bool {
        let down_until = self.lock().bucket_down_until;
        let up = down_until.is_none_or(|until| self.clock.now() >= until);
        if !up {
            sync_log::skipped(operation, account, SkipReason::BucketDown);
        }
        up
    }

    /// Passes a bucket answer through, marking the bucket down on a failure
    /// that may go away.
    fn note<T>(&self, result: Result<T, StoreError>) -> Option<T> {
        match result {
            Ok(value) => {
                self.lock().bucket_down_until = None;
                Some(value)
            }
            Err(error) => {
                if super::bucket_errors::is_retriable(&error) {
                    self.lock().bucket_down_until = Some(self.clock.now() + BUCKET_RETRY_AFTER);
                }
                tracing::warn!(%error, "bucket failed; serving from the local store");
                None
            }
        }
    }

    /// Makes the local copy of `account` hold `grant` (a version the bucket
    /// committed), whatever version the local copy had.
    async fn mirror(&self, account: &str, grant: &StoredGrant) -> Result<(), StoreError> {
        let local = self.local.load(account).await?;
        match local.as_ref().map(|local| local.version) {
            Some(version) if version == grant.version && same_tokens(local.as_ref(), grant) => {
                Ok(())
            }
            Some(version) if version < grant.version => self
                .local
                .compare_and_swap(account, Some(version), grant.clone())
                .await
                .map(|_| ()),
            Some(_) => {
                // Diverged at an equal or higher version written while the
                // bucket was down: the bucket's committed copy wins.
                self.local.delete(account).await?;
                self.local
                    .compare_and_swap(account, None, grant.clone())
                    .await
                    .map(|_| ())
            }
            None => self
                .local
                .compare_and_swap(account, None, grant.clone())
                .await
                .map(|_| ()),
        }
    }

    /// Brings `account` in line on both sides by version; `false` if the
    /// bucket could not be reached.
    async fn reconcile(&self, account: &str) -> Result<bool, StoreError> {
        for _ in 0..4 {
            let Some(remote) = self.note(self.bucket.load(account).await) else {
                return Ok(false);
            };
            let local = self.local.load(account).await?;
            let unsynced = self.lock().unsynced.contains(account);
            match (local, remote) {
                (Some(local), remote)
                    if unsynced && remote.as_ref().is_none_or(|r| r.version < local.version) =>
                {
                    let expected = remote.as_ref().map(|remote| remote.version);
                    let pushed =
                        self.note(self.bucket.compare_and_swap(account, expected, local).await);
                    match pushed {
                        None => return Ok(false),
                        Some(CasOutcome::Swapped) => {
                            self.lock().unsynced.remove(account);
                            sync_log::attempted("reconcile", account, &Ok::<(), StoreError>(()));
                            return Ok(true);
                        }
                        // Someone wrote meanwhile: compare again.
                        Some(CasOutcome::Conflict { .. }) => {}
                    }
                }
                (_, Some(remote)) => {
                    self.lock().unsynced.remove(account);
                    self.mirror(account, &remote).await?;
                    sync_log::skipped("reconcile", account, SkipReason::BucketNewer);
                    return Ok(true);
                }
                (_, None) => {
                    sync_log::skipped("reconcile", account, SkipReason::InSync);
                    return Ok(true);
                }
            }
        }
        Err(StoreError::Unavailable { source: None })
    }

    /// Pushes every unsynced account once the bucket answers again.
    async fn reconcile_unsynced(&self) -> Result<(), StoreError> {
        for account in self.unsynced() {
            if !self.reconcile(&account).await? {
                break;
            }
        }
        Ok(())
    }
}

fn same_tokens(local: Option<&StoredGrant>, remote: &StoredGrant) -> bool {
    local.is_some_and(|local| {
        local.refresh_token.expose_secret() == remote.refresh_token.expose_secret()
            && local.access_token.as_ref().map(|t| t.expose_secret())
                == remote.access_token.as_ref().map(|t| t.expose_secret())
    })
}

#[async_trait]
impl TokenStore for LocalFirstStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        if self.bucket_up("load", account) {
            self.reconcile_unsynced().await?;
            self.reconcile(account).await?;
        }
        self.local.load(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        if self.bucket_up("write", account) {
            self.reconcile_unsynced().await?;
            let outcome = self.note(
                self.bucket
                    .compare_and_swap(account, expected_version, new.clone())
                    .await,
            );
            match outcome {
                Some(CasOutcome::Swapped) => {
                    self.mirror(account, &new).await?;
                    return Ok(CasOutcome::Swapped);
                }
                Some(CasOutcome::Conflict { current }) => {
                    if let Some(current) = &current {
                        self.mirror(account, current).await?;
                    }
                    return Ok(CasOutcome::Conflict { current });
                }
                None => {}
            }
        }
        let outcome = self
            .local
            .compare_and_swap(account, expected_version, new)
            .await?;
        if matches!(outcome, CasOutcome::Swapped) {
            self.lock().unsynced.insert(account.to_owned());
        }
        Ok(outcome)
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let remote = if self.bucket_up("delete", account) {
            self.note(self.bucket.delete(account).await)
                .unwrap_or(false)
        } else {
            false
        };
        self.lock().unsynced.remove(account);
        Ok(self.local.delete(account).await? || remote)
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        let mut accounts: BTreeSet<String> =
            self.local.list_accounts().await?.into_iter().collect();
        if self.bucket_up("load", "*")
            && let Some(remote) = self.note(self.bucket.list_accounts().await)
        {
            accounts.extend(remote);
        }
        Ok(accounts.into_iter().collect())
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        // The bucket's lease coordinates components; while it is down each
        // one coordinates its own processes (versions still fence writes).
        if self.bucket_up("lease", account)
            && let Some(lease) =
                self.note(self.bucket.try_acquire_lease(account, holder, ttl).await)
        {
            return Ok(lease);
        }
        self.local.try_acquire_lease(account, holder, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        if self.bucket_up("lease", &lease.account)
            && let Some(released) = self.note(self.bucket.release_lease(lease).await)
            && released
        {
            return Ok(true);
        }
        self.local.release_lease(lease).await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let local = self.local.reseal(account).await?;
        let remote = self.bucket.reseal(account).await?;
        Ok(local || remote)
    }

    fn server_date(&self) -> Option<std::time::SystemTime> {
        self.bucket.server_date()
    }
}
