//! A [`MemoryMailbox`] whose commits can be made to fail on demand: the
//! harness's model of a mailbox database that drops out now and then
//! (a failover, a full disk, a lock timeout).

use async_trait::async_trait;
use reference_impl::{
    MailboxCommit, MailboxError, MailboxStore, MemoryMailbox, OutboxEntry, OutboxState,
    StoredMessage, SyncLease,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

/// A memory mailbox that fails the next `n` commits after [`fail_commits`](Self::fail_commits).
/// A failed commit changes nothing, as a rolled-back transaction would.
#[derive(Debug, Clone, Default)]
pub(crate) struct FlakyMailbox {
    inner: MemoryMailbox,
    failures_left: Arc<AtomicU32>,
}

impl FlakyMailbox {
    /// The next `count` commits fail (replacing any failures still pending).
    pub fn fail_commits(&self, count: u32) {
        self.failures_left.store(count, Ordering::SeqCst);
    }

    fn take_failure(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }
}

#[async_trait]
impl MailboxStore for FlakyMailbox {
    async fn cursor(&self, account: &str) -> Result<Option<u64>, MailboxError> {
        self.inner.cursor(account).await
    }

    async fn commit(&self, account: &str, commit: MailboxCommit) -> Result<(), MailboxError> {
        if self.take_failure() {
            return Err(MailboxError::Backend {
                operation: "commit",
                source: Arc::new(std::io::Error::other(
                    "injected by the harness: the mailbox database is unavailable",
                )),
            });
        }
        self.inner.commit(account, commit).await
    }

    async fn messages(&self, account: &str) -> Result<Vec<StoredMessage>, MailboxError> {
        self.inner.messages(account).await
    }

    async fn acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<SyncLease>, MailboxError> {
        self.inner.acquire_lease(account, holder, ttl, now).await
    }

    async fn release_lease(&self, lease: &SyncLease) -> Result<(), MailboxError> {
        self.inner.release_lease(lease).await
    }

    async fn outbox_insert(&self, entry: &OutboxEntry) -> Result<(), MailboxError> {
        self.inner.outbox_insert(entry).await
    }

    async fn outbox_set_state(
        &self,
        entry_id: &str,
        state: &OutboxState,
    ) -> Result<(), MailboxError> {
        self.inner.outbox_set_state(entry_id, state).await
    }

    async fn outbox_entries(&self, account: &str) -> Result<Vec<OutboxEntry>, MailboxError> {
        self.inner.outbox_entries(account).await
    }
}
