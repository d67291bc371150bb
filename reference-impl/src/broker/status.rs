use std::time::{Duration, SystemTime};

use super::error::ErrorKind;
use super::metrics;
use super::slot::AccountSlot;
pub use super::slot::FailureCounts;
use crate::clock::Reading;

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
    /// An operator alert on this account, if one is raised.
    pub alert: Option<Alert>,
}

/// An alert an operator should act on, from [`AccountStatus::alert`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Alert {
    /// The token is within the warning threshold of expiry (or expired) and at
    /// least [`ALERT_AFTER_FAILURES`] refreshes in a row have failed: it will
    /// stop working unless someone acts.
    ExpiringWithFailures,
}

/// Failed refreshes in a row that, near expiry, raise
/// [`Alert::ExpiringWithFailures`].
pub const ALERT_AFTER_FAILURES: u32 = 2;

impl Alert {
    /// The alert's name in `status` answers and the `alert` metric label.
    ///
    /// ```
    /// assert_eq!(reference_impl::Alert::ExpiringWithFailures.name(), "expiring_with_failures");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::ExpiringWithFailures => "expiring_with_failures",
        }
    }
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
    pub(super) fn of(slot: &AccountSlot, reading: Reading, warning: Duration) -> Self {
        let now = reading.wall;
        let health = slot.health().clone();
        let cached = slot.cached_full();
        // Seen from now: a wall clock stepped back since the token was
        // obtained does not make it look longer-lived.
        let expires_at = cached
            .as_deref()
            .map(|cached| cached.expires_at_seen_from(reading));
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
        let time_to_expiry = expires_at.map(|at| at.duration_since(now).unwrap_or(Duration::ZERO));
        let alert = (time_to_expiry.is_some_and(|left| left <= warning)
            && health.consecutive_failures >= ALERT_AFTER_FAILURES)
            .then_some(Alert::ExpiringWithFailures);
        metrics::alert(
            &slot.account,
            Alert::ExpiringWithFailures.name(),
            alert.is_some(),
        );
        AccountStatus {
            account: slot.account.to_string(),
            state,
            last_refresh: health.last_refresh,
            expires_at,
            token_age: cached
                .as_deref()
                .filter(|cached| cached.received_at > SystemTime::UNIX_EPOCH)
                .and_then(|cached| now.duration_since(cached.received_at).ok()),
            time_to_expiry,
            consecutive_failures: health.consecutive_failures,
            failures: FailureCounts {
                storage: health.failures.storage.max(health.storage_failures),
                ..health.failures
            },
            last_error: health.last_error.as_ref().map(|error| error.kind()),
            next_attempt_at: health.next_attempt_at,
            persist_pending: health.persist_pending,
            clock_regressions: health.clock_regressions,
            alert,
        }
    }
}

impl super::TokenBroker {
    /// A snapshot of every known account, sorted by name. Also updates the
    /// `oauth_broker_time_to_expiry_seconds` and `oauth_broker_alert` gauges.
    pub fn status(&self) -> Vec<AccountStatus> {
        let now = Reading::of(&*self.inner.clock);
        let warning = self.inner.config.warning_threshold;
        let accounts = self.inner.accounts.load();
        let mut statuses: Vec<AccountStatus> = accounts
            .values()
            .map(|slot| AccountStatus::of(slot, now, warning))
            .collect();
        statuses.sort_by(|a, b| a.account.cmp(&b.account));
        statuses
    }

    /// Reads every account the store holds into memory (no refresh, no
    /// request), so [`status`](Self::status) reports what the store knows
    /// from the start: a broker restarted after a grant was refused says
    /// `needs_reauth` at once instead of forgetting the account until a
    /// caller next asks for it. Accounts already in memory are left alone.
    /// Returns how many it read.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use reference_impl::{BrokerConfig, MemoryStore, ReqwestTransport, SystemClock, TokenBroker};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let config = BrokerConfig::new("https://oauth2.example/token", "id", "secret");
    /// let broker = TokenBroker::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), Arc::new(MemoryStore::new()))?;
    /// assert_eq!(broker.load_stored_accounts().await?, 0);
    /// assert!(broker.status().is_empty());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The store's error when it cannot list its accounts; an account it
    /// lists but cannot read is skipped (its first caller reads it again).
    pub async fn load_stored_accounts(&self) -> Result<usize, crate::store::StoreError> {
        let mut read = 0;
        for account in self.inner.store.list_accounts().await? {
            if self.inner.slot(&account).is_some() {
                continue;
            }
            if self.inner.load_slot(&account).await.is_ok() {
                read += 1;
            }
        }
        Ok(read)
    }
}

/// The protocol's name for a state (`ok`, `needs_reauth`, ...).
pub(super) fn state_label(state: AccountState) -> &'static str {
    match state {
        AccountState::Ok => "ok",
        AccountState::Refreshing => "refreshing",
        AccountState::Degraded => "degraded",
        AccountState::NeedsReauth => "needs_reauth",
        AccountState::NoToken => "no_token",
    }
}
