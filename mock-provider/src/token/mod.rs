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

pub(crate) use form::{TokenForm, client_credentials_from_header};
pub(crate) use jwt_bearer::{JWT_BEARER, unverified_issuer};
pub(crate) use response::unix_seconds;

use crate::server::Outcome;
use crate::state::ProviderState;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, header};

/// Headers Google sends on every token response (RFC 6749 §5.1: no caching).
/// Static values, so answering copies nothing.
pub(crate) const NO_STORE: [(HeaderName, HeaderValue); 3] = [
    (
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    ),
    (header::PRAGMA, HeaderValue::from_static("no-cache")),
    (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    ),
];

pub(crate) async fn token_endpoint(
    State(state): State<ProviderState>,
    request: Request,
) -> Response {
    // The whole request, not a `HeaderMap` extractor: that one clones the
    // headers, and this runs on every refresh. The middleware has already
    // read the body into one buffer, so this takes it without copying.
    let (mut parts, body) = request.into_parts();
    let form = match parts.extensions.remove::<form::TokenForm>() {
        Some(form) => form,
        None => form::TokenForm::parse(&to_bytes(body, usize::MAX).await.unwrap_or_default()),
    };
    match handle(&state, &parts.headers, &form) {
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
    form: &form::TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    form.refuse_duplicates()?;
    // A service account authenticates by its signed assertion alone.
    if form.get("grant_type") == Some(JWT_BEARER) {
        return jwt_bearer::grant(state, form);
    }
    let client_id = form::authenticate_client(state, headers, form)?;
    match form.get("grant_type") {
        Some("authorization_code") => code::grant(state, &client_id, form),
        Some("refresh_token") => refresh::grant(state, &client_id, form),
        other => Err(TokenError::unsupported_grant_type(other.unwrap_or(""))),
    }
}
