use secrecy::SecretString;
use serde::Serialize;
use std::collections::HashSet;
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
}

/// One secret the provider issued or was configured with.
#[derive(Debug, Clone)]
pub struct RegisteredSecret {
    /// What it is.
    pub kind: SecretKind,
    /// Its value; `Debug` redacts it.
    pub value: SecretString,
}

#[derive(Debug, Default)]
struct Registered {
    /// Kept beside the list so registering stays O(1) under load.
    seen: HashSet<String>,
    list: Vec<RegisteredSecret>,
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
    secrets: Arc<Mutex<Registered>>,
}

impl SecretRegistry {
    pub(crate) fn register(&self, kind: SecretKind, value: &str) {
        let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        if !value.is_empty() && secrets.seen.insert(value.to_owned()) {
            secrets.list.push(RegisteredSecret {
                kind,
                value: SecretString::from(value.to_owned()),
            });
        }
    }

    /// Every secret registered so far.
    pub fn snapshot(&self) -> Vec<RegisteredSecret> {
        self.secrets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .list
            .clone()
    }
}
