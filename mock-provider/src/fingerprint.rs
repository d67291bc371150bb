//! Token fingerprints: how the journal refers to a token without holding it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A short, stable, one-way name for a secret value.
///
/// The journal and every report carry fingerprints, never the token itself,
/// so a journal can be printed, served or saved without leaking anything.
///
/// ```
/// use mock_provider::Fingerprint;
/// let a = Fingerprint::of("ya29.example");
/// assert_eq!(a, Fingerprint::of("ya29.example"));
/// assert_ne!(a, Fingerprint::of("ya29.other"));
/// assert!(!a.to_string().contains("ya29"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of `secret`: the first 16 hex digits of its SHA-256.
    pub fn of(secret: &str) -> Self {
        let digest = Sha256::digest(secret.as_bytes());
        Self(hex::encode(&digest[..8]))
    }

    /// The fingerprint as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fp:{}", self.0)
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
