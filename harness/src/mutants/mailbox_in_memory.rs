//! `mutant:mailbox-in-memory`: the reference broker, except that its
//! mailbox lives in the process's memory whatever store it was given, so a
//! kill -9 empties it and the next sync (a full one) refills it. The final
//! comparison cannot see that; what the instance reports stored right
//! after the restart can.

use super::email::BrokerTokens;
use crate::broker::{
    AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    EmailFlaws, GatewayUnderTest, InstanceHost, MailFacet, MailFaults, ReferenceBroker,
    ReferenceEmail, StatusFacet, StoreFaults, StoreWrite,
};
use async_trait::async_trait;
use reference_impl::TokenSource;
use secrecy::SecretString;
use std::sync::{Arc, Mutex, PoisonError};

/// The factory of `mutant:mailbox-in-memory`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MailboxInMemoryMutant;

#[async_trait]
impl BrokerFactory for MailboxInMemoryMutant {
    fn name(&self) -> String {
        "mutant:mailbox-in-memory".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        let email = ReferenceEmail::new(&env, EmailFlaws::default());
        let tokens = ReferenceBroker.build(env.clone()).await?;
        Ok(Arc::new(MailboxInMemory {
            tokens,
            email: Mutex::new(email),
            env,
        }))
    }
}

/// Reference tokens (durable as the reference's), a mailbox that is not.
#[derive(Debug)]
struct MailboxInMemory {
    tokens: Arc<dyn BrokerInstance>,
    email: Mutex<ReferenceEmail>,
    env: BrokerEnv,
}

impl MailboxInMemory {
    fn email(&self) -> ReferenceEmail {
        self.email
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn source(&self) -> Arc<dyn TokenSource> {
        Arc::new(BrokerTokens(self.tokens.clone()))
    }
}

#[async_trait]
impl BrokerUnderTest for MailboxInMemory {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        self.tokens.access_token(account, rejected).await
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        self.tokens.status()
    }

    fn authorization(&self) -> Option<&dyn AuthorizationFacet> {
        self.tokens.authorization()
    }

    fn mail(&self) -> Option<&dyn MailFacet> {
        Some(self)
    }
}

#[async_trait]
impl MailFacet for MailboxInMemory {
    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.email().sync(self.source(), account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.email().synced_ids(account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.email().send(self.source(), account, raw).await
    }
}

#[async_trait]
impl MailFaults for MailboxInMemory {
    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.email()
            .crash_sync(self.source(), account, at_point)
            .await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.email().fail_commits(count);
        Ok(())
    }
}

#[async_trait]
impl InstanceHost for MailboxInMemory {
    /// The flaw: the mailbox dies with the process.
    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.tokens.restart().await?;
        *self.email.lock().unwrap_or_else(PoisonError::into_inner) =
            ReferenceEmail::new(&self.env, EmailFlaws::default());
        Ok(())
    }

    async fn shutdown(&self) {
        self.tokens.shutdown().await;
    }

    fn store_faults(&self) -> Option<&dyn StoreFaults> {
        self.tokens.store_faults()
    }

    fn mail_faults(&self) -> Option<&dyn MailFaults> {
        Some(self)
    }

    fn gateway(&self) -> Option<&dyn GatewayUnderTest> {
        self.tokens.gateway()
    }

    fn captured_log(&self) -> Option<Vec<u8>> {
        self.tokens.captured_log()
    }

    fn problems(&self) -> Vec<String> {
        self.tokens.problems()
    }

    fn store_writes(&self) -> Vec<StoreWrite> {
        self.tokens.store_writes()
    }
}
