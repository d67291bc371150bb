//! What the harness can do to and see of a broker's store: faults to
//! inject, committed writes to watch, and a per-run slot for a store the
//! instances share.

use serde::Serialize;
use std::any::Any;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// A store fault the harness injects (capability `store_faults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreFault {
    /// Every call fails (`true`) or works again (`false`).
    Outage(bool),
    /// Writes fail, reads work (`true`), or writes work again (`false`).
    ReadOnly(bool),
    /// This many more writes commit, then every write fails.
    FailWritesAfter(u64),
}

/// One committed write to a broker's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreWrite {
    /// Which store (instances sharing a store share its name).
    pub store: String,
    /// The account written.
    pub account: String,
    /// The grant version written.
    pub version: u64,
    /// Broker-clock time of the commit.
    pub at: SystemTime,
}

/// A slot every instance of one run sees; the first instance to need it
/// fills it.
///
/// ```
/// use harness::broker::RunShared;
/// let shared = RunShared::default();
/// let first = shared.get_or_init(|| 7u32);
/// let second = shared.get_or_init(|| 8u32);
/// assert_eq!((first.as_deref(), second.as_deref()), (Some(&7), Some(&7)));
/// assert!(shared.get_or_init(|| "other type").is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct RunShared {
    slot: Arc<OnceLock<Arc<dyn Any + Send + Sync>>>,
}

impl RunShared {
    /// The shared value, made by `init` if the slot is empty; `None` when
    /// the slot already holds a value of another type.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Option<Arc<T>> {
        let value = self.slot.get_or_init(|| {
            let fresh: Arc<dyn Any + Send + Sync> = Arc::new(init());
            fresh
        });
        value.clone().downcast::<T>().ok()
    }
}
