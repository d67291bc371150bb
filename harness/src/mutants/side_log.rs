//! The base of the log-leak mutants: the correct naive broker, plus one
//! log line per new access token that it must not write (what the line
//! says is the mutant's flaw).

use super::{NaiveBroker, NaiveKnobs};
use crate::broker::{
    BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest, StatusFacet,
    forward_host,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, PoisonError};

/// What a mutant logs when it serves a new token.
pub(super) type LogLine = fn(&BrokerEnv, &str) -> String;

/// `mutant:NAME` for a [`LogLine`].
#[derive(Debug, Clone, Copy)]
pub(super) struct SideLogMutant {
    pub name: &'static str,
    pub line: LogLine,
}

#[async_trait]
impl BrokerFactory for SideLogMutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        Ok(Arc::new(SideLog {
            inner: NaiveBroker::new(env.clone(), NaiveKnobs::correct()),
            env,
            line: self.line,
            last: Mutex::default(),
        }))
    }
}

struct SideLog {
    inner: NaiveBroker,
    env: BrokerEnv,
    line: LogLine,
    /// The last token logged about, so each is logged once.
    last: Mutex<Option<SecretString>>,
}

impl std::fmt::Debug for SideLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SideLog")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl BrokerUnderTest for SideLog {
    async fn access_token(
        &self,
        account: &str,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, BrokerFailure> {
        let token = self.inner.access_token(account, rejected).await?;
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let new = last
            .as_ref()
            .is_none_or(|seen| seen.expose_secret() != token.expose_secret());
        if new {
            tracing::debug!("{}", (self.line)(&self.env, token.expose_secret()));
            *last = Some(token.clone());
        }
        Ok(token)
    }

    fn status(&self) -> Option<&dyn StatusFacet> {
        BrokerUnderTest::status(&self.inner)
    }
}

forward_host!(SideLog, inner);
