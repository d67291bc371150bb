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
    AccountReport, AuthorizationFacet, BrokerFailure, BrokerInstance, BrokerUnderTest, FailureKind,
    InstanceHost, MailFacet, MailFaults, StatusFacet, StoreFaults, StoreWrite, unsupported,
};
use async_trait::async_trait;
use secrecy::SecretString;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::watch;

/// An in-process broker whose `restart` kills the calls in flight.
#[derive(Debug)]
pub(crate) struct Killable {
    inner: Arc<dyn BrokerInstance>,
    /// Bumped by every kill; a call started in one life ends with it.
    lives: watch::Sender<u64>,
}

impl Killable {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn BrokerInstance>) -> Self {
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

// Each facet the inner broker has, Killable has too, its calls raced
// against the kill; one it lacks, Killable lacks.
#[async_trait]
impl BrokerUnderTest for Killable {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        self.within_life(self.inner.access_token(account, rejected))
            .await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.inner.status().map(|_| self as &dyn StatusFacet)
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.inner
            .authorization()
            .map(|_| self as &dyn AuthorizationFacet)
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        self.inner.mail().map(|_| self as &dyn MailFacet)
    }
}

#[async_trait]
impl StatusFacet for Killable {
    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        let inner = self.inner.status().ok_or_else(|| unsupported("status"))?;
        self.within_life(inner.status()).await
    }
}

#[async_trait]
impl AuthorizationFacet for Killable {
    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        let inner = self
            .inner
            .authorization()
            .ok_or_else(|| unsupported("authorization"))?;
        self.within_life(inner.begin_authorization(account)).await
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        let inner = self
            .inner
            .authorization()
            .ok_or_else(|| unsupported("authorization"))?;
        self.within_life(inner.complete_authorization(callback_url))
            .await
    }
}

#[async_trait]
impl MailFacet for Killable {
    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        let inner = self.inner.mail().ok_or_else(|| unsupported("gmail"))?;
        self.within_life(inner.sync(account)).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        let inner = self.inner.mail().ok_or_else(|| unsupported("gmail"))?;
        self.within_life(inner.synced_ids(account)).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        let inner = self.inner.mail().ok_or_else(|| unsupported("gmail"))?;
        self.within_life(inner.send(account, raw)).await
    }
}

#[async_trait]
impl MailFaults for Killable {
    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        let inner = self
            .inner
            .mail_faults()
            .ok_or_else(|| unsupported("mail_hooks"))?;
        self.within_life(inner.crash_sync(account, at_point)).await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        let inner = self
            .inner
            .mail_faults()
            .ok_or_else(|| unsupported("mail_hooks"))?;
        inner.fail_mail_commits(count).await
    }
}

/// The in-process host: `restart` kills every call in flight, then the
/// inner binding's own restart starts the instance again.
#[async_trait]
impl InstanceHost for Killable {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.lives.send_modify(|life| *life += 1);
        self.inner.restart().await
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await;
    }

    fn store_faults(&self) -> Option<&dyn StoreFaults> {
        self.inner.store_faults()
    }

    fn mail_faults(&self) -> Option<&dyn MailFaults> {
        self.inner.mail_faults().map(|_| self as &dyn MailFaults)
    }

    fn set_clock_offset(&self, offset_ms: i64) -> Result<(), BrokerFailure> {
        self.inner.set_clock_offset(offset_ms)
    }

    // The gateway's calls are its own (sign-in, relay): forwarded as they
    // are, not raced against a kill.
    fn gateway(&self) -> Option<&dyn super::GatewayUnderTest> {
        self.inner.gateway()
    }

    fn captured_log(&self) -> Option<Vec<u8>> {
        self.inner.captured_log()
    }

    fn captured_answers(&self) -> Option<Vec<u8>> {
        self.inner.captured_answers()
    }

    fn problems(&self) -> Vec<String> {
        self.inner.problems()
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.inner.store_writes()
    }
}
