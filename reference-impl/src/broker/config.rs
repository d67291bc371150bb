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
    /// Seed for the jitter, so runs are reproducible.
    pub seed: u64,
}

impl BrokerConfig {
    /// Default for [`BrokerConfig::refresh_buffer`]: 5 minutes.
    pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(5 * 60);
    /// Default for [`BrokerConfig::refresh_jitter`]: 30 seconds.
    pub const DEFAULT_REFRESH_JITTER: Duration = Duration::from_secs(30);

    /// A config with default timing, no scopes and seed 0.
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
            seed: 0,
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
        self.seed = seed;
        self
    }

    /// The jitter for one account's `generation`-th token: the same inputs always give
    /// the same offset in `0..=refresh_jitter`.
    pub(crate) fn jitter_for(&self, account: &str, generation: u64) -> Duration {
        let max = u64::try_from(self.refresh_jitter.as_nanos()).unwrap_or(u64::MAX);
        if max == 0 {
            return Duration::ZERO;
        }
        let seed =
            self.seed ^ fnv1a(account.as_bytes()) ^ generation.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        Duration::from_nanos(ChaCha8Rng::seed_from_u64(seed).random_range(0..=max))
    }
}

/// FNV-1a: a stable hash (std's `DefaultHasher` may change between Rust releases,
/// which would change jitter and break seed replay).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
