use secrecy::SecretString;
use serde::Serialize;
use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

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

/// One secret the provider issued or was configured with.
#[derive(Debug, Clone)]
pub struct RegisteredSecret {
    /// What it is.
    pub kind: SecretKind,
    /// Its value; `Debug` redacts it.
    pub value: SecretString,
}

/// Every secret the provider issued or was configured with, for the
/// leak checker to scan logs, stores and URLs for.
///
/// ```
/// # async fn example() {
/// let provider = mock_provider::MockProvider::start().await;
/// // The configured client secret is registered from the start.
/// assert!(!provider.secrets().snapshot().is_empty());
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SecretRegistry {
    secrets: Arc<Mutex<Vec<RegisteredSecret>>>,
    /// Hashes of every registered value, so registering and `contains`
    /// stay O(1) however many tokens were issued (no values: Debug-safe).
    index: Arc<Mutex<HashSet<u64>>>,
}

fn value_hash(value: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

impl SecretRegistry {
    pub(crate) fn register(&self, kind: SecretKind, value: &str) {
        if value.is_empty() {
            return;
        }
        let fresh = self
            .index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(value_hash(value));
        if fresh {
            let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
            secrets.push(RegisteredSecret {
                kind,
                value: SecretString::from(value.to_owned()),
            });
        }
    }

    /// True when `value` is a registered secret (by hash; a collision of
    /// 64-bit hashes is the only false positive).
    pub fn contains(&self, value: &str) -> bool {
        self.index
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&value_hash(value))
    }

    /// Every secret registered so far.
    pub fn snapshot(&self) -> Vec<RegisteredSecret> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
