use super::skips::Skips;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// The shared origin of a run: an epoch, the tokio instant that
/// corresponds to it, and the stretches skipped since.
///
/// On paused time nothing is ever skipped (tokio jumps idle stretches
/// itself). Against broker processes the run goes at wall speed and
/// [`skip`](Self::skip)s idle stretches: every [`SimClock`] moves forward
/// by the skip, and [`instant_at`](Self::instant_at) comes that much sooner.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use harness::sim::SimTime;
/// use std::time::{Duration, UNIX_EPOCH};
/// let time = SimTime::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// let provider = time.clock();
/// let broker = time.clock();
/// broker.skew(Duration::from_secs(600), false); // broker 10 minutes behind
/// tokio::time::sleep(Duration::from_secs(3600)).await; // an hour, instantly
/// let gap = provider.now().duration_since(broker.now()).unwrap();
/// assert_eq!(gap, Duration::from_secs(600));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SimTime {
    epoch: SystemTime,
    start: Instant,
    skips: Arc<Skips>,
}

impl SimTime {
    /// Starts simulated time at `epoch`, now.
    pub fn new(epoch: SystemTime) -> Self {
        Self {
            epoch,
            start: Instant::now(),
            skips: Arc::default(),
        }
    }

    /// A new component clock with zero offset.
    pub fn clock(&self) -> SimClock {
        SimClock {
            time: self.clone(),
            offset_ms: Arc::new(AtomicI64::new(0)),
            frozen_at_ms: Arc::new(AtomicI64::new(NOT_FROZEN)),
        }
    }

    /// How much simulated time has passed since the run began (skips included).
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(self.start) + self.skips.skipped()
    }

    /// The tokio instant at `offset` into the run, as of now: a later skip
    /// brings it closer (wait with [`sleep_until_offset`](Self::sleep_until_offset)).
    pub fn instant_at(&self, offset: Duration) -> Instant {
        let skipped = self.skips.skipped();
        offset
            .checked_sub(skipped)
            .map_or(self.start, |left| self.start + left)
    }

    /// How much of the timeline was skipped so far.
    pub fn skipped(&self) -> Duration {
        self.skips.skipped()
    }

    /// Jumps every clock of the run forward by `by` (whole milliseconds).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use harness::sim::SimTime;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let time = SimTime::new(UNIX_EPOCH);
    /// let clock = time.clock();
    /// let waiter = tokio::spawn({
    ///     let time = time.clone();
    ///     async move { time.sleep_until_offset(Duration::from_secs(3600)).await }
    /// });
    /// tokio::task::yield_now().await;
    /// assert_eq!(time.parked(), (1, Some(Duration::from_secs(3600))));
    /// time.skip(Duration::from_secs(3600));
    /// waiter.await.unwrap();
    /// assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(3600));
    /// # }
    /// ```
    pub fn skip(&self, by: Duration) {
        self.skips.skip(by);
    }

    /// Sleeps until `offset` into the run, waking early when a skip
    /// reaches it. While it sleeps, the point counts as parked.
    pub async fn sleep_until_offset(&self, offset: Duration) {
        let id = self.skips.park(offset);
        let _unpark = Unpark(&self.skips, id);
        loop {
            let jumped = self.skips.jumped();
            tokio::pin!(jumped);
            // Registered before the deadline is read: a skip in between wakes it.
            jumped.as_mut().enable();
            tokio::select! {
                biased;
                () = tokio::time::sleep_until(self.instant_at(offset)) => return,
                () = jumped => {}
            }
        }
    }

    /// How many tasks wait in [`sleep_until_offset`](Self::sleep_until_offset),
    /// and the nearest point they wait for.
    pub fn parked(&self) -> (usize, Option<Duration>) {
        self.skips.parked()
    }
}

/// Unparks a waiter however its sleep ends (woken, or dropped).
struct Unpark<'a>(&'a Skips, u64);

impl Drop for Unpark<'_> {
    fn drop(&mut self) {
        self.0.unpark(self.1);
    }
}

/// One component's clock: `epoch + elapsed + offset`.
///
/// Clones share the offset, so the harness keeps a clone to skew a
/// component while the component reads it.
#[derive(Debug, Clone)]
pub struct SimClock {
    time: SimTime,
    offset_ms: Arc<AtomicI64>,
    /// Milliseconds since the unix epoch the clock is frozen at, or [`NOT_FROZEN`].
    frozen_at_ms: Arc<AtomicI64>,
}

const NOT_FROZEN: i64 = i64::MIN;

impl SimClock {
    /// The component's current time.
    pub fn now(&self) -> SystemTime {
        let frozen = self.frozen_at_ms.load(Ordering::Relaxed);
        if frozen != NOT_FROZEN {
            return UNIX_EPOCH + Duration::from_millis(frozen.unsigned_abs());
        }
        let base = self.time.epoch + self.time.elapsed();
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let magnitude = Duration::from_millis(offset.unsigned_abs());
        if offset >= 0 {
            base + magnitude
        } else {
            base - magnitude
        }
    }

    /// Sets the offset from true simulated time: ahead when `ahead`, behind otherwise.
    pub fn skew(&self, by: Duration, ahead: bool) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms
            .store(if ahead { ms } else { -ms }, Ordering::Relaxed);
    }

    /// The current offset from true time in milliseconds (positive: ahead).
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock by `by` (forward when `forward`), on top of any skew.
    pub fn jump(&self, by: Duration, forward: bool) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms
            .fetch_add(if forward { ms } else { -ms }, Ordering::Relaxed);
    }
}

impl SimClock {
    /// Stops the clock where it is (a paused VM): `now()` returns the same
    /// instant until [`thaw`](Self::thaw).
    pub fn freeze(&self) {
        let now = self.now();
        let ms = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self.frozen_at_ms.store(ms, Ordering::Relaxed);
    }

    /// Lets a frozen clock run again; it jumps straight to true time plus
    /// its offset, as a resumed VM's clock does after an NTP step.
    pub fn thaw(&self) {
        self.frozen_at_ms.store(NOT_FROZEN, Ordering::Relaxed);
    }
}

impl mock_provider::Clock for SimClock {
    fn now(&self) -> SystemTime {
        SimClock::now(self)
    }
}

impl oauth_chaos_seams::Clock for SimClock {
    fn now(&self) -> SystemTime {
        SimClock::now(self)
    }

    /// Paused-tokio time since the run began: no offset, no freeze and no
    /// skip moves it, as neither NTP nor the process timeline moves a
    /// process's `CLOCK_MONOTONIC`.
    fn monotonic(&self) -> Duration {
        Instant::now().duration_since(self.time.start)
    }
}
