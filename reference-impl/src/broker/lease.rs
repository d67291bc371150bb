//! Refreshing once across processes that share a store.
//!
//! Before sending, a broker takes the store's lease for the account. If another process
//! holds it, this one waits (bounded, with backoff) re-reading the store, and adopts
//! the token the holder stores. Versioned CAS is the fence: even a holder whose lease
//! lapsed mid-refresh cannot overwrite a newer grant.

use std::time::Duration;

use super::error::BrokerError;
use super::slot::{AccountSlot, RefreshState};
use super::token_broker::Inner;
use crate::secret::AccessToken;
use crate::store::{Lease, StoreError};

const FIRST_LEASE_WAIT: Duration = Duration::from_millis(100);
const MAX_LEASE_WAIT: Duration = Duration::from_secs(2);

/// What the coordination step decided.
pub(super) enum Coordinated {
    /// Another process stored a fresh token; use it, send nothing.
    Adopted(AccessToken),
    /// Refresh now; release the lease (if the store issued one) afterwards.
    Proceed(Option<Lease>),
}

impl Inner {
    pub(super) async fn coordinate(
        &self,
        account: &str,
        slot: &AccountSlot,
        state: &mut RefreshState,
    ) -> Result<Coordinated, BrokerError> {
        let ttl = self.config.lease_ttl;
        // Past the TTL a crashed holder's lease has lapsed, so waiting longer is pointless.
        let deadline = tokio::time::Instant::now() + ttl + FIRST_LEASE_WAIT;
        let mut wait = FIRST_LEASE_WAIT;
        loop {
            match self
                .store
                .try_acquire_lease(account, &self.holder, ttl)
                .await
            {
                Ok(Some(lease)) => {
                    // The previous holder may have stored a token just before releasing.
                    if let Some(token) = self.adopt_newer_stored(account, slot, state).await? {
                        self.release(Some(lease)).await;
                        return Ok(Coordinated::Adopted(token));
                    }
                    return Ok(Coordinated::Proceed(Some(lease)));
                }
                Ok(None) => {}
                // A store without leases serves one process: CAS alone is the fence.
                Err(StoreError::Unsupported { .. }) => return Ok(Coordinated::Proceed(None)),
                Err(error) => {
                    // Availability first: CAS still keeps the store consistent.
                    // Still look: another process may have stored a fresh token
                    // (a lease call can fail where a read goes through).
                    tracing::warn!(account, %error, "could not take the refresh lease; refreshing without it");
                    if let Some(token) = self.adopt_newer_stored(account, slot, state).await? {
                        return Ok(Coordinated::Adopted(token));
                    }
                    return Ok(Coordinated::Proceed(None));
                }
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(BrokerError::LeaseBusy {
                    account: account.to_owned(),
                });
            }
            tracing::debug!(
                account,
                ?wait,
                "another process holds the refresh lease; waiting"
            );
            tokio::time::sleep(wait.min(deadline - now)).await;
            wait = (wait * 2).min(MAX_LEASE_WAIT);
            if let Some(token) = self.adopt_newer_stored(account, slot, state).await? {
                return Ok(Coordinated::Adopted(token));
            }
        }
    }

    pub(super) async fn release(&self, lease: Option<Lease>) {
        let Some(lease) = lease else { return };
        if let Err(error) = self.store.release_lease(&lease).await {
            // It lapses on its own at `expires_at`.
            tracing::warn!(account = %lease.account, %error, "could not release the refresh lease");
        }
    }
}
