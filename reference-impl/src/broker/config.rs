use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::secret::ClientSecret;

/// Everything a [`TokenBroker`](crate::TokenBroker) needs to know about the provider
/// and its refresh timing. `Debug` redacts the client secret.
///
/// ```
/// use std::time::Duration;
/// use reference_impl::BrokerConfig;
///
/// let config = BrokerConfig::new("https://oauth2.googleapis.com/token", "client-id", "client-secret")
///     .with_scopes(["https://www.googleapis.com/auth/gmail.readonly"])
///     .with_refresh_buffer(Duration::from_secs(120))
///     .with_seed(7);
/// assert!(!format!("{config:?}").contains("client-secret"));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BrokerConfig {
    /// The provider's token endpoint.
    pub token_url: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret, sent in the request body (`client_secret_post`).
    pub client_secret: ClientSecret,
    /// Scopes to request at authorization time. Refreshes send no `scope`, so they
    /// get everything the user granted and can never fail with `invalid_scope`.
    pub scopes: Vec<String>,
    /// How long before expiry a cached token stops being served and a refresh starts.
    pub refresh_buffer: Duration,
    /// Upper bound of an extra, per-account offset on top of `refresh_buffer`, so that
    /// accounts which got tokens at the same moment do not all refresh together.
    pub refresh_jitter: Duration,
    /// Seed for jitter, backoff and the PKCE/state generator, so simulated runs are
    /// reproducible. `None` (the default) draws PKCE verifiers and `state` from the
    /// operating system's CSPRNG; only set it in tests and simulations.
    pub seed: Option<u64>,
    /// The provider's authorization endpoint, for [`begin_authorization`](crate::TokenBroker::begin_authorization).
    pub auth_url: Option<String>,
    /// Where the provider redirects after consent; must match the registered URI exactly.
    pub redirect_url: Option<String>,
    /// The provider's revocation endpoint, for [`revoke`](crate::TokenBroker::revoke).
    pub revoke_url: Option<String>,
    /// Below this much remaining lifetime a failed refresh is retried inline (warning).
    pub warning_threshold: Duration,
    /// Below this much remaining lifetime (or once expired) retries are the most
    /// persistent and the fastest (emergency).
    pub emergency_threshold: Duration,
    /// Token endpoint rate limit shared by all accounts of one broker: a bucket of
    /// `token_endpoint_burst` requests refilled at `token_endpoint_rate` per second.
    pub token_endpoint_rate: f64,
    /// See [`BrokerConfig::token_endpoint_rate`].
    pub token_endpoint_burst: u32,
    /// How long a cross-process refresh lease is held at most.
    pub lease_ttl: Duration,
    /// This broker's name in cross-process leases; unique per process by default.
    pub instance_id: Option<String>,
}

