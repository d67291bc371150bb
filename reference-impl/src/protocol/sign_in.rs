//! Sign-in: `sign_in_begin` and `sign_in_complete`, the reference
//! [`GoogleSignIn`](crate::GoogleSignIn) (state bound to the session, nonce, PKCE,
//! a verified id_token).

use super::messages::{ErrorCode, RpcError};
use super::params::{SignInBeginParams, SignInCompleteParams, parse};
use super::session::Ready;
use crate::GoogleSignIn;
use serde_json::{Value, json};

fn sign_in(ready: &Ready) -> Result<&GoogleSignIn, RpcError> {
    ready.sign_in.as_ref().ok_or_else(|| {
        RpcError::new(
            ErrorCode::MethodNotFound,
            "sign-in needs `provider.auth_url`, `redirect_url`, `jwks_url` and `issuer` in `initialize`",
        )
    })
}

/// `sign_in_begin`: `{"url": ...}` to send the browser to.
pub(super) fn begin(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let SignInBeginParams { session } = parse("sign_in_begin", params)?;
    Ok(json!({"url": sign_in(ready)?.begin(&session)}))
}

/// `sign_in_complete`: `{"subject", "email"}` of the verified user, or an error
/// whose `data.kind` is the [`SignInError::kind`](crate::SignInError::kind).
pub(super) async fn complete(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let SignInCompleteParams {
        session,
        callback_url,
    } = parse("sign_in_complete", params)?;
    match sign_in(ready)?.complete(&session, &callback_url).await {
        Ok(who) => Ok(json!({"subject": who.subject, "email": who.email})),
        Err(error) => Err(RpcError::failed(error.kind(), error.to_string())),
    }
}
