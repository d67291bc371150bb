//! The OpenID Connect userinfo endpoint, `GET` or `POST /v1/userinfo`
//! (Google's `https://openidconnect.googleapis.com/v1/userinfo`; the older
//! `/oauth2/v3/userinfo` answers the same): the claims the access token's
//! scopes allow (`openid`: `sub`; email: `email`, `email_verified`;
//! profile: `name`, `given_name`, `family_name`, `picture`).
//!
//! A token that is missing, unknown, expired, revoked, sent in the URL, or
//! holds no identity scope gets Google's 401
//! `{"error":"invalid_request","error_description":"Invalid Credentials"}`
//! with a `WWW-Authenticate` challenge.

use crate::outcome::Outcome;
use crate::state::ProviderState;
use crate::state::scopes::{USERINFO_EMAIL, USERINFO_PROFILE};
use crate::token::NO_STORE;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode, header};
use serde_json::json;

const CHALLENGE: &str = "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"";

pub(crate) async fn userinfo_endpoint(
    State(state): State<ProviderState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if query.as_deref().is_some_and(carries_token) {
        // RFC 6750 §2.3 / RFC 9700 §4.3.2: never in the URL (Google still
        // takes it; the mock refuses, as on Gmail).
        return invalid_credentials();
    }
    let Some(token) = presented_token(&headers, &body) else {
        return invalid_credentials();
    };
    let now = state.clock.now();
    let model = state.model();
    let Some(record) = model
        .access_tokens
        .get(&token)
        .filter(|r| r.expires_at > now)
    else {
        return invalid_credentials();
    };
    let Some(grant) = model.grants.get(&record.grant_id).filter(|g| !g.revoked) else {
        return invalid_credentials();
    };
    let identity_scope = record
        .scope
        .split(' ')
        .any(|s| matches!(s, "openid" | USERINFO_EMAIL | USERINFO_PROFILE));
    let Some(account) = model
        .accounts
        .get(&grant.account)
        .filter(|_| identity_scope)
    else {
        return invalid_credentials();
    };
    let claims = account.claims(&grant.account, &record.scope);
    let outcome = Outcome {
        account: Some(grant.account.clone()),
        grant_id: Some(grant.id.clone()),
        ..Outcome::default()
    };
    drop(model);
    let mut response = (NO_STORE, serde_json::Value::Object(claims).to_string()).into_response();
    response.extensions_mut().insert(outcome);
    response
}

/// The bearer token from `Authorization`, or from a form body's
/// `access_token` (RFC 6750 §2.2, which OIDC's userinfo allows on POST).
fn presented_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
        let token = token.trim();
        return (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty())
            .then(|| token.to_owned());
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    form.into_iter()
        .find(|(name, value)| name == "access_token" && !value.is_empty())
        .map(|(_, value)| value)
}

fn carries_token(query: &str) -> bool {
    query
        .split('&')
        .any(|pair| matches!(pair.split('=').next(), Some("access_token" | "oauth_token")))
}

fn invalid_credentials() -> Response {
    let body = json!({"error": "invalid_request", "error_description": "Invalid Credentials"});
    let mut response = (
        StatusCode::UNAUTHORIZED,
        NO_STORE,
        [(header::WWW_AUTHENTICATE, CHALLENGE)],
        body.to_string(),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(Outcome::error("invalid_request"));
    response
}
