//! The reference broker's gateway powers in process: `GoogleSignIn` for sign-in,
//! the instance's `TokenBroker` for service-account tokens, and a `TokenRelay`
//! (`reference_relay.rs`) for consumers.
//!
//! Mutants reuse this binding with one flaw, which they leave in the run's
//! registry before building: a [`SignInSubstitute`] under
//! [`SIGN_IN_SUBSTITUTE`] (the flawed flow itself lives in `mutants/`) or
//! [`RELAY_FLAWS`](super::reference_relay::RELAY_FLAWS).

use super::reference_relay::{RELAY_FLAWS, RelayFlaws, RelayHost};
use super::{
    BrokerEnv, BrokerFailure, FailureKind, GatewayCapabilities, GatewaySetup, GatewayUnderTest,
    RelayAnswer, SignedIn,
};
use async_trait::async_trait;
use reference_impl::{
    GoogleSignIn, ServiceAccountGrant, ServiceAccountKey, SignInConfig, TokenBroker,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// Registry key of a [`SignInSubstitute`].
pub(crate) const SIGN_IN_SUBSTITUTE: &str = "reference.sign-in-substitute";

/// A sign-in flow that stands in for the verified one (a mutant's flaw).
#[async_trait]
pub(crate) trait SubstituteSignIn: std::fmt::Debug + Send + Sync {
    /// The authorization URL for browser session `session`.
    fn begin(&self, session: &str) -> String;
    /// Completes the sign-in from the callback.
    async fn complete(&self, session: &str, callback_url: &str) -> Result<SignedIn, BrokerFailure>;
}

/// Builds an instance's substitute sign-in flow; a mutant leaves one in the
/// run's registry under [`SIGN_IN_SUBSTITUTE`].
pub(crate) type SignInSubstitute = fn(&BrokerEnv) -> Box<dyn SubstituteSignIn>;

#[derive(Debug)]
enum SignInFlow {
    Verified(GoogleSignIn),
    Substitute(Box<dyn SubstituteSignIn>),
}

/// What one reference instance has besides its broker.
#[derive(Debug)]
pub(crate) struct ReferenceGateway {
    sign_in: SignInFlow,
    service_accounts: bool,
    relay: Option<RelayHost>,
    /// The instance's current broker (replaced on restart), for service accounts.
    broker: Mutex<Option<TokenBroker>>,
}

impl ReferenceGateway {
    /// Builds the powers the run's [`GatewaySetup`] asks for; instance 0 hosts
    /// the relay.
    pub async fn new(env: &BrokerEnv) -> Result<Self, BrokerFailure> {
        let setup = GatewaySetup::of(&env.shared).unwrap_or_default();
        let sign_in = if let Some(substitute) =
            env.shared.get::<SignInSubstitute>(SIGN_IN_SUBSTITUTE)
        {
            SignInFlow::Substitute(substitute(env))
        } else {
            let config = SignInConfig::new(
                setup.issuer.clone(),
                env.auth_url.clone(),
                env.token_url.clone(),
                setup.jwks_url.clone(),
                env.client_id.clone(),
                env.client_secret.expose_secret(),
                env.redirect_url.clone(),
            )
            .with_seed(env.seed ^ u64::from(env.instance) ^ 0x5167);
            SignInFlow::Verified(
                GoogleSignIn::new(config, env.clock.clone(), env.transport.clone())
                    .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?,
            )
        };
        let relay = match (&setup.relay, env.instance) {
            (Some(relay), 0) => {
                let flaws = env
                    .shared
                    .get::<RelayFlaws>(RELAY_FLAWS)
                    .map(|flaws| *flaws)
                    .unwrap_or_default();
                Some(RelayHost::start(env, relay.clone(), &setup.service_accounts, flaws).await?)
            }
            _ => None,
        };
        Ok(Self {
            sign_in,
            service_accounts: !setup.service_accounts.is_empty(),
            relay,
            broker: Mutex::new(None),
        })
    }

    /// The instance's broker, after build and after every restart.
    pub fn use_broker(&self, broker: TokenBroker) {
        *self.broker.lock().unwrap_or_else(PoisonError::into_inner) = Some(broker);
    }

    /// Registers the run's service accounts with `broker` (at build; a restart
    /// finds them in the store).
    pub async fn register_service_accounts(
        env: &BrokerEnv,
        broker: &TokenBroker,
    ) -> Result<(), BrokerFailure> {
        let Some(setup) = GatewaySetup::of(&env.shared) else {
            return Ok(());
        };
        for keyed in &setup.service_accounts {
            let key = ServiceAccountKey::from_json(keyed.key_json.expose_secret().as_bytes())
                .map_err(|error| BrokerFailure::new(FailureKind::Other, error.to_string()))?;
            let mut grant = ServiceAccountGrant::new(key, keyed.scopes.clone());
            if let Some(subject) = &keyed.subject {
                grant = grant.acting_as(subject.clone());
            }
            broker.add_service_account(&keyed.account, grant).await;
        }
        Ok(())
    }
}

#[async_trait]
impl GatewayUnderTest for ReferenceGateway {
    fn gateway_capabilities(&self) -> GatewayCapabilities {
        GatewayCapabilities {
            sign_in: true,
            service_accounts: self.service_accounts,
            relay: self.relay.is_some(),
        }
    }

    async fn sign_in_begin(&self, session: &str) -> Result<String, BrokerFailure> {
        Ok(match &self.sign_in {
            SignInFlow::Verified(flow) => flow.begin(session),
            SignInFlow::Substitute(flow) => flow.begin(session),
        })
    }

    async fn sign_in_complete(
        &self,
        session: &str,
        callback_url: &str,
    ) -> Result<SignedIn, BrokerFailure> {
        match &self.sign_in {
            SignInFlow::Verified(flow) => flow
                .complete(session, callback_url)
                .await
                .map(|who| SignedIn {
                    subject: who.subject,
                    email: who.email,
                })
                .map_err(|error| {
                    let kind = if error.kind() == "unavailable" {
                        FailureKind::Transient
                    } else {
                        FailureKind::Other
                    };
                    BrokerFailure::new(kind, format!("{}: {error}", error.kind()))
                }),
            SignInFlow::Substitute(flow) => flow.complete(session, callback_url).await,
        }
    }

    async fn service_account_token(
        &self,
        account: &str,
        scopes: &[String],
    ) -> Result<SecretString, BrokerFailure> {
        let broker = self
            .broker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| BrokerFailure::new(FailureKind::Other, "the instance has no broker"))?;
        super::reference_token::token_answer(broker.access_token_scoped(account, scopes).await)
    }

    async fn relay_token(&self, consumer: &str) -> RelayAnswer {
        match &self.relay {
            Some(relay) => relay.token(consumer).await,
            None => RelayAnswer {
                result: Err((
                    FailureKind::Unsupported,
                    false,
                    "no relay on this instance".into(),
                )),
                bodies: Vec::new(),
            },
        }
    }

    fn relay_contacts(&self) -> Vec<(String, SystemTime)> {
        self.relay
            .as_ref()
            .map(RelayHost::contacts)
            .unwrap_or_default()
    }

    async fn relay_down(&self, down: bool) -> Result<(), BrokerFailure> {
        match &self.relay {
            Some(relay) => relay.set_down(down),
            None => Err(BrokerFailure::new(
                FailureKind::Unsupported,
                "no relay on this instance",
            )),
        }
    }
}
