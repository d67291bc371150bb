//! JSON-RPC error codes and error answers. Messages never carry a secret:
//! params errors drop every quoted value serde would echo back.

use serde_json::{Value, json};

/// JSON-RPC error codes the broker answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The line was not JSON.
    ParseError,
    /// Not a JSON-RPC 2.0 request.
    InvalidRequest,
    /// No such method.
    MethodNotFound,
    /// The params do not fit the method.
    InvalidParams,
    /// A call other than `initialize` came first.
    NotInitialized,
    /// The broker could not do it (see `data.kind`).
    BrokerFailed,
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> i64 {
        match self {
            Self::ParseError => -32700,
            Self::InvalidRequest => -32600,
            Self::MethodNotFound => -32601,
            Self::InvalidParams => -32602,
            Self::NotInitialized => -32002,
            Self::BrokerFailed => -32000,
        }
    }
}

/// An error answer: code, message (never a secret) and an optional `kind`.
#[derive(Debug, Clone)]
pub struct RpcError {
    code: ErrorCode,
    message: String,
    kind: Option<&'static str>,
}

impl RpcError {
    /// An error without a kind.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            kind: None,
        }
    }

    /// A broker failure of `kind` (`revoked`, `transient`, `storage`, ...).
    pub fn failed(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::BrokerFailed,
            message: message.into(),
            kind: Some(kind),
        }
    }

    /// Its `data.kind`, if any.
    pub fn kind(&self) -> Option<&'static str> {
        self.kind
    }

    /// Its code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The whole answer line for request `id`.
    pub fn answer(&self, id: &Value) -> String {
        let mut error = json!({"code": self.code.code(), "message": self.message});
        if let Some(kind) = self.kind {
            error["data"] = json!({"kind": kind});
        }
        json!({"jsonrpc": "2.0", "id": id, "error": error}).to_string()
    }
}

/// `-32602` for params of `method` that do not parse. serde quotes the
/// offending value (`invalid type: string "1//0..."`), which might be a
/// secret sent in the wrong field, so quoted text is dropped.
pub(super) fn bad_params(method: &str, error: &serde_json::Error) -> RpcError {
    RpcError::new(
        ErrorCode::InvalidParams,
        format!(
            "bad `{method}` params: {}",
            without_quoted(&error.to_string())
        ),
    )
}

/// `text` with every `"..."` replaced by `"…"`.
fn without_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' {
            if inside {
                out.push_str("…\"");
            } else {
                out.push('"');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_errors_never_echo_a_quoted_value() {
        let error = serde_json::from_value::<u64>(json!("1//0secret-refresh-token")).unwrap_err();
        let answer = bad_params("access_token", &error).answer(&json!(3));
        assert!(!answer.contains("secret-refresh"), "{answer}");
        assert!(answer.contains("-32602"), "{answer}");
        assert!(answer.contains("invalid type"), "{answer}");
    }
}
