//! Instants in the provider's frame, for grants other components read.
//!
//! A broker measures a token's life on its own clock, from when it sent the
//! request. That is right for its own cache, and wrong for a record another
//! component picks up from a shared store: a reader whose clock is ten
//! minutes behind the writer's believes the writer's token lives ten minutes
//! longer than it does, and serves it dead. So the instants a broker writes
//! to its store are moved into the provider's frame (the `Date` header of
//! the provider's answers is the one clock every component talks to), and
//! moved back into the reader's own frame when it reads them.
//!
//! The estimate of the provider's clock is anchored at the last answer that
//! carried a `Date`, and carried forward by whichever of the wall and the
//! monotonic clock moved more since: a wall clock stepped back since the
//! anchor is caught by the monotonic clock, a wall clock stepped forward (or
//! a suspend the monotonic clock does not count) by the wall clock. An
//! estimate only ever moves an expiry earlier, never later: a `Date` is
//! truncated to the second and read after a round trip, so it always seems
//! a little behind, and a slow answer would otherwise stretch every token
//! read by it. So a slow writer's expiry is stored as measured (early in the
//! provider's frame), a fast reader reads a stored expiry as is (early on
//! its clock), and the other two directions are exact to the header's
//! resolution. Offsets within that resolution count as none, so brokers
//! whose clocks agree store exactly what they measured. Without any `Date`
//! seen, instants are stored as measured.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use futures::future::BoxFuture;

use crate::clock::{Clock, Reading};
use crate::store::{CasOutcome, Lease, StoreError, StoredGrant, TokenStore};
use crate::transport::{HttpRequest, HttpResponse, HttpTransport, TransportError};

/// Offsets smaller than this are the `Date` header's resolution plus a
/// round trip, not a clock difference.
const RESOLUTION: Duration = Duration::from_secs(2);

/// This broker's estimate of the provider's clock.
#[derive(Debug)]
pub(crate) struct ProviderFrame {
    clock: Arc<dyn Clock>,
    anchor: Mutex<Option<Anchor>>,
}

/// The provider's `Date` and our reading when its answer arrived.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    provider: SystemTime,
    local: Reading,
    /// From the store's server rather than the provider.
    from_store: bool,
}

/// Provider time minus local wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Offset {
    Ahead(Duration),
    Behind(Duration),
}

impl ProviderFrame {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            anchor: Mutex::new(None),
        }
    }

    /// Anchors the estimate at a provider answer dated `date`, just received.
    pub fn observe(&self, date: SystemTime) {
        let local = Reading::of(&*self.clock);
        *self.anchor.lock().unwrap_or_else(PoisonError::into_inner) = Some(Anchor {
            provider: date,
            local,
            from_store: false,
        });
    }

    /// Anchors the estimate at a store answer dated `date` (an S3 bucket's
    /// `Date`), just received, unless the provider itself has been heard
    /// from: its `Date` is the reference, the store's only stands in for it
    /// in a component that never refreshes (it adopts what others stored).
    pub fn observe_store(&self, date: SystemTime) {
        let local = Reading::of(&*self.clock);
        let mut anchor = self.anchor.lock().unwrap_or_else(PoisonError::into_inner);
        if anchor.is_none_or(|anchor| anchor.from_store) {
            *anchor = Some(Anchor {
                provider: date,
                local,
                from_store: true,
            });
        }
    }

    /// Our wall clock stepped back by `by` since the anchor: the anchor's
    /// reading moves with it, so the estimate is carried from the same moment.
    pub fn stepped_back(&self, by: Duration) {
        if let Some(anchor) = self
            .anchor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            anchor.local.wall = anchor
                .local
                .wall
                .checked_sub(by)
                .unwrap_or(anchor.local.wall);
        }
    }

    /// The provider's clock minus ours, now; `None` within [`RESOLUTION`] or
    /// before any dated answer.
    fn offset(&self) -> Option<Offset> {
        let anchor = (*self.anchor.lock().unwrap_or_else(PoisonError::into_inner))?;
        let now = Reading::of(&*self.clock);
        let wall_elapsed = now
            .wall
            .duration_since(anchor.local.wall)
            .unwrap_or_default();
        let mono_elapsed = now.mono.saturating_sub(anchor.local.mono);
        let provider_now = anchor.provider + wall_elapsed.max(mono_elapsed);
        let offset = match provider_now.duration_since(now.wall) {
            Ok(ahead) => Offset::Ahead(ahead),
            Err(behind) => Offset::Behind(behind.duration()),
        };
        match offset {
            Offset::Ahead(by) | Offset::Behind(by) if by < RESOLUTION => None,
            offset => Some(offset),
        }
    }

    /// An expiry on our wall clock, in the provider's frame. Only ever
    /// moved earlier: when the provider seems ahead of us the instant is
    /// kept as measured (readers then refresh early), because an estimate
    /// must never make a token live longer than it does.
    pub fn to_provider(&self, local: SystemTime) -> SystemTime {
        match self.offset() {
            Some(Offset::Behind(by)) => local.checked_sub(by).unwrap_or(local),
            None | Some(Offset::Ahead(_)) => local,
        }
    }

    /// An expiry in the provider's frame, on our wall clock. Only ever
    /// moved earlier, as [`to_provider`](Self::to_provider): a `Date` is
    /// truncated to the second and read after the answer's trip, so it
    /// always seems a little behind, and believing it would stretch tokens.
    pub fn to_local(&self, provider: SystemTime) -> SystemTime {
        match self.offset() {
            Some(Offset::Ahead(by)) => provider.checked_sub(by).unwrap_or(provider),
            None | Some(Offset::Behind(_)) => provider,
        }
    }

    fn grant_to_provider(&self, mut grant: StoredGrant) -> StoredGrant {
        grant.expires_at = grant.expires_at.map(|at| self.to_provider(at));
        grant.obtained_at = grant.obtained_at.map(|at| self.to_provider(at));
        grant
    }

    fn grant_to_local(&self, mut grant: StoredGrant) -> StoredGrant {
        grant.expires_at = grant.expires_at.map(|at| self.to_local(at));
        grant.obtained_at = grant.obtained_at.map(|at| self.to_local(at));
        grant
    }
}

