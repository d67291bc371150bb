//! `POST /token`: the OAuth 2.0 token endpoint, Google-shaped.
//!
//! `form.rs` parses the form and authenticates the client, `errors.rs`
//! holds Google's error answers (one type, carrying status and body),
//! `response.rs` the success body every grant shares, and one file per
//! grant: `code.rs` (`authorization_code`, with PKCE), `refresh.rs`
//! (`refresh_token`) and `jwt_bearer.rs` (service accounts).

mod code;
mod errors;
mod form;
mod jwt_bearer;
mod refresh;
mod response;

pub use errors::TokenError;

pub(crate) use form::client_credentials_from_header;
pub(crate) use jwt_bearer::{JWT_BEARER, unverified_issuer};
pub(crate) use response::unix_seconds;

use crate::server::Outcome;
use crate::state::ProviderState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

/// Headers Google sends on every token response (RFC 6749 §5.1: no caching).
pub(crate) const NO_STORE: [(&str, &str); 3] = [
    (
        "cache-control",
        "no-cache, no-store, max-age=0, must-revalidate",
    ),
    ("pragma", "no-cache"),
    ("content-type", "application/json; charset=utf-8"),
];

pub(crate) async fn token_endpoint(
    State(state): State<ProviderState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&state, &headers, &body) {
        Ok((json, outcome)) => {
            let mut response = (NO_STORE, json.to_string()).into_response();
            response.extensions_mut().insert(outcome);
            response
        }
        Err(error) => {
            let outcome = Outcome::error(error.code());
            let mut response = error.into_response();
            response.extensions_mut().insert(outcome);
            response
        }
    }
}

fn handle(
    state: &ProviderState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let form = form::TokenForm::parse(body)?;
    // A service account authenticates by its signed assertion alone.
    if form.get("grant_type") == Some(JWT_BEARER) {
        return jwt_bearer::grant(state, &form);
    }
    let client_id = form::authenticate_client(state, headers, &form)?;
    match form.get("grant_type") {
        Some("authorization_code") => code::grant(state, &client_id, &form),
        Some("refresh_token") => refresh::grant(state, &client_id, &form),
        other => Err(TokenError::unsupported_grant_type(other.unwrap_or(""))),
    }
}
