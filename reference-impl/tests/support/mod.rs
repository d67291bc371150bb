//! Test-only support for the sync engine, outbox and mailbox tests: an in-memory fake
//! Gmail (`fake_gmail/`), crash-point hooks (PostgreSQL comes from the
//! `throwaway-postgres` crate).

pub mod fake_gmail;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use reference_impl::{
    Clock, CrashPoint, CrashPoints, Crashed, MailboxStore, Outbox, OutboxConfig, RetryPolicy,
    SyncConfig, SyncEngine,
};

use self::fake_gmail::{FakeGmail, FakeTokens, GMAIL_BASE, InMemoryGmail};

pub const ACCOUNT: &str = "alice@example.com";

/// The fake's notion of now (2023-11-14), so message-only retry times are meaningful.
#[derive(Debug)]
pub struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }
}

/// Small pages and batches so a few dozen messages exercise pagination and batching.
pub fn small_config(worker: &str) -> SyncConfig {
    SyncConfig::new(GMAIL_BASE, worker)
        .with_page_size(7)
        .with_commit_batch(5)
        .with_fetch_window(3)
        .with_retry(RetryPolicy::default().with_max_attempts(6))
}

pub fn engine(gmail: &FakeGmail, store: Arc<dyn MailboxStore>) -> SyncEngine {
    engine_with(gmail, store, small_config("worker-1"))
}

pub fn engine_with(
    gmail: &FakeGmail,
    store: Arc<dyn MailboxStore>,
    config: SyncConfig,
) -> SyncEngine {
    SyncEngine::new(
        config,
        Arc::new(FixedClock),
        Arc::new(InMemoryGmail::new(gmail)),
        Arc::new(FakeTokens::new(gmail)),
        store,
    )
    .expect("the fake's base url is valid")
}

pub fn outbox(gmail: &FakeGmail, store: Arc<dyn MailboxStore>, seed: u64) -> Outbox {
    Outbox::new(
        OutboxConfig::new(GMAIL_BASE)
            .with_seed(seed)
            .with_worker_id("outbox-worker-1")
            .with_message_id_domain(
                reference_impl::MessageIdDomain::new("oauth-chaos.invalid").expect("a dot-atom"),
            ),
        Arc::new(FixedClock),
        Arc::new(InMemoryGmail::new(gmail)),
        Arc::new(FakeTokens::new(gmail)),
        store,
    )
    .expect("the fake's base url is valid")
}

/// Stops the engine at the `n`-th crash point it reaches (0-based).
#[derive(Debug)]
pub struct CrashAt {
    n: usize,
    seen: AtomicUsize,
}

impl CrashAt {
    pub fn new(n: usize) -> Arc<Self> {
        Arc::new(Self {
            n,
            seen: AtomicUsize::new(0),
        })
    }
}

impl CrashPoints for CrashAt {
    fn reached(&self, point: CrashPoint) -> Result<(), Crashed> {
        if self.seen.fetch_add(1, Ordering::SeqCst) == self.n {
            Err(Crashed { point })
        } else {
            Ok(())
        }
    }
}

/// Counts crash points without stopping.
#[derive(Debug, Default)]
pub struct CountCrashPoints(AtomicUsize);

impl CountCrashPoints {
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl CrashPoints for CountCrashPoints {
    fn reached(&self, _point: CrashPoint) -> Result<(), Crashed> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}
