//! Sign-in: `sign_in_begin` and `sign_in_complete`, the reference
//! [`GoogleSignIn`] (state bound to the session, nonce, PKCE, a verified
//! id_token).

use crate::errors::{RpcError, parse, result};
use crate::session::Ready;
use oauth_chaos_protocol::{
    AuthorizationUrl, ErrorCode, ErrorKind, Method, SignInBeginParams, SignInCompleteParams,
    SignedInResult,
};
use reference_impl::GoogleSignIn;
use serde_json::Value;

fn sign_in(ready: &Ready) -> Result<&GoogleSignIn, RpcError> {
    ready.sign_in.as_ref().ok_or_else(|| {
        RpcError::new(
            ErrorCode::MethodNotFound,
            "sign-in needs `provider.auth_url`, `redirect_url`, `jwks_url` and `issuer` in `initialize`",
        )
    })
}

/// `sign_in_begin`: `{"url": ...}` to send the browser to.
pub(crate) fn begin(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let SignInBeginParams { session } = parse(Method::SignInBegin, params)?;
    result(AuthorizationUrl {
        url: sign_in(ready)?.begin(&session),
    })
}

/// `sign_in_complete`: `{"subject", "email"}` of the verified user, or an
/// error whose `data.kind` is the
/// [`SignInError::kind`](reference_impl::SignInError::kind).
pub(crate) async fn complete(ready: &Ready, params: Value) -> Result<Value, RpcError> {
    let SignInCompleteParams {
        session,
        callback_url,
    } = parse(Method::SignInComplete, params)?;
    match sign_in(ready)?.complete(&session, &callback_url).await {
        Ok(who) => result(SignedInResult {
            subject: who.subject,
            email: who.email,
        }),
        Err(error) => Err(RpcError::failed(
            ErrorKind::from_name(error.kind()),
            error.to_string(),
        )),
    }
}
