use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use arc_swap::ArcSwap;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, TokenUrl};

use super::config::BrokerConfig;
use super::error::BrokerError;
use super::exchange::RefreshClient;
use super::persist::ConflictPolicy;
use super::slot::{AccountSlot, CachedToken};
use super::status::{AccountState, AccountStatus};
use crate::clock::Clock;
use crate::secret::{AccessToken, RefreshToken};
use crate::store::{StoredGrant, TokenStore};
use crate::transport::HttpTransport;

/// The configuration cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `token_url` is not an absolute URL.
    #[error("the configured token url is not a valid absolute url; fix `BrokerConfig::token_url`")]
    InvalidTokenUrl {
        /// The parse failure.
        #[source]
        source: oauth2::url::ParseError,
    },
}

/// Hands out access tokens, refreshing each account at most once at a time.
///
/// Cloning is cheap and clones share all state. See the [crate docs](crate) for a
/// complete example.
#[derive(Clone)]
pub struct TokenBroker {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub config: BrokerConfig,
    pub client: RefreshClient,
    pub clock: Arc<dyn Clock>,
    pub transport: Arc<dyn HttpTransport>,
    pub store: Arc<dyn TokenStore>,
    /// Copy-on-write so lookups take no lock; accounts are added rarely.
    pub accounts: ArcSwap<HashMap<Box<str>, Arc<AccountSlot>>>,
}

impl fmt::Debug for TokenBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBroker")
            .field("config", &self.inner.config)
            .field("accounts", &self.inner.accounts.load().len())
            .field("clock", &self.inner.clock)
            .field("transport", &self.inner.transport)
            .field("store", &self.inner.store)
            .finish_non_exhaustive()
    }
}

