//! Skipped stretches of a run's timeline.
//!
//! A run against broker processes goes at wall speed while anything is
//! happening, and jumps every clock forward across a stretch in which
//! nothing is (`run/skip.rs` decides when). [`Skips`] is the shared part:
//! how far the timeline has jumped so far, and who is waiting for a point
//! on it. A harness task that waits for a point of the timeline parks here
//! ([`SimTime::sleep_until_offset`](super::SimTime::sleep_until_offset)),
//! so a jump wakes it, and the skipper knows the nearest point it must not
//! jump past.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Notify;

/// How far the timeline has jumped, and the points tasks wait for.
#[derive(Debug, Default)]
pub(super) struct Skips {
    skipped_ms: AtomicU64,
    jumped: Notify,
    parked: Mutex<Parked>,
}

/// The points of the timeline parked tasks wait for, by waiter id.
#[derive(Debug, Default)]
struct Parked {
    next_id: u64,
    points: BTreeMap<u64, Duration>,
}

impl Skips {
    /// The total skipped so far.
    pub fn skipped(&self) -> Duration {
        Duration::from_millis(self.skipped_ms.load(Ordering::SeqCst))
    }

    /// Jumps the timeline forward by `by` (whole milliseconds) and wakes
    /// every parked task to look at its deadline again.
    pub fn skip(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.skipped_ms.fetch_add(ms, Ordering::SeqCst);
        self.jumped.notify_waiters();
    }

    /// A future that completes at the next [`skip`](Self::skip).
    pub fn jumped(&self) -> tokio::sync::futures::Notified<'_> {
        self.jumped.notified()
    }

    /// Registers a task waiting for `point` (an offset into the run).
    pub fn park(&self, point: Duration) -> u64 {
        let mut parked = self.parked.lock().unwrap_or_else(PoisonError::into_inner);
        let id = parked.next_id;
        parked.next_id += 1;
        parked.points.insert(id, point);
        id
    }

    /// The task `id` no longer waits.
    pub fn unpark(&self, id: u64) {
        self.parked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .points
            .remove(&id);
    }

    /// How many tasks wait for a point, and the nearest point.
    pub fn parked(&self) -> (usize, Option<Duration>) {
        let parked = self.parked.lock().unwrap_or_else(PoisonError::into_inner);
        (parked.points.len(), parked.points.values().min().copied())
    }
}
