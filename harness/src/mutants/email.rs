//! Email mutants: the reference broker with one flaw in its mail side.
//!
//! Tokens, status and restarts are the reference broker's own, so these
//! mutants break only the email invariants.

use crate::broker::{
    AuthorizationFacet, BrokerEnv, BrokerFactory, BrokerFailure, BrokerInstance, BrokerUnderTest,
    EmailFlaws, GatewayUnderTest, InstanceHost, MailFacet, MailFaults, ReferenceBroker,
    ReferenceEmail, StatusFacet, StoreFaults, StoreWrite,
};
use async_trait::async_trait;
use reference_impl::{AccessToken, TokenSource, TokenSourceError};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex, PoisonError};

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

    async fn build(&self, env: BrokerEnv) -> Result<Arc<dyn BrokerInstance>, BrokerFailure> {
        let tokens = ReferenceBroker.build(env.clone()).await?;
        Ok(Arc::new(FlawedMail::new(tokens, env, self.flaws, false)))
    }
}

/// The reference broker for tokens, a flawed mail side (one of these email
/// mutants, or `mailbox-in-memory`'s mailbox that dies with the process).
#[derive(Debug)]
pub(super) struct FlawedMail {
    tokens: Arc<dyn BrokerInstance>,
    email: Mutex<ReferenceEmail>,
    env: BrokerEnv,
    flaws: EmailFlaws,
    /// `mailbox-in-memory`: a restart empties the mailbox.
    mail_dies_with_process: bool,
}

impl FlawedMail {
    /// `tokens` for tokens, a mail side with `flaws`.
    pub(super) fn new(
        tokens: Arc<dyn BrokerInstance>,
        env: BrokerEnv,
        flaws: EmailFlaws,
        mail_dies_with_process: bool,
    ) -> Self {
        Self {
            email: Mutex::new(ReferenceEmail::new(&env, flaws)),
            tokens,
            env,
            flaws,
            mail_dies_with_process,
        }
    }

    /// The mail side of the instance's current life.
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

// Tokens, status and authorization are the reference's, forwarded in one
// line each; the mail side (and its fault hooks) is the flawed one.
#[async_trait]
impl BrokerUnderTest for FlawedMail {
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
impl MailFacet for FlawedMail {
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
impl MailFaults for FlawedMail {
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

/// The reference's host, but the mail faults reach the flawed mail side.
#[async_trait]
impl InstanceHost for FlawedMail {
    async fn restart(&self) -> Result<(), BrokerFailure> {
        self.tokens.restart().await?;
        if self.mail_dies_with_process {
            *self.email.lock().unwrap_or_else(PoisonError::into_inner) =
                ReferenceEmail::new(&self.env, self.flaws);
        }
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

/// Any broker under test as a sync [`TokenSource`] (a 401 just asks again).
#[derive(Debug)]
pub(super) struct BrokerTokens(pub(super) Arc<dyn BrokerInstance>);

#[async_trait]
impl TokenSource for BrokerTokens {
    async fn access_token(&self, account: &str) -> Result<AccessToken, TokenSourceError> {
        match self.0.access_token(account, None).await {
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
