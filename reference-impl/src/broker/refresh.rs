use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use tracing::Instrument;

use super::error::{BrokerError, ErrorKind, ProtocolProblem};
use super::exchange::exchange;
use super::persist::ConflictPolicy;
use super::slot::{AccountSlot, CachedToken, RefreshState};
use super::token_broker::Inner;
use crate::secret::AccessToken;
use crate::store::StoredGrant;

/// Longest wait between attempts while an older token is still being served.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

impl Inner {
    /// Everything after a cache miss: find the account, then join or start a refresh.
    pub async fn access_token_slow(&self, account: &str) -> Result<AccessToken, BrokerError> {
        let slot = match self.slot(account) {
            Some(slot) => slot,
            None => self.load_slot(account).await?,
        };
        // Read before the cache check: if an attempt finishes after this point, the
        // counter will have moved by the time we hold the lock.
        let seen = slot.completed_attempts.load(Ordering::Acquire);
        if let Some(token) = slot.fresh(self.clock.now()) {
            return Ok(token);
        }
        let mut state = slot.refresh.lock().await;
        if slot.completed_attempts.load(Ordering::Acquire) != seen {
            // An attempt finished while we queued: its outcome is ours too.
            if let Some(token) = slot.unexpired(self.clock.now()) {
                return Ok(token);
            }
            if let Some(error) = &state.last_failure {
                return Err(error.clone());
            }
        }
        if slot.needs_reauth.load(Ordering::Acquire) {
            return Err(BrokerError::NeedsReauth {
                account: account.to_owned(),
            });
        }
        if let Some(token) = slot.fresh(self.clock.now()) {
            return Ok(token);
        }
        let _refreshing = slot.refreshing_guard();
        let result = match self.refresh(account, &slot, &mut state).await {
            Ok(token) => {
                state.last_failure = None;
                Ok(token)
            }
            Err(error) => self.on_failure(account, &slot, &mut state, error),
        };
        // Last, so callers that see the new count also see the outcome.
        slot.completed_attempts.fetch_add(1, Ordering::Release);
        result
    }

    async fn refresh(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<AccessToken, BrokerError> {
        self.adopt_newer_stored(account, slot, state).await;
        if let Some(token) = slot.fresh(self.clock.now()) {
            return Ok(token);
        }
        // Expiry counts from before sending, so a slow answer cannot stretch its life.
        let sent_at = self.clock.now();
        let span = tracing::debug_span!("refresh", account);
        let refreshed = async {
            tracing::debug!("refresh started");
            exchange(
                &self.client,
                &self.transport,
                account,
                &state.grant.refresh_token,
            )
            .await
        }
        .instrument(span.clone())
        .await?;
        let expires_at = Some(refreshed.expires_in)
            .filter(|lifetime| !lifetime.is_zero())
            .and_then(|lifetime| sent_at.checked_add(lifetime))
            .ok_or_else(|| BrokerError::Protocol {
                account: account.to_owned(),
                problem: ProtocolProblem::InvalidExpiresIn,
            })?;
        let rotated = refreshed.refresh_token.is_some();
        let grant = StoredGrant {
            version: state
                .grant
                .version
                .max(state.persisted_version.unwrap_or(0))
                + 1,
            refresh_token: refreshed
                .refresh_token
                .unwrap_or_else(|| state.grant.refresh_token.clone()),
            access_token: Some(refreshed.access_token.clone()),
            expires_at: Some(expires_at),
            scopes: refreshed
                .scopes
                .unwrap_or_else(|| state.grant.scopes.clone()),
        };
        // Persist before publishing: a rotated refresh token must be durable before
        // the access token it came with is used.
        let (grant, persisted) = self
            .persist(
                account,
                state.persisted_version,
                grant,
                ConflictPolicy::KeepNewerStored,
            )
            .await;
        state.grant = grant;
        if let Ok(version) = &persisted {
            state.persisted_version = Some(*version);
        }
        state.generation += 1;
        slot.cached.store(Some(Arc::new(CachedToken {
            access_token: refreshed.access_token.clone(),
            refresh_at: self.refresh_at(account, state.generation, Some(sent_at), expires_at),
            expires_at,
        })));
        {
            let mut health = slot.health();
            health.last_refresh = Some(sent_at);
            health.consecutive_failures = 0;
            health.persist_pending = persisted.is_err();
        }
        tracing::debug!(parent: &span, rotated, persisted = persisted.is_ok(), "refresh succeeded");
        Ok(refreshed.access_token)
    }

    /// Picks up a grant another process (or an operator) stored after ours.
    async fn adopt_newer_stored(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) {
        match self.store.load(account).await {
            Ok(Some(stored)) if Some(stored.version) > state.persisted_version => {
                tracing::debug!(
                    account,
                    version = stored.version,
                    "adopting a newer grant from the store"
                );
                if let (Some(access_token), Some(expires_at)) =
                    (&stored.access_token, stored.expires_at)
                {
                    let refresh_at = self.refresh_at(account, state.generation, None, expires_at);
                    if self.clock.now() < refresh_at {
                        let access_token = access_token.clone();
                        slot.cached.store(Some(Arc::new(CachedToken {
                            access_token,
                            refresh_at,
                            expires_at,
                        })));
                    }
                }
                state.persisted_version = Some(stored.version);
                state.grant = stored;
                slot.health().persist_pending = false;
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(account, %error, "could not read the store before refreshing; using the grant in memory");
            }
        }
    }

    /// Records a failed attempt. Returns the old token if it is still valid (and
    /// backs off the next attempt), the error otherwise.
    fn on_failure(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
        error: BrokerError,
    ) -> Result<AccessToken, BrokerError> {
        let failures = {
            let mut health = slot.health();
            health.consecutive_failures = health.consecutive_failures.saturating_add(1);
            health.consecutive_failures
        };
        tracing::debug!(account, kind = ?error.kind(), failures, "refresh failed");
        let now = self.clock.now();
        if error.kind() == ErrorKind::Revoked {
            slot.needs_reauth.store(true, Ordering::Release);
            slot.cached.store(None);
        } else if let Some(cached) = slot
            .cached
            .load_full()
            .filter(|cached| now < cached.expires_at)
        {
            let backoff = Duration::from_secs(1 << (failures - 1).min(6)).min(MAX_BACKOFF);
            let refresh_at = now
                .checked_add(backoff)
                .unwrap_or(SystemTime::UNIX_EPOCH)
                .min(cached.expires_at);
            let access_token = cached.access_token.clone();
            let expires_at = cached.expires_at;
            slot.cached.store(Some(Arc::new(CachedToken {
                access_token: access_token.clone(),
                refresh_at,
                expires_at,
            })));
            state.last_failure = None;
            return Ok(access_token);
        }
        state.last_failure = Some(error.clone());
        Err(error)
    }
}
