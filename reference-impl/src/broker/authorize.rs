//! The authorization code flow with PKCE S256 and a one-time `state` per attempt.
//!
//! `begin_authorization` draws a 256-bit verifier and a 256-bit state from a CSPRNG
//! (a ChaCha20 stream from the OS, or from `BrokerConfig::seed` in simulations) and
//! remembers them together. `complete_authorization` accepts a callback only for a
//! state it issued and has not seen before; the code is exchanged with that attempt's
//! verifier, so a code minted for another attempt fails PKCE at the provider.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::PoisonError;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth2::{CsrfToken, PkceCodeChallenge, PkceCodeVerifier, Scope};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use secrecy::{ExposeSecret, SecretString};

use super::authorize_error::AuthorizationError;
use super::error::{BrokerError, ErrorKind};
use super::exchange::exchange_code;
use super::response_check::sanitize_code;
use super::slot::CachedToken;
use super::token_broker::TokenBroker;
use crate::clock::Reading;
use crate::store::StoredGrant;

/// How long a started authorization may take before its state is forgotten.
const ATTEMPT_TTL: Duration = Duration::from_secs(10 * 60);
/// Bound on attempts remembered at once, so abandoned logins cannot grow memory.
const MAX_PENDING: usize = 1024;

/// Started authorizations, keyed by state, plus the generator for new ones.
pub(crate) struct Authorizations {
    rng: ChaCha20Rng,
    pending: BTreeMap<String, Attempt>,
}

struct Attempt {
    account: String,
    verifier: SecretString,
    started_at: SystemTime,
}

impl fmt::Debug for Authorizations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorizations")
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

impl Authorizations {
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed ^ 0xA57_0001),
            None => ChaCha20Rng::from_os_rng(),
        };
        Self {
            rng,
            pending: BTreeMap::new(),
        }
    }

    /// 32 random bytes, base64url: 43 characters, valid as a PKCE verifier and a state.
    fn random_token(&mut self) -> String {
        let mut bytes = [0u8; 32];
        self.rng.fill_bytes(&mut bytes);
        URL_SAFE_NO_PAD.encode(bytes)
    }
}

/// A unique name for this broker in leases: from the seed in simulations, random otherwise.
pub(crate) fn default_instance_id(seed: Option<u64>) -> String {
    let mut rng = match seed {
        Some(seed) => ChaCha20Rng::seed_from_u64(seed ^ 0x1D),
        None => ChaCha20Rng::from_os_rng(),
    };
    format!("broker-{:016x}", rng.next_u64())
}

impl TokenBroker {
    /// Starts consent for `account` and returns the URL to send the user to.
    ///
    /// The URL asks for exactly the configured scopes, offline access (a refresh
    /// token), `prompt=consent`, and carries an S256 PKCE challenge and a fresh state.
    ///
    /// # Errors
    ///
    /// [`AuthorizationError::NotConfigured`] without `auth_url` and `redirect_url`.
    pub fn begin_authorization(&self, account: &str) -> Result<String, AuthorizationError> {
        let client = self
            .inner
            .code_client
            .as_ref()
            .ok_or(AuthorizationError::NotConfigured)?;
        let now = self.inner.clock.now();
        let mut authorizations = self.authorizations();
        authorizations
            .pending
            .retain(|_, attempt| !expired(attempt, now));
        if authorizations.pending.len() >= MAX_PENDING {
            // Oldest first: BTreeMap order is by state, so pick by start time.
            if let Some(oldest) = authorizations
                .pending
                .iter()
                .min_by_key(|(_, attempt)| attempt.started_at)
                .map(|(state, _)| state.clone())
            {
                authorizations.pending.remove(&oldest);
            }
        }
        let verifier = authorizations.random_token();
        let state = authorizations.random_token();
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        let scopes = self.inner.config.scopes.iter().cloned().map(Scope::new);
        let (url, _) = client
            .authorize_url(|| CsrfToken::new(state.clone()))
            .add_scopes(scopes)
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent")
            .set_pkce_challenge(challenge)
            .url();
        authorizations.pending.insert(
            state,
            Attempt {
                account: account.to_owned(),
                verifier: SecretString::from(verifier),
                started_at: now,
            },
        );
        Ok(url.into())
    }

