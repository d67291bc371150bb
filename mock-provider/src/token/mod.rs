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
pub(crate) use response::{Issued, grants_openid};

use crate::server::Outcome;
use crate::state::ProviderState;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

/// RFC 8628's device grant type.
pub(crate) const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The name Google's device flow used before RFC 8628, still accepted.
const LEGACY_DEVICE_CODE: &str = "http://oauth.net/grant_type/device/1.0";

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
    answer(handle(&state, &headers, &body))
}

/// A token-style answer: the JSON body with Google's no-store headers, or
/// the error; either way with what the journal should record.
pub(crate) fn answer(result: Result<(serde_json::Value, Outcome), TokenError>) -> Response {
    let (mut response, outcome) = match result {
        Ok((json, outcome)) => ((NO_STORE, json.to_string()).into_response(), outcome),
        Err(error) => {
            let outcome = Outcome::error(error.code());
            (error.into_response(), outcome)
        }
    };
    response.extensions_mut().insert(outcome);
    response
}

/// Google's order, from the best evidence there is (docs/MOCK_FIDELITY.md,
/// "Precedence on /token"): the form, then `grant_type` (a body with no
/// client at all is answered `unsupported_grant_type` [seen]; a grant that
/// needs no client, jwt-bearer, must be known before client authentication
/// can be skipped), then the client, then the grant's own parameters.
fn handle(
    state: &ProviderState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(serde_json::Value, Outcome), TokenError> {
    let form = form::TokenForm::parse(body)?;
    let grant_type = form.get("grant_type").unwrap_or("");
    let grant: fn(&ProviderState, &str, &form::TokenForm) -> _ = match grant_type {
        // A service account authenticates by its signed assertion alone.
        JWT_BEARER => return jwt_bearer::grant(state, &form),
        "authorization_code" => code::grant,
        "refresh_token" => refresh::grant,
        DEVICE_CODE | LEGACY_DEVICE_CODE => crate::device::token_grant,
        other => return Err(TokenError::unsupported_grant_type(other)),
    };
    let client_id = form::authenticate_client(state, headers, &form)?;
    grant(state, &client_id, &form)
}
