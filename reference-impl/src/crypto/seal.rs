use std::time::{Duration, SystemTime};

use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use serde::{Deserialize, Serialize};

use super::Keyring;
use crate::secret::{AccessToken, RefreshToken};
use crate::service_account::{ServiceAccountGrant, ServiceAccountKey};
use crate::store::{StoreError, StoredGrant};

/// Prefix of the associated data; bump it if the payload format ever changes.
const AAD_LABEL: &[u8] = b"oauth-chaos/grant/v1\0";
/// XChaCha20's nonce length: long enough that random nonces never repeat in practice.
pub(crate) const NONCE_LEN: usize = 24;

/// A grant as stored at rest: the key id, a random nonce and the AEAD ciphertext.
///
/// The version stays in clear next to it (stores compare it for CAS); the associated
/// data binds the ciphertext to both the account and that version.
///
/// ```
/// use reference_impl::{Keyring, RefreshToken, StoredGrant};
///
/// let keyring = Keyring::generate("k1");
/// let sealed = keyring.seal("alice", &StoredGrant::new(3, RefreshToken::new("1//secret")));
/// assert_eq!(sealed.kid, "k1");
/// assert_eq!(keyring.open("alice", 3, &sealed)?.refresh_token.expose_secret(), "1//secret");
/// // The same bytes under another account do not open.
/// assert!(keyring.open("mallory", 3, &sealed).is_err());
/// # Ok::<_, reference_impl::StoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedGrant {
    /// Which keyring key sealed it.
    pub kid: String,
    /// The 24-byte XChaCha20 nonce.
    pub nonce: Vec<u8>,
    /// The sealed payload, tag included.
    pub ciphertext: Vec<u8>,
}

/// The plaintext inside a [`SealedGrant`]; only ever lives in memory.
#[derive(Serialize, Deserialize)]
struct GrantPayload {
    refresh_token: String,
    access_token: Option<String>,
    /// Milliseconds since the Unix epoch.
    expires_at_ms: Option<u64>,
    /// Milliseconds since the Unix epoch; absent in older records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    obtained_at_ms: Option<u64>,
    scopes: Vec<String>,
    /// Absent in records written before service accounts existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    service_account: Option<ServiceAccountPayload>,
}

/// A service account's key and what it asks for, inside the sealed payload.
#[derive(Serialize, Deserialize)]
struct ServiceAccountPayload {
    client_email: String,
    private_key_id: Option<String>,
    private_key: String,
    subject: Option<String>,
    scopes: Vec<String>,
}

impl ServiceAccountPayload {
    fn of(grant: &ServiceAccountGrant) -> Self {
        Self {
            client_email: grant.key.client_email().to_owned(),
            private_key_id: grant.key.private_key_id().map(str::to_owned),
            private_key: grant.key.expose_pem().to_owned(),
            subject: grant.subject.clone(),
            scopes: grant.scopes.clone(),
        }
    }

    fn open(self) -> Option<ServiceAccountGrant> {
        let key =
            ServiceAccountKey::from_parts(self.client_email, self.private_key_id, self.private_key)
                .ok()?;
        let grant = ServiceAccountGrant::new(key, self.scopes);
        Some(match self.subject {
            Some(subject) => grant.acting_as(subject),
            None => grant,
        })
    }
}

impl Keyring {
    /// Seals `grant` for `account` under the primary key.
    pub fn seal(&self, account: &str, grant: &StoredGrant) -> SealedGrant {
        let payload = GrantPayload {
            refresh_token: grant.refresh_token.expose_secret().to_owned(),
            access_token: grant
                .access_token
                .as_ref()
                .map(|token| token.expose_secret().to_owned()),
            expires_at_ms: grant.expires_at.map(millis_since_epoch),
            obtained_at_ms: grant.obtained_at.map(millis_since_epoch),
            scopes: grant.scopes.clone(),
            service_account: grant
                .service_account
                .as_ref()
                .map(ServiceAccountPayload::of),
        };
        // Serializing strings and integers into a Vec cannot fail.
        let plaintext = serde_json::to_vec(&payload).unwrap_or_default();
        let (kid, cipher) = self.primary();
        let nonce: [u8; NONCE_LEN] = rand::random();
        let aad = associated_data(account, grant.version);
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &plaintext,
                    aad: &aad,
                },
            )
            // XChaCha20-Poly1305 only fails for messages beyond 256 GiB.
            .unwrap_or_default();
        SealedGrant {
            kid: kid.to_owned(),
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Opens a record stored for `account` at `version`.
    ///
    /// Fails with [`StoreError::UnknownKey`] if the ring lacks the record's key and
    /// with [`StoreError::Corrupt`] if it does not authenticate or parse (tampered,
    /// truncated, or moved from another account or version).
    pub fn open(
        &self,
        account: &str,
        version: u64,
        sealed: &SealedGrant,
    ) -> Result<StoredGrant, StoreError> {
        let corrupt = || StoreError::Corrupt {
            account: account.to_owned(),
        };
        let cipher = self
            .cipher(&sealed.kid)
            .ok_or_else(|| StoreError::UnknownKey {
                account: account.to_owned(),
                kid: sealed.kid.clone(),
            })?;
        if sealed.nonce.len() != NONCE_LEN {
            return Err(corrupt());
        }
        let aad = associated_data(account, version);
        let plaintext = cipher
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| corrupt())?;
        let payload: GrantPayload = serde_json::from_slice(&plaintext).map_err(|_| corrupt())?;
        let service_account = match payload.service_account {
            Some(sealed) => Some(sealed.open().ok_or_else(corrupt)?),
            None => None,
        };
        Ok(StoredGrant {
            version,
            refresh_token: RefreshToken::new(payload.refresh_token),
            access_token: payload.access_token.map(AccessToken::new),
            expires_at: payload
                .expires_at_ms
                .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms)),
            obtained_at: payload
                .obtained_at_ms
                .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms)),
            scopes: payload.scopes,
            service_account,
        })
    }
}

fn associated_data(account: &str, version: u64) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + account.len() + 9);
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(account.as_bytes());
    aad.push(0);
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn millis_since_epoch(time: SystemTime) -> u64 {
    // Expiry before 1970 only comes from a broken clock; store it as the epoch.
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
