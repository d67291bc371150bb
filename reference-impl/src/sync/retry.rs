//! How long to wait before repeating a rate-limited or failed Gmail request.

use std::time::{Duration, SystemTime};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Exponential backoff with jitter, honouring the server's retry time, all bounded.
///
/// ```
/// use std::time::Duration;
/// use reference_impl::RetryPolicy;
///
/// let policy = RetryPolicy::default();
/// assert_eq!(policy.initial_delay, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Requests per call, the first included.
    pub max_attempts: u32,
    /// The first backoff (Google advises 1 s).
    pub initial_delay: Duration,
    /// The longest computed backoff.
    pub max_delay: Duration,
    /// The longest server-requested wait that is honoured; a longer one ends the sync
    /// with `RetriesExhausted` instead of parking a worker for it.
    pub max_server_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            initial_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(32),
            max_server_delay: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// Sets [`RetryPolicy::max_attempts`] (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff after failed attempt `attempt` (1-based): `initial * 2^(attempt-1)`,
    /// capped, with "equal jitter" (between half and all of it).
    pub(crate) fn backoff(&self, attempt: u32, rng: &mut ChaCha8Rng) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let full = self
            .initial_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        half + Duration::from_nanos(rng.random_range(0..=nanos))
    }
}

pub(crate) fn jitter_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The server's requested wait: a `Retry-After` header (seconds or HTTP date is not
/// used by Google; seconds only), else Gmail's message-only form
/// `"... Retry after 2023-03-07T18:03:15.961Z"`.
pub(crate) fn server_delay(
    retry_after: Option<&str>,
    message: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(seconds) = retry_after.and_then(|value| value.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(seconds));
    }
    let message = message?;
    let at = message.find("Retry after ")? + "Retry after ".len();
    let stamp = message[at..].split_whitespace().next()?;
    let until = humantime::parse_rfc3339_weak(stamp.trim_end_matches('Z'))
        .ok()
        .or_else(|| humantime::parse_rfc3339(stamp).ok())?;
    Some(until.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_only_retry_time_is_read_relative_to_now() {
        let now = humantime::parse_rfc3339("2023-03-07T18:03:10Z").unwrap();
        let delay = server_delay(
            None,
            Some("User-rate limit exceeded.  Retry after 2023-03-07T18:03:15.961Z"),
            now,
        );
        assert_eq!(delay, Some(Duration::from_millis(5961)));
    }

    #[test]
    fn a_retry_after_header_wins_over_the_message() {
        let now = SystemTime::UNIX_EPOCH;
        let delay = server_delay(Some("7"), Some("Retry after 2023-03-07T18:03:15Z"), now);
        assert_eq!(delay, Some(Duration::from_secs(7)));
    }

    #[test]
    fn backoff_doubles_and_stays_capped() {
        let policy = RetryPolicy::default();
        let mut rng = jitter_rng(1);
        let third = policy.backoff(3, &mut rng);
        assert!(third >= Duration::from_secs(2) && third <= Duration::from_secs(4));
        let late = policy.backoff(30, &mut rng);
        assert!(late <= policy.max_delay);
    }
}
