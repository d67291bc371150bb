//! How hard to retry: urgency thresholds, exponential backoff with full jitter, and the
//! token endpoint rate limit. The classification table lives in the crate docs.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use super::config::BrokerConfig;

/// How close the served token is to expiry when a refresh fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Urgency {
    /// Plenty of life left: one attempt now, the next after a long backoff.
    Normal,
    /// Less than `warning_threshold` left: retry inline a few times.
    Warning,
    /// Less than `emergency_threshold` left, or no valid token: retry hardest and fastest.
    Emergency,
}

/// Retry parameters for one urgency level.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    /// Attempts per refresh, the first included.
    pub attempts: u32,
    /// First backoff ceiling; doubles per failure.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
}

impl Urgency {
    /// The urgency of refreshing a token expiring at `expires_at` (`None`: no token).
    pub fn at(config: &BrokerConfig, now: SystemTime, expires_at: Option<SystemTime>) -> Self {
        let Some(remaining) = expires_at.and_then(|at| at.duration_since(now).ok()) else {
            return Self::Emergency;
        };
        if remaining <= config.emergency_threshold {
            Self::Emergency
        } else if remaining <= config.warning_threshold {
            Self::Warning
        } else {
            Self::Normal
        }
    }

    pub fn policy(self) -> RetryPolicy {
        match self {
            Self::Normal => RetryPolicy {
                attempts: 1,
                base: Duration::from_secs(1),
                cap: Duration::from_secs(60),
            },
            Self::Warning => RetryPolicy {
                attempts: 3,
                base: Duration::from_millis(500),
                cap: Duration::from_secs(10),
            },
            Self::Emergency => RetryPolicy {
                attempts: 5,
                base: Duration::from_millis(250),
                cap: Duration::from_secs(4),
            },
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Warning => "warning",
            Self::Emergency => "emergency",
        }
    }
}

impl RetryPolicy {
    /// The ceiling for the `failures`-th consecutive failure (1-based): `base * 2^(n-1)`,
    /// capped.
    pub fn ceiling(&self, failures: u32) -> Duration {
        let doubling = 1u32 << failures.saturating_sub(1).min(16);
        self.base.saturating_mul(doubling).min(self.cap)
    }

    /// Full jitter (AWS architecture blog): a uniform draw in `0..=ceiling`, raised to
    /// the provider's `Retry-After` when it asked for longer.
    pub fn delay(
        &self,
        jitter: impl FnOnce(Duration) -> Duration,
        failures: u32,
        retry_after: Option<Duration>,
    ) -> Duration {
        let drawn = jitter(self.ceiling(failures));
        retry_after.map_or(drawn, |asked| drawn.max(asked))
    }
}

/// A token bucket shared by every account of one broker, so a storm of refreshes (or
/// retries) cannot exceed the configured rate at the token endpoint. It reads tokio's
/// clock, which is paused (and deterministic) in simulations.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    per_second: f64,
    burst: f64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Option<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_second: if per_second.is_finite() && per_second > 0.0 {
                per_second
            } else {
                1.0
            },
            burst,
            bucket: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: None,
            }),
        }
    }

    /// Waits until a request may be sent, then takes its token.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut bucket = self.bucket.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                if let Some(last) = bucket.refilled_at {
                    let earned = now.duration_since(last).as_secs_f64() * self.per_second;
                    bucket.tokens = (bucket.tokens + earned).min(self.burst);
                }
                bucket.refilled_at = Some(now);
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_ceiling_doubles_and_caps() {
        let policy = Urgency::Normal.policy();
        let ceilings: Vec<u64> = (1..=8).map(|n| policy.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn retry_after_wins_over_a_shorter_jittered_delay() {
        let policy = Urgency::Emergency.policy();
        let delay = policy.delay(|_| Duration::ZERO, 1, Some(Duration::from_secs(7)));
        assert_eq!(delay, Duration::from_secs(7));
        let delay = policy.delay(|ceiling| ceiling, 1, None);
        assert_eq!(delay, Duration::from_millis(250));
    }

    #[test]
    fn urgency_rises_as_expiry_nears() {
        let config = BrokerConfig::new("https://x/token", "id", "secret");
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |secs| Urgency::at(&config, now, Some(now + Duration::from_secs(secs)));
        assert_eq!(at(200), Urgency::Normal);
        assert_eq!(at(100), Urgency::Warning);
        assert_eq!(at(10), Urgency::Emergency);
        assert_eq!(Urgency::at(&config, now, None), Urgency::Emergency);
        assert_eq!(
            Urgency::at(&config, now, Some(now - Duration::from_secs(1))),
            Urgency::Emergency
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_lets_a_burst_through_then_paces() {
        let limiter = RateLimiter::new(2.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
}
