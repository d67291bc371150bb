use crate::Capacity;
use crate::chunked_queue::ChunkedQueue;
use rustc_hash::FxBuildHasher;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

/// What kind of secret a registry entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// An issued access token.
    AccessToken,
    /// An issued refresh token.
    RefreshToken,
    /// A configured client secret.
    ClientSecret,
    /// An issued authorization code.
    AuthorizationCode,
    /// An issued OpenID Connect id_token.
    IdToken,
    /// A PKCE code verifier a client presented.
    CodeVerifier,
    /// A service-account JWT assertion a client presented.
    JwtAssertion,
    /// An issued device code (RFC 8628); user codes are shown on screens
    /// and are not secret.
    DeviceCode,
}

impl SecretKind {
    /// Configured secrets are kept whatever the capacity; issued and
    /// presented ones are the newest `capacity`.
    fn is_configured(self) -> bool {
        self == Self::ClientSecret
    }
}

/// One secret the provider issued or was configured with.
#[derive(Debug, Clone)]
pub struct RegisteredSecret {
    /// What it is.
    pub kind: SecretKind,
    /// Its value; `Debug` redacts it.
    pub value: SecretString,
}

/// Every secret the provider was configured with, and the newest issued or
/// presented ones up to its [`Capacity`] (default
/// [`Capacity::DEFAULT_SECRETS`]), for the leak checker to scan logs, stores
/// and URLs for. What it dropped is counted in [`dropped`](Self::dropped).
///
/// ```
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// // The configured client secret is registered from the start.
/// assert!(!provider.secrets().snapshot().is_empty());
/// assert_eq!(provider.secrets().dropped(), 0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SecretRegistry {
    registry: Arc<Mutex<Registry>>,
}

#[derive(Debug)]
struct Registry {
    /// Configured secrets, never dropped.
    configured: Vec<Arc<RegisteredSecret>>,
    /// Issued and presented secrets, oldest first, with their value hash.
    issued: ChunkedQueue<(u64, Arc<RegisteredSecret>)>,
    /// SipHashes of every retained value, so registering and `contains`
    /// stay O(1) however many tokens were issued (no values: Debug-safe).
    /// The set itself hashes those with Fx: they are already hashes.
    index: HashSet<u64, FxBuildHasher>,
    /// Hashes of the first [`PREFIX`] bytes of every retained value at
    /// least that long, with how many values share each, so
    /// [`appears_in`](SecretRegistry::appears_in) finds a secret inside a
    /// longer text in one pass over it.
    prefixes: HashMap<u64, u32, FxBuildHasher>,
    capacity: Capacity,
    dropped: u64,
}

impl Default for SecretRegistry {
    fn default() -> Self {
        Self::with_capacity(Capacity::DEFAULT_SECRETS)
    }
}

/// How many leading bytes of a secret identify it inside a longer text.
const PREFIX: usize = 16;

