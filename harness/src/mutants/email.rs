//! Email mutants: the reference broker with one flaw in its mail side.
//!
//! Tokens, status and restarts are the reference broker's own, so these
//! mutants break only the email invariants.

use crate::broker::{
    AccountReport, BrokerEnv, BrokerFactory, BrokerFailure, BrokerUnderTest, Capabilities,
    EmailFlaws, ReferenceBroker, ReferenceEmail,
};
use async_trait::async_trait;
use reference_impl::{AccessToken, TokenSource, TokenSourceError};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

/// `mutant:sync-drops-last-page`, `mutant:resend-after-ack-lost` or
/// `mutant:archive-is-delete`.
#[derive(Debug, Clone)]
pub struct EmailMutant {
    name: &'static str,
    flaws: EmailFlaws,
}

impl EmailMutant {
    /// The email mutant called `name`, if there is one.
    pub fn named(name: &str) -> Option<Self> {
        let (name, flaws) = match name {
            "sync-drops-last-page" => (
                "sync-drops-last-page",
                EmailFlaws {
                    drop_last_page: true,
                    ..EmailFlaws::default()
                },
            ),
            "resend-after-ack-lost" => (
                "resend-after-ack-lost",
                EmailFlaws {
                    resend_blindly: true,
                    ..EmailFlaws::default()
                },
            ),
            "archive-is-delete" => (
                "archive-is-delete",
                EmailFlaws {
                    archive_is_delete: true,
                    ..EmailFlaws::default()
                },
            ),
            _ => return None,
        };
        Some(Self { name, flaws })
    }
}

#[async_trait]
impl BrokerFactory for EmailMutant {
    fn name(&self) -> String {
        format!("mutant:{}", self.name)
    }

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerUnderTest>, BrokerFailure> {
        let email = ReferenceEmail::new(&env, self.flaws);
        let tokens = ReferenceBroker.build(env).await?;
        Ok(Arc::new(FlawedMail { tokens, email }))
    }
}

/// The reference broker for tokens, a flawed mail side.
#[derive(Debug)]
struct FlawedMail {
    tokens: Arc<dyn BrokerUnderTest>,
    email: ReferenceEmail,
}

impl FlawedMail {
    fn source(&self) -> Arc<dyn TokenSource> {
        Arc::new(BrokerTokens(self.tokens.clone()))
    }
}

#[async_trait]
impl BrokerUnderTest for FlawedMail {
    fn capabilities(&self) -> Capabilities {
        self.tokens.capabilities()
    }

    async fn access_token(&self, account: &str) -> Result<SecretString, BrokerFailure> {
        self.tokens.access_token(account).await
    }

    async fn status(&self) -> Result<Vec<AccountReport>, BrokerFailure> {
        self.tokens.status().await
    }

    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.tokens.restart().await
    }

    async fn sync(&self, account: &str) -> Result<(), BrokerFailure> {
        self.email.sync(self.source(), account).await
    }

    async fn synced_ids(&self, account: &str) -> Result<Vec<String>, BrokerFailure> {
        self.email.synced_ids(account).await
    }

    async fn send(&self, account: &str, raw: &[u8]) -> Result<String, BrokerFailure> {
        self.email.send(self.source(), account, raw).await
    }

    async fn crash_sync(&self, account: &str, at_point: u32) -> Result<bool, BrokerFailure> {
        self.email
            .crash_sync(self.source(), account, at_point)
            .await
    }

    async fn fail_mail_commits(&self, count: u32) -> Result<(), BrokerFailure> {
        self.email.fail_commits(count);
        Ok(())
    }
}

/// Any broker under test as a sync [`TokenSource`] (a 401 just asks again).
#[derive(Debug)]
pub(super) struct BrokerTokens(pub(super) Arc<dyn BrokerUnderTest>);

#[async_trait]
impl TokenSource for BrokerTokens {
    async fn access_token(&self, account: &str) -> Result<AccessToken, TokenSourceError> {
        match self.0.access_token(account).await {
            Ok(token) => Ok(AccessToken::new(token.expose_secret())),
            Err(failure) if failure.kind == crate::broker::FailureKind::Revoked => {
                Err(TokenSourceError::NeedsReauth {
                    account: account.to_owned(),
                })
            }
            Err(failure) => Err(TokenSourceError::Unavailable {
                account: account.to_owned(),
                source: Arc::new(failure),
            }),
        }
    }

    async fn token_rejected(
        &self,
        account: &str,
        _rejected: &AccessToken,
    ) -> Result<AccessToken, TokenSourceError> {
        self.access_token(account).await
    }
}
