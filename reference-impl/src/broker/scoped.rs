//! Down-scoped tokens: an access token for a subset of an account's scopes, bought
//! with the account's own grant (Google's refresh `scope` parameter, or a narrower
//! assertion for a service account).
//!
//! Each (account, scope set) gets its own slot, so the single-flight, backoff and
//! cache of `refresh.rs` apply per scope set: a thousand consumers of one role cause
//! one refresh. Such a slot stores nothing; a refresh token rotated on a scoped
//! refresh replaces the account's own, under the account's refresh lock.

use std::sync::Arc;
use std::sync::PoisonError;

use super::error::{BrokerError, ProtocolProblem};
use super::exchange::exchange_with_scopes;
use super::jwt_bearer::exchange_assertion;
use super::persist::ConflictPolicy;
use super::slot::{AccountSlot, CachedToken, RefreshState, ScopedOf};
use super::token_broker::{Inner, TokenBroker};
use crate::clock::Reading;
use crate::secret::AccessToken;
use crate::store::StoredGrant;

/// Scope sets are few (one per consumer role); this bounds a misuse that invents
/// a new one per call.
const MAX_SCOPED_SLOTS: usize = 4096;

impl TokenBroker {
    /// An access token for `account` limited to `scopes`, which must be among the
    /// scopes the account was granted (or, for a service account, configured with).
    ///
    /// The token is cached and refreshed per (account, scope set), single flight:
    /// concurrent callers asking for the same set share one request.
    ///
    /// ```no_run
    /// # async fn example(broker: reference_impl::TokenBroker) -> Result<(), reference_impl::BrokerError> {
    /// let read_only = broker
    ///     .access_token_scoped("alice", &["https://www.googleapis.com/auth/gmail.readonly"])
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`access_token`](Self::access_token), plus [`BrokerError::ScopeNotGranted`]
    /// for a scope outside the grant (nothing is sent then).
    pub async fn access_token_scoped(
        &self,
        account: &str,
        scopes: &[impl AsRef<str>],
    ) -> Result<AccessToken, BrokerError> {
        let mut wanted: Vec<String> = scopes.iter().map(|s| s.as_ref().to_owned()).collect();
        wanted.sort();
        wanted.dedup();
        let base = match self.inner.slot(account) {
            Some(slot) => slot,
            None => self.inner.load_slot(account).await?,
        };
        let granted = {
            let state = base.refresh.lock().await;
            match &state.grant.service_account {
                Some(service_account) => service_account.scopes.clone(),
                None => state.grant.scopes.clone(),
            }
        };
        // Unknown until the first refresh reports them; then the provider decides.
        if !granted.is_empty()
            && let Some(scope) = wanted.iter().find(|scope| !granted.contains(scope))
        {
            return Err(BrokerError::ScopeNotGranted {
                account: account.to_owned(),
                scope: scope.clone(),
            });
        }
        if wanted.is_empty() || wanted == granted {
            return self.inner.token_for(&base).await;
        }
        let slot = self.inner.scoped_slot(account, &base, wanted)?;
        self.inner.token_for(&slot).await
    }
}

impl TokenBroker {
    /// The clock this broker reads (for components that share its notion of now).
    pub(crate) fn clock(&self) -> &Arc<dyn crate::clock::Clock> {
        &self.inner.clock
    }

    /// The status of `account`'s token down-scoped to `scopes` (its own slot's when
    /// the set is the whole grant or was never asked for).
    ///
    /// ```no_run
    /// # let broker: reference_impl::TokenBroker = unimplemented!();
    /// let status = broker.scoped_status("alice", &["https://www.googleapis.com/auth/gmail.readonly"]);
    /// # let _ = status;
    /// ```
    pub fn scoped_status(
        &self,
        account: &str,
        scopes: &[impl AsRef<str>],
    ) -> Option<super::status::AccountStatus> {
        let mut wanted: Vec<String> = scopes.iter().map(|s| s.as_ref().to_owned()).collect();
        wanted.sort();
        wanted.dedup();
        let now = Reading::of(&*self.inner.clock);
        let scoped = self
            .inner
            .scoped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(Box::<str>::from(account), wanted))
            .cloned();
        let slot = scoped.or_else(|| self.inner.slot(account))?;
        Some(super::status::AccountStatus::of(
            &slot,
            now,
            self.inner.config.warning_threshold,
        ))
    }
}

