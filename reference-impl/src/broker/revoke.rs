//! Revocation: tell the provider, then wipe the stored grant.
//!
//! The store trait has no delete, so the grant is replaced (by CAS, with a higher
//! version) by a *tombstone*: a grant with an empty refresh token. Every broker that
//! reads it treats the account as needing re-authorization, and the old refresh token
//! is no longer on disk.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::error::{BrokerError, ProtocolProblem};
use super::persist::ConflictPolicy;
use super::response_check::{parse_retry_after, sanitize_code};
use super::token_broker::TokenBroker;
use crate::secret::RefreshToken;
use crate::store::StoredGrant;

/// True for the grant `revoke` leaves behind.
impl super::token_broker::Inner {
    /// After the provider refused the grant (`invalid_grant`): stores a
    /// tombstone over the refused version, so every process sharing the
    /// store learns the grant is dead from the store instead of sending it
    /// again. Only over the version this broker holds: a newer grant in the
    /// store (fresh consent elsewhere) stays, and is adopted later.
    pub(super) async fn store_refusal(&self, account: &str, state: &mut super::slot::RefreshState) {
        if is_tombstone(&state.grant) || state.grant.service_account.is_some() {
            return;
        }
        let Some(expected) = state.persisted_version else {
            return;
        };
        let tombstone =
            StoredGrant::new(state.grant.version.max(expected) + 1, RefreshToken::new(""));
        match self
            .store
            .compare_and_swap(account, Some(expected), tombstone.clone())
            .await
        {
            Ok(crate::store::CasOutcome::Swapped) => {
                state.persisted_version = Some(tombstone.version);
                state.grant = tombstone;
            }
            Ok(crate::store::CasOutcome::Conflict { .. }) => {}
            Err(error) => {
                tracing::warn!(account, %error, "could not store that the grant was refused");
            }
        }
    }
}

pub(crate) fn is_tombstone(grant: &StoredGrant) -> bool {
    grant.refresh_token.expose_secret().is_empty() && grant.service_account.is_none()
}

impl TokenBroker {
    /// Revokes `account`'s grant at the provider (`POST revoke_url`, token in the
    /// body), then wipes it from memory and the store. Google's 400 `invalid_token`
    /// (already revoked or expired) counts as success.
    ///
    /// # Errors
    ///
    /// [`BrokerError::NotConfigured`] without `revoke_url`; transient errors leave the
    /// grant in place so the call can be retried; a store failure after a successful
    /// revocation is [`BrokerError::Storage`] (the account is wiped from memory anyway).
    pub async fn revoke(&self, account: &str) -> Result<(), BrokerError> {
        let inner = &self.inner;
        let revoke_url = inner
            .config
            .revoke_url
            .clone()
            .ok_or(BrokerError::NotConfigured {
                setting: "revoke_url",
            })?;
        let slot = match inner.slot(account) {
            Some(slot) => slot,
            None => inner.load_slot(account).await?,
        };
        let mut state = slot.refresh.lock().await;
        // A service account has nothing to revoke at the provider: its key is
        // deleted in IAM. Forgetting it here is all a broker can do.
        if !is_tombstone(&state.grant) && state.grant.service_account.is_none() {
            self.send_revocation(account, &revoke_url, &state.grant.refresh_token)
                .await?;
        }
        slot.needs_reauth.store(true, Ordering::Release);
        slot.publish(None);
        inner.forget_scoped(account);
        let tombstone = StoredGrant::new(
            state
                .grant
                .version
                .max(state.persisted_version.unwrap_or(0))
                + 1,
            RefreshToken::new(""),
        );
        let (grant, persisted) = inner
            .persist(
                account,
                state.persisted_version,
                tombstone,
                ConflictPolicy::Overwrite,
            )
            .await;
        state.grant = grant;
        tracing::info!(account, wiped = persisted.is_ok(), "grant revoked");
        match persisted {
            Ok(version) => {
                state.persisted_version = Some(version);
                slot.health().persist_pending = false;
                Ok(())
            }
            Err(source) => {
                slot.health().persist_pending = true;
                drop(state);
                inner.schedule_persist_retry(&Arc::clone(&slot));
                Err(BrokerError::Storage {
                    account: account.to_owned(),
                    source,
                })
            }
        }
    }

    async fn send_revocation(
        &self,
        account: &str,
        revoke_url: &str,
        refresh_token: &RefreshToken,
    ) -> Result<(), BrokerError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("token", refresh_token.expose_secret())
            .finish();
        let request = http::Request::post(revoke_url)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body.into_bytes())
            .map_err(|_| BrokerError::NotConfigured {
                setting: "revoke_url",
            })?;
        let now = self.inner.clock.now();
        self.inner.limiter.acquire().await;
        let response =
            self.inner
                .transport
                .send(request)
                .await
                .map_err(|source| BrokerError::Transport {
                    account: account.to_owned(),
                    source,
                })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        #[derive(serde::Deserialize)]
        struct ErrorBody {
            error: String,
        }
        let error = serde_json::from_slice::<ErrorBody>(response.body())
            .ok()
            .map(|body| sanitize_code(&body.error));
        if status == http::StatusCode::BAD_REQUEST && error.as_deref() == Some("invalid_token") {
            tracing::debug!(account, "token was already revoked");
            return Ok(());
        }
        if status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS {
            return Err(BrokerError::ProviderUnavailable {
                account: account.to_owned(),
                status: status.as_u16(),
                error,
                retry_after: response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, now)),
            });
        }
        Err(BrokerError::Protocol {
            account: account.to_owned(),
            problem: ProtocolProblem::Rejected {
                status: status.as_u16(),
                error: error.unwrap_or_else(|| "<none>".to_owned()),
            },
        })
    }
}
