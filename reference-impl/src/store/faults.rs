use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::StoreError;

/// The [`MemoryStore`](super::MemoryStore)'s fault knobs, all off by default.
#[derive(Debug, Default)]
pub(super) struct MemoryFaults {
    pub unavailable: AtomicBool,
    pub read_only: AtomicBool,
    /// Bumped by `crash()`; a write that sees it change while in flight is dropped.
    pub crash_epoch: AtomicU64,
    latency: Mutex<Duration>,
    /// Writes still allowed to commit; `None` means unlimited.
    write_budget: Mutex<Option<u64>>,
}

impl MemoryFaults {
    pub fn set_latency(&self, latency: Duration) {
        *self.latency.lock().unwrap_or_else(PoisonError::into_inner) = latency;
    }

    pub fn set_write_budget(&self, budget: Option<u64>) {
        *self
            .write_budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = budget;
    }

    /// Sleeps the configured latency, then fails if the store is unavailable.
    pub async fn before_call(&self) -> Result<(), StoreError> {
        let latency = *self.latency.lock().unwrap_or_else(PoisonError::into_inner);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        if self.unavailable.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable { source: None });
        }
        Ok(())
    }

    /// Takes one write from the budget, or fails once it is spent.
    pub fn spend_write(&self) -> Result<(), StoreError> {
        let mut budget = self
            .write_budget
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match budget.as_mut() {
            None => Ok(()),
            Some(0) => Err(StoreError::Unavailable { source: None }),
            Some(left) => {
                *left -= 1;
                Ok(())
            }
        }
    }
}
