//! Durable grant storage behind one versioned compare-and-swap contract.
//!
//! Every write names the version it expects to replace and carries a strictly greater
//! version, so a slow writer can never overwrite a newer grant with an older one. This
//! is what makes refresh-token rotation safe across crashes and processes.
//! `memory.rs` is the in-process implementation; file, SQLite and PostgreSQL stores
//! implement the same trait. `error.rs` lists the failures.

mod error;
mod memory;

pub use self::error::StoreError;
pub use self::memory::MemoryStore;

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::secret::{AccessToken, RefreshToken};

/// One account's persisted grant. `Debug` redacts the tokens.
#[derive(Debug, Clone)]
pub struct StoredGrant {
    /// Monotonic version; every successful write increases it.
    pub version: u64,
    /// The refresh token to use for the next refresh.
    pub refresh_token: RefreshToken,
    /// The last access token obtained, if any.
    pub access_token: Option<AccessToken>,
    /// When `access_token` expires, computed from local receipt time.
    pub expires_at: Option<SystemTime>,
    /// Scopes the provider reported as granted.
    pub scopes: Vec<String>,
}

impl StoredGrant {
    /// A grant holding only a refresh token, as stored right after consent.
    ///
    /// ```
    /// use reference_impl::{RefreshToken, StoredGrant};
    ///
    /// let grant = StoredGrant::new(1, RefreshToken::new("1//abc"));
    /// assert!(!format!("{grant:?}").contains("1//abc"));
    /// ```
    pub fn new(version: u64, refresh_token: RefreshToken) -> Self {
        Self {
            version,
            refresh_token,
            access_token: None,
            expires_at: None,
            scopes: Vec::new(),
        }
    }
}

/// Result of [`TokenStore::compare_and_swap`].
#[derive(Debug, Clone)]
#[must_use = "a conflict means the grant was NOT written"]
pub enum CasOutcome {
    /// The new grant is now stored.
    Swapped,
    /// The stored version was not the expected one; nothing was written.
    Conflict {
        /// What is stored now, so the caller can decide without another read.
        current: Option<StoredGrant>,
    },
}

/// Versioned grant storage, keyed by account name.
///
/// # Contract
///
/// - `compare_and_swap` writes `new` only if the stored version equals
///   `expected_version` (`None`: nothing stored) and returns [`CasOutcome::Conflict`]
///   with the current grant otherwise.
/// - `new.version` must be greater than the stored version; a write that would not
///   advance it fails with [`StoreError::VersionNotIncreasing`].
/// - A `Swapped` write is durable before the call returns.
///
/// # Example
///
/// ```
/// use reference_impl::{CasOutcome, MemoryStore, RefreshToken, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let first = StoredGrant::new(1, RefreshToken::new("1//a"));
/// assert!(matches!(store.compare_and_swap("a", None, first).await?, CasOutcome::Swapped));
///
/// // A writer that still believes nothing is stored loses.
/// let stale = StoredGrant::new(2, RefreshToken::new("1//b"));
/// assert!(matches!(store.compare_and_swap("a", None, stale).await?, CasOutcome::Conflict { .. }));
/// # Ok::<_, reference_impl::StoreError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait TokenStore: Send + Sync + Debug + 'static {
    /// The stored grant for `account`, if any.
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError>;

    /// Replaces the grant for `account` if its version is still `expected_version`.
    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError>;

    /// Tries to take the cross-process refresh lease for `account` for `ttl`.
    ///
    /// `Ok(None)` means another holder has it. The default grants every request: a
    /// store shared by one process needs no lease (CAS still prevents stale writes).
    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        Ok(Some(Lease {
            account: account.to_owned(),
            holder: holder.to_owned(),
            fencing_token: 0,
            // Informational only for the default: nothing else holds it.
            expires_at: SystemTime::UNIX_EPOCH + ttl,
        }))
    }

    /// Gives a lease back early. The default has nothing to release.
    async fn release_lease(&self, lease: &Lease) -> Result<(), StoreError> {
        let _ = lease;
        Ok(())
    }
}

/// A time-limited right to refresh one account's grant, from
/// [`TokenStore::try_acquire_lease`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The account the lease covers.
    pub account: String,
    /// Who holds it.
    pub holder: String,
    /// Increases with every grant of the lease, so a store can refuse writes from a
    /// holder whose lease has since been given to someone else.
    pub fencing_token: u64,
    /// When the lease lapses if not released.
    pub expires_at: SystemTime,
}