impl TokenBroker {
    /// Builds a broker. Nothing is sent until the first [`access_token`](Self::access_token).
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidTokenUrl`] if `config.token_url` does not parse.
    pub fn new(
        config: BrokerConfig,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn HttpTransport>,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, ConfigError> {
        let token_url = TokenUrl::new(config.token_url.clone())
            .map_err(|source| ConfigError::InvalidTokenUrl { source })?;
        let client = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_client_secret(oauth2::ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_token_uri(token_url)
            // client_secret_post: Google accepts it, and it keeps credentials out of
            // headers that proxies like to log.
            .set_auth_type(AuthType::RequestBody);
        let inner = Inner {
            config,
            client,
            clock,
            transport,
            store,
            accounts: ArcSwap::from_pointee(HashMap::new()),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// A valid access token for `account`, refreshing it first if it is due.
    ///
    /// The cached path takes no lock and sends nothing. When a refresh is due, exactly
    /// one caller per account sends it and every concurrent caller gets its outcome.
    /// If a refresh fails transiently while the old token has not expired yet, the old
    /// token is returned and the next attempt is backed off.
    ///
    /// # Errors
    ///
    /// See [`BrokerError::kind`]: `Revoked` needs user action, `Transient` can be
    /// retried, the others point at a bug or misconfiguration.
    pub async fn access_token(&self, account: &str) -> Result<AccessToken, BrokerError> {
        if let Some(token) = self.cached_access_token(account) {
            return Ok(token);
        }
        // Boxed so this future stays a few words in size: the refresh machinery is
        // large, and every cached call would otherwise move it around.
        Box::pin(self.inner.access_token_slow(account)).await
    }

    /// The cached token for `account` if it is not yet due for refresh; never sends,
    /// never waits. [`access_token`](Self::access_token) starts with exactly this.
    pub fn cached_access_token(&self, account: &str) -> Option<AccessToken> {
        let accounts = self.inner.accounts.load();
        accounts.get(account)?.fresh(self.inner.clock.now())
    }

    /// Registers `account` with a refresh token (right after consent) and persists it.
    ///
    /// Replaces any earlier grant for the account and clears needs-reauth. If the store
    /// write fails the account still works from memory and its status is `Degraded`.
    pub async fn add_account(&self, account: &str, refresh_token: RefreshToken) {
        let inner = &self.inner;
        let loaded = inner.store.load(account).await;
        let expected = match &loaded {
            Ok(current) => current.as_ref().map(|grant| grant.version),
            Err(error) => {
                tracing::warn!(account, %error, "could not read the store while adding an account");
                None
            }
        };
        let grant = StoredGrant::new(expected.unwrap_or(0) + 1, refresh_token);
        let (grant, persisted) = inner
            .persist(account, expected, grant, ConflictPolicy::Overwrite)
            .await;
        let slot = Arc::new(AccountSlot::new(
            grant,
            persisted.as_ref().ok().copied(),
            None,
        ));
        inner.insert_slot(account, slot, true);
    }

    /// A snapshot of every known account, sorted by name.
    pub fn status(&self) -> Vec<AccountStatus> {
        let accounts = self.inner.accounts.load();
        let mut statuses: Vec<AccountStatus> = accounts
            .iter()
            .map(|(account, slot)| {
                let health = slot.health().clone();
                let expires_at = slot.cached.load().as_ref().map(|cached| cached.expires_at);
                let state = if slot.needs_reauth.load(Ordering::Acquire) {
                    AccountState::NeedsReauth
                } else if slot.refreshing.load(Ordering::Acquire) {
                    AccountState::Refreshing
                } else if health.persist_pending || health.consecutive_failures > 0 {
                    AccountState::Degraded
                } else if expires_at.is_none() {
                    AccountState::NoToken
                } else {
                    AccountState::Ok
                };
                AccountStatus {
                    account: account.to_string(),
                    state,
                    last_refresh: health.last_refresh,
                    expires_at,
                    consecutive_failures: health.consecutive_failures,
                }
            })
            .collect();
        statuses.sort_by(|a, b| a.account.cmp(&b.account));
        statuses
    }
}

impl Inner {
    pub fn slot(&self, account: &str) -> Option<Arc<AccountSlot>> {
        self.accounts.load().get(account).cloned()
    }

    /// Adds `slot` unless one exists (or replaces it, if asked); returns the winner.
    pub fn insert_slot(
        &self,
        account: &str,
        slot: Arc<AccountSlot>,
        replace: bool,
    ) -> Arc<AccountSlot> {
        let mut winner = Arc::clone(&slot);
        self.accounts.rcu(|accounts| {
            let mut accounts = HashMap::clone(accounts);
            winner = match accounts.get(account) {
                Some(existing) if !replace => Arc::clone(existing),
                _ => {
                    accounts.insert(account.into(), Arc::clone(&slot));
                    Arc::clone(&slot)
                }
            };
            accounts
        });
        winner
    }

    /// Creates the slot for an account that so far exists only in the store.
    pub async fn load_slot(&self, account: &str) -> Result<Arc<AccountSlot>, BrokerError> {
        let grant = self
            .store
            .load(account)
            .await
            .map_err(|source| BrokerError::Storage {
                account: account.to_owned(),
                source,
            })?
            .ok_or_else(|| BrokerError::UnknownAccount {
                account: account.to_owned(),
            })?;
        let cached = match (&grant.access_token, grant.expires_at) {
            (Some(access_token), Some(expires_at)) => Some(CachedToken {
                access_token: access_token.clone(),
                refresh_at: self.refresh_at(account, 0, None, expires_at),
                expires_at,
            }),
            _ => None,
        };
        let version = grant.version;
        Ok(self.insert_slot(
            account,
            Arc::new(AccountSlot::new(grant, Some(version), cached)),
            false,
        ))
    }

    /// When to stop serving a token: `expires_at - buffer - jitter`, but never before
    /// half its lifetime, so a short-lived token does not cause a refresh per call.
    pub fn refresh_at(
        &self,
        account: &str,
        generation: u64,
        received_at: Option<SystemTime>,
        expires_at: SystemTime,
    ) -> SystemTime {
        let lead = self.config.refresh_buffer + self.config.jitter_for(account, generation);
        let due = expires_at
            .checked_sub(lead)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let half_life = received_at
            .and_then(|received| expires_at.duration_since(received).ok())
            .and_then(|lifetime| expires_at.checked_sub(lifetime / 2));
        half_life.map_or(due, |half| due.max(half))
    }
}
