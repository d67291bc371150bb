//! Per-account state, split by who touches it: lock-free fields for the hot path, a
//! tokio mutex for the single refresh in flight, a std mutex for status bookkeeping.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use arc_swap::ArcSwapOption;

use super::error::BrokerError;
use crate::secret::AccessToken;
use crate::store::StoredGrant;

/// An access token plus the instants that govern it. Immutable: replaced, never edited.
#[derive(Debug)]
pub(crate) struct CachedToken {
    pub access_token: AccessToken,
    /// Stop serving from cache and refresh at this point.
    pub refresh_at: SystemTime,
    /// The token is useless after this point.
    pub expires_at: SystemTime,
}

#[derive(Debug)]
pub(crate) struct AccountSlot {
    pub cached: ArcSwapOption<CachedToken>,
    /// Bumped after each finished refresh attempt, once its outcome is recorded. A
    /// caller that saw an older value before queueing knows someone else's attempt
    /// finished while it waited and takes that outcome instead of sending another.
    pub completed_attempts: AtomicU64,
    pub needs_reauth: AtomicBool,
    pub refreshing: AtomicBool,
    pub refresh: tokio::sync::Mutex<RefreshState>,
    health: Mutex<Health>,
}

/// Guarded by the refresh mutex: only the caller doing the refresh reads or writes it.
#[derive(Debug)]
pub(crate) struct RefreshState {
    /// The newest grant this process knows, persisted or not.
    pub grant: StoredGrant,
    /// The version the store holds as far as we know (`None`: nothing stored).
    pub persisted_version: Option<u64>,
    /// The outcome of the last attempt, if it failed, for callers that waited on it.
    pub last_failure: Option<BrokerError>,
    /// Tokens obtained by this slot; one input of the jitter.
    pub generation: u64,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Health {
    pub last_refresh: Option<SystemTime>,
    pub consecutive_failures: u32,
    pub persist_pending: bool,
}

impl AccountSlot {
    pub fn new(
        grant: StoredGrant,
        persisted_version: Option<u64>,
        cached: Option<CachedToken>,
    ) -> Self {
        Self {
            cached: ArcSwapOption::new(cached.map(Arc::new)),
            completed_attempts: AtomicU64::new(0),
            needs_reauth: AtomicBool::new(false),
            refreshing: AtomicBool::new(false),
            refresh: tokio::sync::Mutex::new(RefreshState {
                grant,
                persisted_version,
                last_failure: None,
                generation: 0,
            }),
            health: Mutex::new(Health {
                persist_pending: persisted_version.is_none(),
                ..Health::default()
            }),
        }
    }

    /// The cached token if it is still before its refresh point.
    pub fn fresh(&self, now: SystemTime) -> Option<AccessToken> {
        let cached = self.cached.load();
        let cached = cached.as_deref()?;
        (now < cached.refresh_at).then(|| cached.access_token.clone())
    }

    /// The cached token if it has not expired, even if it is due for refresh.
    pub fn unexpired(&self, now: SystemTime) -> Option<AccessToken> {
        let cached = self.cached.load();
        let cached = cached.as_deref()?;
        (now < cached.expires_at).then(|| cached.access_token.clone())
    }

    pub fn health(&self) -> MutexGuard<'_, Health> {
        // Health is plain counters; a panic mid-update leaves nothing inconsistent.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Marks the slot as refreshing until the guard drops, including on cancellation.
    pub fn refreshing_guard(&self) -> RefreshingGuard<'_> {
        self.refreshing.store(true, Ordering::Release);
        RefreshingGuard(&self.refreshing)
    }
}

pub(crate) struct RefreshingGuard<'a>(&'a AtomicBool);

impl Drop for RefreshingGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}
