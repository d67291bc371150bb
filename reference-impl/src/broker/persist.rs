//! Versioned compare-and-swap writes, and retrying them in the background when the
//! store is down after a successful refresh.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::metrics;
use super::slot::AccountSlot;
use super::token_broker::Inner;
use crate::store::{CasOutcome, StoreError, StoredGrant};

/// How many times a write re-reads the stored version after losing a race.
const MAX_CAS_ATTEMPTS: usize = 3;
/// First and largest pause between background write attempts.
const FIRST_PERSIST_RETRY: Duration = Duration::from_secs(1);
const MAX_PERSIST_RETRY: Duration = Duration::from_secs(60);

/// What to do when the store holds a version we did not expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConflictPolicy {
    /// After a refresh: if the stored grant's token lives at least as long as ours,
    /// another writer refreshed too and theirs stays; we keep using ours from memory.
    KeepNewerStored,
    /// After fresh consent: the new grant wins.
    Overwrite,
}

impl Inner {
    /// Writes `grant` with compare-and-swap, always with a version above the stored one.
    ///
    /// Returns the grant to keep as current (ours, or the stored one if it won) and the
    /// version the store now holds, or the store error.
    pub async fn persist(
        &self,
        account: &str,
        mut expected: Option<u64>,
        mut grant: StoredGrant,
        policy: ConflictPolicy,
    ) -> (StoredGrant, Result<u64, StoreError>) {
        for _ in 0..MAX_CAS_ATTEMPTS {
            match self
                .store
                .compare_and_swap(account, expected, grant.clone())
                .await
            {
                Ok(CasOutcome::Swapped) => {
                    let version = grant.version;
                    return (grant, Ok(version));
                }
                Ok(CasOutcome::Conflict {
                    current: Some(stored),
                }) if policy == ConflictPolicy::KeepNewerStored
                    && stored.expires_at >= grant.expires_at =>
                {
                    tracing::debug!(
                        account,
                        version = stored.version,
                        "store already holds a newer grant"
                    );
                    let version = stored.version;
                    return (stored, Ok(version));
                }
                Ok(CasOutcome::Conflict { current }) => {
                    expected = current.map(|stored| stored.version);
                    grant.version = grant.version.max(expected.unwrap_or(0) + 1);
                }
                Err(error) => {
                    tracing::warn!(account, %error, "could not persist the grant; serving from memory");
                    metrics::persist_failure();
                    return (grant, Err(error));
                }
            }
        }
        tracing::warn!(
            account,
            "gave up persisting the grant after repeated write conflicts"
        );
        metrics::persist_failure();
        (grant, Err(StoreError::Unavailable { source: None }))
    }

    /// Keeps trying to write the slot's grant until it lands, backing off up to a
    /// minute between attempts. The fresh token keeps being served from memory.
    pub fn schedule_persist_retry(self: &Arc<Self>, slot: &Arc<AccountSlot>) {
        if slot.persist_retrying.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            slot.persist_retrying.store(false, Ordering::Release);
            return;
        };
        let inner = Arc::downgrade(self);
        let slot = Arc::clone(slot);
        let task = runtime.spawn(async move {
            let mut delay = FIRST_PERSIST_RETRY;
            loop {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_PERSIST_RETRY);
                let Some(inner) = inner.upgrade() else { break };
                if inner.retry_persist_once(&slot).await {
                    break;
                }
            }
            slot.persist_retrying.store(false, Ordering::Release);
            // A write that failed while we were finishing would otherwise be orphaned.
            if slot.health().persist_pending
                && let Some(inner) = inner.upgrade()
            {
                inner.schedule_persist_retry(&slot);
            }
        });
        self.tasks.track(task.abort_handle());
    }

    /// One background write attempt; true when nothing is pending any more.
    async fn retry_persist_once(&self, slot: &AccountSlot) -> bool {
        let mut state = slot.refresh.lock().await;
        if !slot.health().persist_pending {
            return true;
        }
        let (grant, persisted) = self
            .persist(
                &slot.account,
                state.persisted_version,
                state.grant.clone(),
                ConflictPolicy::KeepNewerStored,
            )
            .await;
        let Ok(version) = persisted else {
            let mut health = slot.health();
            health.storage_failures = health.storage_failures.saturating_add(1);
            return false;
        };
        tracing::info!(account = %slot.account, version, "persisted the grant after a store outage");
        state.grant = grant;
        state.persisted_version = Some(version);
        let mut health = slot.health();
        health.persist_pending = false;
        health.storage_failures = 0;
        true
    }
}
