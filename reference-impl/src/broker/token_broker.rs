use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use oauth2::basic::BasicClient;
use oauth2::{AuthType, AuthUrl, ClientId, RedirectUrl, TokenUrl};
use rustc_hash::FxHashMap;

use super::authorize::Authorizations;
use super::config::BrokerConfig;
use super::error::BrokerError;
use super::exchange::{CodeClient, RefreshClient};
use super::persist::ConflictPolicy;
use super::retry::RateLimiter;
use super::slot::{AccountSlot, CachedToken, Health};
use crate::clock::{Clock, Reading};
use crate::secret::{AccessToken, RefreshToken};
use crate::service_account::ServiceAccountGrant;
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
    /// `auth_url`, `redirect_url` or `revoke_url` is not an absolute URL.
    #[error("the configured `{setting}` is not a valid absolute url")]
    InvalidUrl {
        /// The `BrokerConfig` field.
        setting: &'static str,
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

/// Account name to slot. Fx hashing: account names come from the operator, not from
/// an attacker, and the hot path hashes one on every call.
pub(super) type AccountMap = FxHashMap<Box<str>, Arc<AccountSlot>>;

/// (account, sorted scope set) to its down-scoped slot.
pub(super) type ScopedSlots = std::collections::BTreeMap<(Box<str>, Vec<String>), Arc<AccountSlot>>;

/// Source of [`Inner::id`].
static NEXT_BROKER_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub(super) struct Inner {
    /// Unique per broker in this process: keys its per-thread token copies.
    pub id: u64,
    pub config: BrokerConfig,
    pub client: RefreshClient,
    pub code_client: Option<CodeClient>,
    pub clock: Arc<dyn Clock>,
    pub transport: Arc<dyn HttpTransport>,
    pub store: Arc<dyn TokenStore>,
    /// Copy-on-write so lookups take no lock; accounts are added rarely. A slot, once
    /// inserted, is never replaced, so handles to it stay valid.
    pub accounts: ArcSwap<AccountMap>,
    pub limiter: RateLimiter,
    /// This broker's name in cross-process leases.
    pub holder: String,
    pub authorizations: Mutex<Authorizations>,
    /// Down-scoped token slots per (account, sorted scope set); see `scoped.rs`.
    pub scoped: Mutex<ScopedSlots>,
    /// Wakes the background refresher when an account's schedule changes.
    pub schedule_changed: tokio::sync::Notify,
    /// Every task this broker spawned that may still run.
    pub tasks: super::tasks::BrokerTasks,
    /// The provider's clock as estimated from its answers (`provider_frame.rs`).
    pub frame: Arc<super::provider_frame::ProviderFrame>,
    /// The highest wall reading, to notice a step back (`wall_steps.rs`).
    pub wall_watch: super::wall_steps::WallWatch,
}

impl fmt::Debug for TokenBroker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBroker")
            .field("config", &self.inner.config)
            .field("accounts", &self.inner.accounts.load().len())
            .field("holder", &self.inner.holder)
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
    /// [`ConfigError`] if a configured URL does not parse.
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
        let code_client = match (&config.auth_url, &config.redirect_url) {
            (Some(auth_url), Some(redirect_url)) => {
                let invalid = |setting| move |source| ConfigError::InvalidUrl { setting, source };
                let auth_url = AuthUrl::new(auth_url.clone()).map_err(invalid("auth_url"))?;
                let redirect_url =
                    RedirectUrl::new(redirect_url.clone()).map_err(invalid("redirect_url"))?;
                Some(
                    client
                        .clone()
                        .set_auth_uri(auth_url)
                        .set_redirect_uri(redirect_url),
                )
            }
            _ => None,
        };
        if let Some(revoke_url) = &config.revoke_url {
            oauth2::url::Url::parse(revoke_url).map_err(|source| ConfigError::InvalidUrl {
                setting: "revoke_url",
                source,
            })?;
        }
        let holder = config
            .instance_id
            .clone()
            .unwrap_or_else(|| super::authorize::default_instance_id(config.seed));
        // What this broker stores is in the provider's frame, so a component
        // whose clock disagrees with ours reads it right (provider_frame.rs).
        let frame = Arc::new(super::provider_frame::ProviderFrame::new(Arc::clone(
            &clock,
        )));
        let transport: Arc<dyn HttpTransport> = Arc::new(super::provider_frame::DatedTransport {
            inner: transport,
            frame: Arc::clone(&frame),
        });
        let store: Arc<dyn TokenStore> = Arc::new(super::provider_frame::FramedStore {
            inner: store,
            frame: Arc::clone(&frame),
        });
        let inner = Inner {
            id: NEXT_BROKER_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            limiter: RateLimiter::new(config.token_endpoint_rate, config.token_endpoint_burst),
            authorizations: Mutex::new(Authorizations::new(config.seed)),
            holder,
            config,
            client,
            code_client,
            clock,
            transport,
            store,
            accounts: ArcSwap::from_pointee(AccountMap::default()),
            scoped: Mutex::default(),
            schedule_changed: tokio::sync::Notify::new(),
            tasks: super::tasks::BrokerTasks::default(),
            frame,
            wall_watch: super::wall_steps::WallWatch::default(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Call after an API answered 401 to `rejected`: refreshes unless someone already
    /// replaced that token, so a hundred callers reporting the same 401 cause one
    /// refresh, and returns the token to retry with.
    ///
    /// # Errors
    ///
    /// As [`access_token`](Self::access_token).
    pub async fn access_token_after_401(
        &self,
        account: &str,
        rejected: &AccessToken,
    ) -> Result<AccessToken, BrokerError> {
        if let Some(slot) = self.inner.slot(account) {
            self.inner.invalidate(&slot, rejected);
        }
        self.access_token(account).await
    }

    /// Registers `account` with a refresh token (right after consent) and persists it.
    ///
    /// Replaces any earlier grant for the account and clears needs-reauth. If the store
    /// write fails the account still works from memory, the write is retried in the
    /// background, and the status is `Degraded` until it lands.
    pub async fn add_account(&self, account: &str, refresh_token: RefreshToken) {
        let grant = StoredGrant::new(0, refresh_token);
        self.inner.register(account, grant, None).await;
    }

    /// Registers `account` as a service account: its tokens are bought with RS256
    /// assertions signed by `service_account`'s key (the jwt-bearer grant), cached,
    /// and re-acquired before expiry by the same single-flight refresh as any account.
    ///
    /// The key is stored like a refresh token: sealed in the token store, never logged.
    /// Replaces any earlier grant for the account and clears needs-reauth.
    ///
    /// ```no_run
    /// # async fn example(broker: reference_impl::TokenBroker) -> Result<(), Box<dyn std::error::Error>> {
    /// use reference_impl::{ServiceAccountGrant, ServiceAccountKey};
    ///
    /// let key = ServiceAccountKey::from_file("/etc/auth-worker/robot.json")?;
    /// let grant = ServiceAccountGrant::new(key, ["https://www.googleapis.com/auth/gmail.readonly"])
    ///     .acting_as("alice@example.com");
    /// broker.add_service_account("alice-via-robot", grant).await;
    /// let token = broker.access_token("alice-via-robot").await?;
    /// # Ok(()) }
    /// ```
    pub async fn add_service_account(&self, account: &str, service_account: ServiceAccountGrant) {
        let grant = StoredGrant::for_service_account(0, service_account);
        self.inner.register(account, grant, None).await;
    }
}

impl Inner {
    pub fn slot(&self, account: &str) -> Option<Arc<AccountSlot>> {
        self.accounts.load().get(account).cloned()
    }

    /// Adds `slot` unless one exists; returns the one in the map.
    pub fn insert_slot(&self, account: &str, slot: Arc<AccountSlot>) -> Arc<AccountSlot> {
        let mut winner = Arc::clone(&slot);
        self.accounts.rcu(|accounts| {
            let mut accounts = AccountMap::clone(accounts);
            winner = Arc::clone(
                accounts
                    .entry(account.into())
                    .or_insert_with(|| Arc::clone(&slot)),
            );
            accounts
        });
        winner
    }

    /// Stores a fresh grant (consent, `add_account`) over whatever was there and makes
    /// the account usable again. `cached` is the access token that came with it.
    pub async fn register(
        self: &Arc<Self>,
        account: &str,
        mut grant: StoredGrant,
        cached: Option<CachedToken>,
    ) {
        let slot = match self.slot(account) {
            Some(slot) => slot,
            None => self.insert_slot(
                account,
                Arc::new(AccountSlot::new(account, grant.clone(), None, None)),
            ),
        };
        // Under the refresh lock, so a refresh of the old grant cannot write after us.
        let mut state = slot.refresh.lock().await;
        let expected = match self.store.load(account).await {
            Ok(current) => current.map(|stored| stored.version),
            Err(error) => {
                tracing::warn!(account, %error, "could not read the store while adding an account");
                state.persisted_version
            }
        };
        grant.version = expected.unwrap_or(0).max(state.grant.version) + 1;
        let (grant, persisted) = self
            .persist(account, expected, grant, ConflictPolicy::Overwrite)
            .await;
        state.grant = grant;
        state.persisted_version = persisted.as_ref().ok().copied().or(expected);
        state.attempts = 0;
        let received_at = cached.as_ref().map(|cached| cached.received_at);
        slot.publish(cached);
        slot.needs_reauth
            .store(false, std::sync::atomic::Ordering::Release);
        *slot.health() = Health {
            last_refresh: received_at,
            persist_pending: persisted.is_err(),
            storage_failures: u32::from(persisted.is_err()),
            ..Health::default()
        };
        drop(state);
        self.forget_scoped(account);
        if persisted.is_err() {
            self.schedule_persist_retry(&slot);
        }
        self.schedule_changed.notify_one();
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
            (Some(access_token), Some(expires_at)) => Some(CachedToken::new(
                access_token.clone(),
                SystemTime::UNIX_EPOCH,
                self.refresh_at(account, 0, None, expires_at),
                expires_at,
                Reading::of(&*self.clock),
            )),
            _ => None,
        };
        let revoked = super::revoke::is_tombstone(&grant);
        let version = grant.version;
        let slot = Arc::new(AccountSlot::new(account, grant, Some(version), cached));
        slot.needs_reauth
            .store(revoked, std::sync::atomic::Ordering::Release);
        Ok(self.insert_slot(account, slot))
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
