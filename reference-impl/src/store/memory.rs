use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;

use super::faults::MemoryFaults;
use super::lease::LeaseRecord;
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::clock::{Clock, SystemClock};

/// An in-process [`TokenStore`]; grants are lost when the process exits.
///
/// It keeps no bytes at rest, so it needs no keyring. Leases expire by the injected
/// [`Clock`] (the harness passes its simulated one). For simulation it has fault
/// knobs ([`set_unavailable`](Self::set_unavailable),
/// [`set_read_only`](Self::set_read_only), [`set_latency`](Self::set_latency),
/// [`fail_writes_after`](Self::fail_writes_after), [`crash`](Self::crash)).
///
/// Durability model: a write either commits, atomically, at the end of its latency, or
/// not at all; [`crash`](Self::crash) drops the writes still in flight.
///
/// ```
/// use reference_impl::{MemoryStore, RefreshToken, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// store.insert("alice", StoredGrant::new(1, RefreshToken::new("1//a")));
/// assert_eq!(store.load("alice").await?.map(|g| g.version), Some(1));
///
/// store.set_unavailable(true);
/// assert!(store.load("alice").await.is_err());
/// # Ok::<_, reference_impl::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
    faults: MemoryFaults,
    clock: Arc<dyn Clock>,
}

#[derive(Debug, Default)]
struct MemoryState {
    grants: BTreeMap<String, StoredGrant>,
    leases: BTreeMap<String, LeaseRecord>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }
}

impl MemoryStore {
    /// An empty store whose leases expire by the system clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose leases expire by `clock`.
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            state: Mutex::default(),
            faults: MemoryFaults::default(),
            clock,
        }
    }

    /// Stores `grant` unconditionally (seeding for tests and the harness).
    pub fn insert(&self, account: impl Into<String>, grant: StoredGrant) {
        self.lock().grants.insert(account.into(), grant);
    }

    /// A synchronous read, for assertions.
    pub fn get(&self, account: &str) -> Option<StoredGrant> {
        self.lock().grants.get(account).cloned()
    }

    /// Makes every following call fail with [`StoreError::Unavailable`] (or succeed again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.faults.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// Makes every following write fail with [`StoreError::ReadOnly`]; reads still work.
    pub fn set_read_only(&self, read_only: bool) {
        self.faults.read_only.store(read_only, Ordering::SeqCst);
    }

    /// Delays every call by `latency` (through `tokio::time`, so paused time skips it).
    pub fn set_latency(&self, latency: Duration) {
        self.faults.set_latency(latency);
    }

    /// Lets `writes` more writes commit, then fails writes with
    /// [`StoreError::Unavailable`] until [`clear_write_limit`](Self::clear_write_limit).
    pub fn fail_writes_after(&self, writes: u64) {
        self.faults.set_write_budget(Some(writes));
    }

    /// Removes the limit set by [`fail_writes_after`](Self::fail_writes_after).
    pub fn clear_write_limit(&self) {
        self.faults.set_write_budget(None);
    }

    /// Simulates a crash: every write still in flight (inside its latency) is dropped
    /// and fails with [`StoreError::Unavailable`]; committed grants and leases stay.
    pub fn crash(&self) {
        self.faults.crash_epoch.fetch_add(1, Ordering::SeqCst);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryState> {
        // Every mutation is a single map operation, so a panic elsewhere while holding
        // the lock cannot leave a half-written grant.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits out the latency, then checks the write is still allowed; returns the guard
    /// under which it commits.
    async fn begin_write(&self) -> Result<std::sync::MutexGuard<'_, MemoryState>, StoreError> {
        let epoch = self.faults.crash_epoch.load(Ordering::SeqCst);
        self.faults.before_call().await?;
        if self.faults.crash_epoch.load(Ordering::SeqCst) != epoch {
            return Err(StoreError::Unavailable { source: None });
        }
        if self.faults.read_only.load(Ordering::SeqCst) {
            return Err(StoreError::ReadOnly);
        }
        let state = self.lock();
        self.faults.spend_write()?;
        Ok(state)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.faults.before_call().await?;
        Ok(self.get(account))
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let mut state = self.begin_write().await?;
        let current = state.grants.get(account);
        let current_version = current.map(|grant| grant.version);
        if let Some(conflict) = super::cas::decide(
            account,
            expected_version,
            current_version,
            new.version,
            || Ok(current.cloned()),
        )? {
            return Ok(conflict);
        }
        state.grants.insert(account.to_owned(), new);
        Ok(CasOutcome::Swapped)
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let mut state = self.begin_write().await?;
        Ok(state.grants.remove(account).is_some())
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.faults.before_call().await?;
        Ok(self.lock().grants.keys().cloned().collect())
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let mut state = self.begin_write().await?;
        let next = LeaseRecord::acquire(state.leases.get(account), holder, ttl, self.clock.now());
        Ok(next.map(|record| {
            let lease = record.to_lease(account);
            state.leases.insert(account.to_owned(), record);
            lease
        }))
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let mut state = self.begin_write().await?;
        let released = LeaseRecord::release(state.leases.get(&lease.account), lease);
        Ok(released
            .map(|record| state.leases.insert(lease.account.clone(), record))
            .is_some())
    }
}
