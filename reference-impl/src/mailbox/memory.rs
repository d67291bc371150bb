use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{
    Fence, MailboxCommit, MailboxError, MailboxStore, OutboxEntry, OutboxState, StoredMessage,
    SyncLease,
};

/// An in-memory [`MailboxStore`] for sim mode and tests.
///
/// It models durability the way the harness needs: a [`commit`](MailboxStore::commit)
/// lands whole or not at all, so an engine "crashed" between two calls leaves exactly
/// what it had committed. Clones share state.
#[derive(Debug, Clone, Default)]
pub struct MemoryMailbox {
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    accounts: BTreeMap<String, Account>,
    leases: BTreeMap<String, LeaseRow>,
    /// Insertion order is delivery order.
    outbox: Vec<OutboxEntry>,
}

#[derive(Debug, Default)]
struct Account {
    cursor: Option<u64>,
    messages: BTreeMap<String, StoredMessage>,
}

#[derive(Debug)]
struct LeaseRow {
    holder: String,
    fence: u64,
    expires_at: SystemTime,
}

impl MemoryMailbox {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Commits cannot fail once they start changing state, so even a lock poisoned
        // by a panicking caller guards consistent data.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl MailboxStore for MemoryMailbox {
    async fn cursor(&self, account: &str) -> Result<Option<u64>, MailboxError> {
        Ok(self.lock().accounts.get(account).and_then(|a| a.cursor))
    }

    async fn commit(&self, account: &str, commit: MailboxCommit) -> Result<(), MailboxError> {
        let mut state = self.lock();
        if let Some(Fence(fence)) = commit.fence {
            let current = state.leases.get(account).map(|lease| lease.fence);
            if current != Some(fence) {
                return Err(MailboxError::LeaseLost {
                    account: account.to_owned(),
                    fence,
                });
            }
        }
        // Nothing below can fail, so applying in place is all-or-nothing.
        let entry = state.accounts.entry(account.to_owned()).or_default();
        let messages = &mut entry.messages;
        if let Some(keep) = &commit.keep_only {
            let keep: BTreeSet<&str> = keep.iter().map(String::as_str).collect();
            messages.retain(|id, _| keep.contains(id.as_str()));
        }
        for id in &commit.deletes {
            messages.remove(id);
        }
        for message in commit.upserts {
            messages.insert(message.id.clone(), message);
        }
        if let Some(cursor) = commit.cursor {
            entry.cursor = Some(cursor);
        }
        Ok(())
    }

    async fn messages(&self, account: &str) -> Result<Vec<StoredMessage>, MailboxError> {
        Ok(self
            .lock()
            .accounts
            .get(account)
            .map(|a| a.messages.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
        now: SystemTime,
    ) -> Result<Option<SyncLease>, MailboxError> {
        let mut state = self.lock();
        let previous = state.leases.get(account);
        if let Some(row) = previous {
            if row.holder != holder && row.expires_at > now {
                return Ok(None);
            }
        }
        let fence = previous.map_or(1, |row| row.fence + 1);
        state.leases.insert(
            account.to_owned(),
            LeaseRow {
                holder: holder.to_owned(),
                fence,
                expires_at: now + ttl,
            },
        );
        Ok(Some(SyncLease {
            account: account.to_owned(),
            holder: holder.to_owned(),
            fence: Fence(fence),
        }))
    }

    async fn release_lease(&self, lease: &SyncLease) -> Result<(), MailboxError> {
        let mut state = self.lock();
        if let Some(row) = state.leases.get_mut(&lease.account) {
            if row.fence == lease.fence.0 {
                row.expires_at = SystemTime::UNIX_EPOCH;
            }
        }
        Ok(())
    }

    async fn outbox_insert(&self, entry: &OutboxEntry) -> Result<(), MailboxError> {
        let mut state = self.lock();
        if !state.outbox.iter().any(|e| e.entry_id == entry.entry_id) {
            state.outbox.push(entry.clone());
        }
        Ok(())
    }

    async fn outbox_set_state(
        &self,
        entry_id: &str,
        new_state: &OutboxState,
    ) -> Result<(), MailboxError> {
        let mut state = self.lock();
        let entry = state
            .outbox
            .iter_mut()
            .find(|e| e.entry_id == entry_id)
            .ok_or_else(|| MailboxError::UnknownOutboxEntry {
                entry_id: entry_id.to_owned(),
            })?;
        entry.state = new_state.clone();
        Ok(())
    }

    async fn outbox_entries(&self, account: &str) -> Result<Vec<OutboxEntry>, MailboxError> {
        Ok(self
            .lock()
            .outbox
            .iter()
            .filter(|e| e.account == account)
            .cloned()
            .collect())
    }
}
