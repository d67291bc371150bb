//! Discovery: `/.well-known/openid-configuration`, RFC 8414's
//! `/.well-known/oauth-authorization-server`, and the JWKS at
//! `/oauth2/v3/certs`. Every URL is built from the base URI clients reach
//! the provider at (its socket, or a configured public URI), so a client
//! can discover everything; `issuer` is the base URI unless configured.

use crate::state::ProviderState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

/// The metadata both discovery documents share.
fn metadata(state: &ProviderState) -> Value {
    let issuer = state.issuer();
    let base = state.base_uri();
    let sends_iss = state.model().policy.authorization_response_iss;
    json!({
        "issuer": &*issuer,
        "authorization_endpoint": format!("{base}/o/oauth2/v2/auth"),
        "device_authorization_endpoint": format!("{base}/device/code"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/v1/userinfo"),
        "revocation_endpoint": format!("{base}/revoke"),
        "jwks_uri": format!("{base}/oauth2/v3/certs"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": [
            "aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss",
            "name", "picture", "sub", "azp", "nonce", "at_hash"
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": [
            "authorization_code",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer"
        ],
        "authorization_response_iss_parameter_supported": sends_iss,
    })
}

pub(crate) async fn openid_configuration(State(state): State<ProviderState>) -> Json<Value> {
    Json(metadata(&state))
}

pub(crate) async fn authorization_server_metadata(
    State(state): State<ProviderState>,
) -> Json<Value> {
    Json(metadata(&state))
}

/// The JWKS, with Google's caching headers: verifiers may keep it for `max-age`
/// and must fetch it again after that (or on a `kid` they do not know).
pub(crate) async fn jwks(State(state): State<ProviderState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (document, max_age) = state.signing.jwks();
    let cache_control = format!(
        "public, max-age={}, must-revalidate, no-transform",
        max_age.as_secs()
    );
    (
        [(http::header::CACHE_CONTROL, cache_control)],
        Json(document),
    )
        .into_response()
}
