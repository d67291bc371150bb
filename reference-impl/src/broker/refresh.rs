//! Single-flight refresh: who sends, who waits, and what a failure means.
//!
//! The first caller that finds a token due starts a *flight*: the refresh runs in its
//! own tokio task and its outcome is a shared future every concurrent caller awaits.
//! Because the task is spawned, a caller cancelled mid-refresh (a timeout, a dropped
//! request) cannot cancel the exchange halfway and lose a rotated refresh token.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use futures::FutureExt;
use futures::future::BoxFuture;

use super::error::{BrokerError, ErrorKind};
use super::metrics;
use super::retry::Urgency;
use super::slot::{AccountSlot, CachedToken, Flight, RefreshState};
use super::token_broker::Inner;
use crate::clock::Reading;
use crate::secret::AccessToken;

/// Salt for backoff draws, so they are independent of the refresh-point jitter.
const BACKOFF_SALT: u64 = 0xB0FF;
/// Never retry sooner than this, even when full jitter draws zero.
const MIN_BACKOFF: Duration = Duration::from_millis(50);

impl Inner {
    /// Everything after a cache miss: find the account, then join or start a refresh.
    pub async fn access_token_slow(
        self: &Arc<Self>,
        account: &str,
    ) -> Result<AccessToken, BrokerError> {
        let slot = match self.slot(account) {
            Some(slot) => slot,
            None => self.load_slot(account).await?,
        };
        self.token_for(&slot).await
    }

    pub async fn token_for(
        self: &Arc<Self>,
        slot: &Arc<AccountSlot>,
    ) -> Result<AccessToken, BrokerError> {
        // A refused account may have been re-authorized through another
        // process sharing the store (`reconsent.rs`).
        if slot.needs_reauth() && slot.scoped.is_none() {
            self.adopt_reconsent(slot).await;
        }
        match self.join_or_start(slot) {
            Ok(flight) => flight.await,
            Err(settled) => settled,
        }
    }

    /// The refresh to wait on, or (as `Err`) an outcome known without one: a fresh
    /// token, needs-reauth, or a backoff still running.
    fn join_or_start(
        self: &Arc<Self>,
        slot: &Arc<AccountSlot>,
    ) -> Result<Flight, Result<AccessToken, BrokerError>> {
        let mut flight = slot.flight();
        let now = Reading::of(&*self.clock);
        self.watch_wall(now);
        if let Some(token) = slot.fresh(now) {
            return Err(Ok(token));
        }
        if slot.needs_reauth() {
            return Err(Err(BrokerError::NeedsReauth {
                account: slot.account.to_string(),
            }));
        }
        if let Some(current) = flight.as_ref() {
            return Ok(current.clone());
        }
        if let Some(settled) = self.backing_off(slot, now) {
            return Err(settled);
        }
        let started = self.start_flight(slot);
        *flight = Some(started.clone());
        Ok(started)
    }

    /// During a backoff: the unexpired old token, or the last error.
    fn backing_off(
        &self,
        slot: &AccountSlot,
        reading: Reading,
    ) -> Option<Result<AccessToken, BrokerError>> {
        let now = reading.wall;
        let mut health = slot.health();
        if let Some(cached) = slot.cached().as_deref()
            && now < cached.received_at
        {
            health.clock_regressions = health.clock_regressions.saturating_add(1);
            metrics::clock_regression();
            tracing::warn!(account = %slot.account, "the clock went backwards; not trusting the cached token");
        }
        let next = health.next_attempt_at?;
        // A clock that went back past the failure would stretch the backoff; ignore it.
        let failed_at = health.last_failure_at.unwrap_or(SystemTime::UNIX_EPOCH);
        if now >= next || now < failed_at {
            return None;
        }
        if let Some(token) = slot.unexpired(reading) {
            return Some(Ok(token));
        }
        health.last_error.clone().map(Err)
    }