    /// Finishes consent from the URL the provider redirected the browser to: checks
    /// the state, exchanges the code with the attempt's PKCE verifier, stores the
    /// refresh token (compare-and-swap) and registers the account. Returns the account.
    ///
    /// # Errors
    ///
    /// See [`AuthorizationError`]: a wrong, missing, expired or replayed state, an
    /// `error=` callback, a code the provider rejects, or no refresh token.
    pub async fn complete_authorization(
        &self,
        callback_url: &str,
    ) -> Result<String, AuthorizationError> {
        let client = self
            .inner
            .code_client
            .as_ref()
            .ok_or(AuthorizationError::NotConfigured)?;
        let callback = url::Url::parse(callback_url)
            .map_err(|source| AuthorizationError::InvalidCallbackUrl { source })?;
        let query: BTreeMap<String, String> = callback.query_pairs().into_owned().collect();
        let state = query.get("state").ok_or(AuthorizationError::MissingState)?;
        // Removed before anything else: a state is good for exactly one callback.
        let attempt = self
            .authorizations()
            .pending
            .remove(state)
            .ok_or(AuthorizationError::UnknownState)?;
        let account = attempt.account.clone();
        let now = self.inner.clock.now();
        let sent_mono = self.inner.clock.monotonic();
        if expired(&attempt, now) {
            return Err(AuthorizationError::Expired { account });
        }
        if !same_endpoint(&callback, client.redirect_uri().map(|r| r.url())) {
            return Err(AuthorizationError::WrongRedirect { account });
        }
        if let Some(error) = query.get("error") {
            return Err(AuthorizationError::Denied {
                account,
                error: sanitize_code(error),
            });
        }
        let code = query
            .get("code")
            .ok_or_else(|| AuthorizationError::MissingCode {
                account: account.clone(),
            })?;
        self.inner.limiter.acquire().await;
        let tokens = exchange_code(
            client,
            &self.inner.transport,
            &account,
            code.clone(),
            attempt.verifier.expose_secret().to_owned(),
            now,
        )
        .await
        .map_err(|source| match source.kind() {
            ErrorKind::Revoked => AuthorizationError::CodeRejected {
                account: account.clone(),
                source,
            },
            _ => AuthorizationError::Exchange {
                account: account.clone(),
                source,
            },
        })?;
        let refresh_token =
            tokens
                .refresh_token
                .ok_or_else(|| AuthorizationError::NoRefreshToken {
                    account: account.clone(),
                })?;
        let sent_at = now.min(self.inner.clock.now());
        let expires_at =
            sent_at
                .checked_add(tokens.expires_in)
                .ok_or_else(|| AuthorizationError::Exchange {
                    account: account.clone(),
                    source: BrokerError::Protocol {
                        account: account.clone(),
                        problem: super::error::ProtocolProblem::InvalidExpiresIn,
                    },
                })?;
        let mut grant = StoredGrant::new(0, refresh_token);
        grant.access_token = Some(tokens.access_token.clone());
        grant.expires_at = Some(expires_at);
        grant.obtained_at = Some(sent_at);
        grant.scopes = tokens
            .scopes
            .unwrap_or_else(|| self.inner.config.scopes.clone());
        let cached = CachedToken::new(
            tokens.access_token,
            sent_at,
            self.inner
                .refresh_at(&account, 0, Some(sent_at), expires_at),
            expires_at,
            Reading {
                wall: sent_at,
                mono: sent_mono,
            },
        );
        self.inner.register(&account, grant, Some(cached)).await;
        tracing::info!(account, "authorization completed");
        Ok(account)
    }

    fn authorizations(&self) -> std::sync::MutexGuard<'_, Authorizations> {
        // Removing or inserting an entry cannot be left half done by a panic.
        self.inner
            .authorizations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

fn expired(attempt: &Attempt, now: SystemTime) -> bool {
    now.duration_since(attempt.started_at)
        .is_ok_and(|age| age > ATTEMPT_TTL)
}

/// The callback must arrive at the registered redirect URI (scheme, host, port, path).
fn same_endpoint(callback: &url::Url, redirect: Option<&url::Url>) -> bool {
    redirect.is_none_or(|redirect| {
        callback.scheme() == redirect.scheme()
            && callback.host_str() == redirect.host_str()
            && callback.port_or_known_default() == redirect.port_or_known_default()
            && callback.path() == redirect.path()
    })
}