impl BrokerConfig {
    /// Default for [`BrokerConfig::refresh_buffer`]: 5 minutes.
    pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);
    /// Default for [`BrokerConfig::refresh_jitter`]: 30 seconds.
    pub const DEFAULT_REFRESH_JITTER: Duration = Duration::from_secs(30);

    /// Default for [`BrokerConfig::warning_threshold`]: 2 minutes.
    pub const DEFAULT_WARNING_THRESHOLD: Duration = Duration::from_secs(2 * 60);
    /// Default for [`BrokerConfig::emergency_threshold`]: 30 seconds.
    pub const DEFAULT_EMERGENCY_THRESHOLD: Duration = Duration::from_secs(30);
    /// Default for [`BrokerConfig::token_endpoint_rate`]: 20 requests per second.
    pub const DEFAULT_TOKEN_ENDPOINT_RATE: f64 = 20.0;
    /// Default for [`BrokerConfig::token_endpoint_burst`]: 50 requests.
    pub const DEFAULT_TOKEN_ENDPOINT_BURST: u32 = 50;
    /// Default for [`BrokerConfig::lease_ttl`]: 30 seconds.
    pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(30);

    /// A config with default timing, no scopes and no seed.
    pub fn new(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
    ) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: Vec::new(),
            refresh_buffer: Self::DEFAULT_REFRESH_BUFFER,
            refresh_jitter: Self::DEFAULT_REFRESH_JITTER,
            seed: None,
            auth_url: None,
            redirect_url: None,
            revoke_url: None,
            warning_threshold: Self::DEFAULT_WARNING_THRESHOLD,
            emergency_threshold: Self::DEFAULT_EMERGENCY_THRESHOLD,
            token_endpoint_rate: Self::DEFAULT_TOKEN_ENDPOINT_RATE,
            token_endpoint_burst: Self::DEFAULT_TOKEN_ENDPOINT_BURST,
            lease_ttl: Self::DEFAULT_LEASE_TTL,
            instance_id: None,
        }
    }

    /// Sets [`BrokerConfig::scopes`].
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets [`BrokerConfig::refresh_buffer`].
    pub fn with_refresh_buffer(mut self, buffer: Duration) -> Self {
        self.refresh_buffer = buffer;
        self
    }

    /// Sets [`BrokerConfig::refresh_jitter`]; `Duration::ZERO` disables jitter.
    pub fn with_refresh_jitter(mut self, jitter: Duration) -> Self {
        self.refresh_jitter = jitter;
        self
    }

    /// Sets [`BrokerConfig::seed`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Sets [`BrokerConfig::auth_url`] and [`BrokerConfig::redirect_url`].
    pub fn with_authorization(
        mut self,
        auth_url: impl Into<String>,
        redirect_url: impl Into<String>,
    ) -> Self {
        self.auth_url = Some(auth_url.into());
        self.redirect_url = Some(redirect_url.into());
        self
    }

    /// Sets [`BrokerConfig::revoke_url`].
    pub fn with_revoke_url(mut self, revoke_url: impl Into<String>) -> Self {
        self.revoke_url = Some(revoke_url.into());
        self
    }

    /// Sets [`BrokerConfig::warning_threshold`] and [`BrokerConfig::emergency_threshold`].
    pub fn with_thresholds(mut self, warning: Duration, emergency: Duration) -> Self {
        self.warning_threshold = warning;
        self.emergency_threshold = emergency;
        self
    }

    /// Sets the token endpoint rate limit (requests per second and burst size).
    pub fn with_token_endpoint_rate(mut self, per_second: f64, burst: u32) -> Self {
        self.token_endpoint_rate = per_second;
        self.token_endpoint_burst = burst;
        self
    }

    /// Sets [`BrokerConfig::lease_ttl`].
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Sets [`BrokerConfig::instance_id`].
    pub fn with_instance_id(mut self, instance_id: impl Into<String>) -> Self {
        self.instance_id = Some(instance_id.into());
        self
    }

    /// A uniform draw in `0..=max` that depends only on the seed, the account and a
    /// counter, so sim runs replay exactly and accounts do not move in lockstep.
    pub(crate) fn draw(&self, account: &str, salt: u64, counter: u64, max: Duration) -> Duration {
        let max = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
        if max == 0 {
            return Duration::ZERO;
        }
        let seed = self.seed.unwrap_or(0)
            ^ fnv1a(account.as_bytes())
            ^ salt.rotate_left(17)
            ^ counter.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Duration::from_nanos(ChaCha8Rng::seed_from_u64(seed).random_range(0..=max))
    }

    /// The jitter for one account's `generation`-th token: the same inputs always give
    /// the same offset in `0..=refresh_jitter`.
    pub(crate) fn jitter_for(&self, account: &str, generation: u64) -> Duration {
        self.draw(account, 0, generation, self.refresh_jitter)
    }
}

/// FNV-1a: a stable hash (std's `DefaultHasher` may change between Rust releases,
/// which would change jitter and break seed replay).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
