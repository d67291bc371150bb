//! Level 3: `begin_authorization` and `complete_authorization`, the
//! reference broker's PKCE + state code flow
//! ([`TokenBroker::begin_authorization`](reference_impl::TokenBroker::begin_authorization)).

use crate::errors::{RpcError, broker_kind, parse, result};
use crate::session::Ready;
use oauth_chaos_protocol::{
    AccountParam, AuthorizationUrl, CallbackParams, CompletedAuthorization, ErrorCode, ErrorKind,
    Method,
};
use reference_impl::AuthorizationError;
use serde_json::Value;

/// `begin_authorization`: `{"url": ...}` to send the browser to.
pub(crate) fn begin(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let AccountParam { account } = parse(Method::BeginAuthorization, params)?;
    let url = ready
        .broker
        .begin_authorization(&account)
        .map_err(authorization_error)?;
    result(AuthorizationUrl { url })
}

/// `complete_authorization`: `{"account": ...}` once the code is exchanged
/// and the grant stored. A forged, replayed or foreign callback is an error.
pub(crate) async fn complete(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let CallbackParams { callback_url } = parse(Method::CompleteAuthorization, params)?;
    let account = ready
        .broker
        .complete_authorization(&callback_url)
        .await
        .map_err(authorization_error)?;
    result(CompletedAuthorization { account })
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
        AuthorizationError::CodeRejected { .. } => {
            RpcError::failed(ErrorKind::Revoked, error.to_string())
        }
        AuthorizationError::Exchange { source, .. } => {
            RpcError::failed(broker_kind(source), error.to_string())
        }
        _ => RpcError::failed(ErrorKind::Rejected, error.to_string()),
    }
}
