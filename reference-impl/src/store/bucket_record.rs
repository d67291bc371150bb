//! What one bucket object holds: a sealed grant (or a tombstone left by
//! `delete`) and its metadata in clear. The metadata holds timestamps and names
//! only, never a secret, so an operator can list a bucket and see which
//! account is due without any key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::crypto::SealedGrant;

/// The JSON body of one grant object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct GrantObject {
    /// `None` for a tombstone: the account was deleted at this point of its chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant: Option<SealedRecord>,
    pub meta: SyncMeta,
}

/// A sealed grant as bytes in base64.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SealedRecord {
    pub version: u64,
    pub kid: String,
    /// Standard base64.
    pub nonce: String,
    /// Standard base64.
    pub ciphertext: String,
}

/// The store metadata of a write, readable without the keyring.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMeta {
    /// When the grant was written, milliseconds since the Unix epoch, by the
    /// writer's clock (its token was issued just before).
    pub issued_at_ms: u64,
    /// When the grant's access token expires (ms since the epoch), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
    /// When a broker with the default refresh buffer refreshes it (ms since the epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_at_ms: Option<u64>,
    /// Who wrote it: the bucket store's source name (a host, a component).
    pub source: String,
    /// The sync marker: the e-tag of the object this write succeeded (`None` for
    /// the first one), so a chain of writes can be audited end to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

impl SealedRecord {
    pub fn new(version: u64, sealed: &SealedGrant) -> Self {
        Self {
            version,
            kid: sealed.kid.clone(),
            nonce: STANDARD.encode(&sealed.nonce),
            ciphertext: STANDARD.encode(&sealed.ciphertext),
        }
    }

    pub fn sealed(&self, account: &str) -> Result<SealedGrant, StoreError> {
        let corrupt = || StoreError::Corrupt {
            account: account.to_owned(),
        };
        Ok(SealedGrant {
            kid: self.kid.clone(),
            nonce: STANDARD.decode(&self.nonce).map_err(|_| corrupt())?,
            ciphertext: STANDARD.decode(&self.ciphertext).map_err(|_| corrupt())?,
        })
    }
}

impl GrantObject {
    pub fn parse(account: &str, bytes: &[u8]) -> Result<Self, StoreError> {
        serde_json::from_slice(bytes).map_err(|_| StoreError::Corrupt {
            account: account.to_owned(),
        })
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // A struct of strings and integers always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The version stored, `None` for a tombstone.
    pub fn version(&self) -> Option<u64> {
        self.grant.as_ref().map(|grant| grant.version)
    }
}
