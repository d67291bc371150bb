//! The provider's only source of wall time.
//!
//! Every expiry, journal timestamp and lifecycle rule reads time through
//! [`Clock`], so the harness can run the provider on simulated time (and skew
//! it) without the provider knowing.

use std::fmt::Debug;
use std::time::SystemTime;

/// A source of "unix time now" for the provider.
///
/// ```
/// use mock_provider::{Clock, SystemClock};
/// let now = SystemClock.now();
/// assert!(now > std::time::UNIX_EPOCH);
/// ```
pub trait Clock: Send + Sync + Debug + 'static {
    /// The provider's idea of the current time.
    fn now(&self) -> SystemTime;
}

/// The real system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
