use super::reference_email::{EmailFlaws, ReferenceEmail};
use super::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    FailureKind,
};
use async_trait::async_trait;
use reference_impl::{
    AccountState, BrokerConfig, ErrorKind, MemoryStore, RefreshToken, TokenBroker,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, PoisonError};

/// The reference broker from `reference-impl`, in-process.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferenceBroker;

#[async_trait]
impl BrokerFactory for ReferenceBroker {
    fn name(&self) -> String {
        "reference".to_owned()
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerUnderTest>, BrokerFailure> {
        // One store per instance, kept across restarts: a restart loses
        // what was in memory and keeps what was committed.
        let store = match env.store.as_str() {
            // One store for the whole fleet: instances see each other's grants.
            "shared-memory" => env
                .shared
                .get_or_create("reference.memory-store", MemoryStore::new)
                .ok_or_else(|| {
                    BrokerFailure::new(FailureKind::Other, "shared store has another type")
                })?,
            "memory" => Arc::new(MemoryStore::new()),
            other => {
                return Err(BrokerFailure::new(
                    FailureKind::Unsupported,
                    format!(
                        "store kind `{other}` is not supported in-process; use `memory` or `shared-memory`"
                    ),
                ));
            }
        };
        let broker = new_broker(&env, &store)?;
        for (account, refresh_token) in &env.accounts {
            broker
                .add_account(account, RefreshToken::new(refresh_token.expose_secret()))
                .await;
        }
        Ok(Arc::new(ReferenceInstance {
            email: ReferenceEmail::new(&env, EmailFlaws::default()),
            env,
            store,
            broker: Mutex::new(broker),
        }))
    }
}

fn new_broker(env: &BrokerEnv, store: &Arc<MemoryStore>) -> Result<TokenBroker, BrokerFailure> {
    let config = BrokerConfig::new(
        env.token_url.clone(),
        env.client_id.clone(),
        env.client_secret.expose_secret().to_owned(),
    )
    .with_scopes(env.scopes.clone())
    .with_seed(env.seed ^ u64::from(env.instance));
    TokenBroker::new(
        config,
        env.clock.clone(),
        env.transport.clone(),
        store.clone(),
    )
    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))
}

#[derive(Debug)]
struct ReferenceInstance {
    env: BrokerEnv,
    store: Arc<MemoryStore>,
    broker: Mutex<TokenBroker>,
    email: ReferenceEmail,
}

impl ReferenceInstance {
    fn broker(&self) -> TokenBroker {
        self.broker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl BrokerUnderTest for ReferenceInstance {
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            access_token: true,
            status: true,
            restart: true,
            gmail: true,
            ..Capabilities::default()
        }
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        match self.broker().access_token(account).await {
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

    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        Ok(self
            .broker()
            .status()
            .into_iter()
            .map(|s| AccountReport {
                account: s.account,
                state: state_name(s.state).to_owned(),
            })
            .collect())
    }

    async fn restart(&self) -> Result<(), BrokerFailure> {
        // A fresh broker over the same store: the accounts come back from
        // what was committed, with no new consent.
        let fresh = new_broker(&self.env, &self.store)?;
        *self.broker.lock().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.email.sync(Arc::new(self.broker()), account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.email.synced_ids(account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.email.send(Arc::new(self.broker()), account, raw).await
    }

    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.email
            .crash_sync(Arc::new(self.broker()), account, at_point)
            .await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.email.fail_commits(count);
        Ok(())
    }
}

/// The protocol's name for a reference account state.
pub(crate) fn state_name(state: AccountState) -> &'static str {
    match state {
        AccountState::Ok => "ok",
        AccountState::Refreshing => "refreshing",
        AccountState::Degraded => "degraded",
        AccountState::NeedsReauth => "needs_reauth",
        AccountState::NoToken => "no_token",
    }
}
