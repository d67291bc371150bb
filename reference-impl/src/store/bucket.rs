use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use object_store::ObjectStore;
use object_store::path::Path;

use super::bucket_chain::{Appended, Chain, Head};
use super::bucket_dates::ServerDates;
use super::bucket_errors::object_error;
use super::bucket_record::{GrantObject, SealedRecord, SyncMeta};
use super::bucket_sync_log as sync_log;
use super::lease::{LeaseRecord, millis_since_epoch};
use super::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::clock::{Clock, SystemClock};
use crate::crypto::Keyring;

/// Rounds of read-decide-append before a store call gives up on a hot account.
const RACE_ROUNDS: usize = 16;

/// A [`TokenStore`] in an object bucket (S3, GCS, Azure, a local directory, or
/// memory: anything [`object_store`] reaches), shared by every component that
/// opens the same bucket and prefix.
///
/// - Each account's grants form a chain of sealed objects
///   (`PREFIX/grants/<account>/<position>`); compare-and-swap claims the next
///   position with a conditional create (`PutMode::Create`), so of two writers
///   that read the same head exactly one wins and the other gets
///   [`CasOutcome::Conflict`] with the winner's grant. Never last-write-wins.
/// - Records are sealed with the keyring before upload; each object carries its
///   [`SyncMeta`] in clear (issued-at, expiry, refresh-at, source, and the
///   e-tag of the object it replaced as the sync marker).
/// - A lost acknowledgement (the write landed, the answer did not) is resolved
///   by reading the position back: our exact bytes there mean we won.
/// - Leases are a chain of their own (`PREFIX/leases/<account>/…`) and expire
///   by the store's clock.
/// - Every operation is logged and counted (`oauth_bucket_sync_total`).
///
/// ```
/// use std::sync::Arc;
/// use reference_impl::{BucketStore, CasOutcome, Keyring, RefreshToken, StoredGrant, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let bucket = Arc::new(object_store::memory::InMemory::new());
/// let laptop = BucketStore::new(bucket.clone(), "tokens", Keyring::generate("k1")).with_source("laptop");
/// let grant = StoredGrant::new(1, RefreshToken::new("1//secret"));
/// assert!(matches!(laptop.compare_and_swap("alice", None, grant).await?, CasOutcome::Swapped));
///
/// // Another component on the same bucket sees it, and loses a stale write.
/// let cron = BucketStore::new(bucket, "tokens", laptop.keyring().clone());
/// assert_eq!(cron.load("alice").await?.map(|g| g.version), Some(1));
/// let stale = StoredGrant::new(2, RefreshToken::new("1//other"));
/// assert!(matches!(cron.compare_and_swap("alice", None, stale).await?, CasOutcome::Conflict { .. }));
/// assert_eq!(cron.sync_meta("alice").await?.map(|m| m.source), Some("laptop".to_owned()));
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct BucketStore {
    inner: Arc<BucketInner>,
}

#[derive(Debug)]
struct BucketInner {
    objects: Arc<dyn ObjectStore>,
    root: Path,
    keyring: Keyring,
    clock: Arc<dyn Clock>,
    source: String,
    refresh_lead: Duration,
    dates: ServerDates,
}

impl BucketStore {
    /// A store under `prefix` of `objects`, its leases and metadata on the system clock.
    pub fn new(objects: Arc<dyn ObjectStore>, prefix: &str, keyring: Keyring) -> Self {
        Self {
            inner: Arc::new(BucketInner {
                objects,
                root: Path::from(prefix),
                keyring,
                clock: Arc::new(SystemClock),
                source: format!("pid-{}", std::process::id()),
                refresh_lead: crate::BrokerConfig::DEFAULT_REFRESH_BUFFER,
                dates: ServerDates::default(),
            }),
        }
    }

    fn rebuilt(&self, change: impl FnOnce(&mut BucketInner)) -> Self {
        let inner = &self.inner;
        let mut next = BucketInner {
            objects: Arc::clone(&inner.objects),
            root: inner.root.clone(),
            keyring: inner.keyring.clone(),
            clock: Arc::clone(&inner.clock),
            source: inner.source.clone(),
            refresh_lead: inner.refresh_lead,
            dates: inner.dates.clone(),
        };
        change(&mut next);
        Self {
            inner: Arc::new(next),
        }
    }

