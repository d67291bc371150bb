//! Levels 1 and 2: `access_token` (with the optional `rejected` token that
//! asks for a forced refresh after a 401) and `status`.

use crate::errors::{RpcError, broker_failed, broker_kind, parse, result};
use crate::session::Ready;
use oauth_chaos_protocol::{
    AccessTokenParams, AccessTokenResult, AccountState, AccountStatusEntry, Method, StatusResult,
};
use reference_impl::AccessToken;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// `access_token`: the only answer that carries a secret.
pub(crate) async fn access_token(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let AccessTokenParams { account, rejected } = parse(Method::AccessToken, params)?;
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
        Ok(token) => result(AccessTokenResult {
            access_token: token.expose_secret().to_owned(),
        }),
        Err(error) => {
            tracing::debug!(
                account,
                kind = broker_kind(&error).name(),
                "access_token failed"
            );
            Err(broker_failed(&error))
        }
    }
}

/// `status`: one entry per account.
pub(crate) fn status(ready: &Ready) -> Result<Value, RpcError> {
    let unix = |t: Option<SystemTime>| {
        t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
    };
    let accounts = ready
        .broker
        .status()
        .into_iter()
        .map(|status| AccountStatusEntry {
            account: status.account,
            state: match status.state {
                reference_impl::AccountState::Ok => AccountState::Ok,
                reference_impl::AccountState::Refreshing => AccountState::Refreshing,
                reference_impl::AccountState::Degraded => AccountState::Degraded,
                reference_impl::AccountState::NeedsReauth => AccountState::NeedsReauth,
                reference_impl::AccountState::NoToken => AccountState::NoToken,
            },
            last_refresh: unix(status.last_refresh),
            expires_at: unix(status.expires_at),
            consecutive_failures: Some(status.consecutive_failures),
            alert: status.alert.map(|alert| alert.name().to_owned()),
        })
        .collect();
    result(StatusResult { accounts })
}
