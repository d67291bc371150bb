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
///
/// The 16 hex digits live inline (no allocation: two are made per refresh).
// Not `Copy`, though it could be: callers clone it as they did when it
// held a `String`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint of `secret`: the first 16 hex digits of its SHA-256.
    pub fn of(secret: &str) -> Self {
        let digest = Sha256::digest(secret.as_bytes());
        let mut hex = [0u8; 16];
        // Eight bytes always fit sixteen hex digits.
        let _ = hex::encode_to_slice(&digest[..8], &mut hex);
        Self(hex)
    }

    /// The fingerprint as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes: [u8; 16] = text
            .as_bytes()
            .try_into()
            .ok()
            .filter(|b: &[u8; 16]| b.iter().all(u8::is_ascii_hexdigit))
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not 16 hex digits")))?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "fp:{}", self.as_str())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
