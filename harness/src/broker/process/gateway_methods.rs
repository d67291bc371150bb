//! The gateway methods over the process protocol (docs/PROTOCOL.md, level 5):
//! `sign_in_begin`, `sign_in_complete` and `service_account_token`, and what
//! `initialize` tells the broker for them.

use super::ProcessInstance;
use super::connection::Connection;
use crate::broker::{
    BrokerEnv, BrokerFailure, FailureKind, GatewayCapabilities, GatewaySetup, GatewayUnderTest,
    SignedIn,
};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::Duration;

/// The gateway powers a broker declared by capability name.
pub(super) fn declared(names: &[String]) -> GatewayCapabilities {
    GatewayCapabilities {
        sign_in: names.iter().any(|name| name == "sign_in"),
        service_accounts: names.iter().any(|name| name == "service_accounts"),
        relay: false,
    }
}

/// Adds the issuer, the JWKS and the service accounts to `initialize` params.
pub(super) fn add_initialize_params(env: &BrokerEnv, params: &mut Value) {
    let Some(setup) = GatewaySetup::of(&env.shared) else {
        return;
    };
    params["provider"]["issuer"] = json!(setup.issuer);
    params["provider"]["jwks_url"] = json!(setup.jwks_url);
    if !setup.service_accounts.is_empty() {
        let accounts: Vec<Value> = setup
            .service_accounts
            .iter()
            .map(|keyed| {
                json!({
                    "account": keyed.account,
                    "key": keyed.key_json.expose_secret(),
                    "subject": keyed.subject,
                    "scopes": keyed.scopes,
                })
            })
            .collect();
        params["service_accounts"] = json!(accounts);
    }
}

fn text(result: &Value, field: &str, method: &str) -> Result<String, BrokerFailure> {
    result
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            BrokerFailure::new(
                FailureKind::Protocol,
                format!("`{method}` result lacks a string `{field}`"),
            )
        })
}

async fn call(
    connection: &Connection,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Result<Value, BrokerFailure> {
    connection.call(method, params, timeout).await
}

#[async_trait]
impl GatewayUnderTest for ProcessInstance {
    fn gateway_capabilities(&self) -> GatewayCapabilities {
        self.gateway_capabilities
    }

    async fn sign_in_begin(&self, session: &str) -> Result<String, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        let result = call(
            &self.connection(),
            "sign_in_begin",
            json!({"session": session}),
            timeout,
        )
        .await?;
        text(&result, "url", "sign_in_begin")
    }

    async fn sign_in_complete(
        &self,
        session: &str,
        callback_url: &str,
    ) -> Result<SignedIn, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        let result = call(
            &self.connection(),
            "sign_in_complete",
            json!({"session": session, "callback_url": callback_url}),
            timeout,
        )
        .await?;
        Ok(SignedIn {
            subject: text(&result, "subject", "sign_in_complete")?,
            email: text(&result, "email", "sign_in_complete")?,
        })
    }

    async fn service_account_token(
        &self,
        account: &str,
        scopes: &[String],
    ) -> Result<SecretString, BrokerFailure> {
        let timeout = self.factory.call_timeout;
        let result = call(
            &self.connection(),
            "service_account_token",
            json!({"account": account, "scopes": scopes}),
            timeout,
        )
        .await?;
        text(&result, "access_token", "service_account_token").map(SecretString::from)
    }
}
