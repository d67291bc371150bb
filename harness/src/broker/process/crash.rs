//! Crash points for broker processes: a real `kill -9` at a real boundary.
//!
//! In process, `crash_sync` stops the sync engine at its N-th crash point
//! (before or after a request or commit). A process has no such hook, so
//! the harness makes the boundary at the provider: it mounts a fault that
//! holds the account's `at_point + 1`-th request of the sync at the mock
//! for [`HOLD`] (the broker has sent it and waits for the answer), and
//! SIGKILLs and respawns the process as soon as the mock has it. The mock
//! answers into a closed socket, as a provider does for a client that died
//! mid-request; whatever the process committed before stays in its store.
//! Counted requests are every request naming the account (Gmail calls and
//! its token refreshes), so `at_point` means "after this many requests"
//! rather than the engine's own numbering.

use super::ProcessInstance;
use crate::broker::{BrokerFailure, InstanceHost, MailFaults};
use async_trait::async_trait;
use mock_provider::{Fault, MockProvider};
use std::time::Duration;

/// The name of the run's provider handle in `RunShared`.
pub const RUN_PROVIDER: &str = "run.provider";

/// How long the mock holds the request the process dies waiting for: long
/// enough for the harness to see it arrive (it looks every millisecond).
const HOLD: Duration = Duration::from_millis(300);

#[async_trait]
impl MailFaults for ProcessInstance {
    fn commit_faults(&self) -> bool {
        false
    }

    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        let provider = self
            .shared
            .get::<MockProvider>(RUN_PROVIDER)
            .ok_or_else(|| crate::broker::unsupported("crash_points"))?;
        let guard = provider.mount(
            Fault::on_any()
                .account(account)
                .delay(HOLD)
                .every(u64::from(at_point) + 1)
                .times(1)
                .labelled(format!("crash point {at_point}: the process dies here")),
        );
        let connection = self.connection();
        let sync = super::methods::sync(&connection, account);
        tokio::pin!(sync);
        loop {
            tokio::select! {
                finished = &mut sync => {
                    drop(guard);
                    return finished.map(|()| false);
                }
                () = tokio::time::sleep(Duration::from_millis(1)) => {
                    if guard.applied() > 0 {
                        self.restart().await?;
                        return Ok(true);
                    }
                }
            }
        }
    }

    async fn fail_mail_commits(&self, _count: u32) -> Result<(), BrokerFailure> {
        // Capability `mail_hooks` is not claimed for processes
        // (`commit_faults` is false), so a `mail_store_fault` step is skipped.
        Err(crate::broker::unsupported("mail_hooks"))
    }
}
