//! The broker's only source of wall time.
//!
//! Token expiry is wall-clock based, so every expiry decision reads time through
//! [`Clock`]. The harness swaps in a simulated clock (with per-broker skew) while tokio
//! time is paused; production uses [`SystemClock`].

use std::time::SystemTime;

/// Wall-clock time source.
///
/// Implementations must be cheap: [`TokenBroker::access_token`](crate::TokenBroker::access_token)
/// reads the clock on every call, including the cached hot path.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use reference_impl::Clock;
///
/// /// A clock frozen at one instant, as tests use.
/// #[derive(Debug)]
/// struct Frozen(SystemTime);
///
/// impl Clock for Frozen {
///     fn now(&self) -> SystemTime {
///         self.0
///     }
/// }
///
/// let clock = Frozen(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// assert_eq!(clock.now(), clock.now());
/// ```
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current wall-clock time as this component sees it.
    fn now(&self) -> SystemTime;
}

/// The operating system's wall clock.
///
/// ```
/// use reference_impl::{Clock, SystemClock};
///
/// assert!(SystemClock.now() > std::time::SystemTime::UNIX_EPOCH);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}
