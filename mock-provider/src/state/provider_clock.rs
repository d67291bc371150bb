use crate::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The injected [`Clock`] plus an offset the provider can be skewed or
/// jumped by, so provider time can drift from the broker's.
#[derive(Debug)]
pub(crate) struct ProviderClock {
    base: Arc<dyn Clock>,
    /// Signed offset in milliseconds (i64 ms covers ±292 million years).
    offset_ms: AtomicI64,
}

impl ProviderClock {
    pub fn new(base: Arc<dyn Clock>) -> Self {
        Self {
            base,
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Sets the offset from the injected clock (negative: behind).
    pub fn set_offset_ms(&self, offset_ms: i64) {
        self.offset_ms.store(offset_ms, Ordering::SeqCst);
    }

    /// Moves provider time forward by `by`.
    pub fn jump(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(ms))
            });
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
}

/// The last second RFC 3339 formatting (journal lines, Gmail `Date`
/// headers) can express: 9999-12-31T23:59:59Z.
const LATEST: Duration = Duration::from_secs(253_402_300_799);

/// Clamps `time` into what the provider can format: the epoch to year 9999.
pub(crate) fn clamp_time(time: SystemTime) -> SystemTime {
    let latest = UNIX_EPOCH + LATEST;
    time.clamp(UNIX_EPOCH, latest)
}

impl Clock for ProviderClock {
    fn now(&self) -> SystemTime {
        let base = self.base.now();
        let offset = self.offset_ms();
        let magnitude = Duration::from_millis(offset.unsigned_abs());
        let shifted = if offset >= 0 {
            base.checked_add(magnitude)
        } else {
            base.checked_sub(magnitude)
        };
        // An absurd offset from the admin API must not make time unformattable.
        clamp_time(shifted.unwrap_or(base))
    }
}
