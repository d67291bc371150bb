//! What the harness can do to and see of a broker's store: faults to
//! inject and committed writes to watch.

use serde::Serialize;
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
