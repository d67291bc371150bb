use std::time::{Duration, SystemTime};

use super::error::ErrorKind;
use super::metrics;
use super::slot::AccountSlot;
pub use super::slot::FailureCounts;

/// A snapshot of one account, from [`TokenBroker::status`](crate::TokenBroker::status).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccountStatus {
    /// The account name.
    pub account: String,
    /// The account's overall state.
    pub state: AccountState,
    /// When the last successful refresh was sent.
    pub last_refresh: Option<SystemTime>,
    /// When the cached access token expires.
    pub expires_at: Option<SystemTime>,
    /// How long ago the cached token was obtained (unknown for tokens read from the store).
    pub token_age: Option<Duration>,
    /// How long the cached token has left (zero once expired).
    pub time_to_expiry: Option<Duration>,
    /// Refresh failures since the last success.
    pub consecutive_failures: u32,
    /// The same failures by category.
    pub failures: FailureCounts,
    /// The category of the last failure, if the last attempt failed.
    pub last_error: Option<ErrorKind>,
    /// No refresh is sent before this (backoff or `Retry-After`).
    pub next_attempt_at: Option<SystemTime>,
    /// A refreshed grant is only in memory; the store write is being retried.
    pub persist_pending: bool,
    /// How often the clock was seen going backwards.
    pub clock_regressions: u32,
}

/// An account's overall state, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// The provider rejected the grant (or it was revoked); the user must re-authorize.
    NeedsReauth,
    /// A refresh is in flight.
    Refreshing,
    /// Tokens are being served, but a refresh or a store write failed recently.
    Degraded,
    /// No access token has been obtained yet.
    NoToken,
    /// A valid token is cached and the last refresh and write succeeded.
    Ok,
}

impl AccountStatus {
    pub(super) fn of(slot: &AccountSlot, now: SystemTime) -> Self {
        let health = slot.health().clone();
        let cached = slot.cached_full();
        let expires_at = cached.as_deref().map(|cached| cached.expires_at);
        let state = if slot.needs_reauth() {
            AccountState::NeedsReauth
        } else if slot.is_refreshing() {
            AccountState::Refreshing
        } else if health.persist_pending || health.consecutive_failures > 0 {
            AccountState::Degraded
        } else if expires_at.is_none() {
            AccountState::NoToken
        } else {
            AccountState::Ok
        };
        if let Some(expires_at) = expires_at {
            metrics::time_to_expiry(&slot.account, expires_at, now);
        }
        AccountStatus {
            account: slot.account.to_string(),
            state,
            last_refresh: health.last_refresh,
            expires_at,
            token_age: cached
                .as_deref()
                .filter(|cached| cached.received_at > SystemTime::UNIX_EPOCH)
                .and_then(|cached| now.duration_since(cached.received_at).ok()),
            time_to_expiry: expires_at.map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
            consecutive_failures: health.consecutive_failures,
            failures: FailureCounts {
                storage: health.failures.storage.max(health.storage_failures),
                ..health.failures
            },
            last_error: health.last_error.as_ref().map(|error| error.kind()),
            next_attempt_at: health.next_attempt_at,
            persist_pending: health.persist_pending,
            clock_regressions: health.clock_regressions,
        }
    }
}

impl super::TokenBroker {
    /// A snapshot of every known account, sorted by name. Also updates the
    /// `oauth_broker_time_to_expiry_seconds` gauges.
    pub fn status(&self) -> Vec<AccountStatus> {
        let now = self.inner.clock.now();
        let accounts = self.inner.accounts.load();
        let mut statuses: Vec<AccountStatus> = accounts
            .values()
            .map(|slot| AccountStatus::of(slot, now))
            .collect();
        statuses.sort_by(|a, b| a.account.cmp(&b.account));
        statuses
    }
}
