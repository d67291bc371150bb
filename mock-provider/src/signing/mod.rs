//! Keys: the provider's id_token signing keys and service-account keys.
//!
//! `shipped.rs` holds fixed RSA-2048 test keypairs (public on purpose: it is a
//! mock, so runs are deterministic and nothing is generated at start-up);
//! `keys.rs` the published set and the active signer, with rotation (add, switch,
//! retire) and the JWKS with its cache lifetime. Service-account public keys, for
//! the jwt-bearer grant, are below.

mod keys;
mod shipped;

pub(crate) use keys::SigningKeys;
pub use keys::{DEFAULT_JWKS_MAX_AGE, SigningKeyError};
pub use shipped::{SHIPPED_SIGNING_KEYS, ShippedKey};

use jsonwebtoken::DecodingKey;
use serde::Serialize;
use std::fmt;

/// The `kid` of the key that signs id_tokens from the start.
pub const ID_TOKEN_KEY_ID: &str = SHIPPED_SIGNING_KEYS[0].kid;

/// The claims of an id_token Google issues.
#[derive(Debug, Serialize)]
pub(crate) struct IdTokenClaims<'a> {
    pub iss: &'a str,
    pub azp: &'a str,
    pub aud: &'a str,
    /// `sub` and what the scopes allow (email, profile).
    #[serde(flatten)]
    pub identity: serde_json::Map<String, serde_json::Value>,
    pub iat: u64,
    pub exp: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<&'a str>,
    /// OIDC Core §3.1.3.6: the left half of SHA-256 of the access token
    /// issued with it, base64url.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
}

/// OIDC's `at_hash` of an access token.
pub(crate) fn at_hash(access_token: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(access_token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// A service account's public key, for the jwt-bearer grant.
#[derive(Clone)]
pub(crate) struct ServiceAccountKey {
    pub key: DecodingKey,
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey").finish_non_exhaustive()
    }
}

/// A service account's public key could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the public key of service account `{email}` is not an RSA public key in PEM form")]
pub struct InvalidServiceAccountKey {
    /// The service account's email.
    pub email: String,
    /// What the key parser said.
    #[source]
    pub source: jsonwebtoken::errors::Error,
}

impl ServiceAccountKey {
    /// A PKCS#1 DER public key (`RSAPublicKey`), already checked by the
    /// parser that produced it.
    pub fn from_pkcs1_der(der: &[u8]) -> Self {
        Self {
            key: DecodingKey::from_rsa_der(der),
        }
    }

    /// Parses a PEM public key once, at build.
    pub fn from_pem(email: &str, pem: &[u8]) -> Result<Self, InvalidServiceAccountKey> {
        DecodingKey::from_rsa_pem(pem)
            .map(|key| Self { key })
            .map_err(|source| InvalidServiceAccountKey {
                email: email.to_owned(),
                source,
            })
    }
}
