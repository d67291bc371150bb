//! Kill -9 for in-process brokers: the harness's side of it.
//!
//! A process broker's `restart` is a `SIGKILL`: every call in flight dies
//! with the process and everything it was doing stops. An in-process broker
//! shares the harness's runtime, so [`Killable`] gives each instance a life
//! of its own: every call races the instance's kill signal, and `restart`
//! fires it before the broker's own `restart` (which, for the reference
//! binding, aborts the tasks the old `TokenBroker` spawned and crashes its
//! memory store). The calls in flight then fail as `Crashed`, which the
//! play loop reports as `Killed`, exactly as for a process (turmoil's
//! `crash` drops a host's runtime the same way).

use super::{
    AccountReport, BrokerFailure, BrokerUnderTest, Capabilities, FailureKind, StoreFault,
    StoreWrite,
};
use async_trait::async_trait;
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// An in-process broker whose `restart` kills the calls in flight.
#[derive(Debug)]
pub(crate) struct Killable {
    inner: Arc<dyn BrokerUnderTest>,
    /// Bumped by every kill; a call started in one life ends with it.
    lives: watch::Sender<u64>,
}

impl Killable {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn BrokerUnderTest>) -> Self {
        Self {
            inner,
            lives: watch::Sender::new(0),
        }
    }

    /// Runs `call` until it ends or the instance is killed under it.
    async fn within_life<T>(
        &self,
        call: impl Future<Output = Result<T, BrokerFailure>>,
    ) -> Result<T, BrokerFailure> {
        let mut lives = self.lives.subscribe();
        let life = *lives.borrow_and_update();
        tokio::select! {
            biased;
            answer = call => answer,
            _ = lives.wait_for(|current| *current != life) => Err(BrokerFailure::new(
                FailureKind::Crashed,
                "the harness killed the instance (restart) while the call was in flight",
            )),
        }
    }
}

#[async_trait]
impl BrokerUnderTest for Killable {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        self.within_life(self.inner.access_token(account)).await
    }

    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        self.within_life(self.inner.status()).await
    }

    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.lives.send_modify(|life| *life += 1);
        self.inner.restart().await
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await;
    }

    fn captured_log(&self) -> Option<Vec<u8>> {
        self.inner.captured_log()
    }

    fn problems(&self) -> Vec<String> {
        self.inner.problems()
    }

    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.within_life(self.inner.sync(account)).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.within_life(self.inner.synced_ids(account)).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.within_life(self.inner.send(account, raw)).await
    }

    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.within_life(self.inner.crash_sync(account, at_point))
            .await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.inner.fail_mail_commits(count).await
    }

    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        self.within_life(self.inner.begin_authorization(account))
            .await
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        self.within_life(self.inner.complete_authorization(callback_url))
            .await
    }

    async fn access_token_after_401(
        &self,
        account: &str,
        rejected: &SecretString,
    ) -> Result<SecretString, BrokerFailure> {
        self.within_life(self.inner.access_token_after_401(account, rejected))
            .await
    }

    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        self.inner.store_fault(fault).await
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.inner.store_writes()
    }

    fn set_clock_offset(&self, offset_ms: i64) -> Result<(), BrokerFailure> {
        self.inner.set_clock_offset(offset_ms)
    }

    // The gateway's calls are its own (sign-in, relay): forwarded as they
    // are, not raced against a kill.
    fn gateway(&self) -> Option<&dyn super::GatewayUnderTest> {
        self.inner.gateway()
    }
}
