//! A kill -9 at a store write: the store's next write is where the
//! instance dies (`crash_at_store_write`).
//!
//! [`WriteTrap`] is what the step waits on: it resolves once the instance
//! is dead at the write (in process the write never reaches the store; a
//! process is SIGKILLed by the harness the moment the kernel reports the
//! write, `process/write_watch.rs`). The step then restarts the instance,
//! as a supervisor would. Dropping the trap disarms it.

use std::sync::{Mutex, PoisonError};
use tokio::sync::oneshot;

/// Resolves when the instance died at its store's next write.
#[derive(Debug)]
#[must_use = "a dropped trap is disarmed: nothing is killed"]
pub struct WriteTrap {
    fired: oneshot::Receiver<()>,
}

impl WriteTrap {
    /// A trap and the sender that fires it.
    pub fn new() -> (Self, oneshot::Sender<()>) {
        let (sender, fired) = oneshot::channel();
        (Self { fired }, sender)
    }

    /// Waits until the trap fired; `false` if it was disarmed first (the
    /// sender dropped without firing).
    pub async fn fired(self) -> bool {
        self.fired.await.is_ok()
    }
}

/// The armed trap of one in-process store, if any: the store's next write
/// takes it and fires it instead of writing.
#[derive(Debug, Default)]
pub(crate) struct TrapSlot(Mutex<Option<oneshot::Sender<()>>>);

impl TrapSlot {
    /// Arms the slot; the next [`take`](Self::take) fires `trap`.
    pub fn arm(&self) -> WriteTrap {
        let (trap, sender) = WriteTrap::new();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(sender);
        trap
    }

    /// The armed sender, if the trap is armed and still waited on.
    pub fn take(&self) -> Option<oneshot::Sender<()>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .filter(|sender| !sender.is_closed())
    }
}
