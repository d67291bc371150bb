use crate::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shared, adjustable offset (milliseconds) applied to the provider clock:
/// skew and jumps are operations on the provider, not on the test's clock.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClockOffset {
    millis: Arc<AtomicI64>,
}

impl ClockOffset {
    pub fn get(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }

    pub fn set(&self, millis: i64) {
        self.millis.store(millis, Ordering::SeqCst);
    }

    /// Adds `millis`, saturating (an absurd jump must not overflow).
    pub fn add(&self, millis: i64) -> i64 {
        let previous = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                Some(now.saturating_add(millis))
            })
            .unwrap_or_else(|now| now);
        previous.saturating_add(millis)
    }
}

/// The configured clock, shifted by a [`ClockOffset`].
#[derive(Debug)]
pub(crate) struct OffsetClock {
    inner: Arc<dyn Clock>,
    offset: ClockOffset,
}

impl OffsetClock {
    pub fn new(inner: Arc<dyn Clock>, offset: ClockOffset) -> Self {
        Self { inner, offset }
    }
}

/// The last second RFC 3339 formatting (journal lines, Gmail `Date`
/// headers) can express: 9999-12-31T23:59:59Z.
pub(crate) const LATEST: Duration = Duration::from_secs(253_402_300_799);

/// Clamps `time` into what the provider can format: the epoch to year 9999.
pub(crate) fn clamp_time(time: SystemTime) -> SystemTime {
    let latest = UNIX_EPOCH + LATEST;
    if time < UNIX_EPOCH {
        UNIX_EPOCH
    } else if time > latest {
        latest
    } else {
        time
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let now = self.inner.now();
        let millis = self.offset.get();
        let shift = Duration::from_millis(millis.unsigned_abs());
        let shifted = if millis >= 0 {
            now.checked_add(shift)
        } else {
            now.checked_sub(shift)
        };
        // An absurd offset from the admin API must not make time unformattable.
        clamp_time(shifted.unwrap_or(now))
    }
}
