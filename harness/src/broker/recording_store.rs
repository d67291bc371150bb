//! A [`TokenStore`] wrapper that remembers every committed write, so the
//! `no_stale_overwrite` checker can see the store's version history.

use super::{StoreWrite, TrapSlot};
use async_trait::async_trait;
use reference_impl::{CasOutcome, Clock, Lease, StoreError, StoredGrant, TokenStore};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Forwards every call to `inner` and logs the writes that commit.
#[derive(Debug)]
pub(crate) struct RecordingStore {
    name: String,
    inner: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    writes: Arc<Mutex<Vec<StoreWrite>>>,
    /// A kill -9 armed at the next write (`crash_at_store_write`).
    trap: Arc<TrapSlot>,
}

impl RecordingStore {
    /// Wraps `inner`, naming it `name` in the log; instances sharing a
    /// store share `writes`.
    pub fn new(
        name: impl Into<String>,
        inner: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
        writes: Arc<Mutex<Vec<StoreWrite>>>,
    ) -> Self {
        Self {
            name: name.into(),
            inner,
            clock,
            writes,
            trap: Arc::default(),
        }
    }

    /// The slot a `crash_at_store_write` arms.
    pub fn trap(&self) -> Arc<TrapSlot> {
        self.trap.clone()
    }

    /// Dies here if a trap is armed: the write (a grant, a lease, a
    /// deletion: whatever the store is asked to change) never reaches the
    /// store, and the call never returns (the restart that follows aborts
    /// it). Reads pass.
    async fn die_if_trapped(&self) {
        if let Some(fire) = self.trap.take() {
            let _ = fire.send(());
            std::future::pending::<()>().await;
        }
    }
}

#[async_trait]
impl TokenStore for RecordingStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.inner.load(account).await
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        self.die_if_trapped().await;
        let version = new.version;
        let outcome = self
            .inner
            .compare_and_swap(account, expected_version, new)
            .await?;
        if matches!(outcome, CasOutcome::Swapped) {
            self.writes
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(StoreWrite {
                    store: self.name.clone(),
                    account: account.to_owned(),
                    version,
                    at: self.clock.now(),
                });
        }
        Ok(outcome)
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.die_if_trapped().await;
        self.inner.delete(account).await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list_accounts().await
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        self.die_if_trapped().await;
        self.inner.try_acquire_lease(account, holder, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.die_if_trapped().await;
        self.inner.release_lease(lease).await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        self.die_if_trapped().await;
        self.inner.reseal(account).await
    }

    fn server_date(&self) -> Option<std::time::SystemTime> {
        self.inner.server_date()
    }
}