    /// The same store with leases and metadata on `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        self.rebuilt(|inner| inner.clock = clock)
    }

    /// The same store, naming its writes `source` in their metadata.
    pub fn with_source(self, source: impl Into<String>) -> Self {
        let source = source.into();
        self.rebuilt(|inner| inner.source = source)
    }

    /// The same store, computing `refresh_at` metadata as `expiry - lead`.
    pub fn with_refresh_lead(self, lead: Duration) -> Self {
        self.rebuilt(|inner| inner.refresh_lead = lead)
    }

    /// The same store, reporting the `Date`s noted in `dates` (from
    /// [`BucketLocation::open_dated`](super::BucketLocation::open_dated)) as
    /// its [`server_date`](TokenStore::server_date).
    pub fn with_server_dates(self, dates: ServerDates) -> Self {
        self.rebuilt(|inner| inner.dates = dates)
    }

    /// The keyring records are sealed with.
    pub fn keyring(&self) -> &Keyring {
        &self.inner.keyring
    }

    /// The metadata of `account`'s current grant, readable without a key.
    pub async fn sync_meta(&self, account: &str) -> Result<Option<SyncMeta>, StoreError> {
        Ok(self
            .grant_head(account)
            .await?
            .and_then(|(_, object)| object.grant.is_some().then_some(object.meta)))
    }

    fn grants(&self, account: &str) -> Chain {
        self.chain("grants", account)
    }

    fn leases(&self, account: &str) -> Chain {
        self.chain("leases", account)
    }

    fn chain(&self, kind: &str, account: &str) -> Chain {
        // The name encodes the account, so any account string is one path segment.
        Chain {
            prefix: self
                .inner
                .root
                .child(kind)
                .child(URL_SAFE_NO_PAD.encode(account)),
        }
    }

    async fn grant_head(&self, account: &str) -> Result<Option<(Head, GrantObject)>, StoreError> {
        let Some(head) = self.grants(account).head(&*self.inner.objects).await? else {
            return Ok(None);
        };
        let object = GrantObject::parse(account, &head.bytes)?;
        Ok(Some((head, object)))
    }

    fn open(&self, account: &str, object: &GrantObject) -> Result<Option<StoredGrant>, StoreError> {
        object
            .grant
            .as_ref()
            .map(|record| {
                let sealed = record.sealed(account)?;
                self.inner.keyring.open(account, record.version, &sealed)
            })
            .transpose()
    }

    fn meta_for(&self, grant: Option<&StoredGrant>, replaces: Option<String>) -> SyncMeta {
        let expires_at = grant.and_then(|grant| grant.expires_at);
        SyncMeta {
            issued_at_ms: millis_since_epoch(self.inner.clock.now()),
            expires_at_ms: expires_at.map(millis_since_epoch),
            refresh_at_ms: expires_at
                .map(|at| {
                    at.checked_sub(self.inner.refresh_lead)
                        .unwrap_or(SystemTime::UNIX_EPOCH)
                })
                .map(millis_since_epoch),
            source: self.inner.source.clone(),
            replaces,
        }
    }

    /// Appends `object` after `head`; `true` when ours is the new head.
    async fn append_after(
        &self,
        chain: &Chain,
        head: Option<&Head>,
        bytes: Vec<u8>,
    ) -> Result<bool, StoreError> {
        let position = head.map_or(0, |head| head.position + 1);
        match chain.append(&*self.inner.objects, position, bytes).await? {
            Appended::Written => {
                chain
                    .prune(&*self.inner.objects, position.saturating_sub(1))
                    .await;
                Ok(true)
            }
            Appended::Taken => Ok(false),
        }
    }

    async fn try_compare_and_swap(
        &self,
        account: &str,
        expected: Option<u64>,
        new: &StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let chain = self.grants(account);
        for _ in 0..RACE_ROUNDS {
            let head = self.grant_head(account).await?;
            let current = head.as_ref().and_then(|(_, object)| object.version());
            if let Some(conflict) =
                super::cas::decide(account, expected, current, new.version, || {
                    head.as_ref()
                        .map_or(Ok(None), |(_, object)| self.open(account, object))
                })?
            {
                return Ok(conflict);
            }
            let sealed = self.inner.keyring.seal(account, new);
            let object = GrantObject {
                grant: Some(SealedRecord::new(new.version, &sealed)),
                meta: self.meta_for(Some(new), head.as_ref().and_then(|(h, _)| h.e_tag.clone())),
            };
            if self
                .append_after(&chain, head.as_ref().map(|(h, _)| h), object.to_bytes())
                .await?
            {
                return Ok(CasOutcome::Swapped);
            }
            // Someone appended first: decide again against what they wrote.
        }
        Err(StoreError::Unavailable { source: None })
    }

    async fn try_delete(&self, account: &str) -> Result<bool, StoreError> {
        let chain = self.grants(account);
        for _ in 0..RACE_ROUNDS {
            let Some((head, object)) = self.grant_head(account).await? else {
                return Ok(false);
            };
            if object.grant.is_none() {
                return Ok(false);
            }
            let tombstone = GrantObject {
                grant: None,
                meta: self.meta_for(None, head.e_tag.clone()),
            };
            if self
                .append_after(&chain, Some(&head), tombstone.to_bytes())
                .await?
            {
                return Ok(true);
            }
        }
        Err(StoreError::Unavailable { source: None })
    }

    /// Reads the lease chain's head, applies `next`, appends the result; `None`
    /// from `next` ends with `Ok(None)`.
    async fn change_lease(
        &self,
        account: &str,
        next: impl Fn(Option<&LeaseRecord>) -> Option<LeaseRecord>,
    ) -> Result<Option<LeaseRecord>, StoreError> {
        let chain = self.leases(account);
        for _ in 0..RACE_ROUNDS {
            let head = chain.head(&*self.inner.objects).await?;
            // An unreadable lease counts as absent, so a bad object cannot block
            // refreshes forever (as in the file store).
            let current: Option<LeaseRecord> = head
                .as_ref()
                .and_then(|head| serde_json::from_slice(&head.bytes).ok());
            let Some(record) = next(current.as_ref()) else {
                return Ok(None);
            };
            let bytes = serde_json::to_vec(&record).map_err(StoreError::unavailable)?;
            if self.append_after(&chain, head.as_ref(), bytes).await? {
                return Ok(Some(record));
            }
        }
        Err(StoreError::Unavailable { source: None })
    }
}

