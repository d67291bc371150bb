//! The broker's only source of wall time.
//!
//! Token expiry is wall-clock based, so every expiry decision reads time through
//! [`Clock`]. The harness swaps in a simulated clock (with per-broker skew) while tokio
//! time is paused; production uses [`SystemClock`]. The trait itself lives in
//! `oauth-chaos-seams` (re-exported here), so a broker of one's own can take
//! the harness's clocks without depending on this crate.

use std::time::{Duration, SystemTime};

pub use oauth_chaos_seams::Clock;
use oauth_chaos_seams::tokio_monotonic;

/// One reading of both of a [`Clock`]'s clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reading {
    pub wall: SystemTime,
    pub mono: Duration,
}

impl Reading {
    #[inline]
    pub fn of(clock: &dyn Clock) -> Self {
        Self {
            wall: clock.now(),
            mono: clock.monotonic(),
        }
    }

    /// The monotonic reading at which the wall clock, as read now, will
    /// show `at` (now, if it already does).
    pub fn mono_at(&self, at: SystemTime) -> Duration {
        self.mono + at.duration_since(self.wall).unwrap_or_default()
    }

    /// The wall instant, in this reading's frame, at which the monotonic
    /// clock will show `mono` (now, if it already does).
    pub fn wall_at(&self, mono: Duration) -> SystemTime {
        self.wall + mono.saturating_sub(self.mono)
    }
}