impl Inner {
    fn scoped_slot(
        &self,
        account: &str,
        base: &Arc<AccountSlot>,
        scopes: Vec<String>,
    ) -> Result<Arc<AccountSlot>, BrokerError> {
        let mut slots = self.scoped.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (Box::<str>::from(account), scopes);
        if let Some(slot) = slots.get(&key) {
            return Ok(Arc::clone(slot));
        }
        if slots.len() >= MAX_SCOPED_SLOTS {
            return Err(BrokerError::Protocol {
                account: account.to_owned(),
                problem: ProtocolProblem::Rejected {
                    status: 0,
                    error: "too_many_scope_sets".to_owned(),
                },
            });
        }
        let slot = Arc::new(AccountSlot::scoped(Arc::clone(base), key.1.clone()));
        slots.insert(key, Arc::clone(&slot));
        Ok(slot)
    }

    /// Drops `account`'s down-scoped slots (after re-consent or revocation), so the
    /// next call starts from the account's new grant.
    pub fn forget_scoped(&self, account: &str) {
        self.scoped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(owner, _), _| &**owner != account);
    }

    /// One down-scoped exchange, paid for by the account's grant.
    pub async fn exchange_scoped(
        &self,
        slot: &AccountSlot,
        scoped: &ScopedOf,
        state: &mut RefreshState,
    ) -> Result<AccessToken, BrokerError> {
        let account = &*slot.account;
        let mut base = scoped.base.refresh.lock().await;
        if super::revoke::is_tombstone(&base.grant) || scoped.base.needs_reauth() {
            return Err(BrokerError::NeedsReauth {
                account: account.to_owned(),
            });
        }
        let sent_at = self.clock.now();
        let sent_mono = self.clock.monotonic();
        let refreshed = match &base.grant.service_account {
            Some(service_account) => {
                exchange_assertion(
                    &self.transport,
                    &self.config.token_url,
                    account,
                    service_account,
                    &scoped.scopes,
                    sent_at,
                )
                .await?
            }
            None => {
                exchange_with_scopes(
                    &self.client,
                    &self.transport,
                    account,
                    &base.grant.refresh_token,
                    &scoped.scopes,
                    sent_at,
                )
                .await?
            }
        };
        if let Some(rotated) = refreshed.refresh_token.clone() {
            self.keep_rotated(account, &scoped.base, &mut base, rotated)
                .await;
        }
        drop(base);
        let sent_at = sent_at.min(self.clock.now());
        let expires_at =
            sent_at
                .checked_add(refreshed.expires_in)
                .ok_or_else(|| BrokerError::Protocol {
                    account: account.to_owned(),
                    problem: ProtocolProblem::InvalidExpiresIn,
                })?;
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
        slot.record_success(sent_at, true);
        super::metrics::refresh_outcome("ok");
        tracing::debug!(
            account,
            scopes = scoped.scopes.len(),
            "down-scoped token obtained"
        );
        Ok(refreshed.access_token)
    }

    /// A scoped refresh rotated the account's refresh token: it replaces the old one
    /// at once (the old one is never sent again) and is persisted like any rotation.
    async fn keep_rotated(
        &self,
        account: &str,
        base_slot: &AccountSlot,
        base: &mut RefreshState,
        rotated: crate::secret::RefreshToken,
    ) {
        let grant = StoredGrant {
            version: base.grant.version.max(base.persisted_version.unwrap_or(0)) + 1,
            refresh_token: rotated,
            ..base.grant.clone()
        };
        let (grant, persisted) = self
            .persist(
                account,
                base.persisted_version,
                grant,
                ConflictPolicy::KeepNewerStored,
            )
            .await;
        base.grant = grant;
        match persisted {
            Ok(version) => base.persisted_version = Some(version),
            Err(_) => {
                base_slot.health().persist_pending = true;
            }
        }
    }
}
