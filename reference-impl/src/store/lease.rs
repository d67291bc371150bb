use std::time::SystemTime;

/// A cross-process refresh lease on one account, from
/// [`TokenStore::try_acquire_lease`](super::TokenStore::try_acquire_lease).
///
/// ```
/// use std::time::Duration;
/// use reference_impl::{MemoryStore, TokenStore};
///
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let lease = store.try_acquire_lease("alice", "broker-1", Duration::from_secs(30)).await?;
/// let lease = lease.expect("nobody else holds it");
/// // A second process is turned away while the lease is live.
/// assert!(store.try_acquire_lease("alice", "broker-2", Duration::from_secs(30)).await?.is_none());
/// assert!(store.release_lease(&lease).await?);
/// # Ok::<_, reference_impl::StoreError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The account the lease covers.
    pub account: String,
    /// Who holds it (a broker instance id).
    pub holder: String,
    /// Strictly increases with every acquisition of this account's lease.
    pub fencing_token: u64,
    /// When the lease lapses, by the store's clock (the database server's for
    /// PostgreSQL).
    pub expires_at: SystemTime,
}

/// A lease as stored: shared by the memory, file and SQLite stores (PostgreSQL does
/// the same in SQL on server time).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct LeaseRecord {
    pub holder: String,
    pub fencing_token: u64,
    /// Milliseconds since the Unix epoch; 0 once released.
    pub expires_at_ms: u64,
}

impl LeaseRecord {
    /// The record after `holder` asks for the lease at `now`, or `None` if another
    /// holder has a live one. The fencing token grows even across releases.
    pub fn acquire(
        current: Option<&Self>,
        holder: &str,
        ttl: std::time::Duration,
        now: SystemTime,
    ) -> Option<Self> {
        let now_ms = millis_since_epoch(now);
        if let Some(current) = current
            && current.holder != holder
            && current.expires_at_ms > now_ms
        {
            return None;
        }
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        Some(Self {
            holder: holder.to_owned(),
            fencing_token: current.map_or(0, |current| current.fencing_token) + 1,
            expires_at_ms: now_ms.saturating_add(ttl_ms),
        })
    }

    /// The record after `lease` is released, or `None` if `lease` is no longer the
    /// current one (it expired and someone else took over).
    pub fn release(current: Option<&Self>, lease: &Lease) -> Option<Self> {
        let current = current.filter(|current| current.fencing_token == lease.fencing_token)?;
        Some(Self {
            expires_at_ms: 0,
            ..current.clone()
        })
    }

    pub fn to_lease(&self, account: &str) -> Lease {
        Lease {
            account: account.to_owned(),
            holder: self.holder.clone(),
            fencing_token: self.fencing_token,
            expires_at: SystemTime::UNIX_EPOCH
                + std::time::Duration::from_millis(self.expires_at_ms),
        }
    }
}

pub(crate) fn millis_since_epoch(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}
