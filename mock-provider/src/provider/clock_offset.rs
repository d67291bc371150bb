use crate::Clock;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

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

    pub fn add(&self, millis: i64) -> i64 {
        self.millis.fetch_add(millis, Ordering::SeqCst) + millis
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

impl Clock for OffsetClock {
    fn now(&self) -> SystemTime {
        let now = self.inner.now();
        let millis = self.offset.get();
        let shift = Duration::from_millis(millis.unsigned_abs());
        if millis >= 0 {
            now.checked_add(shift).unwrap_or(now)
        } else {
            now.checked_sub(shift).unwrap_or(now)
        }
    }
}
