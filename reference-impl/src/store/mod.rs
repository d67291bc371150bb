//! Durable grant storage behind one versioned compare-and-swap contract.
//!
//! Every write names the version it expects to replace and carries a strictly greater
//! version, so a slow writer can never overwrite a newer grant with an older one. This
//! is what makes refresh-token rotation safe across crashes and processes.
//!
//! Five implementations keep one contract (the conformance suite in
//! `tests/store/` runs against each):
//!
//! - `memory.rs`: in-process, with fault knobs for simulation (unavailable,
//!   read-only, slow, fail after N writes, crash);
//! - `file.rs`: one sealed JSON file per account, temp file + fsync + rename, mode
//!   0600, an advisory lock around read-compare-write;
//! - `sqlite.rs`: the embedded default (WAL, `BEGIN IMMEDIATE` for CAS);
//! - `postgres.rs`: for several broker processes (embedded migrations, single
//!   statement CAS, the refresh lease on server time);
//! - `bucket.rs`: an object bucket (S3 and kin through `object_store`) shared by
//!   components on different machines: `bucket_chain.rs` is its conditional-create
//!   CAS, `bucket_record.rs` the sealed object and its metadata,
//!   `bucket_spec.rs` where the bucket is, `bucket_sync_log.rs` the counted sync
//!   outcomes, `bucket_errors.rs` the error mapping.
//!
//! `local_first.rs` puts a local store in front of a bucket: it keeps serving
//! while the bucket is down and reconciles by version when it is back.
//!
//! `spec.rs` parses `memory` / `file:DIR` / `sqlite:PATH` / `postgres://…` /
//! `bucket:…` / `local-first:LOCAL|bucket:…` into a store. `lease.rs` is the cross-process refresh lease, `rotate.rs` re-seals every record
//! under the keyring's primary key, `io_error.rs` maps OS errors to [`StoreError`]
//! and `error.rs` lists the failures. Sealing itself lives in `crate::crypto`.

mod bucket;
mod bucket_chain;
mod bucket_dates;
mod bucket_errors;
mod bucket_record;
mod bucket_spec;
mod bucket_sync_log;
mod cas;
mod error;
mod faults;
mod file;
mod io_error;
mod lease;
mod local_first;
mod memory;
mod postgres;
mod postgres_schema;
mod postgres_session;
mod rotate;
mod spec;
mod sqlite;
mod sqlite_schema;

pub use self::bucket::BucketStore;
pub use self::bucket_dates::ServerDates;
pub use self::bucket_errors::is_retriable;
pub use self::bucket_record::SyncMeta;
pub use self::bucket_spec::{BucketLocation, BucketSpecError};
pub use self::bucket_sync_log::SkipReason;
pub use self::error::StoreError;
pub use self::file::FileStore;
pub use self::lease::Lease;
pub use self::local_first::{BUCKET_RETRY_AFTER, LocalFirstStore};
pub use self::memory::MemoryStore;
pub use self::postgres::PostgresStore;
pub use self::rotate::{RotationReport, rotate_keys};
pub use self::spec::{BUCKET_SOURCE_ENV, StoreSpec, StoreSpecError};
pub use self::sqlite::SqliteStore;

use std::fmt::Debug;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use crate::secret::{AccessToken, RefreshToken};
use crate::service_account::ServiceAccountGrant;

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
    /// When `access_token` was obtained (local send time), so a process
    /// that adopts it knows how much of its life is gone; absent in records
    /// written before it was kept.
    pub obtained_at: Option<SystemTime>,
    /// Scopes the provider reported as granted.
    pub scopes: Vec<String>,
    /// For a service account: the key, subject and scopes assertions are signed with.
    /// The refresh token is then empty and unused.
    pub service_account: Option<ServiceAccountGrant>,
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
            obtained_at: None,
            scopes: Vec::new(),
            service_account: None,
        }
    }

    /// A grant holding a service-account key, as stored by
    /// [`TokenBroker::add_service_account`](crate::TokenBroker::add_service_account).
    pub fn for_service_account(version: u64, service_account: ServiceAccountGrant) -> Self {
        Self {
            service_account: Some(service_account),
            ..Self::new(version, RefreshToken::new(""))
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

    /// Removes the grant for `account` (after revocation); `true` if one was stored.
    ///
    /// The version history goes with it: the next write must expect `None`, so a
    /// writer still holding the old version conflicts instead of resurrecting it.
    ///
    /// The default reports [`StoreError::Unsupported`].
    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let _ = account;
        Err(StoreError::Unsupported {
            operation: "delete",
        })
    }

    /// Every account with a stored grant, sorted by name.
    ///
    /// The default reports [`StoreError::Unsupported`].
    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        Err(StoreError::Unsupported {
            operation: "list_accounts",
        })
    }

    /// Takes the refresh lease on `account` for `ttl` unless another holder has a live
    /// one; `None` means someone else is refreshing, so wait and re-read the grant.
    ///
    /// Every successful acquisition gets a larger [`Lease::fencing_token`]; re-acquiring
    /// a lease one already holds renews it. The lease only decides *who refreshes*: the
    /// write itself stays fenced by the grant version through
    /// [`compare_and_swap`](Self::compare_and_swap), so a holder whose lease expired
    /// mid-refresh cannot overwrite a newer grant.
    ///
    /// The default reports [`StoreError::Unsupported`].
    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let _ = (account, holder, ttl);
        Err(StoreError::Unsupported {
            operation: "try_acquire_lease",
        })
    }

    /// Gives `lease` up early; `false` if it had already expired and been taken over.
    ///
    /// The default reports [`StoreError::Unsupported`].
    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let _ = lease;
        Err(StoreError::Unsupported {
            operation: "release_lease",
        })
    }

    /// Re-seals the record for `account` under the keyring's primary key, keeping its
    /// version; `true` if the record was rewritten. See [`rotate_keys`].
    ///
    /// The default does nothing: a store that keeps no bytes at rest has nothing to
    /// re-seal.
    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let _ = account;
        Ok(false)
    }

    /// The `Date` of the newest answer from the server behind this store,
    /// for a store whose server dates its answers by a clock every
    /// component can trust (an S3 bucket). A broker that has never heard
    /// from the provider places the instants it reads by it.
    ///
    /// The default is `None`: local files and databases carry no such date.
    fn server_date(&self) -> Option<std::time::SystemTime> {
        None
    }
}
