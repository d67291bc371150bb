//! Levels 1 and 2: `access_token` (with the optional `rejected` token that
//! asks for a forced refresh after a 401) and `status`.

use super::messages::RpcError;
use super::params::{AccessTokenParams, parse};
use super::session::Ready;
use crate::{AccessToken, AccountState, BrokerError, ErrorKind};
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// `access_token`: the only answer that carries a secret.
pub(super) async fn access_token(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let AccessTokenParams { account, rejected } = parse("access_token", params)?;
    let answer = match rejected {
        Some(rejected) => {
            let rejected = AccessToken::new(rejected);
            ready
                .broker
                .access_token_after_401(&account, &rejected)
                .await
        }
        None => ready.broker.access_token(&account).await,
    };
    match answer {
        Ok(token) => Ok(json!({"access_token": token.expose_secret()})),
        Err(error) => {
            tracing::debug!(account, kind = kind_name(&error), "access_token failed");
            Err(RpcError::failed(kind_name(&error), error.to_string()))
        }
    }
}

/// The protocol's `data.kind` for a broker error.
pub(super) fn kind_name(error: &BrokerError) -> &'static str {
    match error.kind() {
        ErrorKind::Revoked => "revoked",
        ErrorKind::Transient => "transient",
        ErrorKind::Storage => "storage",
        ErrorKind::Protocol => "protocol",
        ErrorKind::UnknownAccount => "unknown_account",
    }
}

/// `status`: one entry per account.
pub(super) fn status(ready: &Ready) -> Value {
    let unix = |t: Option<SystemTime>| {
        t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
    };
    let accounts: Vec<Value> = ready
        .broker
        .status()
        .into_iter()
        .map(|status| {
            json!({
                "account": status.account,
                "state": match status.state {
                    AccountState::Ok => "ok",
                    AccountState::Refreshing => "refreshing",
                    AccountState::Degraded => "degraded",
                    AccountState::NeedsReauth => "needs_reauth",
                    AccountState::NoToken => "no_token",
                },
                "last_refresh": unix(status.last_refresh),
                "expires_at": unix(status.expires_at),
                "consecutive_failures": status.consecutive_failures,
                "alert": status.alert.map(crate::Alert::name),
            })
        })
        .collect();
    json!({"accounts": accounts})
}
