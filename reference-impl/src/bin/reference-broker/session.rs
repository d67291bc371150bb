//! One protocol session: the JSON-RPC envelope, and the method table that
//! hands each call to its family (`initialize.rs`, `tokens.rs`,
//! `authorization.rs`, `sign_in.rs`, `service_accounts.rs`, `mail.rs`,
//! `gmail_request.rs`).

use crate::errors::{RpcError, answer_line};
use crate::mail::Mail;
use oauth_chaos_protocol::{Answer, ErrorCode, IncomingRequest, JSONRPC, Method};
use reference_impl::{GoogleSignIn, TokenBroker};
use serde_json::Value;
use std::sync::OnceLock;

/// One protocol session: the broker and its mail side, once `initialize`
/// built them.
#[derive(Debug, Default)]
pub(crate) struct Session {
    ready: OnceLock<Ready>,
}

/// What `initialize` builds.
#[derive(Debug)]
pub(crate) struct Ready {
    pub broker: TokenBroker,
    /// `None` when `initialize` had no `provider.gmail_base`.
    pub mail: Option<Mail>,
    /// `None` without `provider.jwks_url` and `issuer` (and authorization URLs).
    pub sign_in: Option<GoogleSignIn>,
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
    pub async fn answer(&self, request: IncomingRequest) -> Option<String> {
        let id = request.id?;
        let name = request.method.unwrap_or_default();
        let params = request.params.unwrap_or(Value::Null);
        tracing::debug!(%id, method = name, "request");
        let result = if request.jsonrpc.as_deref() != Some(JSONRPC) {
            Err(RpcError::new(
                ErrorCode::InvalidRequest,
                "`jsonrpc` must be \"2.0\"",
            ))
        } else {
            match Method::from_name(&name) {
                Some(method) => self.dispatch(method, params).await,
                None => Err(RpcError::new(
                    ErrorCode::MethodNotFound,
                    format!("method `{name}` is not supported by this broker"),
                )),
            }
        };
        Some(match result {
            Ok(result) => answer_line(Answer::result(id, result)),
            Err(error) => {
                tracing::debug!(%id, method = name, code = error.code, "error answer");
                answer_line(Answer::<()>::error(id, error))
            }
        })
    }

    async fn dispatch(&self, method: Method, params: Value) -> Result<Value, RpcError> {
        use crate::{authorization, gmail_request, initialize, service_accounts, sign_in, tokens};
        match method {
            Method::Initialize => {
                let (ready, answer) = initialize::initialize(params).await?;
                self.ready.set(ready).map_err(|_| {
                    RpcError::new(ErrorCode::InvalidRequest, "`initialize` was already called")
                })?;
                tracing::info!("initialized");
                Ok(answer)
            }
            Method::Shutdown => Ok(Value::Object(serde_json::Map::new())),
            Method::AccessToken => tokens::access_token(self.ready()?, params).await,
            Method::Status => tokens::status(self.ready()?),
            Method::BeginAuthorization => authorization::begin(self.ready()?, params),
            Method::CompleteAuthorization => authorization::complete(self.ready()?, params).await,
            Method::SignInBegin => sign_in::begin(self.ready()?, params),
            Method::SignInComplete => sign_in::complete(self.ready()?, params).await,
            Method::ServiceAccountToken => service_accounts::token(self.ready()?, params).await,
            Method::Sync => {
                let ready = self.ready()?;
                ready.mail()?.sync(&ready.broker, params).await
            }
            Method::SyncedIds => self.ready()?.mail()?.synced_ids(params).await,
            Method::Send => {
                let ready = self.ready()?;
                ready.mail()?.send(&ready.broker, params).await
            }
            Method::GmailRequest => {
                let ready = self.ready()?;
                gmail_request::gmail_request(ready.mail()?, &ready.broker, params).await
            }
        }
    }

    fn ready(&self) -> Result<&Ready, RpcError> {
        self.ready
            .get()
            .ok_or_else(|| RpcError::new(ErrorCode::NotInitialized, "call `initialize` first"))
    }
}
