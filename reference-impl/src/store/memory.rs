use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;

use super::{CasOutcome, StoreError, StoredGrant, TokenStore};

/// An in-process [`TokenStore`]; grants are lost when the process exits.
///
/// For tests it can be switched to fail every call with [`StoreError::Unavailable`]
/// to exercise degraded mode.
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
#[derive(Debug, Default)]
pub struct MemoryStore {
    grants: Mutex<BTreeMap<String, StoredGrant>>,
    unavailable: AtomicBool,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `grant` unconditionally (seeding for tests and the harness).
    pub fn insert(&self, account: impl Into<String>, grant: StoredGrant) {
        self.lock().insert(account.into(), grant);
    }

    /// Makes every following call fail with [`StoreError::Unavailable`] (or succeed again).
    pub fn set_unavailable(&self, unavailable: bool) {
        self.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// A synchronous read, for assertions.
    pub fn get(&self, account: &str) -> Option<StoredGrant> {
        self.lock().get(account).cloned()
    }

    fn check_available(&self) -> Result<(), StoreError> {
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable { source: None });
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, StoredGrant>> {
        // A panic while holding the lock cannot leave a half-written grant (inserts are
        // single operations), so the data is still consistent.
        self.grants.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        self.check_available()?;
        Ok(self.get(account))
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        self.check_available()?;
        let mut grants = self.lock();
        let current = grants.get(account);
        if current.map(|grant| grant.version) != expected_version {
            return Ok(CasOutcome::Conflict {
                current: current.cloned(),
            });
        }
        if let Some(current) = current.filter(|current| new.version <= current.version) {
            return Err(StoreError::VersionNotIncreasing {
                account: account.to_owned(),
                current: current.version,
                proposed: new.version,
            });
        }
        grants.insert(account.to_owned(), new);
        Ok(CasOutcome::Swapped)
    }
}
