//! The gateway methods over the process protocol (docs/PROTOCOL.md, level 5):
//! `sign_in_begin`, `sign_in_complete` and `service_account_token`, and what
//! `initialize` tells the broker for them; the relay methods go to the relay
//! process beside instance 0 (`relay_host.rs`), not over the protocol.

use super::ProcessInstance;
use crate::broker::{
    BrokerEnv, BrokerFailure, FailureKind, GatewayCapabilities, GatewaySetup, GatewayUnderTest,
    RelayAnswer, SignedIn,
};
use async_trait::async_trait;
use oauth_chaos_protocol::{
    AccessTokenResult, AuthorizationUrl, Capability, InitializeParams, InitializeResult, Method,
    ServiceAccountParams, ServiceAccountTokenParams, SignInBeginParams, SignInCompleteParams,
    SignedInResult,
};
use secrecy::{ExposeSecret, SecretString};

/// The gateway powers a broker declared.
pub(super) fn declared(answer: &InitializeResult) -> GatewayCapabilities {
    GatewayCapabilities {
        sign_in: answer.has(Capability::SignIn),
        service_accounts: answer.has(Capability::ServiceAccounts),
        relay: false,
    }
}

/// Adds the issuer, the JWKS and the service accounts to `initialize` params.
pub(super) fn add_initialize_params(env: &BrokerEnv, params: &mut InitializeParams) {
    let Some(setup) = GatewaySetup::of(&env.shared) else {
        return;
    };
    params.provider.issuer = Some(setup.issuer.clone());
    params.provider.jwks_url = Some(setup.jwks_url.clone());
    params.service_accounts = setup
        .service_accounts
        .iter()
        .map(|keyed| ServiceAccountParams {
            account: keyed.account.clone(),
            key: serde_json::Value::String(keyed.key_json.expose_secret().to_owned()),
            subject: keyed.subject.clone(),
            scopes: keyed.scopes.clone(),
        })
        .collect();
}

#[async_trait]
impl GatewayUnderTest for ProcessInstance {
    fn gateway_capabilities(&self) -> GatewayCapabilities {
        self.gateway_capabilities
    }

    async fn sign_in_begin(&self, session: &str) -> Result<String, BrokerFailure> {
        let params = SignInBeginParams {
            session: session.to_owned(),
        };
        let result: AuthorizationUrl = self
            .connection()
            .call(Method::SignInBegin, &params, self.factory.call_timeout)
            .await?;
        Ok(result.url)
    }

    async fn sign_in_complete(
        &self,
        session: &str,
        callback_url: &str,
    ) -> Result<SignedIn, BrokerFailure> {
        let params = SignInCompleteParams {
            session: session.to_owned(),
            callback_url: callback_url.to_owned(),
        };
        let result: SignedInResult = self
            .connection()
            .call(Method::SignInComplete, &params, self.factory.call_timeout)
            .await?;
        Ok(SignedIn {
            subject: result.subject,
            email: result.email,
        })
    }

    async fn service_account_token(
        &self,
        account: &str,
        scopes: &[String],
    ) -> Result<SecretString, BrokerFailure> {
        let params = ServiceAccountTokenParams {
            account: account.to_owned(),
            scopes: scopes.to_vec(),
        };
        let result: AccessTokenResult = self
            .connection()
            .call(
                Method::ServiceAccountToken,
                &params,
                self.factory.call_timeout,
            )
            .await?;
        Ok(SecretString::from(result.access_token))
    }

    async fn relay_token(&self, consumer: &str) -> RelayAnswer {
        match &self.relay {
            Some(relay) => relay.token(consumer).await,
            None => RelayAnswer {
                result: Err((FailureKind::Unsupported, false, NO_RELAY.to_owned())),
                bodies: Vec::new(),
            },
        }
    }

    fn relay_contacts(&self) -> Vec<(String, std::time::SystemTime)> {
        self.relay
            .as_ref()
            .map(super::relay_host::ProcessRelay::contacts)
            .unwrap_or_default()
    }

    async fn relay_down(&self, down: bool) -> Result<(), BrokerFailure> {
        match &self.relay {
            Some(relay) => relay.set_down(down).await,
            None => Err(BrokerFailure::new(FailureKind::Unsupported, NO_RELAY)),
        }
    }
}

/// Why a process instance has no relay.
const NO_RELAY: &str = "no relay process on this instance (instance 0 of a process run hosts it; `cmd:` brokers name theirs with `--relay`)";