    fn start_flight(self: &Arc<Self>, slot: &Arc<AccountSlot>) -> Flight {
        let task = Arc::clone(self).run_refresh(Arc::clone(slot));
        let account = slot.account.to_string();
        let outcome: BoxFuture<'static, Result<AccessToken, BrokerError>> =
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let handle = runtime.spawn(task);
                    self.tasks.track(handle.abort_handle());
                    Box::pin(async move {
                        handle
                            .await
                            .unwrap_or(Err(BrokerError::RefreshAborted { account }))
                    })
                }
                // Outside tokio there is nothing to spawn on; run it in the caller.
                Err(_) => Box::pin(task),
            };
        outcome.shared()
    }

    /// The body of a flight's task.
    async fn run_refresh(
        self: Arc<Self>,
        slot: Arc<AccountSlot>,
    ) -> Result<AccessToken, BrokerError> {
        let account = slot.account.to_string();
        let started = tokio::time::Instant::now();
        let result = {
            let mut state = slot.refresh.lock().await;
            match self.refresh(&account, &slot, &mut state).await {
                Ok(token) => Ok(token),
                Err(error) => {
                    // Only the grant's own death: `invalid_client` is this
                    // client's misconfiguration, and the grants outlive its fix.
                    let refused = matches!(&error, BrokerError::Revoked { error, .. } if error == "invalid_grant");
                    let failed = self.on_failure(&account, &slot, &mut state, error);
                    if refused {
                        self.store_refusal(&account, &mut state).await;
                    }
                    failed
                }
            }
        };
        metrics::refresh_duration(started.elapsed());
        if slot.health().persist_pending {
            self.schedule_persist_retry(&slot);
        }
        // Last, after the outcome is published in the slot: a caller that finds no
        // flight finds the new token or the new backoff instead.
        *slot.flight() = None;
        self.schedule_changed.notify_one();
        result
    }

    /// Adopt a newer stored token or coordinate with other processes, then exchange,
    /// retrying transient failures as hard as the token's remaining life demands.
    async fn refresh(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<AccessToken, BrokerError> {
        // A down-scoped slot stores nothing and needs no lease: its account's grant
        // is read (and any rotation stored) under that account's own refresh lock.
        if slot.scoped.is_some() {
            return self.refresh_with_retries(account, slot, state).await;
        }
        if let Some(token) = self.adopt_newer_stored(account, slot, state).await? {
            return Ok(token);
        }
        let lease = match self.coordinate(account, slot, state).await? {
            super::lease::Coordinated::Adopted(token) => return Ok(token),
            super::lease::Coordinated::Proceed(lease) => lease,
        };
        let result = self.refresh_with_retries(account, slot, state).await;
        self.release(lease).await;
        result
    }

    async fn refresh_with_retries(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<AccessToken, BrokerError> {
        // Inline retries are for the first failures of a streak, when the token's
        // remaining life demands effort. Once a streak is established the provider is
        // down: one attempt per call, gated by the account's growing backoff, so a
        // caller arriving every minute cannot restart the exponential from scratch.
        let streak_established = slot.health().consecutive_failures > 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let now = Reading::of(&*self.clock);
            let expires_at = slot
                .cached()
                .as_deref()
                .map(|c| c.expires_at_seen_from(now));
            let urgency = Urgency::at(&self.config, now.wall, expires_at);
            let policy = urgency.policy();
            self.limiter.acquire().await;
            let error = match self.exchange_and_persist(account, slot, state).await {
                Ok(token) => return Ok(token),
                Err(error) => error,
            };
            if error.kind() != ErrorKind::Transient
                || attempt >= policy.attempts
                || streak_established
            {
                return Err(error);
            }
            state.attempts += 1;
            // Every failed request counts towards the gate's exponent, so the gate
            // set when this round ends continues the exponential where the inline
            // retries left it instead of starting again at one second (under a
            // Retry-After floor the restarted schedule was a second per attempt for
            // a minute).
            {
                let mut health = slot.health();
                health.failed_attempts = health.failed_attempts.saturating_add(1);
            }
            let delay = self.backoff(account, state.attempts, policy, attempt, &error);
            if delay > policy.cap {
                // The provider asked for a longer pause than callers should wait inline.
                return Err(error);
            }
            metrics::retry(urgency);
            tracing::debug!(
                account,
                urgency = urgency.label(),
                attempt,
                ?delay,
                "retrying a transient refresh failure"
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn backoff(
        &self,
        account: &str,
        draw: u64,
        policy: super::retry::RetryPolicy,
        failures: u32,
        error: &BrokerError,
    ) -> Duration {
        // Salted with this broker's name so processes sharing an account do not back
        // off in lockstep.
        let salt = BACKOFF_SALT ^ super::config::fnv1a(self.holder.as_bytes());
        let jitter = |ceiling| self.config.draw(account, salt, draw, ceiling);
        policy
            .delay(jitter, failures, error.retry_after())
            .max(MIN_BACKOFF)
    }

    /// Records a failed refresh. Returns the old token if it is still valid (and
    /// backs off the next attempt), the error otherwise.
    fn on_failure(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
        error: BrokerError,
    ) -> Result<AccessToken, BrokerError> {
        let reading = Reading::of(&*self.clock);
        let now = reading.wall;
        state.attempts += 1;
        metrics::refresh_outcome(metrics::outcome_label(error.kind()));
        let cached = slot.cached_full();
        let mut health = slot.health();
        health.consecutive_failures = health.consecutive_failures.saturating_add(1);
        health.failed_attempts = health.failed_attempts.saturating_add(1);
        health.failures.record(error.kind());
        health.last_error = Some(error.clone());
        health.last_failure_at = Some(now);
        tracing::warn!(account, kind = ?error.kind(), failures = health.consecutive_failures, %error, "refresh failed");
        if error.kind() == ErrorKind::Revoked {
            slot.needs_reauth.store(true, Ordering::Release);
            slot.publish(None);
            // A scoped refresh spends the account's own grant: its rejection is the
            // account's too.
            if let Some(scoped) = &slot.scoped {
                scoped.base.needs_reauth.store(true, Ordering::Release);
                scoped.base.publish(None);
            }
            health.next_attempt_at = None;
            return Err(error);
        }
        // The gate between calls grows on the normal schedule (1 s doubling to 60 s)
        // whatever the urgency: urgency buys inline retries, not a hot loop.
        let delay = self.backoff(
            account,
            state.attempts,
            Urgency::Normal.policy(),
            health.failed_attempts,
            &error,
        );
        let next = now.checked_add(delay).unwrap_or(now);
        health.next_attempt_at = Some(next);
        drop(health);
        if let Some(cached) = cached.filter(|cached| cached.is_unexpired(reading)) {
            let access_token = cached.access_token.clone();
            slot.publish(Some(CachedToken {
                access_token: access_token.clone(),
                refresh_at: next.min(cached.expires_at),
                expires_at: cached.expires_at,
                received_at: cached.received_at,
                refresh_by: reading.mono_at(next).min(cached.expires_by),
                expires_by: cached.expires_by,
            }));
            return Ok(access_token);
        }
        Err(error)
    }

    /// Forgets `rejected` if it is still the cached token (an API answered 401 to it).
    pub fn invalidate(&self, slot: &AccountSlot, rejected: &AccessToken) {
        let current = slot.cached_full();
        let Some(cached) = current.as_deref() else {
            return;
        };
        if cached.access_token.expose_secret() != rejected.expose_secret() {
            return;
        }
        if slot.forget(&current) {
            tracing::info!(account = %slot.account, "token rejected by an api; forcing a refresh");
            metrics::forced_refresh();
            // A 401 is evidence the token is dead, whatever backoff was running.
            slot.health().next_attempt_at = None;
        }
    }
}
