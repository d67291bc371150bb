//! Level 4, optional: `gmail_request`, one authenticated Gmail API call the
//! way an app makes it: a token from the broker, the call, and on 401 one
//! forced refresh ([`TokenBroker::access_token_after_401`](reference_impl::TokenBroker::access_token_after_401)) and a retry.
//! The answer is Gmail's status and JSON body; the token never leaves.

use crate::errors::{RpcError, broker_failed, parse, result};
use crate::mail::Mail;
use oauth_chaos_protocol::{ErrorCode, ErrorKind, GmailRequestParams, GmailRequestResult, Method};
use reference_impl::{AccessToken, HttpRequest, HttpResponse, HttpTransport, TokenBroker};
use serde_json::Value;

/// `gmail_request`: `{"status": 200, "body": {...}, "refreshed": false}`;
/// `refreshed` says a 401 made the broker force a refresh and retry.
pub(crate) async fn gmail_request(
    mail: &Mail,
    broker: &TokenBroker,
    params: Value,
) -> Result<Value, RpcError> {
    let request: GmailRequestParams = parse(Method::GmailRequest, params)?;
    // Only paths under the configured Gmail base: the broker's token must
    // never be sent anywhere the caller chooses.
    if !request.path.starts_with("/users/") || request.path.contains("..") {
        return Err(RpcError::new(
            ErrorCode::InvalidParams,
            format!(
                "bad `gmail_request` params: `path` must start with `/users/`, not `{}`",
                request.path.chars().take(80).collect::<String>()
            ),
        ));
    }
    let method = http::Method::from_bytes(request.method.as_bytes()).map_err(|_| {
        RpcError::new(
            ErrorCode::InvalidParams,
            "bad `gmail_request` params: `method` is not an http method",
        )
    })?;
    let account = request.account.as_str();
    let token = broker
        .access_token(account)
        .await
        .map_err(|error| broker_failed(&error))?;
    let url = format!("{}{}", mail.gmail_base, request.path);
    let mut response = call(mail, &method, &url, request.body.as_ref(), &token).await?;
    let refreshed = response.status() == http::StatusCode::UNAUTHORIZED;
    if refreshed {
        tracing::info!(account, "gmail answered 401; forcing a refresh");
        let fresh = broker
            .access_token_after_401(account, &token)
            .await
            .map_err(|error| broker_failed(&error))?;
        response = call(mail, &method, &url, request.body.as_ref(), &fresh).await?;
    }
    let body = serde_json::from_slice::<Value>(response.body()).unwrap_or(Value::Null);
    result(GmailRequestResult {
        status: response.status().as_u16(),
        body,
        refreshed,
    })
}

async fn call(
    mail: &Mail,
    method: &http::Method,
    url: &str,
    body: Option<&Value>,
    token: &AccessToken,
) -> Result<HttpResponse, RpcError> {
    let mut builder = http::Request::builder()
        .method(method.clone())
        .uri(url)
        .header(
            http::header::AUTHORIZATION,
            format!("Bearer {}", token.expose_secret()),
        );
    let bytes = match body {
        Some(body) => {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
            body.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    let request: HttpRequest = builder.body(bytes).map_err(|_| {
        RpcError::new(
            ErrorCode::InvalidParams,
            "bad `gmail_request` params: the request cannot be built from `path`",
        )
    })?;
    mail.transport.send(request).await.map_err(|error| {
        RpcError::failed(
            ErrorKind::Transient,
            format!("gmail request failed: {error}"),
        )
    })
}
