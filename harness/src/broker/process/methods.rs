//! The calls above level 2, each a request over a [`Connection`] and a
//! check of the answer's shape: a result of the wrong shape is a
//! [`FailureKind::Protocol`] failure, never a guess.
//!
//! Mail calls (`sync`, `send`) get [`MAIL_CALL_TIMEOUT`] instead of the
//! per-call timeout: a sync retries Gmail's 429s and 5xx with backoff.

use super::connection::Connection;
use crate::broker::{BrokerFailure, FailureKind};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
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
    let mut params = json!({"account": account});
    if let Some(rejected) = rejected {
        params["rejected"] = Value::String(rejected.expose_secret().to_owned());
    }
    let result = connection.call("access_token", params, timeout).await?;
    string_field(&result, "access_token", "access_token").map(SecretString::from)
}

/// `begin_authorization`: the URL.
pub(super) async fn begin_authorization(
    connection: &Connection,
    timeout: Duration,
    account: &str,
) -> Result<String, BrokerFailure> {
    let params = json!({"account": account});
    let result = connection
        .call("begin_authorization", params, timeout)
        .await?;
    string_field(&result, "begin_authorization", "url")
}

/// `complete_authorization`: the account.
pub(super) async fn complete_authorization(
    connection: &Connection,
    timeout: Duration,
    callback_url: &str,
) -> Result<String, BrokerFailure> {
    let params = json!({"callback_url": callback_url});
    let result = connection
        .call("complete_authorization", params, timeout)
        .await?;
    string_field(&result, "complete_authorization", "account")
}

/// `sync`: any object is a success (the reference adds counts).
pub(super) async fn sync(connection: &Connection, account: &str) -> Result<(), BrokerFailure> {
    let params = json!({"account": account});
    let result = connection.call("sync", params, MAIL_CALL_TIMEOUT).await?;
    if result.is_object() {
        Ok(())
    } else {
        Err(BrokerFailure::new(
            FailureKind::Protocol,
            "`sync` result is not an object",
        ))
    }
}

/// `synced_ids`: one string per stored row.
pub(super) async fn synced_ids(
    connection: &Connection,
    timeout: Duration,
    account: &str,
) -> Result<Vec<String>, BrokerFailure> {
    let params = json!({"account": account});
    let result = connection.call("synced_ids", params, timeout).await?;
    let bad = || {
        BrokerFailure::new(
            FailureKind::Protocol,
            "`synced_ids` result lacks an `ids` array of strings",
        )
    };
    result
        .get("ids")
        .and_then(Value::as_array)
        .ok_or_else(bad)?
        .iter()
        .map(|id| id.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

/// `send`: the message goes as base64url `raw` (as Gmail's own
/// `messages.send` takes it); the answer's `message_id` is the
/// `Message-ID` the broker stamped.
pub(super) async fn send(
    connection: &Connection,
    account: &str,
    raw: &[u8],
) -> Result<String, BrokerFailure> {
    let params = json!({"account": account, "raw": URL_SAFE_NO_PAD.encode(raw)});
    let result = connection.call("send", params, MAIL_CALL_TIMEOUT).await?;
    string_field(&result, "send", "message_id")
}

/// The string `field` of a `method` result, or a protocol failure.
fn string_field(result: &Value, method: &str, field: &str) -> Result<String, BrokerFailure> {
    result
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            BrokerFailure::new(
                FailureKind::Protocol,
                format!("`{method}` result lacks a `{field}` string"),
            )
        })
}
