//! One token exchange and what follows it: expiry from local send time, rotation-safe
//! persistence, then publishing to the lock-free cache. Also adopting a grant another
//! process stored.

use super::error::BrokerError;
use super::exchange::exchange;
use super::jwt_bearer::exchange_assertion;
use super::metrics;
use super::persist::ConflictPolicy;
use super::slot::{AccountSlot, CachedToken, RefreshState};
use super::token_broker::Inner;
use crate::clock::Reading;
use crate::secret::AccessToken;
use crate::store::StoredGrant;

impl Inner {
    /// Sends one refresh; on success persists the grant and publishes the token.
    pub async fn exchange_and_persist(
        self: &Inner,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<AccessToken, BrokerError> {
        if let Some(scoped) = &slot.scoped {
            return self.exchange_scoped(slot, scoped, state).await;
        }
        // Expiry counts from before sending, so a slow answer cannot stretch its life.
        let sent_at = self.clock.now();
        let sent_mono = self.clock.monotonic();
        let refreshed = match &state.grant.service_account {
            Some(service_account) => {
                exchange_assertion(
                    &self.transport,
                    &self.config.token_url,
                    account,
                    service_account,
                    &service_account.scopes,
                    sent_at,
                )
                .await?
            }
            None => {
                exchange(
                    &self.client,
                    &self.transport,
                    account,
                    &state.grant.refresh_token,
                    sent_at,
                )
                .await?
            }
        };
        // A clock that stepped back while we waited would push expiry out; take the
        // earlier reading.
        let sent_at = sent_at.min(self.clock.now());
        let expires_at =
            sent_at
                .checked_add(refreshed.expires_in)
                .ok_or_else(|| BrokerError::Protocol {
                    account: account.to_owned(),
                    problem: super::error::ProtocolProblem::InvalidExpiresIn,
                })?;
        let rotated = refreshed.refresh_token.is_some();
        let grant = StoredGrant {
            version: state
                .grant
                .version
                .max(state.persisted_version.unwrap_or(0))
                + 1,
            // A rotated refresh token replaces the old one right here: the old one is
            // never sent again, even if the store write below fails.
            refresh_token: refreshed
                .refresh_token
                .unwrap_or_else(|| state.grant.refresh_token.clone()),
            access_token: Some(refreshed.access_token.clone()),
            expires_at: Some(expires_at),
            obtained_at: Some(sent_at),
            scopes: refreshed
                .scopes
                .unwrap_or_else(|| state.grant.scopes.clone()),
            service_account: state.grant.service_account.clone(),
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
        state.attempts = 0;
        slot.publish(Some(CachedToken::new(
            refreshed.access_token.clone(),
            sent_at,
            self.refresh_at(account, state.generation, Some(sent_at), expires_at),
            expires_at,
            Reading {
                wall: sent_at,
                mono: sent_mono,
            },
        )));
        slot.record_success(sent_at, persisted.is_ok());
        metrics::refresh_outcome("ok");
        metrics::time_to_expiry(account, expires_at, sent_at);
        tracing::debug!(
            account,
            rotated,
            persisted = persisted.is_ok(),
            "refresh succeeded"
        );
        Ok(refreshed.access_token)
    }

    /// Picks up a grant another process (or an operator) stored after ours. Returns its
    /// access token if that one is fresh enough to serve.
    pub async fn adopt_newer_stored(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<Option<AccessToken>, BrokerError> {
        let stored = match self.store.load(account).await {
            Ok(Some(stored)) if Some(stored.version) > state.persisted_version => stored,
            Ok(_) => return Ok(None),
            Err(error) => {
                tracing::warn!(account, %error, "could not read the store before refreshing; using the grant in memory");
                return Ok(None);
            }
        };
        tracing::debug!(
            account,
            version = stored.version,
            "adopting a newer grant from the store"
        );
        if super::revoke::is_tombstone(&stored) {
            slot.needs_reauth
                .store(true, std::sync::atomic::Ordering::Release);
            slot.publish(None);
            state.persisted_version = Some(stored.version);
            state.grant = stored;
            return Err(BrokerError::NeedsReauth {
                account: account.to_owned(),
            });
        }
        let mut adopted = None;
        if let (Some(access_token), Some(expires_at)) = (&stored.access_token, stored.expires_at) {
            let now = Reading::of(&*self.clock);
            // Half the token's life (from when the other process obtained
            // it) is the floor, so a short-lived token another process just
            // stored is served, not refreshed again at once, while a long
            // one near its end is refreshed. A record that does not say when
            // (written before it was kept) gets no floor: refreshing once
            // more is safe, serving a dying token is not.
            let refresh_at =
                self.refresh_at(account, state.generation, stored.obtained_at, expires_at);
            if now.wall < refresh_at {
                slot.publish(Some(CachedToken::new(
                    access_token.clone(),
                    std::time::SystemTime::UNIX_EPOCH,
                    refresh_at,
                    expires_at,
                    now,
                )));
                adopted = Some(access_token.clone());
            }
        }
        state.persisted_version = Some(stored.version);
        state.grant = stored;
        if adopted.is_some() {
            metrics::refresh_outcome("adopted");
            let mut health = slot.health();
            health.persist_pending = false;
            health.consecutive_failures = 0;
            health.failed_attempts = 0;
            health.next_attempt_at = None;
            health.last_error = None;
        } else {
            slot.health().persist_pending = false;
        }
        Ok(adopted)
    }
}
