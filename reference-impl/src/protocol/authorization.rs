//! Level 3: `begin_authorization` and `complete_authorization`, the
//! reference broker's PKCE + state code flow
//! ([`TokenBroker::begin_authorization`](crate::TokenBroker::begin_authorization)).

use super::messages::{ErrorCode, RpcError};
use super::params::{AccountParam, CallbackParams, parse};
use super::session::Ready;
use crate::AuthorizationError;
use serde_json::{Value, json};

/// `begin_authorization`: `{"url": ...}` to send the browser to.
pub(super) fn begin(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let AccountParam { account } = parse("begin_authorization", params)?;
    let url = ready
        .broker
        .begin_authorization(&account)
        .map_err(authorization_error)?;
    Ok(json!({"url": url}))
}

/// `complete_authorization`: `{"account": ...}` once the code is exchanged
/// and the grant stored. A forged, replayed or foreign callback is an error.
pub(super) async fn complete(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let CallbackParams { callback_url } = parse("complete_authorization", params)?;
    let account = ready
        .broker
        .complete_authorization(&callback_url)
        .await
        .map_err(authorization_error)?;
    Ok(json!({"account": account}))
}

/// `NotConfigured` is a missing capability (`-32601`); everything else a
/// `-32000` whose kind says whether the provider refused (`revoked`: the
/// code was rejected) or the callback itself was wrong (`rejected`).
/// [`AuthorizationError`] messages never hold the code, state or verifier.
fn authorization_error(error: AuthorizationError) -> RpcError {
    match &error {
        AuthorizationError::NotConfigured => RpcError::new(
            ErrorCode::MethodNotFound,
            "authorization needs `provider.auth_url` and `provider.redirect_url` in `initialize`",
        ),
        AuthorizationError::CodeRejected { .. } => RpcError::failed("revoked", error.to_string()),
        AuthorizationError::Exchange { source, .. } => {
            RpcError::failed(super::tokens::kind_name(source), error.to_string())
        }
        _ => RpcError::failed("rejected", error.to_string()),
    }
}
