//! The time seam: a broker reads wall and monotonic time only through
//! [`Clock`], so the harness can hand it a simulated clock with its own
//! skew while tokio time is paused.

use std::time::{Duration, SystemTime};

/// Wall-clock time source.
///
/// Implementations must be cheap: a broker's cached path (the reference
/// broker's `access_token`) reads the clock on every call.
///
/// # Example
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use oauth_chaos_seams::Clock;
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

    /// Time since an arbitrary origin on a clock that never steps (Linux's
    /// `CLOCK_MONOTONIC`).
    ///
    /// A cached token's instants are checked against it as well as against
    /// [`now`](Self::now): a wall clock stepped back mid-life (an NTP
    /// correction, a restored snapshot, a laptop whose sync has not run)
    /// cannot stretch a token past its expiry, and a wall clock that steps
    /// forward (or a suspend the monotonic clock does not count) is caught
    /// by the wall check. The default reads tokio's clock, so paused-time
    /// tests get a monotonic clock that follows their `advance`.
    ///
    /// ```
    /// use oauth_chaos_seams::Clock;
    /// #[derive(Debug)]
    /// struct Wall;
    /// impl Clock for Wall {
    ///     fn now(&self) -> std::time::SystemTime {
    ///         std::time::SystemTime::now()
    ///     }
    /// }
    /// let before = Wall.monotonic();
    /// assert!(Wall.monotonic() >= before);
    /// ```
    fn monotonic(&self) -> Duration {
        tokio_monotonic()
    }
}

/// Tokio's clock since the first reading in this process.
/// Tokio's clock since its first reading in this process: what
/// [`Clock::monotonic`] reads by default (under paused tokio time it
/// follows `advance`).
pub fn tokio_monotonic() -> Duration {
    static ORIGIN: std::sync::OnceLock<tokio::time::Instant> = std::sync::OnceLock::new();
    let origin = *ORIGIN.get_or_init(tokio::time::Instant::now);
    tokio::time::Instant::now().saturating_duration_since(origin)
}
