//! The id_token signing keys: the ones the JWKS publishes and the one that signs.
//!
//! Rotation goes the way Google does it: publish a new key, switch the signer to it
//! once verifiers have had time to see it, then retire the old key from the JWKS.

use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;

use super::IdTokenClaims;
use super::shipped::{SHIPPED_SIGNING_KEYS, ShippedKey};

/// How long verifiers may cache the JWKS by default (Google sends about six hours).
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(6 * 60 * 60);

/// A signing-key operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SigningKeyError {
    /// The PEM is not an RSA private key (PKCS#8 or PKCS#1).
    #[error("the signing key `{kid}` is not an rsa private key in pem form")]
    NotRsaPem {
        /// The key id it was to have.
        kid: String,
    },
    /// A key with this id is already published.
    #[error("a signing key with kid `{kid}` is already published")]
    DuplicateKid {
        /// The key id.
        kid: String,
    },
    /// No published key has this id.
    #[error("no published signing key has kid `{kid}`")]
    UnknownKid {
        /// The key id.
        kid: String,
    },
    /// The key signs id_tokens now; switch the signer first.
    #[error("signing key `{kid}` is the active signer; switch to another key before retiring it")]
    RetiringActiveSigner {
        /// The key id.
        kid: String,
    },
    /// `kid` was empty.
    #[error("a signing key needs a non-empty kid")]
    EmptyKid,
}

struct KeyPair {
    kid: String,
    encoding: EncodingKey,
    /// base64url modulus and exponent, as the JWKS carries them.
    n: String,
    e: String,
}

impl KeyPair {
    fn shipped(key: &ShippedKey) -> Option<Self> {
        Some(Self {
            kid: key.kid.to_owned(),
            encoding: EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).ok()?,
            n: key.n.to_owned(),
            e: "AQAB".to_owned(),
        })
    }

    fn from_pem(kid: &str, pem: &str) -> Result<Self, SigningKeyError> {
        let refused = || SigningKeyError::NotRsaPem {
            kid: kid.to_owned(),
        };
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
            .map_err(|_| refused())?;
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| refused())?;
        Ok(Self {
            kid: kid.to_owned(),
            encoding,
            n: URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
        })
    }
}

struct KeySet {
    /// Published keys, oldest first.
    published: Vec<KeyPair>,
    /// The kid of the key that signs.
    active: String,
    max_age: Duration,
}

/// The provider's signing keys, behind one lock held only briefly.
pub(crate) struct SigningKeys {
    set: RwLock<KeySet>,
}

impl fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = self.set.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("SigningKeys")
            .field(
                "published",
                &set.published.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            )
            .field("active", &set.active)
            .finish_non_exhaustive()
    }
}

impl SigningKeys {
    /// The first shipped key, published and signing.
    pub fn shipped() -> Self {
        let first = &SHIPPED_SIGNING_KEYS[0];
        Self {
            set: RwLock::new(KeySet {
                published: KeyPair::shipped(first).into_iter().collect(),
                active: first.kid.to_owned(),
                max_age: DEFAULT_JWKS_MAX_AGE,
            }),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, KeySet> {
        self.set.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, KeySet> {
        self.set.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Signs an id_token with the active key; `None` when the key is unusable.
    pub fn sign(&self, claims: &IdTokenClaims<'_>) -> Option<String> {
        let set = self.read();
        let key = set.published.iter().find(|k| k.kid == set.active)?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, claims, &key.encoding).ok()
    }

    /// Publishes a key: a shipped one by its kid when `pem` is `None`.
    pub fn add(&self, kid: &str, pem: Option<&str>) -> Result<(), SigningKeyError> {
        if kid.is_empty() {
            return Err(SigningKeyError::EmptyKid);
        }
        let pair = match pem {
            Some(pem) => KeyPair::from_pem(kid, pem)?,
            None => SHIPPED_SIGNING_KEYS
                .iter()
                .find(|key| key.kid == kid)
                .and_then(KeyPair::shipped)
                .ok_or_else(|| SigningKeyError::UnknownKid {
                    kid: kid.to_owned(),
                })?,
        };
        let mut set = self.write();
        if set.published.iter().any(|k| k.kid == kid) {
            return Err(SigningKeyError::DuplicateKid {
                kid: kid.to_owned(),
            });
        }
        set.published.push(pair);
        Ok(())
    }

    /// Makes a published key the signer.
    pub fn activate(&self, kid: &str) -> Result<(), SigningKeyError> {
        let mut set = self.write();
        if !set.published.iter().any(|k| k.kid == kid) {
            return Err(SigningKeyError::UnknownKid {
                kid: kid.to_owned(),
            });
        }
        set.active = kid.to_owned();
        Ok(())
    }

    /// Removes a key from the JWKS; tokens it signed stop verifying.
    pub fn retire(&self, kid: &str) -> Result<(), SigningKeyError> {
        let mut set = self.write();
        if set.active == kid {
            return Err(SigningKeyError::RetiringActiveSigner {
                kid: kid.to_owned(),
            });
        }
        let before = set.published.len();
        set.published.retain(|k| k.kid != kid);
        if set.published.len() == before {
            return Err(SigningKeyError::UnknownKid {
                kid: kid.to_owned(),
            });
        }
        Ok(())
    }

    /// The published kids, oldest first, and the active one.
    pub fn kids(&self) -> (Vec<String>, String) {
        let set = self.read();
        (
            set.published.iter().map(|k| k.kid.clone()).collect(),
            set.active.clone(),
        )
    }

    pub fn set_max_age(&self, max_age: Duration) {
        self.write().max_age = max_age;
    }

    /// The JWKS document (`/oauth2/v3/certs`) and how long it may be cached.
    pub fn jwks(&self) -> (serde_json::Value, Duration) {
        let set = self.read();
        let keys: Vec<serde_json::Value> = set
            .published
            .iter()
            .map(|key| {
                serde_json::json!({
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": key.kid,
                    "n": key.n,
                    "e": key.e,
                })
            })
            .collect();
        (serde_json::json!({ "keys": keys }), set.max_age)
    }
}
