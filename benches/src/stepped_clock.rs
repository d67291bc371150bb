//! A wall clock a bench moves forward to expire every cached token at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// The system clock plus an offset that only grows: `step` by a token's
/// lifetime and every token the broker holds is due, while the provider
/// (on the real clock) still accepts what the broker sends.
///
/// ```
/// use benches::stepped_clock::SteppedClock;
/// use reference_impl::Clock;
/// use std::time::Duration;
///
/// let clock = SteppedClock::default();
/// let before = clock.now();
/// clock.step(Duration::from_secs(3600));
/// assert!(clock.now() >= before + Duration::from_secs(3600));
/// ```
#[derive(Debug, Default)]
pub struct SteppedClock {
    offset_ms: AtomicU64,
}

impl SteppedClock {
    /// Moves the clock `by` forward.
    pub fn step(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl reference_impl::Clock for SteppedClock {
    fn now(&self) -> SystemTime {
        SystemTime::now() + Duration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }
}
