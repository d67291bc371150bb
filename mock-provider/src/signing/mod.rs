//! Keys: the provider's id_token signing key and service-account keys.
//!
//! The id_token key is a fixed RSA-2048 test keypair shipped in this folder
//! (`id_token_key.pem`). It is a mock: the key is public on purpose, so runs
//! are deterministic and nothing is generated at start-up. Never trust it
//! for anything real. It is parsed once per provider at build.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::Serialize;
use std::fmt;

const ID_TOKEN_KEY_PEM: &[u8] = include_bytes!("id_token_key.pem");
/// The public modulus of `id_token_key.pem`, base64url (`openssl rsa -modulus`).
const ID_TOKEN_KEY_N: &str = "ty62RCtCKTEjYoiX6XrABZVie1pJ2FSozJLCsHQPyFIS9Z1i6KC_gIv2Ke2JzpCT66rTvpsZuyvYYfeeQcFaYvG_SaEsV6AU09eqYZxwFMFUNy0gUK3ZX62z65liUVTW48tfxsR8gR9gc4F0-l5XQIVuM5hZmBPxzzNp1xH1E24KPWXHM27cyVyBZMxgp1hsGBkk6tCg_A1Fm9b-X9wXnh7wE-Vc6XK4K6TK9bNRuNrkGVg2XfrNsfgpAiJRa3DJ1oRsyJ42nsgi3_DSmctcTxJihElE-XnkM12GSGmFDPHUOzkqf5dsXmPYJBRb-C4uLsw-f4eQRLmFia4O4ZUREw";
const ID_TOKEN_KEY_E: &str = "AQAB";
/// The `kid` of the shipped key in id_token headers and the JWKS.
pub const ID_TOKEN_KEY_ID: &str = "oauth-chaos-mock-1";

/// The id_token signing key, parsed once.
pub(crate) struct SigningKey {
    encoding: Option<EncodingKey>,
    header: Header,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &ID_TOKEN_KEY_ID)
            .finish_non_exhaustive()
    }
}

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

impl SigningKey {
    /// The shipped key. Parsing a constant PEM cannot fail in practice; if it
    /// ever did, id_tokens are left out rather than panicking.
    pub fn shipped() -> Self {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(ID_TOKEN_KEY_ID.to_owned());
        Self {
            encoding: EncodingKey::from_rsa_pem(ID_TOKEN_KEY_PEM).ok(),
            header,
        }
    }

    /// Signs an id_token; `None` when the key is unusable.
    pub fn sign(&self, claims: &IdTokenClaims<'_>) -> Option<String> {
        let key = self.encoding.as_ref()?;
        jsonwebtoken::encode(&self.header, claims, key).ok()
    }

    /// The JWKS document (`/oauth2/v3/certs`).
    pub fn jwks() -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "kty": "RSA",
                "alg": "RS256",
                "use": "sig",
                "kid": ID_TOKEN_KEY_ID,
                "n": ID_TOKEN_KEY_N,
                "e": ID_TOKEN_KEY_E,
            }]
        })
    }
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
