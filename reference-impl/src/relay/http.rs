//! The relay over HTTP (axum).
//!
//! - `POST /v1/token` with `Authorization: Bearer <consumer credential>` and an
//!   optional JSON body `{"scopes": [...]}` (a subset of the role's): `200
//!   {"access_token", "token_type": "Bearer", "expires_in", "scope"}` with
//!   `Cache-Control: no-store`. Errors are JSON `{"error", "error_description",
//!   "retryable"}`: 401 `invalid_consumer`, 403 `scope_not_allowed`, 503
//!   `upstream_unavailable` with `Retry-After` (retryable), 503 `credential_revoked`
//!   and 500 `role_misconfigured` (not retryable).
//! - `GET /v1/health`: per-role latency, consecutive failures and alert state.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::service::{RelayError, TokenRelay};

/// Largest token request body accepted; a scope list is small.
const BODY_LIMIT: usize = 16 * 1024;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    scopes: Option<Vec<String>>,
}

impl TokenRelay {
    /// The relay's routes, ready for `axum::serve`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/token", post(token))
            .route("/v1/health", get(health))
            .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(self.clone())
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim())
        .filter(|credential| !credential.is_empty())
}

fn error_response(status: StatusCode, code: &str, description: &str, retryable: bool) -> Response {
    let body = json!({"error": code, "error_description": description, "retryable": retryable});
    no_store((status, Json(body)).into_response())
}

async fn token(State(relay): State<TokenRelay>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(credential) = bearer(&headers) else {
        let mut response = error_response(
            StatusCode::UNAUTHORIZED,
            "invalid_consumer",
            "send the consumer credential as `Authorization: Bearer …`",
            false,
        );
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    };
    let request = if body.is_empty() {
        TokenRequest { scopes: None }
    } else {
        match serde_json::from_slice::<TokenRequest>(&body) {
            Ok(request) => request,
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "the body must be json `{\"scopes\": [..]}` or empty",
                    false,
                );
            }
        }
    };
    match relay.issue(credential, request.scopes.as_deref()).await {
        Ok(issued) => no_store(
            Json(json!({
                "access_token": issued.access_token.expose_secret(),
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scopes.join(" "),
            }))
            .into_response(),
        ),
        Err(error) => relay_error(&error),
    }
}

fn relay_error(error: &RelayError) -> Response {
    let description = error.to_string();
    match error {
        RelayError::UnknownConsumer => {
            let mut response = error_response(
                StatusCode::UNAUTHORIZED,
                "invalid_consumer",
                &description,
                false,
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            response
        }
        RelayError::ScopeNotAllowed { .. } => error_response(
            StatusCode::FORBIDDEN,
            "scope_not_allowed",
            &description,
            false,
        ),
        RelayError::Unavailable { retry_after, .. } => {
            let mut response = error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "upstream_unavailable",
                &description,
                true,
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        RelayError::Misconfigured { .. } => error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "role_misconfigured",
            &description,
            false,
        ),
        RelayError::Revoked { .. } => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "credential_revoked",
            &description,
            false,
        ),
    }
}

async fn health(State(relay): State<TokenRelay>) -> Response {
    let roles = relay.stats();
    let alerting = roles.values().any(|stats| stats.alerting);
    let failing = roles.values().any(|stats| stats.consecutive_failures > 0);
    let status = if alerting {
        "alerting"
    } else if failing {
        "degraded"
    } else {
        "ok"
    };
    no_store(Json(json!({"status": status, "roles": roles})).into_response())
}
