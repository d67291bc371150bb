//! The JSON-RPC 2.0 envelope: requests, answers, error objects and codes.

use crate::{ErrorKind, Method};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `jsonrpc` member of every message.
pub const JSONRPC: &str = "2.0";

/// A request as the harness writes it.
#[derive(Debug, Clone, Serialize)]
pub struct Request<P> {
    /// Always [`JSONRPC`].
    pub jsonrpc: &'static str,
    /// Matches the answer to the request (answers may come out of order).
    pub id: u64,
    /// What is asked.
    pub method: Method,
    /// The method's params.
    pub params: P,
}

impl<P> Request<P> {
    /// Request `id` of `method` with `params`.
    pub fn new(id: u64, method: Method, params: P) -> Self {
        Self {
            jsonrpc: JSONRPC,
            id,
            method,
            params,
        }
    }
}

/// A request as a broker reads it: every member optional, so a broker can
/// answer a malformed one with the right error instead of failing to parse.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IncomingRequest {
    /// Must be [`JSONRPC`].
    #[serde(default)]
    pub jsonrpc: Option<String>,
    /// Absent for a notification (no answer).
    #[serde(default)]
    pub id: Option<Value>,
    /// The method's name (an unknown one answers `-32601`).
    #[serde(default)]
    pub method: Option<String>,
    /// The params, read by the method's own params type.
    #[serde(default)]
    pub params: Option<Value>,
}

/// An answer as a broker writes it.
///
/// ```
/// use oauth_chaos_protocol::{Answer, ErrorCode, ErrorKind, RpcErrorObject};
/// let error = RpcErrorObject::failed(ErrorKind::Revoked, "needs consent");
/// let line = serde_json::to_string(&Answer::<()>::error(3.into(), error)).unwrap();
/// assert_eq!(line, r#"{"jsonrpc":"2.0","id":3,"error":{"code":-32000,"message":"needs consent","data":{"kind":"revoked"}}}"#);
/// assert_eq!(ErrorCode::from_code(-32000), Some(ErrorCode::BrokerFailed));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Answer<R> {
    /// Always [`JSONRPC`].
    pub jsonrpc: &'static str,
    /// The request's id (`null` when the line was not JSON).
    pub id: Value,
    /// The result or the error.
    #[serde(flatten)]
    pub outcome: Outcome<R>,
}

impl<R> Answer<R> {
    /// A successful answer.
    pub fn result(id: Value, result: R) -> Self {
        Self {
            jsonrpc: JSONRPC,
            id,
            outcome: Outcome::Result(result),
        }
    }

    /// An error answer.
    pub fn error(id: Value, error: RpcErrorObject) -> Self {
        Self {
            jsonrpc: JSONRPC,
            id,
            outcome: Outcome::Error(error),
        }
    }
}

/// `result` or `error`: exactly one of them in every answer.
#[derive(Debug, Clone, Serialize)]
pub enum Outcome<R> {
    /// `"result": ...`
    #[serde(rename = "result")]
    Result(R),
    /// `"error": {...}`
    #[serde(rename = "error")]
    Error(RpcErrorObject),
}

/// An answer as the harness reads it: every member optional, so each way a
/// broker can break the envelope gets its own typed failure.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceivedAnswer {
    /// Must be [`JSONRPC`].
    #[serde(default)]
    pub jsonrpc: Option<String>,
    /// The request's id.
    #[serde(default)]
    pub id: Option<Value>,
    /// The result, read by the method's own result type.
    #[serde(default)]
    pub result: Option<Value>,
    /// The error.
    #[serde(default)]
    pub error: Option<Value>,
}

/// A JSON-RPC error object. Its message never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcErrorObject {
    /// The numeric [`ErrorCode`] (`0` when a broker left it out).
    #[serde(default)]
    pub code: i64,
    /// What went wrong, for a person.
    #[serde(default = "no_message")]
    pub message: String,
    /// `{"kind": ...}` for broker failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ErrorData>,
}

fn no_message() -> String {
    "error without a message".to_owned()
}

impl RpcErrorObject {
    /// An error of `code` without a kind.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code: code.code(),
            message: message.into(),
            data: None,
        }
    }

    /// A broker failure (`-32000`) of `kind`.
    pub fn failed(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BrokerFailed, message).with_kind(kind)
    }

    /// The same error with `data.kind`.
    #[must_use]
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.data = Some(ErrorData { kind: Some(kind) });
        self
    }

    /// Its `data.kind`, if any.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.data.as_ref().and_then(|data| data.kind)
    }

    /// Its code, if it is one of the protocol's.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::from_code(self.code)
    }
}

/// The `data` member of an error object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorData {
    /// Why the call failed.
    #[serde(default)]
    pub kind: Option<ErrorKind>,
}

/// The protocol's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `-32700`: the line was not JSON.
    ParseError,
    /// `-32600`: not a JSON-RPC 2.0 request.
    InvalidRequest,
    /// `-32601`: no such method, or not configured by `initialize` (a
    /// missing capability).
    MethodNotFound,
    /// `-32602`: the params do not fit the method.
    InvalidParams,
    /// `-32002`: a call other than `initialize` came first.
    NotInitialized,
    /// `-32000`: the broker could not do it (see `data.kind`).
    BrokerFailed,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: [ErrorCode; 6] = [
        ErrorCode::ParseError,
        ErrorCode::InvalidRequest,
        ErrorCode::MethodNotFound,
        ErrorCode::InvalidParams,
        ErrorCode::NotInitialized,
        ErrorCode::BrokerFailed,
    ];

    /// The numeric code.
    pub fn code(self) -> i64 {
        match self {
            ErrorCode::ParseError => -32700,
            ErrorCode::InvalidRequest => -32600,
            ErrorCode::MethodNotFound => -32601,
            ErrorCode::InvalidParams => -32602,
            ErrorCode::NotInitialized => -32002,
            ErrorCode::BrokerFailed => -32000,
        }
    }

    /// The code numbered `code`, if the protocol has it.
    pub fn from_code(code: i64) -> Option<ErrorCode> {
        ErrorCode::ALL
            .into_iter()
            .find(|known| known.code() == code)
    }
}
