use super::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    FailureKind,
};
use async_trait::async_trait;
use reference_impl::{
    AccountState, BrokerConfig, ErrorKind, MemoryStore, RefreshToken, TokenBroker,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// The reference broker from `reference-impl`, in-process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceBroker;

#[async_trait]
impl BrokerFactory for ReferenceBroker {
    fn name(&self) -> String {
        "reference".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Arc<dyn BrokerUnderTest> {
        let config = BrokerConfig::new(
            env.token_url,
            env.client_id,
            env.client_secret.expose_secret().to_owned(),
        )
        .with_scopes(env.scopes)
        .with_seed(env.seed ^ u64::from(env.instance));
        let store = Arc::new(MemoryStore::new());
        // The token URL comes from the mock provider, so it always parses.
        let broker = TokenBroker::new(config, env.clock, env.transport, store)
            .expect("the mock provider's token URL parses");
        for (account, refresh_token) in env.accounts {
            broker
                .add_account(&account, RefreshToken::new(refresh_token.expose_secret()))
                .await;
        }
        Arc::new(ReferenceInstance { broker })
    }
}

#[derive(Debug)]
struct ReferenceInstance {
    broker: TokenBroker,
}

#[async_trait]
impl BrokerUnderTest for ReferenceInstance {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            access_token: true,
            status: true,
        }
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        match self.broker.access_token(account).await {
            Ok(token) => Ok(SecretString::from(token.expose_secret().to_owned())),
            Err(error) => Err(BrokerFailure {
                kind: match error.kind() {
                    ErrorKind::Revoked => FailureKind::Revoked,
                    ErrorKind::Transient => FailureKind::Transient,
                    ErrorKind::Storage => FailureKind::Storage,
                    _ => FailureKind::Other,
                },
                message: error.to_string(),
            }),
        }
    }

    async fn status(&self) -> Vec<AccountReport> {
        self.broker
            .status()
            .into_iter()
            .map(|s| AccountReport {
                account: s.account,
                state: match s.state {
                    AccountState::Ok => "ok",
                    AccountState::Refreshing => "refreshing",
                    AccountState::Degraded => "degraded",
                    AccountState::NeedsReauth => "needs_reauth",
                    AccountState::NoToken => "no_token",
                }
                .to_owned(),
            })
            .collect()
    }
}
