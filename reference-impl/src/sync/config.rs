use std::time::Duration;

use super::retry::RetryPolicy;

/// How the [`SyncEngine`](super::SyncEngine) talks to Gmail and writes to the store.
///
/// ```
/// use std::time::Duration;
/// use reference_impl::SyncConfig;
///
/// let config = SyncConfig::new("https://gmail.googleapis.com", "worker-1")
///     .with_fetch_window(16)
///     .with_lease_ttl(Duration::from_secs(120));
/// assert_eq!(config.fetch_window, 16);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncConfig {
    /// Gmail's API origin, e.g. `https://gmail.googleapis.com`.
    pub gmail_base: String,
    /// This worker's name in the per-account lease.
    pub worker_id: String,
    /// `maxResults` for `messages.list` (Gmail allows up to 500).
    pub list_page_size: u32,
    /// `maxResults` for `history.list`.
    pub history_page_size: u32,
    /// How many `messages.get` requests are in flight at once.
    pub fetch_window: usize,
    /// Messages per store transaction during a full sync.
    pub commit_batch: usize,
    /// How long a lease lasts without renewal (renewed before every commit).
    pub lease_ttl: Duration,
    /// Backoff for rate limits, 5xx and network errors.
    pub retry: RetryPolicy,
    /// Seed for backoff jitter (sim runs stay reproducible).
    pub seed: u64,
}

impl SyncConfig {
    /// Defaults: pages of 500, 32 concurrent gets, 1,000 messages per commit,
    /// 5-minute lease, [`RetryPolicy::default`].
    pub fn new(gmail_base: impl Into<String>, worker_id: impl Into<String>) -> Self {
        Self {
            gmail_base: gmail_base.into(),
            worker_id: worker_id.into(),
            list_page_size: 500,
            history_page_size: 500,
            fetch_window: 32,
            commit_batch: 1000,
            lease_ttl: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            seed: 0,
        }
    }

    /// Sets [`SyncConfig::fetch_window`] (at least 1).
    pub fn with_fetch_window(mut self, window: usize) -> Self {
        self.fetch_window = window.max(1);
        self
    }

    /// Sets [`SyncConfig::commit_batch`] (at least 1).
    pub fn with_commit_batch(mut self, batch: usize) -> Self {
        self.commit_batch = batch.max(1);
        self
    }

    /// Sets both page sizes (1..=500).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.list_page_size = size.clamp(1, 500);
        self.history_page_size = size.clamp(1, 500);
        self
    }

    /// Sets [`SyncConfig::lease_ttl`].
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// Sets [`SyncConfig::retry`].
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets [`SyncConfig::seed`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}