/// The broker's transport, anchoring its [`ProviderFrame`] at every dated answer.
#[derive(Debug)]
pub(crate) struct DatedTransport {
    pub inner: Arc<dyn HttpTransport>,
    pub frame: Arc<ProviderFrame>,
}

impl HttpTransport for DatedTransport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let sent = self.inner.send(request);
        let frame = Arc::clone(&self.frame);
        Box::pin(async move {
            let response = sent.await?;
            if let Some(date) = crate::transport::answer_date(response.headers()) {
                frame.observe(date);
            }
            Ok(response)
        })
    }
}

/// The broker's store, holding expiry in the provider's frame (see the
/// module docs) and handing it back in ours.
#[derive(Debug)]
pub(crate) struct FramedStore {
    pub inner: Arc<dyn TokenStore>,
    pub frame: Arc<ProviderFrame>,
}

#[async_trait]
impl TokenStore for FramedStore {
    async fn load(&self, account: &str) -> Result<Option<StoredGrant>, StoreError> {
        let stored = self.inner.load(account).await?;
        if let Some(date) = self.inner.server_date() {
            self.frame.observe_store(date);
        }
        Ok(stored.map(|grant| self.frame.grant_to_local(grant)))
    }

    async fn compare_and_swap(
        &self,
        account: &str,
        expected_version: Option<u64>,
        new: StoredGrant,
    ) -> Result<CasOutcome, StoreError> {
        let new = self.frame.grant_to_provider(new);
        Ok(
            match self
                .inner
                .compare_and_swap(account, expected_version, new)
                .await?
            {
                CasOutcome::Swapped => CasOutcome::Swapped,
                CasOutcome::Conflict { current } => CasOutcome::Conflict {
                    current: current.map(|grant| self.frame.grant_to_local(grant)),
                },
            },
        )
    }

    async fn delete(&self, account: &str) -> Result<bool, StoreError> {
        self.inner.delete(account).await
    }

    async fn list_accounts(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list_accounts().await
    }

