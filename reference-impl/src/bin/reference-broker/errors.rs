//! Error answers. Messages never carry a secret: params errors drop every
//! quoted value serde would echo back.

use oauth_chaos_protocol::{Answer, ErrorCode, ErrorKind, Method};
use reference_impl::BrokerError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// An error answer: code, message (never a secret) and an optional kind.
pub(crate) type RpcError = oauth_chaos_protocol::RpcErrorObject;

/// Reads `params` as the params of `method`, or answers `-32602`.
pub(crate) fn parse<T: DeserializeOwned>(method: Method, params: Value) -> Result<T, RpcError> {
    serde_json::from_value(params).map_err(|error| bad_params(method, &error))
}

/// A typed result as the answer's `result` member.
pub(crate) fn result(result: impl Serialize) -> Result<Value, RpcError> {
    serde_json::to_value(result).map_err(|error| {
        RpcError::failed(
            ErrorKind::Other,
            format!("cannot write the result: {error}"),
        )
    })
}

/// One answer as its line.
pub(crate) fn answer_line<R: Serialize>(answer: Answer<R>) -> String {
    serde_json::to_string(&answer).unwrap_or_else(|_| {
        r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"cannot write the answer"}}"#
            .to_owned()
    })
}

/// The protocol's kind for a broker error.
pub(crate) fn broker_kind(error: &BrokerError) -> ErrorKind {
    match error.kind() {
        reference_impl::ErrorKind::Revoked => ErrorKind::Revoked,
        reference_impl::ErrorKind::Transient => ErrorKind::Transient,
        reference_impl::ErrorKind::Storage => ErrorKind::Storage,
        reference_impl::ErrorKind::Protocol => ErrorKind::Protocol,
        reference_impl::ErrorKind::UnknownAccount => ErrorKind::UnknownAccount,
    }
}

/// A failed broker call as its error answer.
pub(crate) fn broker_failed(error: &BrokerError) -> RpcError {
    RpcError::failed(broker_kind(error), error.to_string())
}

/// `-32602` for params of `method` that do not parse. serde quotes the
/// offending value (`invalid type: string "1//0..."`), which might be a
/// secret sent in the wrong field, so quoted text is dropped.
pub(crate) fn bad_params(method: Method, error: &serde_json::Error) -> RpcError {
    RpcError::new(
        ErrorCode::InvalidParams,
        format!(
            "bad `{method}` params: {}",
            oauth_chaos_protocol::without_quoted_values(error)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn params_errors_never_echo_a_quoted_value() {
        let error = serde_json::from_value::<u64>(json!("1//0secret-refresh-token")).unwrap_err();
        let answer = answer_line(Answer::<()>::error(
            json!(3),
            bad_params(Method::AccessToken, &error),
        ));
        assert!(!answer.contains("secret-refresh"), "{answer}");
        assert!(answer.contains("-32602"), "{answer}");
        assert!(answer.contains("invalid type"), "{answer}");
    }
}