fn value_hash(value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn prefix_hash(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

/// The prefix hash of `value`, if it is long enough to have one.
fn prefix_of(value: &str) -> Option<u64> {
    value
        .as_bytes()
        .get(..PREFIX)
        .filter(|_| value.len() >= PREFIX)
        .map(prefix_hash)
}

impl Registry {
    /// One value with this prefix is gone.
    fn forget_prefix(&mut self, prefix: u64) {
        if let Some(count) = self.prefixes.get_mut(&prefix) {
            *count -= 1;
            if *count == 0 {
                self.prefixes.remove(&prefix);
            }
        }
    }
}

impl SecretRegistry {
    /// An empty registry keeping at most `capacity` issued secrets.
    pub(crate) fn with_capacity(capacity: Capacity) -> Self {
        let (issued, index) = match capacity.limit() {
            // Sized up front so registering never rehashes a full table.
            Some(limit) => (
                ChunkedQueue::with_expected_len(limit),
                HashSet::with_capacity_and_hasher(limit + 64, FxBuildHasher),
            ),
            None => (ChunkedQueue::default(), HashSet::default()),
        };
        Self {
            registry: Arc::new(Mutex::new(Registry {
                configured: Vec::new(),
                issued,
                index,
                prefixes: HashMap::default(),
                capacity,
                dropped: 0,
            })),
        }
    }

    pub(crate) fn register(&self, kind: SecretKind, value: &str) {
        if value.is_empty() {
            return;
        }
        let hash = value_hash(value);
        if self.lock().index.contains(&hash) {
            return;
        }
        // Allocated before the lock; a dropped secret is freed after it.
        let secret = Arc::new(RegisteredSecret {
            kind,
            value: SecretString::from(value.to_owned()),
        });
        let (_evicted, first_drop) = {
            let mut registry = self.lock();
            if !registry.index.insert(hash) {
                return;
            }
            if let Some(prefix) = prefix_of(value) {
                *registry.prefixes.entry(prefix).or_insert(0) += 1;
            }
            if kind.is_configured() {
                registry.configured.push(secret);
                return;
            }
            let evicted = match registry.capacity.limit() {
                Some(limit) if registry.issued.len() >= limit => registry.issued.pop_front(),
                _ => None,
            };
            let evicted_now = evicted.is_some();
            if let Some((old_hash, old)) = &evicted {
                registry.index.remove(old_hash);
                registry.dropped += 1;
                if let Some(prefix) = prefix_of(old.value.expose_secret()) {
                    registry.forget_prefix(prefix);
                }
            }
            registry.issued.push_back((hash, secret));
            (evicted, evicted_now && registry.dropped == 1)
        };
        if first_drop {
            tracing::warn!(
                capacity = %self.capacity(),
                "the secret registry is full: its oldest issued secrets are dropped from now on (counted in `dropped`)"
            );
        }
    }

    /// True when `value` is a retained secret (by hash; a collision of
    /// 64-bit hashes is the only false positive).
    pub fn contains(&self, value: &str) -> bool {
        self.lock().index.contains(&value_hash(value))
    }

    /// True when a retained secret of at least 16 bytes starts anywhere
    /// in `text` (a token inside a query value, a refresh token whose `/`
    /// split it across path segments), or `text` is one. One pass over
    /// `text`, whatever the number of secrets.
    ///
    /// ```
    /// # async fn example() {
    /// let provider = mock_provider::MockProvider::start().await;
    /// let secret = provider.client_secret();
    /// let secret = secrecy::ExposeSecret::expose_secret(&secret);
    /// let secrets = provider.secrets();
    /// assert!(secrets.appears_in(&format!("q=debug:{secret}:end")));
    /// assert!(!secrets.appears_in("q=nothing secret here at all"));
    /// # }
    /// ```
    pub fn appears_in(&self, text: &str) -> bool {
        let registry = self.lock();
        if registry.index.contains(&value_hash(text)) {
            return true;
        }
        text.as_bytes()
            .windows(PREFIX)
            .any(|window| registry.prefixes.contains_key(&prefix_hash(window)))
    }

    /// Every retained secret: the configured ones, then the issued ones
    /// oldest first.
    pub fn snapshot(&self) -> Vec<RegisteredSecret> {
        let shared: Vec<Arc<RegisteredSecret>> = {
            let registry = self.lock();
            let issued = registry.issued.iter_from(0).map(|(_, s)| s);
            registry.configured.iter().chain(issued).cloned().collect()
        };
        shared.iter().map(|s| (**s).clone()).collect()
    }

    /// How many secrets it holds now.
    pub fn len(&self) -> usize {
        let registry = self.lock();
        registry.configured.len() + registry.issued.len()
    }

    /// True when it holds no secret.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many issued secrets were dropped to stay within the capacity
    /// (a leak of one of them can no longer be recognised).
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// How many issued secrets it keeps.
    pub fn capacity(&self) -> Capacity {
        self.lock().capacity
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // Every mutation is an insert, push or pop: a poisoned lock still
        // guards a consistent registry.
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::{SecretKind, SecretRegistry};
    use crate::Capacity;
    use secrecy::ExposeSecret;
    use std::num::NonZeroUsize;

    #[test]
    fn a_full_registry_drops_the_oldest_issued_secrets_but_keeps_configured_ones() {
        let registry =
            SecretRegistry::with_capacity(Capacity::Bounded(NonZeroUsize::MIN.saturating_add(1)));
        registry.register(SecretKind::ClientSecret, "GOCSPX-configured");
        for token in ["ya29.one", "ya29.two", "ya29.three", "ya29.two"] {
            registry.register(SecretKind::AccessToken, token);
        }
        let values: Vec<String> = registry
            .snapshot()
            .iter()
            .map(|s| s.value.expose_secret().to_owned())
            .collect();
        assert_eq!(values, ["GOCSPX-configured", "ya29.two", "ya29.three"]);
        assert_eq!(registry.dropped(), 1);
        assert!(
            !registry.contains("ya29.one"),
            "a dropped secret is forgotten"
        );
        assert!(registry.contains("GOCSPX-configured") && registry.contains("ya29.three"));
    }

    #[test]
    fn an_unbounded_registry_keeps_every_secret() {
        let registry = SecretRegistry::with_capacity(Capacity::Unbounded);
        for n in 0..3000 {
            registry.register(SecretKind::AccessToken, &format!("ya29.{n}"));
        }
        assert_eq!((registry.len(), registry.dropped()), (3000, 0));
        assert!(registry.contains("ya29.0"));
    }
}
