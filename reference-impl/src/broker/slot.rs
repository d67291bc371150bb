//! Per-account state, split by who touches it: lock-free fields for the hot path, a
//! std mutex naming the one refresh in flight, a tokio mutex for the refresh's own
//! state, and a std mutex for status bookkeeping.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use arc_swap::{ArcSwapOption, Guard};
use futures::future::{BoxFuture, Shared};

use super::error::{BrokerError, ErrorKind};
use crate::clock::Reading;
use crate::secret::AccessToken;
use crate::store::StoredGrant;

/// An access token plus the instants that govern it. Immutable: replaced, never edited.
///
/// Each instant is kept twice: on the wall clock, and as a deadline on the
/// monotonic clock taken when it was judged. A token is served only while
/// both say so, so a wall clock stepped back cannot stretch its life and a
/// wall clock stepped forward (or a process timeline skipping ahead)
/// cannot either.
#[derive(Debug)]
pub(crate) struct CachedToken {
    pub access_token: AccessToken,
    /// Stop serving from cache and refresh at this point.
    pub refresh_at: SystemTime,
    /// The token is useless after this point.
    pub expires_at: SystemTime,
    /// When the request that obtained it was sent (local clock). A clock reading before
    /// this means the clock went backwards, and the cache is not trusted.
    pub received_at: SystemTime,
    /// `refresh_at` on the monotonic clock.
    pub refresh_by: Duration,
    /// `expires_at` on the monotonic clock.
    pub expires_by: Duration,
}

impl CachedToken {
    /// A token whose wall instants were judged at `judged` (the request's send
    /// time, or when a stored token was picked up): the monotonic deadlines
    /// are as far from `judged.mono` as the wall instants from `judged.wall`.
    pub fn new(
        access_token: AccessToken,
        received_at: SystemTime,
        refresh_at: SystemTime,
        expires_at: SystemTime,
        judged: Reading,
    ) -> Self {
        Self {
            access_token,
            refresh_at,
            expires_at,
            received_at,
            refresh_by: judged.mono_at(refresh_at),
            expires_by: judged.mono_at(expires_at),
        }
    }

    /// Servable without refreshing at `now`.
    #[inline]
    pub fn is_fresh(&self, now: Reading) -> bool {
        self.received_at <= now.wall && now.wall < self.refresh_at && now.mono < self.refresh_by
    }

    /// Not yet expired at `now` (possibly due for refresh).
    pub fn is_unexpired(&self, now: Reading) -> bool {
        self.received_at <= now.wall && now.wall < self.expires_at && now.mono < self.expires_by
    }

    /// When to refresh, on the wall clock as read at `now`: the earlier of the
    /// two deadlines.
    pub fn refresh_at_seen_from(&self, now: Reading) -> SystemTime {
        self.refresh_at.min(now.wall_at(self.refresh_by))
    }

    /// When it expires, on the wall clock as read at `now`.
    pub fn expires_at_seen_from(&self, now: Reading) -> SystemTime {
        self.expires_at.min(now.wall_at(self.expires_by))
    }
}

/// The outcome of one refresh, shared by everyone waiting on it.
pub(crate) type Flight = Shared<BoxFuture<'static, Result<AccessToken, BrokerError>>>;

#[derive(Debug)]
pub(crate) struct AccountSlot {
    pub account: Box<str>,
    /// Written only through [`publish`](Self::publish) and [`forget`](Self::forget),
    /// which bump `epoch` after the write.
    cached: ArcSwapOption<CachedToken>,
    /// Bumped (release) after every change of `cached`, so a per-thread copy of the
    /// token (see `local.rs`) revalidates with one acquire load. In its own `Arc` so
    /// those copies do not keep the slot (and its refresh token) alive.
    epoch: Arc<AtomicU64>,
    pub needs_reauth: AtomicBool,
    /// The refresh in flight, if any. Held only briefly, never across an await.
    flight: Mutex<Option<Flight>>,
    pub refresh: tokio::sync::Mutex<RefreshState>,
    /// Set while a background task retries a failed store write.
    pub persist_retrying: AtomicBool,
    health: Mutex<Health>,
    /// Set for a down-scoped token's slot (see `scoped.rs`): the account's own slot
    /// and the scopes asked for. Such a slot holds no grant of its own.
    pub scoped: Option<ScopedOf>,
}

