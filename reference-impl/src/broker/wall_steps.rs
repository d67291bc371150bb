//! Noticing a wall clock stepped back, and moving cached instants with it.
//!
//! Each cached token's deadlines are also kept on the monotonic clock
//! (`slot.rs`), which catches a wall clock stepped back wherever the
//! monotonic clock counts every second that passes. Where it does not (a
//! suspended machine, or a broker process on the harness's timeline, whose
//! idle stretches move only the wall clock), the step hides among forward
//! moves of the wall clock. A step back, unlike those, moves the wall clock
//! *below a reading already taken*: the hot path keeps the highest reading
//! it has seen (written at most once a second, so the cached path shares no
//! cache line in the common case), and a reading well below it means the
//! clock stepped back by at least the difference plus the monotonic time
//! since. Every cached token's wall instants then move back by that much,
//! so they name the same moments in the new frame, and the provider-frame
//! anchor moves with them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::metrics;
use super::slot::CachedToken;
use super::token_broker::Inner;
use crate::clock::Reading;

/// How far a reading may fall below the highest one before it counts as a
/// step: coarse-clock ticks and threads racing to store their readings.
const TOLERANCE_MS: u64 = 2_000;
/// How stale the stored highest reading may get before a reader refreshes it.
const WRITE_EVERY_MS: u64 = 1_000;

/// The highest wall reading seen (and the monotonic reading with it).
#[derive(Debug, Default)]
pub(crate) struct WallWatch {
    seen_ms: AtomicU64,
    mono_ms: AtomicU64,
}

fn millis(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

fn mono_millis(mono: Duration) -> u64 {
    u64::try_from(mono.as_millis()).unwrap_or(u64::MAX)
}

impl WallWatch {
    /// How far the wall clock stepped back since the highest reading, if it
    /// did; at most one of several concurrent readers is told.
    #[inline]
    pub fn check(&self, now: Reading) -> Option<Duration> {
        let now_ms = millis(now.wall);
        let seen = self.seen_ms.load(Ordering::Relaxed);
        if now_ms >= seen.saturating_add(WRITE_EVERY_MS) {
            self.seen_ms.store(now_ms, Ordering::Relaxed);
            self.mono_ms.store(mono_millis(now.mono), Ordering::Relaxed);
            return None;
        }
        if now_ms.saturating_add(TOLERANCE_MS) >= seen {
            return None;
        }
        self.stepped_back(now, now_ms, seen)
    }

    #[cold]
    #[inline(never)]
    fn stepped_back(&self, now: Reading, now_ms: u64, seen: u64) -> Option<Duration> {
        self.seen_ms
            .compare_exchange(seen, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .ok()?;
        let mono_then = self.mono_ms.swap(mono_millis(now.mono), Ordering::Relaxed);
        let since = mono_millis(now.mono).saturating_sub(mono_then);
        Some(Duration::from_millis(seen - now_ms + since))
    }
}

impl CachedToken {
    /// The same token with its wall instants `by` earlier: the same moments
    /// on a wall clock that stepped back by `by`.
    fn stepped_back(&self, by: Duration) -> Self {
        let back = |at: SystemTime| at.checked_sub(by).unwrap_or(SystemTime::UNIX_EPOCH);
        Self {
            access_token: self.access_token.clone(),
            refresh_at: back(self.refresh_at),
            expires_at: back(self.expires_at),
            // An unknown receipt time stays unknown.
            received_at: if self.received_at == SystemTime::UNIX_EPOCH {
                self.received_at
            } else {
                back(self.received_at)
            },
            refresh_by: self.refresh_by,
            expires_by: self.expires_by,
        }
    }
}

impl Inner {
    /// Checks `now` against the highest wall reading, and moves every cached
    /// token back with the clock if it stepped back.
    #[inline]
    pub fn watch_wall(&self, now: Reading) {
        if let Some(by) = self.wall_watch.check(now) {
            self.wall_stepped_back(by);
        }
    }

    #[cold]
    #[inline(never)]
    fn wall_stepped_back(&self, by: Duration) {
        tracing::warn!(
            stepped_back_ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX),
            "the wall clock stepped back; moving cached expiry with it"
        );
        metrics::clock_regression();
        self.frame.stepped_back(by);
        let mut slots: Vec<_> = self.accounts.load().values().cloned().collect();
        slots.extend(
            self.scoped
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
                .cloned(),
        );
        for slot in slots {
            let current = slot.cached_full();
            if let Some(cached) = current.as_deref() {
                slot.replace(&current, cached.stepped_back(by));
            }
            let mut health = slot.health();
            health.clock_regressions = health.clock_regressions.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(wall_s: u64, mono_s: u64) -> Reading {
        Reading {
            wall: SystemTime::UNIX_EPOCH + Duration::from_secs(wall_s),
            mono: Duration::from_secs(mono_s),
        }
    }

    #[test]
    fn forward_moves_and_small_wobbles_are_not_steps() {
        let watch = WallWatch::default();
        assert_eq!(watch.check(reading(1_000, 10)), None);
        assert_eq!(watch.check(reading(4_600, 11)), None);
        assert_eq!(watch.check(reading(4_599, 11)), None);
    }

    #[test]
    fn a_step_back_is_measured_with_the_monotonic_time_since_and_told_once() {
        let watch = WallWatch::default();
        assert_eq!(watch.check(reading(10_000, 100)), None);
        // 60 s later by the monotonic clock the wall reads 540 s earlier:
        // it stepped back 600 s.
        assert_eq!(
            watch.check(reading(9_460, 160)),
            Some(Duration::from_secs(600))
        );
        assert_eq!(watch.check(reading(9_461, 161)), None);
    }
}