/// The operating system's wall clock.
///
/// On Linux it reads `CLOCK_REALTIME_COARSE`: the same wall clock as
/// [`SystemTime::now`] (it keeps counting through suspend and follows NTP), at
/// the resolution of the kernel tick (1 to 4 ms) and for a quarter of the cost,
/// which matters because the cached [`access_token`](crate::TokenBroker::access_token)
/// path reads it on every call. A reading up to one tick old only makes expiry
/// decisions more cautious: tokens are refreshed minutes ahead. Elsewhere, or if
/// the coarse clock is unavailable, it falls back to [`SystemTime::now`].
///
/// ```
/// use reference_impl::{Clock, SystemClock};
/// use std::time::{Duration, SystemTime};
///
/// let coarse = SystemClock.now();
/// let precise = SystemTime::now();
/// assert!(coarse > SystemTime::UNIX_EPOCH);
/// // Never ahead of the precise clock by more than rounding, never a tick behind.
/// assert!(coarse <= precise + Duration::from_millis(1));
/// assert!(precise.duration_since(coarse).unwrap_or_default() < Duration::from_millis(50));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// Set by [`SystemClock::read_through_libc`]: read both clocks the way
/// libc does, never through the vDSO directly.
#[cfg(target_os = "linux")]
static THROUGH_LIBC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl SystemClock {
    /// From now on, every `SystemClock` of this process reads the wall clock
    /// through libc ([`SystemTime::now`]) and the monotonic one through
    /// tokio's, instead of calling the vDSO directly: what a process wants
    /// when an `LD_PRELOAD`ed time shim such as libfaketime, which intercepts
    /// libc only, is to move its clock. Costs a few nanoseconds a reading.
    /// (The binaries turn it on when they find libfaketime preloaded, which
    /// is how the harness skews a broker process; a library never looks.)
    ///
    /// ```
    /// use reference_impl::{Clock, SystemClock};
    /// SystemClock::read_through_libc();
    /// assert!(SystemClock.now() > std::time::SystemTime::UNIX_EPOCH);
    /// ```
    pub fn read_through_libc() {
        #[cfg(target_os = "linux")]
        THROUGH_LIBC.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    #[cfg(target_os = "linux")]
    #[inline]
    fn through_libc() -> bool {
        THROUGH_LIBC.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Clock for SystemClock {
    #[cfg(target_os = "linux")]
    #[inline]
    fn now(&self) -> SystemTime {
        // rustix calls the vDSO directly and returns the reading in registers; through
        // libc (as `nix` does) the same read cost about 5 ns more on the benchmark
        // machine, most of it a store-forwarding stall copying the result.
        use rustix::time::{ClockId, DynamicClockId, clock_gettime_dynamic};
        // A direct vDSO call bypasses an LD_PRELOADed time shim (which only
        // intercepts libc): a process that has one reads through libc.
        if Self::through_libc() {
            return SystemTime::now();
        }
        match clock_gettime_dynamic(DynamicClockId::Known(ClockId::RealtimeCoarse)) {
            Ok(spec) => match (u64::try_from(spec.tv_sec), u32::try_from(spec.tv_nsec)) {
                (Ok(secs), Ok(nanos)) => {
                    SystemTime::UNIX_EPOCH + std::time::Duration::new(secs, nanos)
                }
                // Before 1970: let std represent it.
                _ => SystemTime::now(),
            },
            // Unsupported by this kernel: the precise clock always works.
            Err(_) => SystemTime::now(),
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// `CLOCK_MONOTONIC_COARSE` on Linux (the hot path reads it on every
    /// call, as it reads the wall clock), through tokio's after
    /// [`read_through_libc`](SystemClock::read_through_libc).
    #[cfg(target_os = "linux")]
    #[inline]
    fn monotonic(&self) -> Duration {
        use rustix::time::{ClockId, DynamicClockId, clock_gettime_dynamic};
        if Self::through_libc() {
            return tokio_monotonic();
        }
        match clock_gettime_dynamic(DynamicClockId::Known(ClockId::MonotonicCoarse)) {
            Ok(spec) => match (u64::try_from(spec.tv_sec), u32::try_from(spec.tv_nsec)) {
                (Ok(secs), Ok(nanos)) => Duration::new(secs, nanos),
                _ => tokio_monotonic(),
            },
            Err(_) => tokio_monotonic(),
        }
    }
}

/// The longest nap of [`sleep_until_wall`]: how late a wait may end after
/// the wall clock steps past its deadline.
pub const WALL_NAP: std::time::Duration = std::time::Duration::from_millis(100);

/// Waits until `clock` reads `deadline`, in naps of at most [`WALL_NAP`] on
/// tokio's timer, re-reading the clock after each; and never longer than
/// the wait was when it began, measured on tokio's timer, so a wall clock
/// that stands still or steps back cannot hold it.
///
/// A wait for a wall-clock time ("Retry after 2026-12-03T12:00:00Z") that
/// sleeps its whole length on the monotonic clock ends late when the wall
/// clock steps forward meanwhile (NTP, a resumed laptop, the harness's
/// process timeline skipping an idle stretch); one that naps and looks
/// again ends within a nap of the deadline.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use reference_impl::{Clock, SystemClock, sleep_until_wall};
/// use std::time::Duration;
/// let deadline = SystemClock.now() + Duration::from_millis(20);
/// sleep_until_wall(&SystemClock, deadline).await;
/// assert!(SystemClock.now() + Duration::from_millis(5) >= deadline);
/// # }
/// ```
pub async fn sleep_until_wall(clock: &dyn Clock, deadline: SystemTime) {
    let Ok(whole) = deadline.duration_since(clock.now()) else {
        return;
    };
    // Never longer than the wait asked for on tokio's timer either: a
    // wall clock that stands still (or steps back) must not hold the wait
    // forever.
    let latest = tokio::time::Instant::now() + whole;
    while let Ok(left) = deadline.duration_since(clock.now()) {
        let now = tokio::time::Instant::now();
        if left.is_zero() || now >= latest {
            return;
        }
        tokio::time::sleep(left.min(WALL_NAP).min(latest - now)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[derive(Debug)]
    struct StoppedClock;

    impl Clock for StoppedClock {
        fn now(&self) -> SystemTime {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_stopped_wall_clock_does_not_hold_the_wait_past_its_length() {
        let started = tokio::time::Instant::now();
        let deadline = StoppedClock.now() + Duration::from_secs(2);
        sleep_until_wall(&StoppedClock, deadline).await;
        assert_eq!(started.elapsed(), Duration::from_secs(2));
    }
}