/// What a down-scoped slot derives from.
#[derive(Debug)]
pub(crate) struct ScopedOf {
    /// The account's own slot, whose grant pays for the token.
    pub base: Arc<AccountSlot>,
    /// The scopes asked for, sorted and without duplicates.
    pub scopes: Vec<String>,
}

/// Guarded by the refresh mutex: only the task doing the refresh reads or writes it.
#[derive(Debug)]
pub(crate) struct RefreshState {
    /// The newest grant this process knows, persisted or not.
    pub grant: StoredGrant,
    /// The version the store holds as far as we know (`None`: nothing stored).
    pub persisted_version: Option<u64>,
    /// Tokens obtained by this slot; one input of the jitter.
    pub generation: u64,
    /// Failed attempts so far; one input of the backoff jitter.
    pub attempts: u64,
}

/// Failures since the last success, by category.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FailureCounts {
    /// Network failures, 5xx, 429, `temporarily_unavailable`, busy leases.
    pub transient: u32,
    /// `invalid_grant`, `invalid_client`, `unauthorized_client`.
    pub revoked: u32,
    /// Store reads or writes that failed.
    pub storage: u32,
    /// Answers that broke the protocol, or misconfiguration.
    pub protocol: u32,
}

impl FailureCounts {
    pub(crate) fn record(&mut self, kind: ErrorKind) {
        let counter = match kind {
            ErrorKind::Transient => &mut self.transient,
            ErrorKind::Revoked => &mut self.revoked,
            ErrorKind::Storage => &mut self.storage,
            ErrorKind::Protocol | ErrorKind::UnknownAccount => &mut self.protocol,
        };
        *counter = counter.saturating_add(1);
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Health {
    pub last_refresh: Option<SystemTime>,
    /// Failed refreshes in a row (what `status` reports).
    pub consecutive_failures: u32,
    /// Failed requests in the same streak, inline retries included: the
    /// exponent of the gate between calls, so it continues where a
    /// refresh's inline retries left the backoff.
    pub failed_attempts: u32,
    pub failures: FailureCounts,
    /// Store write failures since the last successful write.
    pub storage_failures: u32,
    pub persist_pending: bool,
    /// No refresh is sent before this (backoff or `Retry-After`).
    pub next_attempt_at: Option<SystemTime>,
    pub last_failure_at: Option<SystemTime>,
    pub last_error: Option<BrokerError>,
    pub clock_regressions: u32,
}

impl AccountSlot {
    pub fn new(
        account: &str,
        grant: StoredGrant,
        persisted_version: Option<u64>,
        cached: Option<CachedToken>,
    ) -> Self {
        Self {
            account: account.into(),
            cached: ArcSwapOption::new(cached.map(Arc::new)),
            epoch: Arc::new(AtomicU64::new(0)),
            needs_reauth: AtomicBool::new(false),
            flight: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(RefreshState {
                grant,
                persisted_version,
                generation: 0,
                attempts: 0,
            }),
            persist_retrying: AtomicBool::new(false),
            health: Mutex::new(Health {
                persist_pending: persisted_version.is_none(),
                ..Health::default()
            }),
            scoped: None,
        }
    }

    /// A slot for `base`'s account down-scoped to `scopes`.
    pub fn scoped(base: Arc<AccountSlot>, scopes: Vec<String>) -> Self {
        let grant = StoredGrant::new(0, crate::secret::RefreshToken::new(""));
        Self {
            // Nothing of a scoped slot is ever persisted.
            health: Mutex::new(Health::default()),
            scoped: Some(ScopedOf {
                base: Arc::clone(&base),
                scopes,
            }),
            ..Self::new(&base.account, grant, Some(0), None)
        }
    }

    /// The cached token and its instants, as last published.
    #[inline]
    pub fn cached(&self) -> Guard<Option<Arc<CachedToken>>> {
        self.cached.load()
    }

    /// As [`cached`](Self::cached), as an owned `Arc`.
    pub fn cached_full(&self) -> Option<Arc<CachedToken>> {
        self.cached.load_full()
    }

    /// The epoch counter, for per-thread copies of the token.
    pub fn epoch_cell(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.epoch)
    }

    /// The epoch (acquire): read it before [`cached`](Self::cached) to copy the token.
    #[inline]
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Replaces the cached token (or clears it) and then bumps the epoch, so every
    /// per-thread copy is stale once this returns.
    pub fn publish(&self, token: Option<CachedToken>) {
        self.cached.store(token.map(Arc::new));
        self.epoch.fetch_add(1, Ordering::Release);
    }

    /// Replaces the cached token with `token` if it is still `current`; `true` if it was.
    pub fn replace(&self, current: &Option<Arc<CachedToken>>, token: CachedToken) -> bool {
        let previous = self.cached.compare_and_swap(current, Some(Arc::new(token)));
        let replaced = previous.as_ref().map(Arc::as_ptr) == current.as_ref().map(Arc::as_ptr);
        if replaced {
            self.epoch.fetch_add(1, Ordering::Release);
        }
        replaced
    }

    /// Clears the cached token if it is still `current`; `true` if it was.
    pub fn forget(&self, current: &Option<Arc<CachedToken>>) -> bool {
        let previous = self.cached.compare_and_swap(current, None);
        let forgotten = previous.as_ref().map(Arc::as_ptr) == current.as_ref().map(Arc::as_ptr);
        if forgotten {
            self.epoch.fetch_add(1, Ordering::Release);
        }
        forgotten
    }

    /// The cached token if it is still before its refresh point.
    #[inline]
    pub fn fresh(&self, now: Reading) -> Option<AccessToken> {
        let cached = self.cached.load();
        let cached = cached.as_deref()?;
        cached.is_fresh(now).then(|| cached.access_token.clone())
    }

    /// The cached token if it has not expired, even if it is due for refresh.
    pub fn unexpired(&self, now: Reading) -> Option<AccessToken> {
        let cached = self.cached.load();
        let cached = cached.as_deref()?;
        cached
            .is_unexpired(now)
            .then(|| cached.access_token.clone())
    }

    /// Books a successful refresh sent at `sent_at`; `persisted`: its grant is stored.
    pub fn record_success(&self, sent_at: SystemTime, persisted: bool) {
        let mut health = self.health();
        health.last_refresh = Some(sent_at);
        health.consecutive_failures = 0;
        health.failed_attempts = 0;
        health.failures = FailureCounts::default();
        health.next_attempt_at = None;
        health.last_error = None;
        health.persist_pending = !persisted;
        if persisted {
            health.storage_failures = 0;
        } else {
            health.storage_failures = health.storage_failures.saturating_add(1);
        }
    }

    pub fn health(&self) -> MutexGuard<'_, Health> {
        // Health is plain counters; a panic mid-update leaves nothing inconsistent.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn flight(&self) -> MutexGuard<'_, Option<Flight>> {
        // Holds an `Option` that is only ever replaced whole.
        self.flight.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_refreshing(&self) -> bool {
        self.flight().is_some()
    }

    /// This slot's grant was rejected, or (for a down-scoped slot) its account's.
    pub fn needs_reauth(&self) -> bool {
        self.needs_reauth.load(Ordering::Acquire)
            || self
                .scoped
                .as_ref()
                .is_some_and(|scoped| scoped.base.needs_reauth())
    }
}
