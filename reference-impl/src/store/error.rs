use std::error::Error as StdError;
use std::sync::Arc;

/// Why a store operation failed.
///
/// No variant ever carries a token: records are named by account and key id only.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend could not be reached or did not answer; retry later.
    #[error("token store is unavailable; retry later")]
    Unavailable {
        /// The underlying failure.
        #[source]
        source: Option<Arc<dyn StdError + Send + Sync>>,
    },
    /// The backend accepts reads but refuses writes (full disk, read-only replica).
    #[error("token store is read-only; free space or point the broker at a writable store")]
    ReadOnly,
    /// The stored grant for `account` cannot be decoded.
    #[error("stored grant for account `{account}` is corrupt; re-authorize the account")]
    Corrupt {
        /// The affected account.
        account: String,
    },
    /// A write tried to store a version that is not newer than the stored one.
    #[error(
        "refused to store version {proposed} for account `{account}` over version {current}; versions must increase"
    )]
    VersionNotIncreasing {
        /// The affected account.
        account: String,
        /// The version stored now.
        current: u64,
        /// The version the write carried.
        proposed: u64,
    },
    /// The stored grant for `account` was sealed with a key the keyring does not hold.
    #[error(
        "stored grant for account `{account}` is sealed with key `{kid}`, which is not in the keyring; add that key to the keyring"
    )]
    UnknownKey {
        /// The affected account.
        account: String,
        /// The key id the record names.
        kid: String,
    },
    /// A version does not fit the backend's integer column (SQL stores keep `i64`).
    #[error(
        "version {version} for account `{account}` is out of range; versions must stay below 2^63"
    )]
    VersionOutOfRange {
        /// The affected account.
        account: String,
        /// The version that did not fit.
        version: u64,
    },
    /// The store does not implement this optional operation.
    #[error("this token store does not support `{operation}`")]
    Unsupported {
        /// The operation's trait method name.
        operation: &'static str,
    },
}

impl StoreError {
    /// An [`Unavailable`](Self::Unavailable) error wrapping `source`.
    pub fn unavailable(source: impl StdError + Send + Sync + 'static) -> Self {
        Self::Unavailable {
            source: Some(Arc::new(source)),
        }
    }
}
