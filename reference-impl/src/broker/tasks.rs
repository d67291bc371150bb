//! The tasks a broker spawns (refresh flights, background persist retries, the
//! background refresher), kept so [`TokenBroker::abort_tasks`] can end them all at
//! once, as a `kill -9` of the process would.

use std::sync::{Mutex, PoisonError};

use tokio::task::AbortHandle;

use super::token_broker::TokenBroker;

/// Abort handles of the tasks a broker spawned and that may still run.
#[derive(Debug, Default)]
pub(crate) struct BrokerTasks {
    running: Mutex<Vec<AbortHandle>>,
}

impl BrokerTasks {
    /// Remembers `task` (and forgets the ones that have finished, so the list stays
    /// as short as the number of tasks alive).
    pub fn track(&self, task: AbortHandle) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        running.retain(|task| !task.is_finished());
        running.push(task);
    }

    /// Aborts every task still running.
    pub fn abort_all(&self) {
        let running =
            std::mem::take(&mut *self.running.lock().unwrap_or_else(PoisonError::into_inner));
        for task in running {
            task.abort();
        }
    }
}

impl TokenBroker {
    /// Ends every task this broker spawned, at once: refreshes in flight, background
    /// write retries and the background refresher. What a `kill -9` of the process
    /// does to them: a refresh the provider is still answering never publishes or
    /// persists its token, and callers waiting on it get
    /// [`BrokerError::RefreshAborted`](super::BrokerError::RefreshAborted). What was
    /// committed to the store stays. Meant for a process going down without a
    /// drain (and for tests that simulate one); a broker used afterwards starts
    /// new refreshes as needed.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use reference_impl::{BrokerConfig, MemoryStore, ReqwestTransport, SystemClock, TokenBroker};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let config = BrokerConfig::new("https://oauth2.example/token", "id", "secret");
    /// let broker = TokenBroker::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), Arc::new(MemoryStore::new()))?;
    /// let refresher = broker.start_background_refresh();
    /// broker.abort_tasks(); // the refresher is gone too
    /// # drop(refresher);
    /// # Ok(())
    /// # }
    /// ```
    pub fn abort_tasks(&self) {
        self.inner.tasks.abort_all();
    }
}
