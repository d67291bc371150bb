//! Service-account tokens: `service_account_token {account, scopes?}`, from the
//! accounts `initialize` registered with their key files.

use crate::errors::{RpcError, broker_failed, broker_kind, parse, result};
use crate::session::Ready;
use oauth_chaos_protocol::{
    AccessTokenResult, ErrorCode, Method, ServiceAccountParams, ServiceAccountTokenParams,
};
use reference_impl::{ServiceAccountGrant, ServiceAccountKey, TokenBroker};
use serde_json::Value;

/// Registers the service accounts of `initialize`; a bad key file is `-32602`
/// naming the account (never the key).
pub(crate) async fn register(
    broker: &TokenBroker,
    accounts: Vec<ServiceAccountParams>,
) -> Result<(), RpcError> {
    for params in accounts {
        let text = match &params.key {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let key = ServiceAccountKey::from_json(text.as_bytes()).map_err(|error| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "bad `initialize` params: `service_accounts` `{}`: {error}",
                    params.account
                ),
            )
        })?;
        let mut grant = ServiceAccountGrant::new(key, params.scopes);
        if let Some(subject) = params.subject {
            grant = grant.acting_as(subject);
        }
        broker.add_service_account(&params.account, grant).await;
    }
    Ok(())
}

/// `service_account_token`: `{"access_token"}`, down-scoped when `scopes` is given.
pub(crate) async fn token(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let ServiceAccountTokenParams { account, scopes } = parse(Method::ServiceAccountToken, params)?;
    let answer = ready.broker.access_token_scoped(&account, &scopes).await;
    match answer {
        Ok(token) => result(AccessTokenResult {
            access_token: token.expose_secret().to_owned(),
        }),
        Err(error) => {
            let kind = broker_kind(&error).name();
            tracing::debug!(account, kind, "service_account_token failed");
            Err(broker_failed(&error))
        }
    }
}
