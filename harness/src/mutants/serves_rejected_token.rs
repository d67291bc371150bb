//! `mutant:serves-rejected-token`: the reference broker, except that when
//! the app reports a 401 it ignores which token was rejected and answers
//! from its cache, so the dead token comes straight back (the bug of a
//! broker that only refreshes on expiry, or whose 401 path forgets to drop
//! the cached token).

use crate::broker::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    StoreFault, StoreWrite, build_reference,
};
use async_trait::async_trait;
use secrecy::SecretString;
use std::sync::Arc;

/// The factory of `mutant:serves-rejected-token`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ServesRejectedTokenMutant;

#[async_trait]
impl BrokerFactory for ServesRejectedTokenMutant {
    fn name(&self) -> String {
        "mutant:serves-rejected-token".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerUnderTest>, BrokerFailure> {
        Ok(Arc::new(ServesRejectedToken {
            inner: build_reference(env).await?,
        }))
    }
}

/// The reference with a 401 path that does not forget the rejected token.
#[derive(Debug)]
struct ServesRejectedToken {
    inner: Arc<dyn BrokerUnderTest>,
}

#[async_trait]
impl BrokerUnderTest for ServesRejectedToken {
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        self.inner.access_token(account).await
    }

    /// The flaw: the rejected token is ignored, the cache answers.
    async fn access_token_after_401(
        &self,
        account: &str,
        _rejected: &SecretString,
    ) -> Result<SecretString, BrokerFailure> {
        self.inner.access_token(account).await
    }

    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        self.inner.status().await
    }

    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.inner.restart().await
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await;
    }

    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.inner.sync(account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.inner.synced_ids(account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.inner.send(account, raw).await
    }

    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.inner.crash_sync(account, at_point).await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.inner.fail_mail_commits(count).await
    }

    async fn begin_authorization(&self, account: &str) -> Result<String, BrokerFailure> {
        self.inner.begin_authorization(account).await
    }

    async fn complete_authorization(&self, callback_url: &str) -> Result<String, BrokerFailure> {
        self.inner.complete_authorization(callback_url).await
    }

    async fn store_fault(&self, fault: StoreFault) -> Result<(), BrokerFailure> {
        self.inner.store_fault(fault).await
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.inner.store_writes()
    }
}
