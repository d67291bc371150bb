use std::error::Error as StdError;
use std::sync::Arc;

/// Why a store operation failed.
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
}
