use super::messages::{AccountParam, ErrorCode, InitializeParams, RpcError};
use crate::{
    AccountState, BrokerConfig, ErrorKind, Keyring, RefreshToken, ReqwestTransport, StoreSpec,
    StoreSpecError, SystemClock, TokenBroker, TokenStore,
};
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

/// Whole-request timeout of the broker's HTTP client.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// One protocol session: the broker, once `initialize` built it.
#[derive(Debug, Default)]
pub struct Session {
    broker: OnceLock<TokenBroker>,
}

impl Session {
    /// Answers one request; `None` for a notification (no `id`).
    pub async fn answer(&self, request: Value) -> Option<String> {
        let id = request.get("id").cloned()?;
        let method = request.get("method").and_then(Value::as_str).unwrap_or("");
        let params = request.get("params").cloned().unwrap_or(Value::Null);
        tracing::debug!(%id, method, "request");
        let result = if request.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
            Err(RpcError::new(
                ErrorCode::InvalidRequest,
                "`jsonrpc` must be \"2.0\"",
            ))
        } else {
            self.dispatch(method, params).await
        };
        Some(match result {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}).to_string(),
            Err(error) => error.answer(&id),
        })
    }

    async fn dispatch(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        match method {
            "initialize" => self.initialize(params).await,
            "access_token" => self.access_token(params).await,
            "status" => self.status(),
            "shutdown" => Ok(json!({})),
            other => Err(RpcError::new(
                ErrorCode::MethodNotFound,
                format!("method `{other}` is not supported by this broker"),
            )),
        }
    }

    fn broker(&self) -> Result<&TokenBroker, RpcError> {
        self.broker
            .get()
            .ok_or_else(|| RpcError::new(ErrorCode::NotInitialized, "call `initialize` first"))
    }

    async fn initialize(&self, params: Value) -> Result<Value, RpcError> {
        let params: InitializeParams = serde_json::from_value(params).map_err(|error| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!("bad `initialize` params: {error}"),
            )
        })?;
        // `memory`, `file:DIR`, `sqlite:PATH` or a `postgres://` URL. Records
        // are sealed with the keyring from OAUTH_CHAOS_STORE_KEYS; without it,
        // a key for this process only (a restart then cannot read them back).
        let spec: StoreSpec = params.store.kind.parse().map_err(|error: StoreSpecError| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!(
                    "store kind `{}` is not supported; use `memory`, `file:DIR`, `sqlite:PATH` or a postgres url",
                    error.kind
                ),
            )
        })?;
        let keyring = Keyring::from_default_env().unwrap_or_else(|_| Keyring::generate("process"));
        let store: Arc<dyn TokenStore> = spec
            .open(keyring)
            .await
            .map_err(|error| RpcError::failed("storage", error.to_string()))?;
        let config = BrokerConfig::new(
            params.provider.token_url,
            params.client.id,
            params.client.secret,
        )
        .with_scopes(params.scopes)
        .with_seed(params.seed ^ params.instance);
        let broker = TokenBroker::new(
            config,
            Arc::new(SystemClock),
            Arc::new(ReqwestTransport::with_timeout(HTTP_TIMEOUT)),
            store.clone(),
        )
        .map_err(|error| RpcError::new(ErrorCode::InvalidParams, error.to_string()))?;
        for account in params.accounts {
            // After a restart over a durable store the stored grant is newer
            // than the one the harness hands over again: keep it.
            if params.restarted
                && let Ok(Some(_)) = store.load(&account.account).await
            {
                continue;
            }
            broker
                .add_account(&account.account, RefreshToken::new(account.refresh_token))
                .await;
        }
        if self.broker.set(broker).is_err() {
            return Err(RpcError::new(
                ErrorCode::InvalidRequest,
                "`initialize` was already called",
            ));
        }
        tracing::info!("initialized");
        Ok(json!({"capabilities": ["access_token", "status"], "name": "reference-broker"}))
    }

    async fn access_token(&self, params: Value) -> Result<Value, RpcError> {
        let broker = self.broker()?;
        let AccountParam { account } = serde_json::from_value(params).map_err(|error| {
            RpcError::new(
                ErrorCode::InvalidParams,
                format!("bad `access_token` params: {error}"),
            )
        })?;
        match broker.access_token(&account).await {
            Ok(token) => Ok(json!({"access_token": token.expose_secret()})),
            Err(error) => {
                let kind = match error.kind() {
                    ErrorKind::Revoked => "revoked",
                    ErrorKind::Transient => "transient",
                    ErrorKind::Storage => "storage",
                    ErrorKind::Protocol => "protocol",
                    ErrorKind::UnknownAccount => "unknown_account",
                };
                tracing::debug!(account, kind, "access_token failed");
                Err(RpcError::failed(kind, error.to_string()))
            }
        }
    }

    fn status(&self) -> Result<Value, RpcError> {
        let accounts: Vec<Value> = self
            .broker()?
            .status()
            .into_iter()
            .map(|status| {
                let unix = |t: Option<std::time::SystemTime>| {
                    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                        .map(|d| d.as_secs())
                };
                json!({
                    "account": status.account,
                    "state": match status.state {
                        AccountState::Ok => "ok",
                        AccountState::Refreshing => "refreshing",
                        AccountState::Degraded => "degraded",
                        AccountState::NeedsReauth => "needs_reauth",
                        AccountState::NoToken => "no_token",
                    },
                    "last_refresh": unix(status.last_refresh),
                    "expires_at": unix(status.expires_at),
                    "consecutive_failures": status.consecutive_failures,
                })
            })
            .collect();
        Ok(json!({"accounts": accounts}))
    }
}
