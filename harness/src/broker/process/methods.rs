//! The calls above level 2, each a typed request over a [`Connection`]
//! whose answer is read as the protocol's result type
//! (`oauth-chaos-protocol`): a result of the wrong shape is a
//! [`FailureKind::Protocol`](crate::broker::FailureKind::Protocol) failure,
//! never a guess.
//!
//! Mail calls (`sync`, `send`) get [`MAIL_CALL_TIMEOUT`] instead of the
//! per-call timeout: a sync retries Gmail's 429s and 5xx with backoff.

use super::connection::Connection;
use crate::broker::BrokerFailure;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_chaos_protocol::{
    AccessTokenParams, AccessTokenResult, AccountParam, AuthorizationUrl, CallbackParams,
    CompletedAuthorization, Method, SendParams, SendResult, SyncedIdsResult,
};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// How long a `sync` or `send` may take before it is a timeout.
pub(super) const MAIL_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// `access_token`, optionally with the token an API just rejected.
pub(super) async fn access_token(
    connection: &Connection,
    timeout: Duration,
    account: &str,
    rejected: Option<&SecretString>,
) -> Result<SecretString, BrokerFailure> {
    let params = AccessTokenParams {
        account: account.to_owned(),
        rejected: rejected.map(|token| token.expose_secret().to_owned()),
    };
    let result: AccessTokenResult = connection
        .call(Method::AccessToken, &params, timeout)
        .await?;
    Ok(SecretString::from(result.access_token))
}

fn account(account: &str) -> AccountParam {
    AccountParam {
        account: account.to_owned(),
    }
}

/// `begin_authorization`: the URL.
pub(super) async fn begin_authorization(
    connection: &Connection,
    timeout: Duration,
    name: &str,
) -> Result<String, BrokerFailure> {
    let result: AuthorizationUrl = connection
        .call(Method::BeginAuthorization, &account(name), timeout)
        .await?;
    Ok(result.url)
}

/// `complete_authorization`: the account.
pub(super) async fn complete_authorization(
    connection: &Connection,
    timeout: Duration,
    callback_url: &str,
) -> Result<String, BrokerFailure> {
    let params = CallbackParams {
        callback_url: callback_url.to_owned(),
    };
    let result: CompletedAuthorization = connection
        .call(Method::CompleteAuthorization, &params, timeout)
        .await?;
    Ok(result.account)
}

/// `sync`: any object is a success (the reference adds counts).
pub(super) async fn sync(connection: &Connection, name: &str) -> Result<(), BrokerFailure> {
    let _: serde_json::Map<String, serde_json::Value> = connection
        .call(Method::Sync, &account(name), MAIL_CALL_TIMEOUT)
        .await?;
    Ok(())
}

/// `synced_ids`: one string per stored row.
pub(super) async fn synced_ids(
    connection: &Connection,
    timeout: Duration,
    name: &str,
) -> Result<Vec<String>, BrokerFailure> {
    let result: SyncedIdsResult = connection
        .call(Method::SyncedIds, &account(name), timeout)
        .await?;
    Ok(result.ids)
}

/// `send`: the message goes as base64url `raw` (as Gmail's own
/// `messages.send` takes it); the answer's `message_id` is the
/// `Message-ID` the broker stamped.
pub(super) async fn send(
    connection: &Connection,
    account: &str,
    raw: &[u8],
) -> Result<String, BrokerFailure> {
    let params = SendParams {
        account: account.to_owned(),
        raw: URL_SAFE_NO_PAD.encode(raw),
    };
    let result: SendResult = connection
        .call(Method::Send, &params, MAIL_CALL_TIMEOUT)
        .await?;
    Ok(result.message_id)
}