    async fn try_acquire_lease(
        &self,
        account: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<Lease>, StoreError> {
        self.inner.try_acquire_lease(account, holder, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StoreError> {
        self.inner.release_lease(lease).await
    }

    async fn reseal(&self, account: &str) -> Result<bool, StoreError> {
        self.inner.reseal(account).await
    }

    fn server_date(&self) -> Option<SystemTime> {
        self.inner.server_date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock whose wall and monotonic readings are set by hand.
    #[derive(Debug, Default)]
    struct HandClock {
        wall_s: AtomicU64,
        mono_s: AtomicU64,
    }

    impl HandClock {
        fn advance(&self, by: u64) {
            self.wall_s.fetch_add(by, Ordering::Relaxed);
            self.mono_s.fetch_add(by, Ordering::Relaxed);
        }
        fn step_wall_back(&self, by: u64) {
            self.wall_s.fetch_sub(by, Ordering::Relaxed);
        }
        fn step_wall_forward(&self, by: u64) {
            self.wall_s.fetch_add(by, Ordering::Relaxed);
        }
    }

    impl Clock for HandClock {
        fn now(&self) -> SystemTime {
            SystemTime::UNIX_EPOCH + Duration::from_secs(self.wall_s.load(Ordering::Relaxed))
        }
        fn monotonic(&self) -> Duration {
            Duration::from_secs(self.mono_s.load(Ordering::Relaxed))
        }
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn frame_at(wall: u64) -> (Arc<HandClock>, ProviderFrame) {
        let clock = Arc::new(HandClock::default());
        clock.wall_s.store(wall, Ordering::Relaxed);
        clock.mono_s.store(50, Ordering::Relaxed);
        let frame = ProviderFrame::new(Arc::clone(&clock) as Arc<dyn Clock>);
        (clock, frame)
    }

    #[test]
    fn without_a_dated_answer_instants_are_kept_as_measured() {
        let (_clock, frame) = frame_at(10_000);
        assert_eq!(frame.to_provider(at(13_600)), at(13_600));
        assert_eq!(frame.to_local(at(13_600)), at(13_600));
    }

    #[test]
    fn a_clock_ten_minutes_behind_reads_the_providers_expiry_ten_minutes_earlier() {
        let (_clock, frame) = frame_at(10_000);
        frame.observe(at(10_600));
        assert_eq!(frame.to_local(at(14_200)), at(13_600));
        // What it writes is kept as measured: early in the provider's frame,
        // so readers refresh early rather than late.
        assert_eq!(frame.to_provider(at(13_600)), at(13_600));
    }

    #[test]
    fn a_clock_ten_minutes_ahead_writes_the_providers_expiry_and_reads_it_as_is() {
        let (_clock, frame) = frame_at(10_600);
        frame.observe(at(10_000));
        assert_eq!(frame.to_provider(at(14_200)), at(13_600));
        // Read back unmoved: on its fast clock the token then ends ten
        // minutes early, never late.
        assert_eq!(frame.to_local(at(13_600)), at(13_600));
    }

    #[test]
    fn a_date_that_seems_behind_by_its_truncation_and_a_slow_trip_never_stretches_a_token() {
        let (_clock, frame) = frame_at(10_003);
        // Sent at 10,000.9, truncated to 10,000, read 2 s later.
        frame.observe(at(10_000));
        assert_eq!(frame.to_local(at(10_010)), at(10_010));
    }

    #[test]
    fn a_reader_that_never_heard_the_provider_is_placed_by_the_stores_date() {
        let (_clock, frame) = frame_at(10_000);
        frame.observe_store(at(10_600));
        assert_eq!(frame.to_local(at(14_200)), at(13_600));
    }

    #[test]
    fn the_providers_date_outranks_the_stores() {
        let (_clock, frame) = frame_at(10_000);
        frame.observe(at(10_000));
        frame.observe_store(at(10_600));
        assert_eq!(frame.to_local(at(13_600)), at(13_600));
        let (_clock, frame) = frame_at(10_000);
        frame.observe_store(at(10_600));
        frame.observe(at(10_000));
        assert_eq!(frame.to_local(at(13_600)), at(13_600));
    }

    #[test]
    fn a_wall_clock_stepped_back_after_the_anchor_is_caught_by_the_monotonic_clock() {
        let (clock, frame) = frame_at(10_000);
        frame.observe(at(10_000));
        clock.advance(1_200);
        clock.step_wall_back(600);
        // Provider now 11,200, our wall 10,600: a token the provider ends at
        // 13,600 ends at 13,000 on our clock.
        assert_eq!(frame.to_local(at(13_600)), at(13_000));
    }

    #[test]
    fn a_wall_clock_stepped_forward_errs_towards_an_older_token() {
        let (clock, frame) = frame_at(10_000);
        frame.observe(at(10_000));
        clock.advance(60);
        clock.step_wall_forward(600);
        // The wall moved more than the monotonic clock: the estimate follows
        // it (a suspend, or a process timeline skipping ahead) and the
        // offset stays what it was.
        assert_eq!(frame.to_local(at(13_600)), at(13_600));
    }

    #[test]
    fn offsets_within_the_date_headers_resolution_count_as_none() {
        let (_clock, frame) = frame_at(10_000);
        frame.observe(at(9_999));
        assert_eq!(frame.to_provider(at(13_600)), at(13_600));
    }
}
