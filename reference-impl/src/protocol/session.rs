//! One protocol session: the JSON-RPC envelope, and the method table that
//! hands each call to its family (`initialize.rs`, `tokens.rs`,
//! `authorization.rs`, `sign_in.rs`, `service_accounts.rs`, `mail.rs`,
//! `gmail_request.rs`).

use super::mail::Mail;
use super::messages::{ErrorCode, RpcError};
use crate::TokenBroker;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// One protocol session: the broker and its mail side, once `initialize`
/// built them.
#[derive(Debug, Default)]
pub struct Session {
    ready: OnceLock<Ready>,
}

/// What `initialize` builds.
#[derive(Debug)]
pub(super) struct Ready {
    pub broker: TokenBroker,
    /// `None` when `initialize` had no `provider.gmail_base`.
    pub mail: Option<Mail>,
    /// `None` without `provider.jwks_url` and `issuer` (and authorization URLs).
    pub sign_in: Option<crate::GoogleSignIn>,
}

impl Ready {
    /// The mail side, or `-32601` (the harness reads it as "no `gmail`").
    pub fn mail(&self) -> Result<&Mail, RpcError> {
        self.mail.as_ref().ok_or_else(|| {
            RpcError::new(
                ErrorCode::MethodNotFound,
                "mail methods need `provider.gmail_base` in `initialize`",
            )
        })
    }
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
            Err(error) => {
                tracing::debug!(%id, method, code = error.code().code(), "error answer");
                error.answer(&id)
            }
        })
    }

    async fn dispatch(&self, method: &str, params: Value) -> Result<Value, RpcError> {
        use super::{authorization, gmail_request, initialize, tokens};
        match method {
            "initialize" => {
                let (ready, answer) = initialize::initialize(params).await?;
                self.ready.set(ready).map_err(|_| {
                    RpcError::new(ErrorCode::InvalidRequest, "`initialize` was already called")
                })?;
                tracing::info!("initialized");
                Ok(answer)
            }
            "shutdown" => Ok(json!({})),
            "access_token" => tokens::access_token(self.ready()?, params).await,
            "status" => Ok(tokens::status(self.ready()?)),
            "begin_authorization" => authorization::begin(self.ready()?, params),
            "sign_in_begin" => super::sign_in::begin(self.ready()?, params),
            "sign_in_complete" => super::sign_in::complete(self.ready()?, params).await,
            "service_account_token" => super::service_accounts::token(self.ready()?, params).await,
            "complete_authorization" => authorization::complete(self.ready()?, params).await,
            "sync" => {
                let ready = self.ready()?;
                ready.mail()?.sync(&ready.broker, params).await
            }
            "synced_ids" => self.ready()?.mail()?.synced_ids(params).await,
            "send" => {
                let ready = self.ready()?;
                ready.mail()?.send(&ready.broker, params).await
            }
            "gmail_request" => {
                let ready = self.ready()?;
                gmail_request::gmail_request(ready.mail()?, &ready.broker, params).await
            }
            other => Err(RpcError::new(
                ErrorCode::MethodNotFound,
                format!("method `{other}` is not supported by this broker"),
            )),
        }
    }

    fn ready(&self) -> Result<&Ready, RpcError> {
        self.ready
            .get()
            .ok_or_else(|| RpcError::new(ErrorCode::NotInitialized, "call `initialize` first"))
    }
}
