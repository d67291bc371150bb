//! `POST /token`: the OAuth 2.0 token endpoint, Google-shaped.
//!
//! `form.rs` parses the form and authenticates the client, `errors.rs`
//! holds Google's error answers (one type, carrying status and body), and
//! `refresh.rs` implements the `refresh_token` grant.

mod errors;
mod form;
mod refresh;

pub use errors::TokenError;

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
    let client_id = form::authenticate_client(state, headers, &form)?;
    match form.get("grant_type") {
        Some("refresh_token") => refresh::grant(state, &client_id, &form),
        other => Err(TokenError::unsupported_grant_type(other.unwrap_or(""))),
    }
}
