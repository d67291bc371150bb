//! The background refresher: refreshes each account at its refresh point, so callers
//! almost never wait on the lazy path in `access_token()`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::slot::AccountSlot;
use super::token_broker::{Inner, TokenBroker};
use crate::clock::Reading;

/// Longest nap between schedule checks, so a clock jump is noticed within a minute.
const MAX_NAP: Duration = Duration::from_secs(60);

/// Keeps the background refresher running; dropping it stops the task.
///
/// From [`TokenBroker::start_background_refresh`].
#[derive(Debug)]
#[must_use = "the background refresher stops as soon as this guard is dropped"]
pub struct BackgroundRefresh {
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BackgroundRefresh {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TokenBroker {
    /// Starts refreshing every account proactively at `expires_at - buffer - jitter`
    /// (and retrying after failures on the same backoff as the lazy path). Accounts
    /// without a token are fetched at once; needs-reauth accounts are skipped.
    ///
    /// Must be called inside a tokio runtime. The task sleeps on tokio's timer, so it
    /// costs nothing between refreshes.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use reference_impl::{BrokerConfig, MemoryStore, ReqwestTransport, SystemClock, TokenBroker};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let config = BrokerConfig::new("https://oauth2.example/token", "id", "secret");
    /// # let broker = TokenBroker::new(config, Arc::new(SystemClock), Arc::new(ReqwestTransport::new()), Arc::new(MemoryStore::new()))?;
    /// let refresher = broker.start_background_refresh();
    /// // ... serve requests ...
    /// drop(refresher); // stops it
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_background_refresh(&self) -> BackgroundRefresh {
        let inner = Arc::clone(&self.inner);
        let task = tokio::spawn(async move { inner.refresh_forever().await });
        self.inner.tasks.track(task.abort_handle());
        BackgroundRefresh { task }
    }
}

impl Inner {
    async fn refresh_forever(self: Arc<Self>) {
        loop {
            let now = Reading::of(&*self.clock);
            self.watch_wall(now);
            let (due, next) = self.due_accounts(now);
            if !due.is_empty() {
                let refreshes = due.iter().map(|slot| self.token_for(slot));
                // Outcomes are recorded in each slot; a failure has set its backoff.
                let _outcomes = futures::future::join_all(refreshes).await;
                continue;
            }
            let nap = next
                .and_then(|at| at.duration_since(now.wall).ok())
                .map_or(MAX_NAP, |wait| wait.min(MAX_NAP));
            tokio::select! {
                biased;
                () = self.schedule_changed.notified() => {}
                () = tokio::time::sleep(nap) => {}
            }
        }
    }

    /// Accounts due now (sorted by name, for determinism) and the next due instant.
    fn due_accounts(&self, reading: Reading) -> (Vec<Arc<AccountSlot>>, Option<SystemTime>) {
        let now = reading.wall;
        let accounts = self.accounts.load();
        let mut slots: Vec<&Arc<AccountSlot>> = accounts.values().collect();
        slots.sort_by(|a, b| a.account.cmp(&b.account));
        let mut due = Vec::new();
        let mut next: Option<SystemTime> = None;
        for slot in slots {
            if slot.needs_reauth() || slot.is_refreshing() {
                continue;
            }
            let refresh_at = slot
                .cached()
                .as_deref()
                .filter(|cached| cached.received_at <= now)
                .map_or(now, |cached| cached.refresh_at_seen_from(reading));
            let not_before = slot.health().next_attempt_at.unwrap_or(refresh_at);
            let at = refresh_at.max(not_before);
            if at <= now {
                due.push(Arc::clone(slot));
            } else {
                next = Some(next.map_or(at, |next| next.min(at)));
            }
        }
        (due, next)
    }
}
