//! `mutant:mailbox-in-memory`: the reference broker, except that its
//! mailbox lives in the process's memory whatever store it was given, so a
//! kill -9 empties it and the next sync (a full one) refills it. The final
//! comparison cannot see that; what the instance reports stored right
//! after the restart can.

use super::email::FlawedMail;
use crate::broker::{
    BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, EmailFlaws, ReferenceBroker,
};
use async_trait::async_trait;
use std::sync::Arc;

/// The factory of `mutant:mailbox-in-memory`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct MailboxInMemoryMutant;

#[async_trait]
impl BrokerFactory for MailboxInMemoryMutant {
    fn name(&self) -> String {
        "mutant:mailbox-in-memory".to_owned()
    }

    /// Reference tokens (durable as the reference's), a mailbox that is not.
    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        let tokens = ReferenceBroker.build(env.clone()).await?;
        Ok(Arc::new(FlawedMail::new(
            tokens,
            env,
            EmailFlaws::default(),
            true,
        )))
    }
}
