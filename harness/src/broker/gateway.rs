//! The auth gateway's and auth worker's powers, as an optional protocol of the
//! broker under test (Jepsen style: a run asks whether the broker has them):
//! verified sign-in, service-account tokens and a token relay for consumers.
//!
//! [`BrokerUnderTest::gateway`](super::BrokerUnderTest::gateway) returns it; each
//! method defaults to `Unsupported`. [`GatewaySetup`] is what the run hands every
//! binding through [`RunShared`](super::RunShared): the issuer and JWKS, the
//! service accounts with their keys, and the relay's roles and consumers.

use super::{BrokerFailure, FailureKind, RunShared};
use async_trait::async_trait;
use secrecy::SecretString;
use std::fmt::Debug;
use std::sync::Arc;

/// The name of the [`GatewaySetup`] in [`RunShared`].
pub const GATEWAY_SETUP: &str = "gateway.setup";

/// Which gateway powers a broker has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GatewayCapabilities {
    /// `sign_in_begin` / `sign_in_complete`.
    pub sign_in: bool,
    /// `service_account_token`.
    pub service_accounts: bool,
    /// `relay_token` and `relay_down`.
    pub relay: bool,
}

impl GatewayCapabilities {
    /// The names of the powers `self` has.
    pub fn names(&self) -> Vec<&'static str> {
        self.missing(&GatewayCapabilities::default())
    }

    /// The names of the powers `self` has that `have` lacks.
    pub fn missing(&self, have: &GatewayCapabilities) -> Vec<&'static str> {
        [
            (self.sign_in && !have.sign_in, "sign_in"),
            (
                self.service_accounts && !have.service_accounts,
                "service_accounts",
            ),
            (self.relay && !have.relay, "relay"),
        ]
        .into_iter()
        .filter(|(missing, _)| *missing)
        .map(|(_, name)| name)
        .collect()
    }
}

/// Who a sign-in signed in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedIn {
    /// The id_token's `sub`.
    pub subject: String,
    /// The verified email.
    pub email: String,
}

/// What a relay consumer got from one call of its client.
#[derive(Debug, Clone)]
pub struct RelayAnswer {
    /// The token, or the failure and whether the client called it retryable.
    pub result: Result<SecretString, (FailureKind, bool, String)>,
    /// Every response body the consumer's client received during the call
    /// (what crossed the relay boundary).
    pub bodies: Vec<Vec<u8>>,
}

/// One service account as the run set it up: the broker gets `key_json`.
#[derive(Clone)]
pub struct ServiceAccountKeyed {
    /// The broker's account name.
    pub account: String,
    /// The email at the provider.
    pub email: String,
    /// Domain-wide delegation subject.
    pub subject: Option<String>,
    /// Scopes.
    pub scopes: Vec<String>,
    /// Google's JSON key file.
    pub key_json: SecretString,
}

impl Debug for ServiceAccountKeyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKeyed")
            .field("account", &self.account)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A relay consumer as the run set it up.
#[derive(Clone)]
pub struct RelayConsumerKeyed {
    /// Its id.
    pub id: String,
    /// Its role.
    pub role: String,
    /// Its bearer credential.
    pub credential: SecretString,
}

impl Debug for RelayConsumerKeyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayConsumerKeyed")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// The relay's roles and consumers.
#[derive(Debug, Clone)]
pub struct RelaySetup {
    /// (name, account, scopes).
    pub roles: Vec<(String, String, Vec<String>)>,
    /// The consumers.
    pub consumers: Vec<RelayConsumerKeyed>,
    /// Alert threshold.
    pub alert_after: Option<u32>,
}

/// What the run hands every gateway binding.
#[derive(Debug, Clone, Default)]
pub struct GatewaySetup {
    /// The id_token issuer.
    pub issuer: String,
    /// The JWKS URL.
    pub jwks_url: String,
    /// Service accounts with their keys.
    pub service_accounts: Vec<ServiceAccountKeyed>,
    /// The relay, when the scenario has one.
    pub relay: Option<RelaySetup>,
}

impl GatewaySetup {
    /// The setup of this run, if the run made one.
    pub fn of(shared: &RunShared) -> Option<Arc<GatewaySetup>> {
        shared.get::<GatewaySetup>(GATEWAY_SETUP)
    }
}

fn unsupported(power: &str) -> BrokerFailure {
    BrokerFailure::new(
        FailureKind::Unsupported,
        format!("this broker lacks the `{power}` capability"),
    )
}

/// The gateway powers; every method defaults to `Unsupported`.
#[async_trait]
pub trait GatewayUnderTest: Send + Sync + Debug {
    /// Which powers this binding has.
    fn gateway_capabilities(&self) -> GatewayCapabilities;

    /// Starts a sign-in for browser session `session`; the URL to follow.
    async fn sign_in_begin(&self, session: &str) -> Result<String, BrokerFailure> {
        let _ = session;
        Err(unsupported("sign_in"))
    }

    /// Completes the sign-in of `session` from the provider's redirect.
    async fn sign_in_complete(
        &self,
        session: &str,
        callback_url: &str,
    ) -> Result<SignedIn, BrokerFailure> {
        let _ = (session, callback_url);
        Err(unsupported("sign_in"))
    }

    /// A service account's token, down-scoped to `scopes` when not empty.
    async fn service_account_token(
        &self,
        account: &str,
        scopes: &[String],
    ) -> Result<SecretString, BrokerFailure> {
        let _ = (account, scopes);
        Err(unsupported("service_accounts"))
    }

    /// One call of `consumer`'s relay client.
    async fn relay_token(&self, consumer: &str) -> RelayAnswer {
        let _ = consumer;
        RelayAnswer {
            result: Err((
                FailureKind::Unsupported,
                false,
                unsupported("relay").message,
            )),
            bodies: Vec::new(),
        }
    }

    /// When each consumer's client contacted the relay (consumer, local time).
    fn relay_contacts(&self) -> Vec<(String, std::time::SystemTime)> {
        Vec::new()
    }

    /// Takes the relay down (`true`) or starts it again over its store (`false`).
    async fn relay_down(&self, down: bool) -> Result<(), BrokerFailure> {
        let _ = down;
        Err(unsupported("relay"))
    }
}
