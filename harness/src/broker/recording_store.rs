//! A [`TokenStore`] wrapper that remembers every committed write, so the
//! `no_stale_overwrite` checker can see the store's version history.

use super::StoreWrite;
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
        self.inner.try_acquire_lease(account, holder, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.inner.release_lease(lease).await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        self.inner.reseal(account).await
    }

    fn server_date(&self) -> Option<std::time::SystemTime> {
        self.inner.server_date()
    }
}
