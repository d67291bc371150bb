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

use crate::outcome::Outcome;
use crate::state::ProviderState;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, header};

/// RFC 8628's device grant type.
pub(crate) const DEVICE_CODE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// The name Google's device flow used before RFC 8628, still accepted.
const LEGACY_DEVICE_CODE: &str = "http://oauth.net/grant_type/device/1.0";

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
    // headers, and this runs on every refresh. The middleware's inspection
    // has already parsed the form and hands it over in the extensions.
    let (mut parts, body) = request.into_parts();
    let form = match parts.extensions.remove::<form::TokenForm>() {
        Some(form) => form,
        None => form::TokenForm::parse(&to_bytes(body, usize::MAX).await.unwrap_or_default()),
    };
    answer(handle(&state, &parts.headers, &form))
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
    form: &form::TokenForm,
) -> Result<(serde_json::Value, Outcome), TokenError> {
    form.refuse_duplicates()?;
    let grant_type = form.get("grant_type").unwrap_or("");
    let grant: fn(&ProviderState, &str, &form::TokenForm) -> _ = match grant_type {
        // A service account authenticates by its signed assertion alone.
        JWT_BEARER => return jwt_bearer::grant(state, form),
        "authorization_code" => code::grant,
        "refresh_token" => refresh::grant,
        DEVICE_CODE | LEGACY_DEVICE_CODE => crate::device::token_grant,
        other => return Err(TokenError::unsupported_grant_type(other)),
    };
    let client_id = form::authenticate_client(state, headers, form)?;
    grant(state, &client_id, form)
}