#[async_trait]
impl TokenStore for BucketStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        let result = match self.grant_head(account).await {
            Ok(Some((_, object))) => self.open(account, &object),
            Ok(None) => Ok(None),
            Err(error) => Err(error),
        };
        sync_log::attempted("load", account, &result);
        result
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let result = self
            .try_compare_and_swap(account, expected_version, &new)
            .await;
        match &result {
            Ok(CasOutcome::Conflict { .. }) => sync_log::conflict("write", account),
            other => sync_log::attempted("write", account, other),
        }
        result
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        let result = self.try_delete(account).await;
        sync_log::attempted("delete", account, &result);
        result
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        let listed = self
            .inner
            .objects
            .list_with_delimiter(Some(&self.inner.root.child("grants")))
            .await
            .map_err(object_error)?;
        let mut accounts = Vec::new();
        for prefix in listed.common_prefixes {
            let Some(account) = prefix
                .filename()
                .and_then(|name| URL_SAFE_NO_PAD.decode(name).ok())
                .and_then(|bytes| String::from_utf8(bytes).ok())
            else {
                continue;
            };
            // A deleted account leaves a tombstone at the head of its chain.
            if let Some((_, object)) = self.grant_head(&account).await?
                && object.grant.is_some()
            {
                accounts.push(account);
            }
        }
        accounts.sort();
        Ok(accounts)
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        let result = self
            .change_lease(account, |current| {
                LeaseRecord::acquire(current, holder, ttl, self.inner.clock.now())
            })
            .await
            .map(|record| record.map(|record| record.to_lease(account)));
        sync_log::attempted("lease", account, &result);
        result
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        let result = self
            .change_lease(&lease.account, |current| {
                LeaseRecord::release(current, lease)
            })
            .await
            .map(|record| record.is_some());
        sync_log::attempted("lease", &lease.account, &result);
        result
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        let chain = self.grants(account);
        for _ in 0..RACE_ROUNDS {
            let Some((head, object)) = self.grant_head(account).await? else {
                return Ok(false);
            };
            let Some(record) = &object.grant else {
                return Ok(false);
            };
            if record.kid == self.inner.keyring.primary_kid() {
                return Ok(false);
            }
            let Some(grant) = self.open(account, &object)? else {
                return Ok(false);
            };
            let resealed = GrantObject {
                grant: Some(SealedRecord::new(
                    grant.version,
                    &self.inner.keyring.seal(account, &grant),
                )),
                meta: SyncMeta {
                    replaces: head.e_tag.clone(),
                    ..object.meta.clone()
                },
            };
            if self
                .append_after(&chain, Some(&head), resealed.to_bytes())
                .await?
            {
                return Ok(true);
            }
        }
        Err(StoreError::Unavailable { source: None })
    }

    fn server_date(&self) -> Option<std::time::SystemTime> {
        self.inner.dates.latest()
    }
}
