use serde::Deserialize;
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

    /// The whole answer line for request `id`.
    pub fn answer(&self, id: &Value) -> String {
        let mut error = json!({"code": self.code.code(), "message": self.message});
        if let Some(kind) = self.kind {
            error["data"] = json!({"kind": kind});
        }
        json!({"jsonrpc": "2.0", "id": id, "error": error}).to_string()
    }
}

/// `initialize` params.
#[derive(Debug, Deserialize)]
pub(super) struct InitializeParams {
    pub provider: ProviderParams,
    pub client: ClientParams,
    #[serde(default)]
    pub accounts: Vec<AccountParams>,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub store: StoreParams,
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub instance: u64,
    /// True when the harness re-initializes after killing the process.
    #[serde(default)]
    pub restarted: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct ProviderParams {
    pub token_url: String,
}

#[derive(Deserialize)]
pub(super) struct ClientParams {
    pub id: String,
    pub secret: String,
}

impl std::fmt::Debug for ClientParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientParams")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
pub(super) struct AccountParams {
    pub account: String,
    pub refresh_token: String,
}

impl std::fmt::Debug for AccountParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountParams")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct StoreParams {
    #[serde(default = "memory")]
    pub kind: String,
}

impl Default for StoreParams {
    fn default() -> Self {
        Self { kind: memory() }
    }
}

fn memory() -> String {
    "memory".to_owned()
}

/// `access_token` params.
#[derive(Debug, Deserialize)]
pub(super) struct AccountParam {
    pub account: String,
}
